"""Classifier backends for the moderation seam (``REELBOT_SAFETY__CLASSIFIER=name``).

``transformers``: a local text-classification model directory
(``REELBOT_SAFETY__CLASSIFIER_MODEL=/models/my-toxicity-model``, any
``AutoModelForSequenceClassification`` checkpoint saved with ``save_pretrained``), loaded with
``local_files_only=True`` — reelbot never downloads one. Labels named like a safe class
(``safe``, ``neutral``, ``normal``, ``ok``, ``sfw``, ``non-toxic``, ``LABEL_0`` in a binary
model) are not reported; the others' probabilities are. Multi-label models (problem type
``multi_label_classification``) use sigmoid, others softmax. Needs the ``generator`` extra
(torch, transformers); the bot image without them must not configure it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelbot.app.safety.moderation import register_classifier
from reelbot.domain.errors import ConfigError

if TYPE_CHECKING:
    from PIL import Image

    from reelbot.domain.settings import Settings

SAFE_LABELS = frozenset(
    {"safe", "neutral", "normal", "ok", "sfw", "non-toxic", "non_toxic", "not_toxic", "clean"}
)


class TransformersTextClassifier:
    """A local sequence-classification model scoring prompts (images are not scored)."""

    def __init__(self, path: Path, *, max_length: int = 256) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            self.model: Any = AutoModelForSequenceClassification.from_pretrained(
                str(path), local_files_only=True
            ).eval()
        except (OSError, ValueError) as exc:
            raise ConfigError(
                "config.invalid",
                variable="REELBOT_SAFETY__CLASSIFIER_MODEL",
                reason=f"cannot load a local classifier from {path}: {str(exc)[:200]}",
                count=1,
            ) from None
        self.max_length = max_length
        labels: dict[int, str] = dict(self.model.config.id2label)
        binary = len(labels) == 2
        self.unsafe = {
            i: name
            for i, name in labels.items()
            if name.lower() not in SAFE_LABELS and not (binary and i == 0 and name.upper() == "LABEL_0")
        }
        self.multi_label = self.model.config.problem_type == "multi_label_classification"
        self._lock = threading.Lock()

    def classify_text(self, text: str) -> Mapping[str, float]:
        import torch

        inputs = self.tokenizer(text, truncation=True, max_length=self.max_length, return_tensors="pt")
        with self._lock, torch.inference_mode():
            logits = self.model(**inputs).logits[0].float()
        probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
        return {name: float(probs[i]) for i, name in self.unsafe.items()}

    def classify_image(self, image: Image.Image) -> Mapping[str, float]:
        return {}


@register_classifier("transformers")
def transformers_classifier(settings: Settings) -> TransformersTextClassifier:
    path = settings.safety.classifier_model
    if path is None:
        raise ConfigError(
            "config.invalid",
            variable="REELBOT_SAFETY__CLASSIFIER_MODEL",
            reason="the transformers classifier needs a local model directory",
            count=1,
        )
    return TransformersTextClassifier(Path(path))
