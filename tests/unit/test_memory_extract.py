"""Memory extraction on fixed dialogue lines."""

from __future__ import annotations

import pytest

from npcbridge.memory.extract import extract_memories

CASES = {
    "Hello! My name is Rowan.": ["The player's name is Rowan."],
    "I'm Elsa, nice to meet you.": ["The player's name is Elsa."],
    "I come from the coast town of Greyhaven.": ["The player comes from the coast town of Greyhaven."],
    "I promise to bring you the dragon scale.": ["The player promised to bring you the dragon scale."],
    "I killed the wolf that scared my sheep.": ["The player said they killed the wolf that scared their sheep."],
    "I am a wandering bard.": ["The player is a wandering bard."],
    "I love honey cakes.": ["The player likes honey cakes."],
    "My favourite colour is green.": ["The player's favourite colour is green."],
    "I'm hungry.": [],
    "How much is a sword?": [],
    "I am Sorry.": [],
}


@pytest.mark.parametrize("line", CASES)
def test_what_is_kept(line):
    assert [m.text for m in extract_memories(line)] == CASES[line]


def test_a_name_matters_more_than_a_taste():
    name, taste = extract_memories("My name is Rowan. I love apples.")
    assert name.importance > taste.importance
