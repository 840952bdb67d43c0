"""The built-in ``transformers`` classifier backend, loaded offline from a local directory.

The model is a tiny BERT built from a config (random weights, no download) whose output
layer is set by hand, so the scores are known: 'violence' ≈ 0.95 for every text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbot.app.safety.moderation import ChainModerator, build_moderator, policy_for
from reelbot.domain.errors import ConfigError
from reelbot.domain.settings import Settings


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("classifier")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "cat", "explosion", "blood"]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    tokenizer.save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=2,
        id2label={0: "safe", 1: "violence"}, label2id={"safe": 0, "violence": 1},
    )  # fmt: skip
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 3.0]))  # softmax → violence ≈ 0.953
    model.save_pretrained(folder)
    return folder


def test_local_transformers_classifier(tiny_classifier: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        safety={
            "classifier": "transformers",
            "classifier_model": tiny_classifier,
            "classifier_threshold": 0.9,
        },
    )
    moderator = build_moderator(settings)
    assert isinstance(moderator, ChainModerator)
    verdict = moderator.check_prompt("a cat", policy_for(settings))
    assert not verdict.allowed and verdict.label == "violence"
    assert verdict.score == pytest.approx(0.9526, abs=1e-3)
    assert verdict.source == "classifier:transformers" and verdict.key == "safety.refused.classifier"

    lenient = settings.model_copy(
        update={"safety": settings.safety.model_copy(update={"classifier_threshold": 0.99})}
    )
    assert build_moderator(lenient).check_prompt("a cat", policy_for(lenient)).allowed


def test_classifier_needs_a_loadable_local_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        build_moderator(Settings(_env_file=None, safety={"classifier": "transformers"}))  # type: ignore[call-arg]
    assert err.value.details["variable"] == "REELBOT_SAFETY__CLASSIFIER_MODEL"
    with pytest.raises(ConfigError):
        build_moderator(
            Settings(_env_file=None, safety={"classifier": "transformers", "classifier_model": tmp_path})  # type: ignore[call-arg]
        )
