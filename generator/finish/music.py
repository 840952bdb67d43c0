"""Music from a description (a storyboard's ``music:``): ACE-Step through diffusers.

Why a registry of its own and not a video preset: a music model has no frame size, fps,
reference roles or speed modes, which is what a :class:`PresetSpec` is made of; it shares
only "load once, then call". Engines register with :func:`register_music_engine`; the
server picks one with ``REELBOT_FINISH__MUSIC_ENGINE`` (none by default, so a board with
``music:`` is refused until an operator chooses one).

* ``ace-step``: ``diffusers.AceStepPipeline`` (ACE-Step 1.5) from
  ``finish.music_model_id`` (default the XL turbo checkpoint, 8 steps, no CFG), 48 kHz
  stereo. Weights download on first use into ``data_dir/models`` (several GB); a GPU is
  expected. Not run here: this machine has no GPU and no weights.
* ``tiny-ace-step``: the same pipeline class with random weights and tiny configs, built
  in-process (no download): the path works on a CPU and in tests; it makes noise, not music.

A track is cached as ``data_dir/music/<hash>.wav`` by (engine, model, description,
seconds, seed), so building a board again reuses it, as the shot cache does for frames.
"""

from __future__ import annotations

import hashlib
import json
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelbot.domain.errors import InvalidRequest
from reelbot.domain.settings import Settings

SAMPLE_RATE = 48_000
MusicLoader = Callable[[Settings], Any]  # → a diffusers AceStepPipeline (or alike), on its device
MUSIC_ENGINES: dict[str, MusicLoader] = {}
_LOADED: dict[tuple[str, str], Any] = {}


def register_music_engine(name: str) -> Callable[[MusicLoader], MusicLoader]:
    """Decorator: ``@register_music_engine("ace-step")`` over a loader of the pipeline."""

    def add(loader: MusicLoader) -> MusicLoader:
        MUSIC_ENGINES[name] = loader
        return loader

    return add


@dataclass(frozen=True)
class MusicTrack:
    path: Path
    seconds: float
    engine: str
    cached: bool


def check_music_engine(settings: Settings, description: str = "") -> str:
    """The configured engine's name, or the refusal that says none is (or which exist)."""
    name = settings.finish.music_engine
    if not name:
        raise InvalidRequest("storyboard.music_model_missing", music=description[:80])
    if name not in MUSIC_ENGINES:
        raise InvalidRequest(
            "storyboard.music_engine_unknown", value=name, choices=", ".join(sorted(MUSIC_ENGINES))
        )
    return name


def make_music(
    description: str, seconds: float, seed: int, settings: Settings, lyrics: str = ""
) -> MusicTrack:
    """A 48 kHz stereo WAV of ``seconds`` for ``description`` (cached by its recipe; lyrics
    enter the recipe only when given, so tracks cached before lyrics existed stay valid)."""
    name = check_music_engine(settings, description)
    recipe = {"engine": name, "model": settings.finish.music_model_id, "prompt": description}
    recipe |= {"seconds": round(seconds, 3), "seed": seed, "steps": settings.finish.music_steps}
    recipe |= {"lyrics": lyrics} if lyrics else {}
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:24]
    path = settings.data_dir / "music" / f"{digest}.wav"
    if path.is_file():
        return MusicTrack(path, seconds, name, cached=True)
    import torch

    pipe = _pipeline(name, settings)
    device = getattr(pipe, "device", torch.device("cpu"))
    output = pipe(
        prompt=description,
        lyrics=lyrics,
        audio_duration=seconds,
        num_inference_steps=settings.finish.music_steps,
        generator=torch.Generator(device=device).manual_seed(seed),
    )
    audio = output.audios[0].float().cpu().numpy()  # [channels, samples]
    rate = int(getattr(pipe, "sample_rate", SAMPLE_RATE))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(audio, rate, path)
    return MusicTrack(path, seconds, name, cached=False)


