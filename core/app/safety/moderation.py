"""Moderation: every prompt and reference image passes a :class:`Moderator` before queueing.

The interface is a Protocol so a deployment can plug in its own (a hosted classifier, a
local model); the built-in :class:`RuleModerator` uses the folded blocklist and needs no
network and no model. An optional classifier backend (registered by name, off by default)
runs *after* the rules through :class:`ClassifierModerator`; :func:`build_moderator` chains
them. A refusal is a :class:`Verdict` with a message key; :meth:`Verdict.error` turns it
into an :class:`~reelbot.domain.errors.InvalidRequest` the adapters already know how to answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from reelbot.app.safety.blocklist import CUSTOM, compile_blocklist
from reelbot.app.safety.normalize import views
from reelbot.domain.errors import ConfigError, InvalidRequest

if TYPE_CHECKING:
    from PIL import Image

    from reelbot.domain.settings import Settings
    from reelbot.domain.types import GenerationRequest
    from reelbot.storage.communities import CommunitySettings

log = logging.getLogger(__name__)

# Categories also checked in a negative prompt: "nsfw, nude" there is how people *avoid*
# nudity, so only hateful words are refused in it.
NEGATIVE_PROMPT_CATEGORIES = frozenset({"hate"})
# What a community's "strict" moderation adds to the operator's categories.
STRICT_EXTRA_CATEGORIES = frozenset({"profanity"})


@dataclass(frozen=True)
class ModerationPolicy:
    """What one request is checked against: the operator's settings tightened by its community."""

    categories: frozenset[str]
    extra_terms: tuple[str, ...] = ()
    allow_terms: tuple[str, ...] = ()
    blocklist_file: Path | None = None
    forbid_face_references: bool = False
    scan_image_text: bool = True
    classifier_threshold: float = 0.8
    community: str | None = None  # "discord:1234" — for logs and the audit trail


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check. ``matched`` is for moderators only, never for the user."""

    allowed: bool
    key: str | None = None
    category: str | None = None
    matched: str | None = None
    source: str = "rules"
    subject: str = "prompt"  # "prompt" | "negative_prompt" | "image"
    label: str | None = None
    score: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """For ``Job.moderation_json`` and the audit record."""
        data = asdict(self)
        data["details"] = dict(self.details)
        return {k: v for k, v in data.items() if v is not None and v != {}}

    def error(self) -> ModerationRefused:
        if self.allowed or self.key is None:
            raise ValueError("an allowing verdict has no error")
        fields = dict(self.details)
        if self.label is not None:
            fields.setdefault("label", self.label)
        return ModerationRefused(self, **fields)


ALLOWED = Verdict(allowed=True)


class ModerationRefused(InvalidRequest):
    """A request refused by moderation; ``verdict`` says why (for the audit log)."""

    def __init__(self, verdict: Verdict, /, **details: Any) -> None:
        assert verdict.key is not None
        super().__init__(verdict.key, **details)
        self.verdict = verdict


@runtime_checkable
class Moderator(Protocol):
    """Checks text and images against a policy. Implementations must not use the network
    unless the operator configured one explicitly."""

    name: str

    def check_prompt(self, text: str, policy: ModerationPolicy) -> Verdict: ...

    def check_image(self, image: Image.Image, policy: ModerationPolicy) -> Verdict: ...


class RuleModerator:
    """The built-in policy: the folded blocklist, plus text hidden in image metadata."""

    name = "rules"

    def check_prompt(self, text: str, policy: ModerationPolicy) -> Verdict:
        blocklist = compile_blocklist(
            policy.categories, policy.extra_terms, policy.allow_terms, policy.blocklist_file
        )
        hit = blocklist.find(views(text))
        if hit is None:
            return ALLOWED
        key = "safety.refused.custom" if hit.category == CUSTOM else f"safety.refused.{hit.category}"
        return Verdict(allowed=False, key=key, category=hit.category, matched=hit.term, source=self.name)

    def check_image(self, image: Image.Image, policy: ModerationPolicy) -> Verdict:
        """Images carry text too (PNG text chunks, EXIF descriptions); the rules read it."""
        if not policy.scan_image_text:
            return ALLOWED
        text = " \n ".join(embedded_text(image))
        if not text:
            return ALLOWED
        verdict = self.check_prompt(text, policy)
        if verdict.allowed:
            return verdict
        return replace(verdict, key="safety.refused.image_text", subject="image")


# EXIF tags whose value is free text: ImageDescription, Artist, Copyright, UserComment,
# XPTitle, XPComment, XPKeywords, XPSubject.
_EXIF_TEXT_TAGS = (0x010E, 0x013B, 0x8298, 0x9286, 0x9C9B, 0x9C9C, 0x9C9E, 0x9C9F)


def embedded_text(image: Image.Image) -> list[str]:
    """Human-written text stored inside an image file (PNG chunks, EXIF)."""
    found: list[str] = []
    for key, value in getattr(image, "text", {}).items():  # PNG tEXt/iTXt
        if isinstance(value, str) and key.lower() not in {"xml:com.adobe.xmp"}:
            found.append(value[:2000])
    try:
        exif = image.getexif()
    except Exception:  # broken EXIF is not our problem here; the image itself decoded
        log.debug("unreadable EXIF ignored", exc_info=True)
        return found
    for tag in _EXIF_TEXT_TAGS:
        value = exif.get(tag)
        if isinstance(value, bytes):
            codec = "utf-16-le" if tag >= 0x9C9B else "utf-8"
            value = value.decode(codec, errors="ignore").strip("\x00")
        if isinstance(value, str) and value.strip():
            found.append(value[:2000])
    return found


class ClassifierBackend(Protocol):
    """A model that scores text/images. Returns scores for *unsafe* labels only."""

    def classify_text(self, text: str) -> Mapping[str, float]: ...

    def classify_image(self, image: Image.Image) -> Mapping[str, float]: ...


ClassifierFactory = Callable[["Settings"], ClassifierBackend]
CLASSIFIERS: dict[str, ClassifierFactory] = {}


def register_classifier(name: str) -> Callable[[ClassifierFactory], ClassifierFactory]:
    """Register a classifier backend factory under ``name`` (``REELBOT_SAFETY__CLASSIFIER``)."""

    def decorate(factory: ClassifierFactory) -> ClassifierFactory:
        if name in CLASSIFIERS:
            raise ValueError(f"classifier {name!r} registered twice")
        CLASSIFIERS[name] = factory
        return factory

    return decorate


class ClassifierModerator:
    """Refuses when a backend scores any unsafe label at or above the policy's threshold."""

    def __init__(self, name: str, backend: ClassifierBackend) -> None:
        self.name = f"classifier:{name}"
        self.backend = backend

    def _verdict(self, scores: Mapping[str, float], policy: ModerationPolicy, key: str) -> Verdict:
        if not scores:
            return ALLOWED
        label, score = max(scores.items(), key=lambda item: item[1])
        if score < policy.classifier_threshold:
            return ALLOWED
        return Verdict(
            allowed=False, key=key, category="classifier", source=self.name, label=label, score=float(score)
        )

    def check_prompt(self, text: str, policy: ModerationPolicy) -> Verdict:
        return self._verdict(self.backend.classify_text(text), policy, "safety.refused.classifier")

    def check_image(self, image: Image.Image, policy: ModerationPolicy) -> Verdict:
        verdict = self._verdict(self.backend.classify_image(image), policy, "safety.refused.image")
        return verdict if verdict.allowed else replace(verdict, subject="image")


