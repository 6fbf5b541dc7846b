"""EBNF (xgrammar's dialect) for compact, single-line JSON that a JSON Schema accepts.

Action arguments are written as ``{"item": "shield", "count": 2}``: ", " between
items, ": " after keys, properties in the schema's order, no other whitespace.
That is the layout the role-play adapter learnt and the reply parser reads. The
writer covers what action schemas use: objects (required properties in order,
then optional ones), strings (with ``enum``/``const``), integers, numbers,
booleans, null, arrays, ``enum``, ``const``, ``anyOf``/``oneOf`` and type lists.
Anything else raises :class:`SchemaNotCovered`, and the caller falls back to the
engine's own JSON Schema support. Bounds (``minimum``, ``maxLength``...) are not
encoded: the host validates arguments against the schema after decoding.
"""

from __future__ import annotations

import json
from typing import Any

_SCALARS = {
    "integer": '"-"? ("0" | [1-9] [0-9]*)',
    "number": '"-"? ("0" | [1-9] [0-9]*) ("." [0-9]+)? ([eE] [-+]? [0-9]+)?',
    "boolean": '"true" | "false"',
    "null": '"null"',
    "string": '"\\"" jchar* "\\""',
}
_CHAR_RULE = 'jchar ::= [^"\\\\\\x00-\\x1f] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})'
_KNOWN = {"type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "oneOf",
          "description", "title", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
          "maxLength", "minItems", "maxItems", "pattern", "format", "default", "examples", "x-guidance", "$schema"}


class SchemaNotCovered(ValueError):
    """The schema uses a feature this writer does not encode."""


def _literal(value: Any) -> str:
    """An EBNF string literal matching ``value``'s compact JSON text exactly."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return json.dumps(text, ensure_ascii=False)


class _Writer:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.rules: list[str] = []

    def rule(self, body: str) -> str:
        name = f"{self.prefix}r{len(self.rules)}"
        self.rules.append(f"{name} ::= {body}")
        return name

    def value(self, schema: Any) -> str:
        """The name of a rule for ``schema``'s values."""
        if schema is True or schema == {}:
            raise SchemaNotCovered("any value")
        if not isinstance(schema, dict):
            raise SchemaNotCovered(f"schema {schema!r}")
        unknown = set(schema) - _KNOWN
        if unknown:
            raise SchemaNotCovered(", ".join(sorted(unknown)))
        if "const" in schema:
            return self.rule(_literal(schema["const"]))
        if "enum" in schema:
            return self.rule(" | ".join(_literal(v) for v in schema["enum"]))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.rule(" | ".join(self.value(s) for s in schema[key]))
        kind = schema.get("type")
        if isinstance(kind, list):
            return self.rule(" | ".join(self.value({**schema, "type": k}) for k in kind))
        if kind == "object":
            return self.object(schema)
        if kind == "array":
            item = self.value(schema.get("items", True))
            return self.rule(f'"[" ({item} (", " {item})*)? "]"')
        if kind in _SCALARS:
            return self.rule(_SCALARS[kind].replace("jchar", f"{self.prefix}jchar"))
        raise SchemaNotCovered(f"type {kind!r}")

    def object(self, schema: dict) -> str:
        properties = schema.get("properties", {})
        required = [k for k in properties if k in set(schema.get("required", []))]
        optional = [k for k in properties if k not in set(required)]
        pairs = {k: f'{_literal(k)} ": " {self.value(v)}' for k, v in properties.items()}
        if required:
            body = ' ", " '.join(pairs[k] for k in required)
            body += "".join(f' (", " {pairs[k]})?' for k in optional)
            return self.rule(f'"{{" {body} "}}"')
        # Nothing required: "{}" or the present optional ones in order, the first one without a comma.
        options = ['"{}"']
        for i, first in enumerate(optional):
            rest = "".join(f' (", " {pairs[k]})?' for k in optional[i + 1:])
            options.append(f'"{{" {pairs[first]}{rest} "}}"')
        return self.rule(" | ".join(options))


def schema_rules(schema: Any, prefix: str) -> tuple[str, list[str]]:
    """The rule (its name) of the compact JSON texts ``schema`` accepts, and every rule it needs;
    each rule name starts with ``prefix``, so several schemas can share one grammar."""
    writer = _Writer(prefix)
    top = writer.value(schema)
    return top, [*writer.rules, _CHAR_RULE.replace("jchar", f"{prefix}jchar")]


def schema_ebnf(schema: Any) -> str:
    """An EBNF grammar (``root`` first) of the compact JSON texts ``schema`` accepts."""
    top, rules = schema_rules(schema, "")
    return "\n".join([f"root ::= {top}", *rules]) + "\n"
