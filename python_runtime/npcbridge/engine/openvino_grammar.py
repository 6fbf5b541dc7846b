"""The host's reply grammars as OpenVINO GenAI structured output.

The dialogue layer writes its grammars (:mod:`npcbridge.dialogue.reply_grammar`) in
Lark with ``%json`` JSON Schema rules, which llguidance (vLLM's guidance backend)
takes as they are. OpenVINO constrains decoding with xgrammar through a
*compound grammar*: constant strings, unions, concatenations, regular expressions,
EBNF and JSON Schema pieces. This module translates the Lark subset the host
writes (:mod:`npcbridge.engine.lark_subset`) into that form; anything else is
refused with a clear message.

``%json`` arguments become compact single-line JSON (``{"item": "shield"}``, the
layout the reply parser and the role-play adapter use) through EBNF written here
from the schema, since OpenVINO's own JSON Schema piece lays objects out over
several indented lines; a schema using features this writer does not know falls
back to that piece.
"""

from __future__ import annotations

import json
from typing import Any

from npcbridge.engine.json_ebnf import SchemaNotCovered, schema_ebnf
from npcbridge.engine.lark_subset import GrammarError, parse_grammar

__all__ = ["GrammarError", "parse_grammar", "structured_output"]

def _compound(tree: tuple) -> Any:
    import openvino_genai as ov_genai

    s = ov_genai.StructuredOutputConfig
    kind = tree[0]
    if kind == "empty":
        return s.EBNF('root ::= ""')
    if kind == "const":
        return s.ConstString(tree[1])
    if kind == "regex":
        return s.Regex(tree[1])
    if kind == "json":
        try:
            return s.EBNF(schema_ebnf(tree[1]))
        except SchemaNotCovered:
            return s.JSONSchema(json.dumps(tree[1]))
    parts = [_compound(t) for t in tree[1]]
    return s.Union(*parts) if kind == "union" else s.Concat(*parts)


def structured_output(lark: str) -> Any:
    """OpenVINO's ``StructuredOutputConfig`` for a Lark grammar ("" gives None)."""
    if not lark:
        return None
    import openvino_genai as ov_genai

    tree = parse_grammar(lark)
    config = ov_genai.StructuredOutputConfig()
    config.compound_grammar = _compound(tree)
    return config