class ChainModerator:
    """Runs moderators in order; the first refusal wins (cheap rules before models)."""

    def __init__(self, moderators: Sequence[Moderator]) -> None:
        self.moderators = tuple(moderators)
        self.name = "+".join(m.name for m in self.moderators)

    def check_prompt(self, text: str, policy: ModerationPolicy) -> Verdict:
        for moderator in self.moderators:
            verdict = moderator.check_prompt(text, policy)
            if not verdict.allowed:
                return verdict
        return ALLOWED

    def check_image(self, image: Image.Image, policy: ModerationPolicy) -> Verdict:
        for moderator in self.moderators:
            verdict = moderator.check_image(image, policy)
            if not verdict.allowed:
                return verdict
        return ALLOWED


def build_moderator(settings: Settings) -> Moderator:
    """The rules, followed by the configured classifier backend if there is one."""
    moderators: list[Moderator] = [RuleModerator()]
    name = settings.safety.classifier
    if name:
        import reelbot.app.safety.classifiers  # noqa: F401  (registers the built-in backends)

        factory = CLASSIFIERS.get(name)
        if factory is None:
            raise ConfigError(
                "config.invalid",
                variable="REELBOT_SAFETY__CLASSIFIER",
                reason=f"unknown classifier {name!r}; registered: {sorted(CLASSIFIERS) or 'none'}",
                count=1,
            )
        moderators.append(ClassifierModerator(name, factory(settings)))
    return moderators[0] if len(moderators) == 1 else ChainModerator(moderators)


def policy_for(
    settings: Settings, community: CommunitySettings | None = None, *, community_name: str | None = None
) -> ModerationPolicy:
    """The operator's policy, tightened (never loosened) by a community's own settings.

    A community adds ``blocked_terms``; ``moderation_strictness="strict"`` also switches
    on the opt-in categories (profanity); ``"relaxed"`` cannot switch anything off.
    """
    safety = settings.safety
    categories = frozenset(safety.categories)
    extra: tuple[str, ...] = tuple(safety.extra_terms)
    forbid_faces = safety.forbid_face_references
    if community is not None:
        extra += tuple(community.blocked_terms)
        forbid_faces = forbid_faces or bool(community.forbid_face_references)
        if community.moderation_strictness == "strict":
            categories |= STRICT_EXTRA_CATEGORIES
    return ModerationPolicy(
        categories=categories,
        extra_terms=extra,
        allow_terms=tuple(safety.allow_terms),
        blocklist_file=safety.blocklist_file,
        forbid_face_references=forbid_faces,
        scan_image_text=safety.scan_image_text,
        classifier_threshold=safety.classifier_threshold,
        community=community_name,
    )


def moderate_request(
    moderator: Moderator,
    policy: ModerationPolicy,
    request: GenerationRequest,
    images: Iterable[Image.Image] = (),
) -> Verdict:
    """Check a whole request: prompt, negative prompt (slurs only), then each image."""
    verdict = moderator.check_prompt(request.prompt, policy)
    if not verdict.allowed:
        return verdict
    if request.negative_prompt.strip():
        negative_policy = replace(
            policy, categories=policy.categories & NEGATIVE_PROMPT_CATEGORIES, extra_terms=()
        )
        verdict = RuleModerator().check_prompt(request.negative_prompt, negative_policy)
        if not verdict.allowed:
            return replace(verdict, subject="negative_prompt")
    for index, image in enumerate(images, start=1):
        verdict = moderator.check_image(image, policy)
        if not verdict.allowed:
            return replace(verdict, subject="image", details={**verdict.details, "index": index})
    return ALLOWED
