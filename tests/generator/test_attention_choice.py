"""The engine's attention backend is one that runs on the device, chosen by a probe call."""

from __future__ import annotations

import logging

import pytest
import torch

from reelbot.generator.speed.tuning import choose_attention_backend, probe_attention_s
from reelbot.generator.tiny import build_tiny_transformer


@pytest.fixture
def transformer() -> torch.nn.Module:
    return build_tiny_transformer(16, seed=0)


def test_probe_times_a_backend_that_runs_and_refuses_one_that_cannot(transformer: torch.nn.Module) -> None:
    assert (probe_attention_s(transformer, "native", "cpu") or 0) > 0
    # cuDNN attention passes diffusers' set-time checks on a CPU but has no kernel there.
    assert probe_attention_s(transformer, "_native_cudnn", "cpu") is None


def test_auto_keeps_a_backend_that_runs_here(
    transformer: torch.nn.Module, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="reelbot.generator.speed.tuning"):
        chosen = choose_attention_backend([transformer], "auto", "cpu")
    assert chosen == "native"  # flash-3 / sage packages are absent, cuDNN cannot run on a CPU
    line = next(r.getMessage() for r in caplog.records if "attention probe" in r.getMessage())
    assert "_native_cudnn -" in line and "→ native" in line
    processors = [m.processor for m in transformer.modules() if hasattr(m, "processor")]
    assert processors and all(p._attention_backend == "native" for p in processors)


def test_an_asked_for_backend_that_cannot_run_falls_back_to_native(transformer: torch.nn.Module) -> None:
    assert choose_attention_backend([transformer], "_native_cudnn", "cpu") == "native"
    assert choose_attention_backend([transformer], "_native_flash", "cpu") == "_native_flash"


def test_the_choice_stays_on_its_transformers_not_process_wide(transformer: torch.nn.Module) -> None:
    """diffusers' set_attention_backend also sets its process-wide default; another model in the
    same worker (LTX's masked attention) must not inherit a flash kernel that refuses masks."""
    from diffusers.models.attention_dispatch import _AttentionBackendRegistry

    before, _fn = _AttentionBackendRegistry.get_active_backend()
    assert choose_attention_backend([transformer], "_native_flash", "cpu") == "_native_flash"
    assert _AttentionBackendRegistry.get_active_backend()[0] == before
    processors = [m.processor for m in transformer.modules() if hasattr(m, "processor")]
    assert all(p._attention_backend == "_native_flash" for p in processors)
