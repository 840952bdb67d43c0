"""The published Wan checkpoints' layouts in tiny, for the loader tests: the CLIP image encoder
and the transformers that read it (Wan 2.1 I2V, FLF2V: their model_index names a
CLIPVisionModel), and Wan 2.2 TI2V's ×16 VAE with the transformer over its latent channels."""

from __future__ import annotations

import dataclasses
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


def clip_pipeline(parts: Any, seed: int, *, images: int = 1) -> Any:
    """A WanImageToVideoPipeline laid out as Wan 2.1 I2V's checkpoint (``images=2``: FLF2V's):
    the tiny CLIP encoder and processor, and the transformer that reads their tokens."""
    from diffusers import WanImageToVideoPipeline

    encoder, processor = tiny_clip()
    return parts.pipeline(
        WanImageToVideoPipeline,
        transformer=clip_transformer(seed, images=images),
        image_encoder=encoder,
        image_processor=processor,
    )


#: Wan 2.2's VAE in tiny: the real one's structure (a 2×2 pixel patch in, so 12 channels, residual
#: blocks, ×16 space and ×4 time), 8 latent channels instead of 48.
TI2V_LATENT_CHANNELS = 8


def ti2v_vae() -> Any:
    """Wan 2.2's ×16 VAE layout (residual blocks, 2×2 patches, 48 latent channels) at tiny widths,
    its weights drawn from torch's current generator (seed it first)."""
    from diffusers import AutoencoderKLWan

    z = TI2V_LATENT_CHANNELS
    return AutoencoderKLWan(
        base_dim=8, decoder_base_dim=8, z_dim=z, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        temperal_downsample=[False, True, True], is_residual=True, in_channels=12, out_channels=12,
        patch_size=2, scale_factor_spatial=16, scale_factor_temporal=4,
        latents_mean=[0.0] * z, latents_std=[1.0] * z,
    ).eval()  # fmt: skip


def ti2v_pipeline(parts: Any, seed: int) -> Any:
    """A WanPipeline laid out as Wan-AI/Wan2.2-TI2V-5B-Diffusers: expanded timesteps, the ×16
    VAE, a transformer whose in/out channels are the VAE's latent channels."""
    import torch
    from diffusers import WanPipeline, WanTransformer3DModel

    from reelbot.generator.tiny import TINY_WAN_TRANSFORMER

    z = TI2V_LATENT_CHANNELS
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        vae = ti2v_vae()
        shape = {**TINY_WAN_TRANSFORMER, "in_channels": z, "out_channels": z}
        transformer = WanTransformer3DModel(**shape).eval()
    with_its_vae = dataclasses.replace(parts, vae=vae)
    return with_its_vae.pipeline(WanPipeline, transformer=transformer, expand_timesteps=True)
