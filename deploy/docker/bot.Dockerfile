# syntax=docker/dockerfile:1.7
# reelbot bots + media server: Discord bot, LINE webhook, media server, CLI. No torch.
#   docker build -f deploy/docker/bot.Dockerfile -t reelbot-bot .
# Run one role per container: `discord`, `line`, `media` (see deploy/compose.yaml).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Metadata first so the dependency layer is cached across source edits.
COPY pyproject.toml README.md ./
COPY core core
COPY bots bots
COPY generator generator
COPY queue queue
COPY storage storage
# The [bots] extra (and [s3], the object-store client): the generator package ships, its
# torch/diffusers extra does not.
RUN pip install ".[bots,s3]" && pip check

FROM python:${PYTHON_VERSION}-slim AS runtime
RUN groupadd --system --gid 10001 reelbot \
 && useradd --system --uid 10001 --gid reelbot --home-dir /data --shell /usr/sbin/nologin reelbot \
 && mkdir -p /data && chown reelbot:reelbot /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REELBOT_DATA_DIR=/data \
    REELBOT_LOG_JSON=true \
    REELBOT_HEALTH_URL=http://127.0.0.1:9102/healthz
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# 8000 LINE webhook, 8080 media server, 9102 /metrics /healthz /readyz
EXPOSE 8000 8080 9102
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen(os.environ['REELBOT_HEALTH_URL'], timeout=3); sys.exit(r.status != 200)"]
# Exec form: reelbot runs as PID 1 and receives SIGTERM itself (graceful shutdown).
ENTRYPOINT ["reelbot"]
CMD ["discord"]
