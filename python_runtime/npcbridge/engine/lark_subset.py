"""The subset of Lark the host writes its reply grammars in, parsed into a small tree
that engines without llguidance translate into their own grammar form (OpenVINO's
compound grammars, llama.cpp's GBNF).

The subset: ``name: body`` rules, JSON-quoted strings, ``|``, ``?``, parentheses,
``/regex/`` terminals and ``%json {schema}``; rules are inlined from ``start`` (no
recursion). Tree nodes: ``("empty",)``, ``("const", text)``, ``("regex", pattern)``,
``("json", schema)``, ``("union", [nodes])``, ``("concat", [nodes])``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<regex>/(?:[^/\\]|\\.)*/)|(?P<json>%json\b)'
                    r'|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[|()?*+]))')
_EMPTY = ("empty",)


class GrammarError(ValueError):
    """A grammar an engine cannot be given; the message says why."""


def _tokens(body: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    decoder = json.JSONDecoder()
    while pos < len(body):
        if not body[pos:].strip():
            break
        match = _TOKEN.match(body, pos)
        if match is None:
            raise GrammarError(f"this engine cannot translate this grammar near {body[pos:pos + 30]!r}")
        kind = match.lastgroup
        pos = match.end()
        if kind == "json":
            start = len(body) - len(body[pos:].lstrip())
            try:
                schema, end = decoder.raw_decode(body, start)
            except json.JSONDecodeError as exc:
                raise GrammarError(f"the grammar's %json schema is not JSON: {exc}") from exc
            out.append(("json", schema))
            pos = end
        else:
            out.append((str(kind), match.group(kind)))
    return out


class _Parser:
    """Recursive descent over one rule body: alternatives of sequences of postfix items."""

    def __init__(self, tokens: list[tuple[str, Any]], rules: dict[str, str], seen: tuple[str, ...]) -> None:
        self.tokens, self.rules, self.seen, self.i = tokens, rules, seen, 0

    def parse(self) -> tuple:
        tree = self._alternatives()
        if self.i != len(self.tokens):
            raise GrammarError(f"this engine cannot translate {self.tokens[self.i][1]!r} here")
        return tree

    def _peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _alternatives(self) -> tuple:
        options = [self._sequence()]
        while self._peek() == ("op", "|"):
            self.i += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else ("union", options)

    def _sequence(self) -> tuple:
        items = []
        while (token := self._peek()) is not None and token not in (("op", "|"), ("op", ")")):
            items.append(self._postfix())
        if not items:
            return _EMPTY
        return items[0] if len(items) == 1 else ("concat", items)

    def _postfix(self) -> tuple:
        item = self._atom()
        token = self._peek()
        if token == ("op", "?"):
            self.i += 1
            return ("union", [_EMPTY, item])
        if token in (("op", "*"), ("op", "+")):
            raise GrammarError("this engine does not translate '*' or '+' outside a /regex/")
        return item

    def _atom(self) -> tuple:
        kind, value = self.tokens[self.i]
        self.i += 1
        if kind == "string":
            text = json.loads(value)
            return ("const", text) if text else _EMPTY
        if kind == "regex":
            return ("regex", value[1:-1])
        if kind == "json":
            return ("json", value)
        if kind == "name":
            return _rule(value, self.rules, self.seen)
        if value == "(":
            inner = self._alternatives()
            if self._peek() != ("op", ")"):
                raise GrammarError("the grammar has an unclosed '('")
            self.i += 1
            return inner
        raise GrammarError(f"this engine cannot translate {value!r} here")


def _rule(name: str, rules: dict[str, str], seen: tuple[str, ...]) -> tuple:
    if name not in rules:
        raise GrammarError(f"the grammar uses rule {name!r} without defining it")
    if name in seen:
        raise GrammarError(f"rule {name!r} is recursive; this engine translates non-recursive grammars")
    return _Parser(_tokens(rules[name]), rules, (*seen, name)).parse()


@lru_cache(maxsize=256)
def parse_grammar(lark: str) -> tuple:
    """The grammar's tree (rules inlined from ``start``); raises :class:`GrammarError`."""
    rules: dict[str, str] = {}
    for line in lark.splitlines():
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        name, sep, body = line.partition(":")
        if not sep or not re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*", name):
            raise GrammarError(f"this engine cannot translate the grammar line {line[:40]!r}")
        rules[name.strip()] = body
    if "start" not in rules:
        raise GrammarError("the grammar has no 'start' rule")
    return _rule("start", rules, ())


