"""The host's reply grammars as GBNF, the grammar form of llama.cpp's ``llama-server``.

The Lark subset the host writes (:mod:`npcbridge.engine.lark_subset`) maps onto GBNF
one node at a time: strings become literals, unions alternatives, ``%json`` the
compact-JSON rules of :mod:`npcbridge.engine.json_ebnf`. GBNF has no regular
expressions, so a ``/regex/`` terminal is accepted when it is a sequence of
character classes (each maybe with ``*``, ``+`` or ``?``), as the speech grammar's is.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from npcbridge.engine.json_ebnf import SchemaNotCovered, schema_rules
from npcbridge.engine.lark_subset import GrammarError, parse_grammar

_CLASS = re.compile(r"(\[(?:[^\]\\]|\\.)*\]|\\.|[^\[\\*+?])([*+?]?)")
_SPACE = {r"\s": r" \t\n\r", r"\S": None}


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _regex(pattern: str) -> str:
    """A regex of character classes and literal characters as a GBNF sequence."""
    parts, pos = [], 0
    while pos < len(pattern):
        match = _CLASS.match(pattern, pos)
        if match is None or match.end() == pos:
            raise GrammarError(f"llama.cpp's grammars have no regular expressions; /{pattern}/ is not a "
                               "sequence of character classes")
        atom, quantifier = match.groups()
        if atom.startswith("["):
            for escape, chars in _SPACE.items():
                if escape in atom:
                    if chars is None:
                        raise GrammarError(f"/{pattern}/: {escape} in a class has no GBNF form here")
                    atom = atom.replace(escape, chars)
        elif atom.startswith("\\"):
            atom = _literal(atom[1])
        else:
            atom = _literal(atom)
        parts.append(atom + quantifier)
        pos = match.end()
    return "(" + " ".join(parts) + ")"


class _Writer:
    def __init__(self) -> None:
        self.rules: list[str] = []
        self.schemas = 0

    def node(self, tree: tuple) -> str:
        kind = tree[0]
        if kind == "empty":
            return '""'
        if kind == "const":
            return _literal(tree[1])
        if kind == "regex":
            return _regex(tree[1])
        if kind == "json":
            self.schemas += 1
            try:
                top, rules = schema_rules(tree[1], f"s{self.schemas}")
            except SchemaNotCovered as exc:
                raise GrammarError(f"llama.cpp's grammars here do not cover this JSON Schema ({exc})") from exc
            self.rules += rules
            return top
        joiner = " | " if kind == "union" else " "
        return "(" + joiner.join(self.node(t) for t in tree[1]) + ")"


@lru_cache(maxsize=256)
def lark_to_gbnf(lark: str) -> str:
    """GBNF (``root`` first) for a host grammar; raises :class:`GrammarError`."""
    writer = _Writer()
    root = writer.node(parse_grammar(lark))
    return "\n".join([f"root ::= {root}", *writer.rules]) + "\n"
