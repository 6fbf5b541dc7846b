"""Streaming detokenisation on the real SmolLM2 tokenizer (byte-level BPE)."""

import pytest
from transformers import AutoTokenizer

from npcbridge.engine.detokenizer import IncrementalDetokenizer

TEXTS = [
    "Hello there, traveller!",
    "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich.",
    "The dragon 🐉 sleeps; 勇者よ、目を覚ませ 🗡️✨",
    "  spaces   and\nnewlines\t",
]


@pytest.fixture(scope="module")
def tokenizer(embedded_dir):
    return AutoTokenizer.from_pretrained(embedded_dir)


@pytest.mark.parametrize("text", TEXTS)
def test_deltas_join_to_text_and_never_split_a_character(tokenizer, text):
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    detok = IncrementalDetokenizer(tokenizer)
    deltas = [detok.add(i) for i in ids]
    assert "".join(deltas) == text
    assert all("\ufffd" not in d for d in deltas)


def test_emoji_spans_several_tokens(tokenizer):
    # Guard that the test above really exercises held-back bytes.
    ids = tokenizer("🐉", add_special_tokens=False)["input_ids"]
    assert len(ids) > 1
    detok = IncrementalDetokenizer(tokenizer)
    assert [detok.add(i) for i in ids][:-1] == [""] * (len(ids) - 1)
