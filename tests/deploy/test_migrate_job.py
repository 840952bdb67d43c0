"""Migrations run once, as a one-shot job, before the long-running processes — never in them.

Compose: the config as the real `docker compose config` resolves it (tests/ops/test_compose.py
holds the binary); Kubernetes: every tree as kustomize renders it. Both run a real
`reelbot migrate` command, and nothing turns REELBOT_MIGRATE_ON_START on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.domain.settings import Settings
from tests.ops.k8s_render import K8S, OVERLAYS, render
from tests.ops.test_compose import SECRETS, compose_config, project
from tests.ops.test_k8s import K8S_VERSION, by_kind

LONG_RUNNING = ("discord-bot", "line-bot", "media", "worker")
TREES = ("base", *(f"overlays/{name}" for name in OVERLAYS))


def runs_a_real_command(args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "schema" in result.output


def migrates_at_start(env: dict[str, Any]) -> bool:
    """What REELBOT_MIGRATE_ON_START in ``env`` means to reelbot's settings (absent: the default)."""
    value = env.get("REELBOT_MIGRATE_ON_START")
    data = {} if value is None else {"migrate_on_start": value}
    return Settings.model_validate({"_env_file": None, **data}).migrate_on_start


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = compose_config(project(tmp_path_factory.mktemp("compose"), SECRETS))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_compose_migrates_once_and_every_process_waits_for_it(compose: dict[str, Any]) -> None:
    migrate = compose["migrate"]
    runs_a_real_command(migrate["command"])
    assert migrate["restart"] == "no"  # one-shot: exits 0 and stays down
    assert {name: dep["condition"] for name, dep in migrate["depends_on"].items()} == {
        "postgres": "service_healthy"
    }
    assert (
        migrate["environment"]["REELBOT_DATABASE_URL"]
        == compose["worker"]["environment"]["REELBOT_DATABASE_URL"]
    )
    for name in LONG_RUNNING:
        service = compose[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert not migrates_at_start(service["environment"]), name
    # The one-shot itself must not be a dependency of itself or of the databases.
    assert "migrate" not in migrate["depends_on"]
    assert all("migrate" not in compose[name].get("depends_on", {}) for name in ("redis", "postgres"))


def test_migrates_at_start_reads_the_setting() -> None:
    """The check above could fail: a service that set the variable would be caught."""
    assert migrates_at_start({"REELBOT_MIGRATE_ON_START": "true"})
    assert not migrates_at_start({})


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {tree: render(K8S / tree) for tree in TREES}


@pytest.mark.parametrize("tree", TREES)
def test_kubernetes_runs_one_migrate_job_as_a_helm_pre_install_and_pre_upgrade_hook(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    docs = rendered[tree]
    job = by_kind(docs, "Job")["reelbot-migrate"]
    kubernetes_validate.validate(job, K8S_VERSION, strict=True)
    hooks = job["metadata"]["annotations"]
    assert set(hooks["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in hooks["helm.sh/hook-delete-policy"]
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in {"OnFailure", "Never"} and job["spec"]["backoffLimit"] >= 1
    (container,) = pod["containers"]
    runs_a_real_command(container["args"])
    deployments = by_kind(docs, "Deployment")
    images = {d["spec"]["template"]["spec"]["containers"][0]["image"] for d in deployments.values()}
    assert container["image"] == deployments["media"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert container["image"] in images and "worker" not in container["image"]  # the small image
    # The same settings as the pods it migrates for: one database URL for all.
    assert (
        container["envFrom"] == deployments["worker"]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    )

    config = by_kind(docs, "ConfigMap")["reelbot-config"]["data"]
    assert not migrates_at_start(config)
    for name, deployment in deployments.items():
        for c in deployment["spec"]["template"]["spec"]["containers"]:
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            assert not migrates_at_start(env), name
            assert c.get("args", [None])[0] != "migrate", name


def test_the_deploy_docs_name_the_job_and_the_upgrade_step() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    assert "reelbot migrate" in text and "job/reelbot-migrate" in text
    assert "service_completed_successfully" in text
