"""Splitting documents into passages the encoder reads whole."""

from __future__ import annotations

from npcbridge.knowledge.passages import MAX_PASSAGE_CHARS, split_passages


def test_short_text_is_one_passage():
    assert split_passages("  Kelbrin is a town.  ") == ["Kelbrin is a town."]


def test_long_text_is_packed_by_whole_sentences():
    text = " ".join(f"Sentence {i} ends here." for i in range(100))
    passages = split_passages(text)
    assert len(passages) > 1 and all(len(p) <= MAX_PASSAGE_CHARS for p in passages)
    assert all(p.endswith(".") for p in passages)
    assert " ".join(passages) == text


def test_a_sentence_longer_than_a_passage_is_cut_at_words():
    word_soup = " ".join(["word"] * 400)
    passages = split_passages(word_soup)
    assert all(len(p) <= MAX_PASSAGE_CHARS for p in passages) and " ".join(passages) == word_soup


def test_paragraphs_break_passages_once_one_is_half_full():
    first = "A" * 300 + "."
    assert split_passages(f"{first}\n\nNext paragraph.") == [first, "Next paragraph."]
    assert split_passages("Short.\n\nAlso short.") == ["Short. Also short."]
