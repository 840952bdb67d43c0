"""The ``tiny-ltx2`` preset: LTX-2's condition pipeline built offline from tiny configs.

Every component is the real diffusers / transformers class — ``LTX2VideoTransformer3DModel``
(video and audio streams with cross-modal attention), ``AutoencoderKLLTX2Video``,
``AutoencoderKLLTX2Audio``, ``LTX2Vocoder``, ``LTX2TextConnectors`` and a Gemma 3 text
encoder — with random weights and sizes from diffusers' own LTX-2 test fixtures, so tests run
the same ``LTX2ConditionPipeline.__call__`` the ``ltx-2`` preset runs, on a CPU in seconds.
The tokenizer is the tiny word-level one of the ``tiny`` preset.

The vocoder upsamples each mel frame 80× (the fixtures use 4×) so that its waveform is
8 kHz and lasts as long as the video, like the real 24 kHz one: the encoder's resampling to
48 kHz is then exercised on a real rate, not a toy one.
"""

from __future__ import annotations

from typing import Any

from reelbot.generator.ltx2 import Ltx2Engine
from reelbot.generator.presets import Engine, LoadContext, register_engine
from reelbot.generator.tiny_parts import patch1, seeded_parts, tiny_engine, tiny_ltx_vae, tiny_pipeline

TINY_LTX2_SEED_OFFSET = 40
TINY_LTX2_MAX_SEQUENCE_LENGTH = 32
TINY_AUDIO_RATE = 8000  # 100 mel frames a second (16 kHz, hop 160) × 80


def tiny_gemma3(vocab_size: int, pad: int, eos: int) -> Any:
    """A two-layer Gemma 3 (text 32 wide; a one-layer SigLIP the pipeline never feeds)."""
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    config = Gemma3Config(
        text_config={
            "vocab_size": vocab_size,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 8,
            "max_position_embeddings": 256,
            "sliding_window": 64,
            "pad_token_id": pad,
            "eos_token_id": eos,
            "bos_token_id": eos,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 16,
            "patch_size": 8,
        },
        mm_tokens_per_image=4,
        image_token_index=vocab_size - 1,
        boi_token_index=vocab_size - 2,
        eoi_token_index=vocab_size - 3,
    )
    return Gemma3ForConditionalGeneration(config).eval()


def tiny_ltx2_transformer(text: Any) -> dict[str, Any]:
    """Keywords of the two-layer audio-video transformer, reading captions ``text.hidden_size`` wide."""
    return {
        **patch1(4),
        "num_attention_heads": 2,
        "attention_head_dim": 8,
        "cross_attention_dim": 16,
        "audio_in_channels": 4,
        "audio_out_channels": 4,
        "audio_num_attention_heads": 2,
        "audio_attention_head_dim": 4,
        "audio_cross_attention_dim": 8,
        "num_layers": 2,
        "qk_norm": "rms_norm_across_heads",
        "caption_channels": text.hidden_size,
        "rope_double_precision": False,
        "rope_type": "split",
    }


def tiny_ltx2_connectors(text: Any) -> dict[str, Any]:
    """Keywords of the text connectors: one layer each for video and audio, fed every hidden state."""
    return {
        "caption_channels": text.hidden_size,
        "text_proj_in_factor": text.num_hidden_layers + 1,
        "video_connector_num_attention_heads": 4,
        "video_connector_attention_head_dim": 8,
        "video_connector_num_layers": 1,
        "video_connector_num_learnable_registers": None,
        "audio_connector_num_attention_heads": 4,
        "audio_connector_attention_head_dim": 8,
        "audio_connector_num_layers": 1,
        "audio_connector_num_learnable_registers": None,
        "connector_rope_base_seq_len": 32,
        "rope_theta": 10000.0,
        "rope_double_precision": False,
        "causal_temporal_positioning": False,
        "rope_type": "split",
    }


#: The audio VAE: stereo 8-bin mels at 16 kHz (hop 160), one level, causal in time.
TINY_LTX2_AUDIO_VAE: dict[str, Any] = {
    "base_channels": 4,
    "output_channels": 2,
    "ch_mult": (1,),
    "num_res_blocks": 1,
    "attn_resolutions": None,
    "in_channels": 2,
    "resolution": 32,
    "latent_channels": 2,
    "norm_type": "pixel",
    "causality_axis": "height",
    "dropout": 0.0,
    "mid_block_add_attention": False,
    "sample_rate": 16000,
    "mel_hop_length": 160,
    "is_causal": True,
    "mel_bins": 8,
}

#: The vocoder: 8 × 10 = 80× upsampling per mel frame, stereo out at :data:`TINY_AUDIO_RATE`.
TINY_LTX2_VOCODER: dict[str, Any] = {
    "in_channels": TINY_LTX2_AUDIO_VAE["output_channels"] * TINY_LTX2_AUDIO_VAE["mel_bins"],
    "hidden_channels": 16,
    "out_channels": 2,
    "upsample_kernel_sizes": [16, 20],
    "upsample_factors": [8, 10],
    "resnet_kernel_sizes": [3],
    "resnet_dilations": [[1, 3, 5]],
    "leaky_relu_negative_slope": 0.1,
    "output_sampling_rate": TINY_AUDIO_RATE,
}


def build_tiny_ltx2_pipeline(seed: int | None = None) -> Any:
    """LTX2ConditionPipeline with tiny random weights (deterministic for a given seed)."""
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        LTX2ConditionPipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    from reelbot.generator.tiny import TINY_VOCAB

    with seeded_parts(seed, TINY_LTX2_SEED_OFFSET) as seeded:
        text_encoder = seeded(
            tiny_gemma3, vocab_size=len(TINY_VOCAB), pad=TINY_VOCAB["<pad>"], eos=TINY_VOCAB["</s>"]
        )
        text = text_encoder.config.text_config
        transformer = seeded(LTX2VideoTransformer3DModel, **tiny_ltx2_transformer(text))
        connectors = seeded(LTX2TextConnectors, **tiny_ltx2_connectors(text))
        vae = seeded(
            AutoencoderKLLTX2Video,
            **tiny_ltx_vae(4, (True, True), encoder_layers=2),
            downsample_type=("spatiotemporal", "spatiotemporal"),
        )
        vae.use_framewise_encoding = False
        vae.use_framewise_decoding = False
        audio_vae = seeded(AutoencoderKLLTX2Audio, **TINY_LTX2_AUDIO_VAE)
        vocoder = seeded(LTX2Vocoder, **TINY_LTX2_VOCODER)
    return tiny_pipeline(
        LTX2ConditionPipeline,
        vae=vae,
        audio_vae=audio_vae,
        text_encoder=text_encoder,
        connectors=connectors,
        transformer=transformer,
        vocoder=vocoder,
    )


@register_engine("tiny-ltx2")
def load_tiny_ltx2(ctx: LoadContext) -> Engine:
    """Build the tiny LTX-2 engine (no files, no hub)."""
    return tiny_engine(ctx, build_tiny_ltx2_pipeline(), Ltx2Engine, TINY_LTX2_MAX_SEQUENCE_LENGTH)
