"""Free-text descriptions ("a red-haired elf with green eyes") to attributes.

Keyword rules rather than embeddings: a colour only means something next to the
noun it colours ("red hair" vs "red eyes"), which word order captures exactly
and a sentence embedding blurs. Words the rules do not know are ignored; the
attributes a description leaves open are drawn from the seed.
"""

from __future__ import annotations

import re

# Words that name a value outright, wherever they appear.
_STANDALONE: dict[str, tuple[str, str]] = {
    **{w: ("species", "human") for w in ("human", "man", "woman", "person", "boy", "girl", "humans")},
    **{w: ("species", "elf") for w in ("elf", "elven", "elvish", "elves", "elfin")},
    **{w: ("species", "dwarf") for w in ("dwarf", "dwarven", "dwarvish", "dwarves")},
    **{w: ("species", "orc") for w in ("orc", "orcish", "ork", "orcs", "uruk")},
    "bald": ("hair_style", "bald"), "hairless": ("hair_style", "bald"), "mohawk": ("hair_style", "mohawk"),
    "topknot": ("hair_style", "topknot"), "bun": ("hair_style", "topknot"),
    "beard": ("facial_hair", "beard"), "bearded": ("facial_hair", "beard"),
    "moustache": ("facial_hair", "moustache"), "mustache": ("facial_hair", "moustache"),
    "moustached": ("facial_hair", "moustache"), "mustached": ("facial_hair", "moustache"),
    "goatee": ("facial_hair", "goatee"), "beardless": ("facial_hair", "none"),
    "earring": ("accessory", "earring"), "earrings": ("accessory", "earring"),
    "eyepatch": ("accessory", "eyepatch"), "circlet": ("accessory", "circlet"), "crown": ("accessory", "circlet"),
    "tiara": ("accessory", "circlet"), "diadem": ("accessory", "circlet"), "scar": ("accessory", "scar"),
    "scarred": ("accessory", "scar"), "redhead": ("hair_color", "red"), "ginger": ("hair_color", "red"),
    "brunette": ("hair_color", "brown"),
}
# Two-word phrases, matched before single words.
_PHRASES: dict[tuple[str, str], tuple[str, str]] = {
    ("eye", "patch"): ("accessory", "eyepatch"), ("one", "eyed"): ("accessory", "eyepatch"),
    ("clean", "shaven"): ("facial_hair", "none"), ("shaved", "head"): ("hair_style", "bald"),
    ("top", "knot"): ("hair_style", "topknot"), ("half", "orc"): ("species", "orc"),
    ("random", "accessory"): ("accessory", "random"), ("any", "accessory"): ("accessory", "random"),
}
# Nouns a modifier can attach to, and the attribute they make it set.
_NOUNS = {"hair": "hair", "haired": "hair", "locks": "hair", "mane": "hair", "beard": "hair", "bearded": "hair",
          "eyes": "eyes", "eyed": "eyes", "eye": "eyes", "gaze": "eyes",
          "skin": "skin", "skinned": "skin", "complexion": "skin", "face": "skin"}
_COLOURS = {
    "hair": {"black": "black", "raven": "black", "dark": "black", "brown": "brown", "chestnut": "brown",
             "blonde": "blonde", "blond": "blonde", "golden": "blonde", "yellow": "blonde", "fair": "blonde",
             "red": "red", "ginger": "red", "auburn": "red", "copper": "red", "white": "white",
             "silver": "white", "grey": "white", "gray": "white", "blue": "blue"},
    "eyes": {"brown": "brown", "dark": "brown", "blue": "blue", "green": "green", "emerald": "green",
             "amber": "amber", "golden": "amber", "gold": "amber", "yellow": "amber", "violet": "violet",
             "purple": "violet"},
    "skin": {"pale": "pale", "white": "pale", "fair": "fair", "light": "fair", "tan": "tan", "tanned": "tan",
             "olive": "tan", "bronze": "tan", "brown": "brown", "dark": "dark", "black": "dark", "green": "green"},
}
_HAIR_LENGTH = {"short": "short", "cropped": "short", "long": "long", "flowing": "long"}
_TARGET_ATTRIBUTE = {"hair": "hair_color", "eyes": "eye_color", "skin": "skin_tone"}
# Filler a modifier may skip on its way to its noun ("red, flowing hair").
_FILLER = {"and", "bright", "piercing", "deep", "long", "short", "flowing", "cropped", "curly", "wild", "thick",
           "braided", "shining", "light", "dark"}


def _noun_after(tokens: list[str], i: int) -> str | None:
    for tok in tokens[i + 1:i + 4]:
        if tok in _NOUNS:
            return _NOUNS[tok]
        if tok not in _FILLER and tok not in _COLOURS["hair"] and tok not in _COLOURS["eyes"]:
            return None
    return None


def _noun_before(tokens: list[str], i: int) -> str | None:
    # "eyes of green", "hair that is red", "skin like bronze"
    for back in (2, 3):
        j = i - back
        if j >= 0 and tokens[j] in _NOUNS and all(t in {"of", "is", "are", "that", "like", "as"}
                                                  for t in tokens[j + 1:i]):
            return _NOUNS[tokens[j]]
    return None


def parse_description(text: str) -> dict[str, str]:
    """Attributes a description asks for; later mentions win over earlier ones."""
    tokens = re.findall(r"[a-z]+", text.lower())
    found: dict[str, str] = {}
    skip = -1
    for i, tok in enumerate(tokens):
        if i <= skip:
            continue
        if i + 1 < len(tokens) and (tok, tokens[i + 1]) in _PHRASES:
            name, value = _PHRASES[(tok, tokens[i + 1])]
            found[name] = value
            skip = i + 1
            continue
        noun = None
        if any(tok in table for table in _COLOURS.values()) or tok in _HAIR_LENGTH:
            noun = _noun_before(tokens, i) or _noun_after(tokens, i)
        if noun == "hair" and tok in _HAIR_LENGTH:
            found["hair_style"] = _HAIR_LENGTH[tok]
        elif noun is not None and tok in _COLOURS[noun]:
            found[_TARGET_ATTRIBUTE[noun]] = _COLOURS[noun][tok]
        elif tok in _STANDALONE and not (tok in ("beard", "bearded") and found.get("facial_hair") == "none"):
            name, value = _STANDALONE[tok]
            found[name] = value
    return found
