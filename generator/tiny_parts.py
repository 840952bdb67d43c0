"""What the tiny builders share: seeded construction (every tiny preset), and for the tiny LTX
ones the LTX VAE shape and the pipeline shell.

Why one module: every tiny preset (Wan T2V/I2V, VACE, LTX-Video, LTX-2) builds its random
components the same way — each under its own torch seed (``base``, ``base + 1``, …) inside a
forked RNG so the caller's random state is untouched, in eval mode — and the two LTX VAEs differ
only in depth and latent width. Keeping that here means the presets cannot drift apart in
how "deterministic random weights" is done.

Torch and diffusers are imported inside the functions (the bots import the preset registry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from reelbot.generator.presets import Engine, LoadContext


def weight_seed(seed: int | None, offset: int) -> int:
    """The first torch seed of a tiny preset: the shared tiny seed (or ``seed``) plus its offset,
    so two presets never draw the same weights."""
    from reelbot.generator.tiny import TINY_WEIGHT_SEED

    return (TINY_WEIGHT_SEED if seed is None else seed) + offset


class SeededParts:
    """Builds components one after another, each right after ``torch.manual_seed(next seed)``."""

    def __init__(self, base: int) -> None:
        self.next_seed = base

    def __call__(self, factory: Callable[..., Any], **kwargs: Any) -> Any:
        """``factory(**kwargs)`` under the next seed, switched to eval mode."""
        import torch

        torch.manual_seed(self.next_seed)
        self.next_seed += 1
        part = factory(**kwargs)
        part.eval()
        return part


@contextmanager
def seeded_parts(seed: int | None, offset: int) -> Iterator[SeededParts]:
    """A :class:`SeededParts` from :func:`weight_seed` inside ``torch.random.fork_rng``: the
    caller's random state is restored after."""
    import torch

    with torch.random.fork_rng(devices=[]):
        yield SeededParts(weight_seed(seed, offset))


def patch1(channels: int) -> dict[str, Any]:
    """A tiny LTX transformer's shape keywords: ``channels`` in and out, patch size 1 × 1."""
    return {"in_channels": channels, "out_channels": channels, "patch_size": 1, "patch_size_t": 1}


def tiny_ltx_vae(latent_channels: int, scaling: tuple[bool, ...], *, encoder_layers: int) -> dict[str, Any]:
    """Keywords of a tiny LTX(-2) video VAE: 8 channels per level, one layer per block.

    ``scaling`` says per level whether it scales space and time (its length is the depth);
    ``encoder_layers`` is the length of ``layers_per_block`` (LTX-Video counts the mid block,
    LTX-2's fixtures do not). RGB in and out, causal encoder, no timestep conditioning.
    """
    levels = len(scaling)
    return {
        **patch1(3),
        "latent_channels": latent_channels,
        "block_out_channels": (8,) * levels,
        "decoder_block_out_channels": (8,) * levels,
        "layers_per_block": (1,) * encoder_layers,
        "decoder_layers_per_block": (1,) * (levels + 1),
        "spatio_temporal_scaling": scaling,
        "decoder_spatio_temporal_scaling": scaling,
        "decoder_inject_noise": (False,) * (levels + 1),
        "upsample_residual": (False,) * levels,
        "upsample_factor": (1,) * levels,
        "timestep_conditioning": False,
        "encoder_causal": True,
        "decoder_causal": False,
    }


def tiny_pipeline(pipeline_class: Callable[..., Any], **parts: Any) -> Any:
    """``pipeline_class`` with a default flow-matching scheduler, the tiny tokenizer and ``parts``;
    no progress bars (they would fill worker logs)."""
    from diffusers import FlowMatchEulerDiscreteScheduler

    from reelbot.generator.tiny import build_tiny_tokenizer

    scheduler = FlowMatchEulerDiscreteScheduler()
    pipe = pipeline_class(scheduler=scheduler, tokenizer=build_tiny_tokenizer(), **parts)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def tiny_engine(
    ctx: LoadContext, pipe: Any, engine_class: Callable[[Any, str], Any], max_sequence_length: int
) -> Engine:
    """The loaded engine: ``pipe`` moved to the context's device, prompts cut to ``max_sequence_length``
    (the tiny vocabulary makes longer prompts mostly unknown words anyway)."""
    if ctx.device != "cpu":
        pipe.to(ctx.device)
    engine = engine_class(pipe, ctx.device)
    engine.max_sequence_length = max_sequence_length
    return engine  # type: ignore[no-any-return]
