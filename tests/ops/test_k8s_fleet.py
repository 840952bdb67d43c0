"""The share-nothing overlays: media in a bucket, Redis behind Sentinel, nothing ReadWriteMany.

fleet-s3 (a cloud bucket) and fleet-selfhosted (MinIO in the cluster) render with kustomize;
their settings parse with reelbot's own settings models, every host they name is a Service
they define, and KEDA watches the same streams through the same Sentinels as the pods.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

from reelbot.domain.media_settings import MediaSettings
from reelbot.queue.keys import LANES, Keys
from reelbot.queue.sentinel import parse_sentinel_url
from tests.ops.k8s_render import K8S, render
from tests.ops.test_k8s import K8S_VERSION, by_kind, validate_keda

SHARE_NOTHING = ("overlays/fleet-s3", "overlays/fleet-selfhosted")


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {tree: render(K8S / tree) for tree in SHARE_NOTHING}


def media_settings(config: dict[str, str]) -> MediaSettings:
    """What ``REELBOT_MEDIA__*`` in the ConfigMap means to reelbot."""
    nested: dict[str, Any] = {}
    for name, value in config.items():
        if name.startswith("REELBOT_MEDIA__"):
            *parents, leaf = name.removeprefix("REELBOT_MEDIA__").lower().split("__")
            target = nested
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = value
    return MediaSettings.model_validate(nested)


@pytest.mark.parametrize("tree", SHARE_NOTHING)
def test_no_pod_mounts_a_shared_media_volume(rendered: dict[str, list[dict[str, Any]]], tree: str) -> None:
    docs = rendered[tree]
    assert "reelbot-media" not in by_kind(docs, "PersistentVolumeClaim")
    for name, deployment in by_kind(docs, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        claims = {
            v["persistentVolumeClaim"]["claimName"]
            for v in pod.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        assert "reelbot-media" not in claims, name
        mounts = {m["mountPath"] for c in pod["containers"] for m in c.get("volumeMounts", [])}
        assert "/media" not in mounts, name
    media = media_settings(by_kind(docs, "ConfigMap")["reelbot-config"]["data"])
    assert media.backend == "s3" and media.s3.bucket


@pytest.mark.parametrize("tree", SHARE_NOTHING)
def test_pods_and_keda_reach_redis_through_the_sentinels(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    docs = rendered[tree]
    config = by_kind(docs, "ConfigMap")["reelbot-config"]["data"]
    target = parse_sentinel_url(config["REELBOT_REDIS_URL"])
    sentinels = by_kind(docs, "StatefulSet")["sentinel"]
    service = by_kind(docs, "Service")[sentinels["spec"]["serviceName"]]
    assert service["spec"]["clusterIP"] == "None"  # pod DNS names sentinel-N.sentinel
    assert {host for host, _ in target.sentinels} == {
        f"sentinel-{i}.{service['metadata']['name']}" for i in range(sentinels["spec"]["replicas"])
    }
    assert {port for _, port in target.sentinels} == {service["spec"]["ports"][0]["port"]}
    scripts = by_kind(docs, "ConfigMap")["redis-sentinel-scripts"]["data"]
    assert f"sentinel monitor {target.service_name} " in scripts["sentinel.sh"]
    assert f"get-master-addr-by-name {target.service_name}" in scripts["primary.sh"]
    assert (
        sentinels["spec"]["replicas"] >= 3 and " 2\n" in scripts["sentinel.sh"].split("sentinel monitor")[1]
    )

    scaled = by_kind(docs, "ScaledObject")["worker"]
    validate_keda(scaled)
    keys = Keys(config["REELBOT_REDIS_PREFIX"])
    triggers = scaled["spec"]["triggers"]
    assert {t["type"] for t in triggers} == {"redis-sentinel-streams"}
    assert {t["metadata"]["stream"] for t in triggers} == {keys.jobs(lane) for lane in LANES}
    for trigger in triggers:
        meta = trigger["metadata"]
        assert meta["sentinelMaster"] == target.service_name and "streamLength" in meta
        hosts = {a.strip().split(".svc.")[0] for a in meta["addresses"].split(",")}
        assert hosts == {f"{host}.reelbot" for host, _ in target.sentinels}


@pytest.mark.parametrize("tree", SHARE_NOTHING)
def test_redis_and_sentinels_survive_a_drain(rendered: dict[str, list[dict[str, Any]]], tree: str) -> None:
    docs = rendered[tree]
    budgets = by_kind(docs, "PodDisruptionBudget")
    for name in ("redis", "sentinel"):
        workload = by_kind(docs, "StatefulSet")[name]
        assert budgets[name]["spec"]["selector"]["matchLabels"] == workload["spec"]["selector"]["matchLabels"]
        assert budgets[name]["spec"]["maxUnavailable"] == 1
        assert workload["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 10


def test_the_self_hosted_store_uses_reelbots_keys_and_settings(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = rendered["overlays/fleet-selfhosted"]
    config = by_kind(docs, "ConfigMap")["reelbot-config"]["data"]
    secret = by_kind(docs, "Secret")["reelbot-secrets"]["stringData"]
    media = media_settings(config)
    assert media.s3.endpoint == "http://minio.reelbot.svc.cluster.local:9000" and media.s3.allow_http
    assert "minio" in by_kind(docs, "Service") and "minio" in by_kind(docs, "StatefulSet")
    job = by_kind(docs, "Job")["minio-bucket"]  # base adds reelbot-migrate (tests/deploy)
    for workload in (by_kind(docs, "StatefulSet")["minio"], job):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    assert ref["secretKeyRef"]["key"] in secret
                if "configMapKeyRef" in ref:
                    assert ref["configMapKeyRef"]["key"] in config
    assert all("REPLACE_ME" in value for value in secret.values())


def test_media_migrate_job_is_valid_and_runs_a_real_command() -> None:
    path = K8S / "jobs" / "media-migrate.yaml"
    (job,) = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    kubernetes_validate.validate(json.loads(json.dumps(job)), K8S_VERSION, strict=True)
    (container,) = job["spec"]["template"]["spec"]["containers"]
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    bot = next(image for image in base["images"] if image["name"] == "reelbot-bot")
    assert container["image"] == f"{bot['newName']}:{bot['newTag']}"
    from reelbot.cli import app

    result = CliRunner().invoke(app, [*container["args"][:2], "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and "--to" in result.output
    assert all(option in result.output for option in container["args"][2:] if option.startswith("--"))
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in job["spec"]["template"]["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"reelbot-media"}  # the volume of the deployment being migrated


def test_overlays_exist_where_the_docs_say(rendered: dict[str, list[dict[str, Any]]]) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    for tree in SHARE_NOTHING:
        assert f"deploy/k8s/{tree}" in text
