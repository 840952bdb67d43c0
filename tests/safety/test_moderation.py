"""The rule-based moderator: evasive spellings are refused, normal creator prompts pass."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from reelbot.app.safety.moderation import (
    CLASSIFIERS,
    ChainModerator,
    ModerationRefused,
    RuleModerator,
    build_moderator,
    moderate_request,
    policy_for,
    register_classifier,
)
from reelbot.domain.errors import ConfigError, InvalidRequest
from reelbot.domain.messages import render
from reelbot.domain.settings import Settings, load_settings
from reelbot.domain.types import GenerationRequest, Origin, Platform
from reelbot.storage.communities import CommunitySettings

MOD = RuleModerator()

EVASIONS = {
    "a nude woman on a beach": "sexual",
    "a ｎｕｄｅ woman on a beach": "sexual",  # full-width
    "a NuDe woman": "sexual",  # case
    "n u d e beach party": "sexual",  # spacing between letters
    "n.u.d.e beach": "sexual",  # punctuation between letters
    "nu\u200bde beach": "sexual",  # zero-width space
    "n\u00adu\u00add\u00ade": "sexual",  # soft hyphens
    "nuuuude beach": "sexual",  # repeated letters
    "p0rn star dancing": "sexual",  # leetspeak
    "a n-a-k-3-d man": "sexual",
    "ѕех tape in a hotel": "sexual",  # Cyrillic ѕ, е, х
    "Hеntai girl": "sexual",  # Cyrillic е inside a Latin word
    "nudé model": "sexual",  # accent
    "𝐧𝐮𝐝𝐞 model": "sexual",  # mathematical bold letters
    "make a l0li dance": "minors",
    "a pedophile in a park": "minors",
    "a beheading in the desert": "violence",
    "sh!t hitler sieg heil": "hate",
    "裸體女孩在海邊": "sexual",
    "裸体女孩在海边": "sexual",  # Simplified spelling of a Traditional term
    "裸 體 女孩": "sexual",  # spacing between characters
    "裸·體女孩": "sexual",
    "ＡＢＣ兒童色情": "minors",
    "儿童色情影片": "minors",
    "斬首影片": "violence",
    "斩首视频": "violence",
    "一個黑鬼在跳舞": "hate",
}

CLEAN = [
    # English creator prompts, several containing blocked strings inside innocent words
    "A drone shot over Scunthorpe at sunset",
    "An assassin running across neon rooftops in the rain",
    "A therapist's cozy office, warm light, slow dolly in",
    "A cocktail glass on a bar counter, bokeh background",
    "Cumulus clouds rolling over the Sussex hills, timelapse",
    "A pedometer on a runner's wrist, close-up",
    "Moby Dick breaching the ocean surface, cinematic",
    "Penistone railway station in the snow",
    "Grape harvest in Essex, golden hour",
    "A sextant on an old sea map, candle light",
    "Middlesex countryside with sheep",
    "Shiitake mushrooms sizzling in a pan",
    "The Niger river at dawn with fishing boats",
    "A classic spice market in Marrakesh",
    "Document analysis app demo on a laptop",
    "A cat says hello! then jumps",
    "U S A flag waving in slow motion",
    "4k 60fps FPV drone shot through a forest",
    "A skateboarder doing a kickflip, 9:16, vlog style",
    "Cute corgi wearing sunglasses at the beach",
    "Cyberpunk city street, rain, reflections, anime style",
    "A cup of coffee with latte art, steam rising",
    # Traditional Chinese creator prompts, including cross-word readings of blocked terms
    "夕陽下的景色情調浪漫",  # 景色 + 情調, not 色情
    "金色情侶裝的兩個人走在海邊",  # 金色 + 情侶
    "越南位於印度支那半島",  # 印度支那 (Indochina)
    "中性交流電路的動畫",  # 中性 + 交流
    "做愛心便當給媽媽",  # 做 + 愛心
    "台北101的夜景，縮時攝影",
    "一隻柴犬在櫻花樹下奔跑",
    "古風少女在竹林中舞劍，電影感",
    "珍珠奶茶特寫，慢動作",
    "景色。情人節的花束",  # sentence punctuation between 色 and 情
]


@pytest.fixture
def policy(settings: Settings):  # type: ignore[no-untyped-def]
    return policy_for(settings)


@pytest.mark.parametrize(("prompt", "category"), EVASIONS.items())
def test_evasive_spellings_are_refused(prompt: str, category: str, policy) -> None:  # type: ignore[no-untyped-def]
    verdict = MOD.check_prompt(prompt, policy)
    assert not verdict.allowed, prompt
    assert verdict.category == category
    assert verdict.key == f"safety.refused.{category}"
    assert verdict.matched  # kept for the moderators' audit log


@pytest.mark.parametrize("prompt", CLEAN)
def test_clean_prompts_pass(prompt: str, policy) -> None:  # type: ignore[no-untyped-def]
    verdict = MOD.check_prompt(prompt, policy)
    assert verdict.allowed, (prompt, verdict.matched)


def test_refusal_message_never_echoes_the_term(policy) -> None:  # type: ignore[no-untyped-def]
    verdict = MOD.check_prompt("a n i g g e r joke", policy)
    assert not verdict.allowed and verdict.category == "hate"
    err = verdict.error()
    assert isinstance(err, InvalidRequest) and isinstance(err, ModerationRefused)
    for locale in ("en", "zh-TW"):
        text = err.render(locale)
        assert "nigg" not in text.lower() and text
    assert "歧視" in err.render("zh-TW")


def test_settings_and_community_only_tighten(settings: Settings) -> None:
    base = policy_for(settings)
    assert MOD.check_prompt("this movie is shit", base).allowed  # profanity is opt-in
    strict = policy_for(
        settings, CommunitySettings(moderation_strictness="strict"), community_name="discord:1"
    )
    assert MOD.check_prompt("this movie is sh1t", strict).category == "profanity"
    relaxed = policy_for(settings, CommunitySettings(moderation_strictness="relaxed"))
    assert not MOD.check_prompt("nude", relaxed).allowed  # relaxed cannot switch categories off

    community = policy_for(settings, CommunitySettings(blocked_terms=("spoiler", "劇透")))
    verdict = MOD.check_prompt("a S P O I L E R of the finale", community)
    assert verdict.key == "safety.refused.custom"
    assert MOD.check_prompt("別劇 透結局", community).key == "safety.refused.custom"
    assert MOD.check_prompt("a spoiler of the finale", base).allowed

    with_extra = Settings(_env_file=None, safety={"extra_terms": ["brandname"]})  # type: ignore[call-arg]
    assert not MOD.check_prompt("a Brand-Name logo", policy_for(with_extra)).allowed


def test_unknown_category_is_a_config_error() -> None:
    settings = Settings(_env_file=None, safety={"categories": ["sexual", "nonsense"]})  # type: ignore[call-arg]
    with pytest.raises(ConfigError) as err:
        MOD.check_prompt("hello", policy_for(settings))
    assert "nonsense" in err.value.details["reason"]


def test_custom_blocklist_file(tmp_path: Path) -> None:
    custom = tmp_path / "list.json"
    custom.write_text('{"categories": {"sexual": {"en": ["smut"], "zh": []}}, "allow": {}}', "utf-8")
    settings = Settings(_env_file=None, safety={"blocklist_file": custom, "categories": ["sexual"]})  # type: ignore[call-arg]
    policy = policy_for(settings)
    assert not MOD.check_prompt("smut video", policy).allowed
    assert MOD.check_prompt("nude", policy).allowed  # the shipped list is replaced
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    bad = Settings(_env_file=None, safety={"blocklist_file": broken})  # type: ignore[call-arg]
    with pytest.raises(ConfigError):
        MOD.check_prompt("x", policy_for(bad))


def _request(prompt: str, negative: str = "") -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt, negative_prompt=negative, origin=Origin(platform=Platform.DISCORD, user_id="u1")
    )


def test_negative_prompt_may_name_what_to_avoid(policy) -> None:  # type: ignore[no-untyped-def]
    ok = moderate_request(MOD, policy, _request("a dancer on stage", "nsfw, nude, gore, blurry"))
    assert ok.allowed
    refused = moderate_request(MOD, policy, _request("a dancer on stage", "f a g g o t s"))
    assert not refused.allowed and refused.subject == "negative_prompt"


def _png_with_text(text: str) -> Image.Image:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", text)
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buf, "PNG", pnginfo=info)
    buf.seek(0)
    image = Image.open(buf)
    image.load()
    return image


def test_text_embedded_in_images_is_checked(policy) -> None:  # type: ignore[no-untyped-def]
    assert MOD.check_image(_png_with_text("my holiday photo"), policy).allowed
    verdict = moderate_request(MOD, policy, _request("animate this"), [_png_with_text("h e n t a i")])
    assert not verdict.allowed
    assert verdict.key == "safety.refused.image_text" and verdict.details["index"] == 1


class KeywordScorer:
    """A real (if simple) classifier backend: scores 'violence' by keyword density."""

    def __init__(self, settings: Settings) -> None:
        self.words = ("explosion", "blood")

    def classify_text(self, text: str) -> dict[str, float]:
        hits = sum(text.lower().count(w) for w in self.words)
        return {"violence": min(1.0, hits / 2)}

    def classify_image(self, image: Image.Image) -> dict[str, float]:
        return {"violence": 0.0}


def test_classifier_backend_seam(settings: Settings) -> None:
    assert isinstance(build_moderator(settings), RuleModerator)  # off by default
    name = "test-keyword-scorer"
    if name not in CLASSIFIERS:
        register_classifier(name)(KeywordScorer)
    with_classifier = Settings(_env_file=None, safety={"classifier": name, "classifier_threshold": 0.9})  # type: ignore[call-arg]
    moderator = build_moderator(with_classifier)
    assert isinstance(moderator, ChainModerator)
    policy = policy_for(with_classifier)
    assert moderator.check_prompt("an explosion at a concert", policy).allowed  # 0.5 < 0.9
    verdict = moderator.check_prompt("blood and an explosion", policy)
    assert not verdict.allowed and verdict.label == "violence" and verdict.source == f"classifier:{name}"
    assert "violence" in verdict.error().render("en")
    assert not moderator.check_prompt("nude", policy).allowed  # rules still run first
    with pytest.raises(ConfigError):
        build_moderator(Settings(_env_file=None, safety={"classifier": "no-such-backend"}))  # type: ignore[call-arg]


def test_every_safety_key_in_both_languages() -> None:
    from reelbot.domain.messages import CATALOGUE

    keys = {
        k for k in CATALOGUE["en"] if k.split(".")[0] in {"safety", "consent", "quota", "usage", "provenance"}
    }
    assert keys and keys <= set(CATALOGUE["zh-TW"])
    assert render("safety.refused.sexual", "zh-TW") != render("safety.refused.sexual", "en")


def test_negative_quota_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None, quotas={"user": {"daily_gpu_s": -5}})
    assert err.value.details["variable"] == "REELBOT_QUOTAS__USER__DAILY_GPU_S"
    assert "greater than or equal to 0" in err.value.render("en")
