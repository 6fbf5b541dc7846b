"""Attribute vocabulary, seed completion and description parsing."""

from __future__ import annotations

import pytest
from npcbridge.avatar.attributes import (
    ATTRIBUTE_NAMES,
    ATTRIBUTES,
    colors_for,
    complete_attributes,
    validate_attributes,
)
from npcbridge.avatar.describe import parse_description
from npcbridge.errors import InvalidArgument


def test_validate_normalises_case_and_spelling() -> None:
    assert validate_attributes({"Species": " Elf ", "hair-color": "RED"}) == {"species": "elf", "hair_color": "red"}


def test_unknown_attribute_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_attributes({"wings": "yes"})
    assert "wings" in str(err.value) and all(name in str(err.value) for name in ATTRIBUTE_NAMES)


def test_unknown_value_lists_the_valid_values() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_attributes({"species": "dragon"})
    assert "dragon" in str(err.value) and "human, elf, dwarf, orc" in str(err.value)


def test_completion_is_deterministic_and_keeps_pinned_values() -> None:
    a = complete_attributes({"species": "elf"}, 42)
    assert a == complete_attributes({"species": "elf"}, 42)
    assert a["species"] == "elf" and list(a) == list(ATTRIBUTE_NAMES)
    assert all(a[name] in ATTRIBUTES[name] for name in ATTRIBUTE_NAMES)
    seeds = {tuple(complete_attributes({}, s).values()) for s in range(50)}
    assert len(seeds) > 40  # seeds differ


def test_pinning_one_attribute_leaves_the_others_of_a_seed_alone() -> None:
    free = complete_attributes({}, 7)
    pinned = complete_attributes({"accessory": "scar"}, 7)
    assert {k: v for k, v in pinned.items() if k not in ("accessory",)} == \
        {k: v for k, v in free.items() if k not in ("accessory",)}


def test_species_priors_shape_the_open_attributes() -> None:
    orcs = [complete_attributes({"species": "orc"}, s)["skin_tone"] for s in range(300)]
    assert orcs.count("green") > 100  # uniform would give ~50
    elves = [complete_attributes({"species": "elf"}, s)["facial_hair"] for s in range(300)]
    assert elves.count("none") > 150


def test_colours_are_hex() -> None:
    colours = colors_for(complete_attributes({}, 3))
    assert set(colours) == {"skin", "hair", "eyes"}
    assert all(c.startswith("#") and len(c) == 7 for c in colours.values())


@pytest.mark.parametrize(("text", "expected"), [
    ("a red-haired elf with green eyes", {"species": "elf", "hair_color": "red", "eye_color": "green"}),
    ("A bearded dwarf with long white hair and an eye patch",
     {"species": "dwarf", "facial_hair": "beard", "hair_style": "long", "hair_color": "white",
      "accessory": "eyepatch"}),
    ("an orc with a golden gaze wearing a crown", {"species": "orc", "eye_color": "amber", "accessory": "circlet"}),
    ("clean-shaven human, pale skin, blue hair",
     {"facial_hair": "none", "species": "human", "skin_tone": "pale", "hair_color": "blue"}),
    ("green-skinned woman whose eyes are violet", {"skin_tone": "green", "species": "human", "eye_color": "violet"}),
    ("eyes of blue and hair of copper", {"eye_color": "blue", "hair_color": "red"}),
    ("a bald old man with a goatee and an earring",
     {"hair_style": "bald", "species": "human", "facial_hair": "goatee", "accessory": "earring"}),
    ("a scarred redhead with a mohawk", {"accessory": "scar", "hair_color": "red", "hair_style": "mohawk"}),
    ("a mysterious stranger", {}),
    ("", {}),
])
def test_description_parsing(text: str, expected: dict[str, str]) -> None:
    assert parse_description(text) == expected


def test_colour_binds_to_its_own_noun() -> None:
    # "green" is for the eyes, "red" for the hair: word order decides.
    assert parse_description("green eyes, red hair") == {"eye_color": "green", "hair_color": "red"}
    assert parse_description("red hair, green eyes") == {"hair_color": "red", "eye_color": "green"}


def test_an_accessory_appears_only_when_asked_for_or_random() -> None:
    assert {complete_attributes({}, s)["accessory"] for s in range(100)} == {"none"}
    assert {complete_attributes({"species": "orc"}, s)["accessory"] for s in range(100)} == {"none"}
    drawn = {complete_attributes({"accessory": "random"}, s)["accessory"] for s in range(100)}
    assert drawn == set(ATTRIBUTES["accessory"])
    assert complete_attributes({"accessory": "scar"}, 3)["accessory"] == "scar"
    assert validate_attributes({"Accessory": "Random"}) == {"accessory": "random"}
    # "random" draws any attribute, and the seed's other attributes stay put.
    free, random_hair = complete_attributes({}, 9), complete_attributes({"hair_color": "random"}, 9)
    assert free == random_hair


def test_a_description_can_ask_for_a_random_accessory() -> None:
    from npcbridge.avatar.describe import parse_description

    assert parse_description("an orc with a random accessory")["accessory"] == "random"
