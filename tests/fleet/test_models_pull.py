"""``reelbot models pull``: real huggingface_hub downloads from a local stand-in for the hub,
files verified by size and SHA-256, a corrupted download reported (exit 1), a rerun repairing it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from reelbot.domain.presets import get_preset
from reelbot.generator.weights import weight_sources
from tests.fakes.model_hub import FakeHub

REELBOT = str(Path(sys.executable).with_name("reelbot"))
PRESET = "wan-2.1-t2v-1.3b"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[FakeHub, str]]:
    fake = FakeHub()
    for source in weight_sources(get_preset(PRESET), tmp_path / "models"):
        names = source.files or ("model_index.json", "transformer/config.json", "vae/weights.safetensors")
        fake.repos[source.repo] = {name: f"{source.repo}:{name}".encode() * 1000 for name in names}
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(fake.app())
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def pull(endpoint: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HF_ENDPOINT": endpoint,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HOME": str(data_dir / "hf-home"),
        "REELBOT_DATA_DIR": str(data_dir),
        "LANG": "C.UTF-8",
    }
    command = [REELBOT, "models", "pull", PRESET]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


Hub = tuple[FakeHub, str]


def test_pull_downloads_every_weight_into_the_loaders_folders(hub: Hub, tmp_path: Path) -> None:
    fake, endpoint = hub
    result = pull(endpoint, tmp_path)
    assert result.returncode == 0, result.stderr
    base = tmp_path / "models" / PRESET
    repo = get_preset(PRESET).model_id
    assert repo is not None
    assert (base / "model_index.json").read_bytes() == fake.repos[repo]["model_index.json"]
    for source in weight_sources(get_preset(PRESET), tmp_path / "models"):
        for name, data in fake.repos[source.repo].items():
            assert (source.folder / name).read_bytes() == data
    assert "verified" in result.stderr


def test_a_corrupted_file_is_reported_and_a_rerun_repairs_it(hub: Hub, tmp_path: Path) -> None:
    fake, endpoint = hub
    repo = get_preset(PRESET).model_id
    assert repo is not None
    fake.corrupt.add((repo, "vae/weights.safetensors"))
    bad = pull(endpoint, tmp_path)
    assert bad.returncode == 1 and "vae/weights.safetensors" in bad.stderr, bad.stderr
    fake.corrupt.clear()
    (tmp_path / "models" / PRESET / "vae" / "weights.safetensors").unlink()  # what an operator deletes
    good = pull(endpoint, tmp_path)
    assert good.returncode == 0, good.stderr


def test_a_built_in_preset_has_nothing_to_pull(tmp_path: Path) -> None:
    env = {**os.environ, "REELBOT_DATA_DIR": str(tmp_path), "LANG": "zh_TW.UTF-8"}
    result = subprocess.run([REELBOT, "models", "pull", "tiny"], env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "內建" in result.stderr, result.stderr