def write_wav(audio: np.ndarray, rate: int, path: Path) -> Path:
    """``[channels, samples]`` float in −1..1 → 16-bit PCM WAV (stereo; mono is doubled),
    written beside its name and renamed, so a crash leaves no half track in the cache."""
    if audio.ndim == 1:
        audio = audio[None]
    if audio.shape[0] == 1:
        audio = np.repeat(audio, 2, axis=0)
    pcm = (np.clip(np.nan_to_num(audio[:2]), -1, 1) * 32767).round().astype("<i2").T
    tmp = path.with_name(f".{path.name}.tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    tmp.replace(path)
    return path


def _pipeline(name: str, settings: Settings) -> Any:
    key = (name, settings.finish.music_model_id)
    if key not in _LOADED:
        _LOADED[key] = MUSIC_ENGINES[name](settings)
    return _LOADED[key]


@register_music_engine("ace-step")
def load_ace_step(settings: Settings) -> Any:
    """ACE-Step 1.5 from the hub (or ``data_dir/models``), bf16 on a GPU."""
    from diffusers import AceStepPipeline

    from reelbot.generator.cache import detect_device

    ctx = detect_device(settings)
    import torch

    dtype = torch.bfloat16 if ctx.dtype == "bfloat16" else torch.float32
    pipe = AceStepPipeline.from_pretrained(
        settings.finish.music_model_id, torch_dtype=dtype, cache_dir=ctx.cache_dir
    )
    return pipe.to(ctx.device)


def tiny_char_tokenizer() -> Any:
    """A character-level tokenizer built in memory: lower-case letters, digits and the punctuation
    of captions and lyrics (everything else is ``<unk>``)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<unk>": 1}
    vocab |= {ch: i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz0123456789,.:#-_ \n[]()", start=2)}
    chars = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))  # noqa: S106 - a token, not a secret
    chars.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    return PreTrainedTokenizerFast(
        tokenizer_object=chars,
        pad_token="<pad>",  # noqa: S106 - a token, not a secret
        unk_token="<unk>",  # noqa: S106
    )


def tiny_qwen3(vocab_size: int, hidden: int) -> Any:
    """A one-layer Qwen3 text encoder ``hidden`` wide (random weights from the current torch seed)."""
    from transformers import Qwen3Config, Qwen3Model

    return Qwen3Model(
        Qwen3Config(
            vocab_size=vocab_size,
            hidden_size=hidden,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=16,
            max_position_embeddings=4096,
        )
    )


@register_music_engine("tiny-ace-step")
def load_tiny_ace_step(settings: Settings) -> Any:
    """AceStepPipeline with random weights and tiny configs (CPU, seconds; no download).

    Sizes: hidden 32, 2 DiT layers, 8 latent channels; the Oobleck VAE downsamples by 1920
    (25 latents per second, as the real one); a character-level tokenizer and a 1-layer
    Qwen3 text encoder stand in for the real ones. The timbre encoder's silence latent is
    cut to 16 frames (the pipeline slices it; 15,000 random frames would only cost time).
    """
    import torch
    from diffusers import AceStepPipeline, AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step.modeling_ace_step import AceStepConditionEncoder

    torch.manual_seed(0)
    hidden, latent = 32, 8
    tokenizer = tiny_char_tokenizer()
    text_encoder = tiny_qwen3(len(tokenizer.get_vocab()), hidden)
    common: dict[str, Any] = {"hidden_size": hidden, "intermediate_size": 64, "num_attention_heads": 2}
    common |= {"num_key_value_heads": 1, "head_dim": 16, "sliding_window": 16}
    condition = AceStepConditionEncoder(
        text_hidden_dim=hidden,
        timbre_hidden_dim=latent,
        num_lyric_encoder_hidden_layers=1,
        num_timbre_encoder_hidden_layers=1,
        **common,
    )
    condition.silence_latent = torch.zeros(1, 16, latent)
    transformer = AceStepTransformer1DModel(
        num_hidden_layers=2, in_channels=3 * latent, audio_acoustic_hidden_dim=latent, patch_size=2, **common
    )
    vae = AutoencoderOobleck(
        encoder_hidden_size=8,
        downsampling_ratios=[2, 4, 4, 6, 10],
        channel_multiples=[1, 1, 1, 1, 1],
        decoder_channels=8,
        decoder_input_channels=latent,
        audio_channels=2,
        sampling_rate=SAMPLE_RATE,
    )
    pipe = AceStepPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        condition_encoder=condition,
        scheduler=FlowMatchEulerDiscreteScheduler(),
    )
    pipe.set_progress_bar_config(disable=True)  # type: ignore[attr-defined]
    return pipe
