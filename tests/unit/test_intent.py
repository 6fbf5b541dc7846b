"""The encoder-based planner on the real MiniLM encoder and the committed action head."""

from __future__ import annotations

import json

import pytest

from npcbridge.dialogue.intent import ActionHead, IntentScorer, narrow_to_mentioned
from npcbridge.dialogue.turn_plan import InvalidCall, check_call, plan_turn
from npcbridge.dialogue.types import ActionSpec, Character, SayOptions

GIVE = ActionSpec("give_item", "sell the player an item", json.dumps(
    {"type": "object", "properties": {"item": {"type": "string", "enum": ["sword", "shield"]}}, "required": ["item"]}),
    ["I'll buy a sword.", "Give me a shield."])
OPEN = ActionSpec("open_gate", "open the gate", "", ["Open the gate.", "Let me through."])
GRETA = Character("c", "Greta", actions=[GIVE, OPEN])


@pytest.fixture(scope="module")
def scorer():
    from npcbridge.moderation.service import shared_encoder

    return IntentScorer(shared_encoder("cpu"), head=ActionHead.load())


def test_requests_get_their_action_and_chat_gets_none(scorer):
    assert scorer.head is not None
    assert scorer.choose_action("Sell me that shield, here's the gold.", [GIVE, OPEN]) is GIVE
    assert scorer.choose_action("Please open up, I need to get through.", [GIVE, OPEN]) is OPEN
    assert scorer.choose_action("Lovely weather today.", [GIVE, OPEN]) is None


def test_the_plan_forces_the_action_with_its_arguments_narrowed(scorer):
    plan = plan_turn(scorer, GRETA, "Sell me that shield, here's the gold.", SayOptions(), [GIVE, OPEN])
    assert plan.choice.required and [a.name for a in plan.choice.actions] == ["give_item"]
    assert json.loads(plan.choice.actions[0].parameters_schema)["properties"]["item"]["enum"] == ["shield"]
    assert check_call(plan, "give_item", '{"item": "sword"}')[1] == {"item": "sword"}  # checked on the full schema
    with pytest.raises(InvalidCall):
        check_call(plan, "give_item", '{"item": "axe"}')
    with pytest.raises(InvalidCall):
        check_call(plan, "fly", "{}")


def test_emotions_follow_what_happened(scorer):
    labels = GRETA.emotion_labels()
    assert scorer.choose_emotion("You stupid fool, I spit on you.", labels).label == "angry"
    assert scorer.choose_emotion("Hello.", labels).label == "neutral"
    assert scorer.choose_emotion("Hello.", ["calm", "cross"]).label in ("calm", "cross")


def test_narrowing_keeps_the_schema_when_the_line_names_no_value():
    schema = json.loads(GIVE.parameters_schema)
    assert narrow_to_mentioned(schema, "something sharp") == schema
    assert narrow_to_mentioned(schema, "two shields")["properties"]["item"]["enum"] == ["shield"]
