"""The structured reply parser: emotion head, speech, and tail calls as each completes."""

from __future__ import annotations

from npcbridge.dialogue.reply_format import ParsedCall, ParsedEmotion, ParsedText, ReplyParser, call_line
from npcbridge.dialogue.reply_grammar import ActionChoice, tail_grammar
from npcbridge.dialogue.types import ActionSpec

LABELS = ["neutral", "happy"]


def test_an_emotion_head_is_split_from_the_speech_once_its_bracket_closes():
    parser = ReplyParser(LABELS)
    assert parser.feed("[hap") == []
    assert parser.feed("py] Hello") == [ParsedEmotion("happy"), ParsedText("Hello")]
    assert parser.feed(" there") == [ParsedText(" there")]
    split = ReplyParser(LABELS)  # the space after the bracket in the next piece
    assert split.feed("[happy]") == [ParsedEmotion("happy")]
    assert split.feed(" Hi") == [ParsedText("Hi")]


def test_brackets_that_are_not_a_label_are_speech():
    parser = ReplyParser(LABELS)
    assert parser.feed("[bold] text") == [ParsedText("[bold] text")]
    assert ReplyParser(LABELS).feed("Plain") == [ParsedText("Plain")]


def test_a_call_is_out_as_soon_as_its_json_closes():
    parser = ReplyParser(LABELS)
    parser.feed("Here.")
    assert parser.feed('\n-> give_item {"item": ', tail=True) == []
    assert parser.feed('"sword"}', tail=True) == [ParsedCall("give_item", '{"item": "sword"}')]
    assert parser.finish() == []


def test_calls_written_by_a_script_parse_like_the_model_tail():
    text = call_line("wave", {}) + call_line("give_item", {"item": "bread"})
    parser = ReplyParser(LABELS)
    assert parser.feed(text, tail=True) + parser.finish() == [ParsedCall("wave", "{}"),
                                                               ParsedCall("give_item", '{"item": "bread"}')]


def test_the_tail_grammar_forces_or_offers_the_chosen_actions():
    wave = ActionSpec("wave")
    assert tail_grammar(ActionChoice()) == ""
    forced = tail_grammar(ActionChoice((wave,), required=True))
    assert forced.startswith("start: call\n") and '"wave {}"' in forced
    assert tail_grammar(ActionChoice((wave,))).startswith("start: call?\n")
