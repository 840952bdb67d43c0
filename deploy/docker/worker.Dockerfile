# syntax=docker/dockerfile:1.7
# reelbot GPU worker: torch (CUDA build), diffusers, the [generator] extra. No discord.py.
#   docker build -f deploy/docker/worker.Dockerfile -t reelbot-worker .
# Model weights are not baked in: they download once into the /models volume (HF_HOME).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-base-ubuntu24.04

FROM ${CUDA_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
# Optional: a wheel index for a specific CUDA build of torch; empty = the default Linux
# wheel, which already bundles CUDA libraries.
ARG TORCH_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core core
COPY bots bots
COPY generator generator
COPY queue queue
COPY storage storage
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
      pip install --index-url "$TORCH_INDEX_URL" "torch==2.13.0"; \
    fi \
 && pip install ".[generator,s3]" && pip check

FROM ${CUDA_IMAGE} AS runtime
# fonts-noto-cjk: Noto Sans CJK TC for burned-in zh-TW captions (generator/finish/captions.py).
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 libgomp1 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 reelbot \
 && useradd --system --uid 10001 --gid reelbot --home-dir /data --shell /usr/sbin/nologin reelbot \
 && mkdir -p /data /models && chown reelbot:reelbot /data /models
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HOME=/models/hf \
    TORCH_HOME=/models/torch \
    REELBOT_DATA_DIR=/data \
    REELBOT_DEVICE=cuda \
    REELBOT_LOG_JSON=true \
    REELBOT_HEALTH_URL=http://127.0.0.1:9102/healthz \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER 10001:10001
WORKDIR /data
VOLUME ["/data", "/models"]
EXPOSE 9102
# start-period covers the first model load (several GB from /models).
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen(os.environ['REELBOT_HEALTH_URL'], timeout=3); sys.exit(r.status != 200)"]
# SIGTERM: stop claiming, finish the current clip (see docs/deploy.md); give it time.
STOPSIGNAL SIGTERM
ENTRYPOINT ["reelbot"]
CMD ["worker"]
