"""Render deploy/k8s with kustomize (``kubectl kustomize``, built in since kubectl 1.14; offline)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("single-gpu", "fleet", "fleet-s3", "fleet-selfhosted")


def kustomize_command() -> list[str]:
    """``kustomize build`` when the stand-alone binary exists, else ``kubectl kustomize``."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise AssertionError("neither kustomize nor kubectl is installed (apt-get install kubectl)")
    return [kubectl, "kustomize"]


def render(path: Path) -> list[dict[str, Any]]:
    result = subprocess.run([*kustomize_command(), str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
