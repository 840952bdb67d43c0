"""Tiny CLIP image encoders and the Wan 2.1 transformers that read them: the layout of the
Wan 2.1 I2V and FLF2V checkpoints (their model_index names a CLIPVisionModel), for the loader tests."""

from __future__ import annotations

from typing import Any

# The tiny CLIP vision tower: 32×32 input in 8×8 patches (16 + class token = 17 image tokens,
# the real ViT-H/14 gives 257), width 8 → the transformer's image_dim.
CLIP_WIDTH, CLIP_IMAGE, CLIP_TOKENS = 8, 32, 17


def tiny_clip() -> tuple[Any, Any]:
    """(CLIPVisionModel, CLIPImageProcessor) as Wan 2.1 I2V's checkpoint names them in
    model_index.json; the pipeline takes ``hidden_states[-2]`` of the vision tower."""
    import torch
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    config = CLIPVisionConfig(
        hidden_size=CLIP_WIDTH,
        intermediate_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=CLIP_IMAGE,
        patch_size=8,
        projection_dim=CLIP_WIDTH,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(41)
        encoder = CLIPVisionModel(config).eval()
    processor = CLIPImageProcessor(size={"shortest_edge": CLIP_IMAGE}, crop_size=CLIP_IMAGE)
    return encoder, processor


def clip_transformer(seed: int, *, images: int = 1) -> Any:
    """Wan 2.1 I2V's transformer shape: 36 input channels, an image embedder over the CLIP
    tokens (image_dim) and the extra image key/value projections (added_kv_proj_dim = width);
    ``images=2``: FLF2V's, whose embedder adds positions over both frames' tokens."""
    import torch
    from diffusers import WanTransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER

    width = TINY_WAN_TRANSFORMER["num_attention_heads"] * TINY_WAN_TRANSFORMER["attention_head_dim"]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return WanTransformer3DModel(
            **TINY_WAN_TRANSFORMER,
            in_channels=36,
            image_dim=CLIP_WIDTH,
            added_kv_proj_dim=width,
            pos_embed_seq_len=images * CLIP_TOKENS if images > 1 else None,
        ).eval()
