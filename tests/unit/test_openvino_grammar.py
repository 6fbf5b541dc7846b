"""The host's Lark grammars translated for OpenVINO's structured output, and compact JSON
EBNF from action schemas. (Decoding under them with the real engine: test_grammar_model.)"""

from __future__ import annotations

import json

import pytest

from npcbridge.dialogue.reply_grammar import ActionChoice, speech_grammar, tail_grammar
from npcbridge.dialogue.types import ActionSpec
from npcbridge.engine.json_ebnf import SchemaNotCovered, schema_ebnf
from npcbridge.engine.openvino_grammar import GrammarError, parse_grammar, structured_output

GIVE = ActionSpec("give_item", parameters_schema=json.dumps(
    {"type": "object", "properties": {"item": {"type": "string", "enum": ["shield", "sword"]},
                                      "count": {"type": "integer"}}, "required": ["item"]}))


def test_the_tail_grammar_becomes_an_optional_call_of_the_actions() -> None:
    tree = parse_grammar(tail_grammar(ActionChoice((GIVE, ActionSpec("wave")), required=False)))
    kind, (empty, call) = tree
    assert kind == "union" and empty == ("empty",)
    prefix, actions = call[1]
    assert prefix == ("const", "\n-> ")
    give, wave = actions[1]
    assert give[1][0] == ("const", "give_item ") and give[1][1][0] == "json"
    assert wave == ("const", "wave {}")
    required = parse_grammar(tail_grammar(ActionChoice((GIVE,), required=True)))
    assert required[0] == "concat"  # no empty alternative: a call must come
    assert structured_output(tail_grammar(ActionChoice((GIVE,), required=True))) is not None


def test_the_speech_grammar_keeps_its_regex_terminal() -> None:
    tree = parse_grammar(speech_grammar(["happy", "angry"]))
    assert tree[0] == "concat"
    assert tree[1][1] == ("union", [("const", "happy"), ("const", "angry")])
    assert tree[1][3] == ("regex", r"[^\s\[][^\x00]*")
    assert structured_output("") is None


@pytest.mark.parametrize("lark, why", [
    ("start: item*\nitem: \"a\"\n", "outside a /regex/"),
    ("start: a\na: \"x\" a\n", "recursive"),
    ("start: missing\n", "without defining"),
    ("item: \"a\"\n", "no 'start'"),
    ("start: \"a\" %ignore\n", "cannot translate"),
])
def test_what_cannot_be_translated_is_refused_with_the_reason(lark: str, why: str) -> None:
    with pytest.raises(GrammarError, match=why):
        parse_grammar(lark)


def test_action_schemas_become_compact_single_line_json() -> None:
    ebnf = schema_ebnf(json.loads(GIVE.parameters_schema))
    assert ebnf.startswith("root ::= r")
    assert '"{" "\\"item\\"" ": "' in ebnf  # required property first, ": " after the key
    assert '(", " "\\"count\\"" ": "' in ebnf  # the optional one after ", "
    assert '"\\"shield\\"" | "\\"sword\\""' in ebnf
    nothing_required = schema_ebnf({"type": "object", "properties": {"a": {"type": "boolean"}}})
    assert '"{}"' in nothing_required
    with pytest.raises(SchemaNotCovered):
        schema_ebnf({"$ref": "#/definitions/x"})
