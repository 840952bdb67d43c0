"""deploy/k8s renders with kustomize and every manifest passes its schema and cross-checks.

Built-in kinds: the Kubernetes OpenAPI-derived JSON schemas shipped in kubernetes-validate
(strict: unknown fields fail). KEDA's ScaledObject: schemas/keda-scaledobject.schema.json.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from tests.ops.k8s_render import K8S, OVERLAYS, render

K8S_VERSION = "1.33.0"
KEDA_SCHEMA = json.loads((Path(__file__).with_name("schemas") / "keda-scaledobject.schema.json").read_text())
TREES = ("base", *(f"overlays/{name}" for name in OVERLAYS))


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {tree: render(K8S / tree) for tree in TREES}


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def validate_keda(doc: dict[str, Any]) -> None:
    jsonschema.validate(doc, KEDA_SCHEMA, cls=jsonschema.Draft202012Validator)
    # The HPA behavior block KEDA passes through must be a valid autoscaling/v2 behavior.
    behavior = doc["spec"].get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("behavior")
    if behavior is not None:
        hpa = {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "keda-hpa-check"},
            "spec": {
                "scaleTargetRef": doc["spec"]["scaleTargetRef"],
                "maxReplicas": doc["spec"]["maxReplicaCount"],
                "behavior": behavior,
            },
        }
        kubernetes_validate.validate(hpa, K8S_VERSION, strict=True)


@pytest.mark.parametrize("tree", TREES)
def test_every_manifest_matches_its_schema(rendered: dict[str, list[dict[str, Any]]], tree: str) -> None:
    docs = rendered[tree]
    kinds = Counter(doc["kind"] for doc in docs)
    assert kinds["Deployment"] == 4 and kinds["ScaledObject"] == 1 and kinds["Ingress"] == 1
    for doc in docs:
        if doc["apiVersion"].startswith("keda.sh/"):
            validate_keda(doc)
        else:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        assert doc["metadata"].get("namespace", "reelbot") == "reelbot"


def test_validators_reject_mistakes(rendered: dict[str, list[dict[str, Any]]]) -> None:
    """The checks above could fail: a typo in a Deployment or a ScaledObject is caught."""
    worker = json.loads(json.dumps(by_kind(rendered["base"], "Deployment")["worker"]))
    worker["spec"]["template"]["spec"]["containers"][0]["resource"] = {}  # typo of "resources"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, K8S_VERSION, strict=True)

    scaled = json.loads(json.dumps(by_kind(rendered["base"], "ScaledObject")["worker"]))
    scaled["spec"]["triggers"][0]["metadata"]["streamlength"] = scaled["spec"]["triggers"][0]["metadata"].pop(
        "streamLength"
    )
    with pytest.raises(jsonschema.ValidationError):
        validate_keda(scaled)
    scaled = json.loads(json.dumps(by_kind(rendered["base"], "ScaledObject")["worker"]))
    scaled["spec"]["triggers"][0]["metadata"]["lagCount"] = "5"  # two scaling modes at once
    with pytest.raises(jsonschema.ValidationError):
        validate_keda(scaled)


def test_workers_scale_to_zero_on_stream_length_which_counts_rendering_jobs(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    from reelbot.queue.keys import LANES, Keys

    scaled = by_kind(rendered["base"], "ScaledObject")["worker"]
    spec = scaled["spec"]
    assert spec["minReplicaCount"] == 0
    assert spec["scaleTargetRef"]["name"] in by_kind(rendered["base"], "Deployment")
    config = by_kind(rendered["base"], "ConfigMap")["reelbot-config"]["data"]
    keys = Keys(config["REELBOT_REDIS_PREFIX"])
    triggers = spec["triggers"]
    assert all(t["type"] == "redis-streams" for t in triggers)
    # Every lane's real stream name (queue/keys.py) drives scaling by its length, which counts
    # rendering jobs too (acked entries are deleted) — see the manifest's comment and
    # tests/ops/test_keda_stream_length.py for the queue behaviour this relies on.
    assert {t["metadata"]["stream"] for t in triggers} == {keys.jobs(lane) for lane in LANES}
    assert all(set(t["metadata"]) >= {"streamLength"} and "lagCount" not in t["metadata"] for t in triggers)
    redis_host = config["REELBOT_REDIS_URL"].split("://", 1)[1].split("/", 1)[0]
    assert {t["metadata"]["address"] for t in triggers} == {redis_host}

    assert by_kind(rendered["overlays/single-gpu"], "ScaledObject")["worker"]["spec"]["maxReplicaCount"] == 1
    assert by_kind(rendered["overlays/fleet"], "ScaledObject")["worker"]["spec"]["maxReplicaCount"] == 16


@pytest.mark.parametrize("tree", TREES)
def test_worker_pods_land_on_gpus_and_get_time_to_finish(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    worker = by_kind(rendered[tree], "Deployment")["worker"]
    pod = worker["spec"]["template"]["spec"]
    assert "replicas" not in worker["spec"]  # KEDA owns the count
    assert pod["nodeSelector"]["nvidia.com/gpu.present"] == "true"
    assert any(t["key"] == "nvidia.com/gpu" and t["effect"] == "NoSchedule" for t in pod["tolerations"])
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    # Longer than the slowest full-size render (minutes), far longer than the reclaim window.
    assert pod["terminationGracePeriodSeconds"] >= 900
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert env["HF_HOME"].startswith("/models")
    assert any(m["mountPath"] == "/models" for m in container["volumeMounts"])
    pdb = by_kind(rendered[tree], "PodDisruptionBudget")["worker"]
    assert pdb["spec"]["selector"]["matchLabels"] == worker["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("tree", TREES)
def test_references_resolve(rendered: dict[str, list[dict[str, Any]]], tree: str) -> None:
    """Services select pods with the named port; Ingress, PVC, ConfigMap and Secret references exist."""
    docs = rendered[tree]
    deployments = by_kind(docs, "Deployment")
    services = by_kind(docs, "Service")
    claims = set(by_kind(docs, "PersistentVolumeClaim"))
    configmaps, secrets = set(by_kind(docs, "ConfigMap")), set(by_kind(docs, "Secret"))

    workloads = [*deployments.values(), *by_kind(docs, "StatefulSet").values()]

    def pods_selected(selector: dict[str, str]) -> list[dict[str, Any]]:
        return [
            d["spec"]["template"]
            for d in workloads
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]

    for name, service in services.items():
        pods = pods_selected(service["spec"]["selector"])
        assert pods, f"service {name} selects no pods"
        for port in service["spec"]["ports"]:
            for pod in pods:
                names = {p.get("name") for c in pod["spec"]["containers"] for p in c.get("ports", [])}
                assert port["targetPort"] in names, (name, port)

    for rule in by_kind(docs, "Ingress")["reelbot"]["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            target = services[backend["name"]]
            assert backend["port"]["name"] in {p["name"] for p in target["spec"]["ports"]}

    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for volume in pod.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
            port_names = {p["name"] for p in container.get("ports", [])}
            for probe in ("livenessProbe", "readinessProbe"):
                assert container[probe]["httpGet"]["port"] in port_names, (name, probe)
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_example_secret_holds_no_real_values(rendered: dict[str, list[dict[str, Any]]]) -> None:
    secret = by_kind(rendered["base"], "Secret")["reelbot-secrets"]
    assert secret["stringData"]
    assert all("REPLACE_ME" in value for value in secret["stringData"].values())
