"""Actions and emotions through gRPC on the scripted backend (deterministic, as game
teams' CI runs it): events in order, checked calls, history, and every bad input."""

from __future__ import annotations

import json

import grpc
import pytest

from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge.engine.scripted import ScriptedEngine
from npcbridge.testing import running_host

GIVE = dpb.ActionSpec(name="give_item", description="hand the player an item", examples=["Give me a sword."],
                      parameters_schema=json.dumps({"type": "object", "properties": {
                          "item": {"type": "string", "enum": ["sword", "shield"]}}, "required": ["item"]}))
SIGN = dpb.ActionSpec(name="write_sign", description="paint words on the shop sign",
                      parameters_schema=json.dumps({"type": "object", "properties": {"text": {"type": "string"}},
                                                    "required": ["text"]}))
WAVE = dpb.ActionSpec(name="wave", description="wave at the player")
SCRIPT = {"replies": [
    {"pattern": "sword", "reply": "Here, take it.", "emotion": "happy",
     "actions": [{"name": "give_item", "arguments": {"item": "sword"}}]},
    {"pattern": "dragon", "reply": "Run!", "emotion": "bewildered"},  # not one of the character's labels
    {"pattern": "axe", "reply": "No.", "actions": [{"name": "give_item", "arguments": {"item": "axe"}}]},
    {"pattern": "fly", "reply": "Hm.", "actions": [{"name": "fly", "arguments": {}}]},
    {"pattern": "sign", "reply": "Done.", "actions": [{"name": "write_sign", "arguments": {"text": "you idiot"}}]},
    {"pattern": "hello|walks in", "reply": "Welcome.", "actions": [{"name": "wave", "arguments": {}}]},
], "default": "Hm."}


@pytest.fixture(scope="module")
def host():
    with running_host(engine=ScriptedEngine.from_data(SCRIPT)) as running:
        yield running


def open_session(client, **fields):
    character = client.upsert_character(name="Greta", persona="A smith.", actions=[GIVE, SIGN, WAVE], **fields)
    return character, client.create_session(character.id, "p1")


def events_of(client, session_id, text, **kwargs):
    return list(client.say(session_id, text, **kwargs))


def test_emotion_before_text_and_the_action_call_in_completed_and_history(host):
    client = host.client()
    _, session = open_session(client)
    events = events_of(client, session.id, "I want a sword")
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[:2] == ["started", "emotion"] and kinds.index("emotion") < kinds.index("text_delta")
    # The call goes out as soon as it is complete (the filter may still hold back the last words).
    assert kinds.count("action") == 1 and kinds[-1] == "completed"
    assert events[1].emotion.label == "happy"
    call = events[kinds.index("action")].action
    assert call.name == "give_item" and json.loads(call.arguments_json) == {"item": "sword"} and call.id
    done = events[-1].completed
    assert done.text == "Here, take it." and list(done.actions) == [call] and done.emotion.label == "happy"
    turns = client.get_session(session.id).turns
    assert turns[1].emotion.label == "happy" and list(turns[1].actions) == [call]


def test_calls_that_do_not_validate_or_name_no_action_never_reach_the_game(host):
    client = host.client()
    _, session = open_session(client)
    for line in ("an axe please", "can you fly"):
        events = events_of(client, session.id, line)
        assert not [e for e in events if e.WhichOneof("event") == "action"]
        assert not events[-1].completed.actions


def test_allowed_actions_restricts_the_turn(host):
    client = host.client()
    _, session = open_session(client)
    events = events_of(client, session.id, "I want a sword", allowed_actions=["wave"])
    assert not events[-1].completed.actions and events[-1].completed.text == "Here, take it."


def test_an_unknown_emotion_falls_back_to_the_planned_one(host):
    client = host.client()
    _, session = open_session(client, emotions=["calm", "cross"])
    events = events_of(client, session.id, "a dragon!")
    assert events[1].WhichOneof("event") == "emotion" and events[1].emotion.label in ("calm", "cross")


def test_action_arguments_pass_moderation(host):
    client = host.client()
    _, session = open_session(client)
    events = events_of(client, session.id, "paint the sign")
    notices = [e.moderation for e in events if e.WhichOneof("event") == "moderation"]
    calls = [e.action for e in events if e.WhichOneof("event") == "action"]
    assert notices and notices[0].source == "character"
    assert all("idiot" not in c.arguments_json for c in calls)


def test_a_game_event_without_text_gets_a_reply_and_is_kept_in_history(host):
    client = host.client()
    _, session = open_session(client)
    event = dpb.GameEvent(name="player_entered", description="The player walks in.", params={"door": "front"})
    events = events_of(client, session.id, "", event=event, context={"time": "night", "weather": "rain"})
    assert events[-1].completed.text == "Welcome."
    assert [e.action.name for e in events if e.WhichOneof("event") == "action"] == ["wave"]
    player_turn = client.get_session(session.id).turns[0]
    assert player_turn.text == "" and player_turn.event.name == "player_entered"
    assert dict(player_turn.event.params) == {"door": "front"}


def bad(call):
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return err.value.details()


def test_bad_characters_are_refused_and_nothing_stored_changes(host):
    client = host.client()
    character, session = open_session(client)
    schema = lambda s: dpb.ActionSpec(name="x", parameters_schema=s)  # noqa: E731
    cases = {
        "parameters_schema": [schema("{not json"), schema('{"type": "string"}'),
                              schema('{"type": "object", "properties": {"a": {"type": 5}}}')],
        "used twice": [GIVE, GIVE],
        "not valid": [dpb.ActionSpec(name="give item")],
    }
    for expected, actions in cases.items():
        details = bad(lambda: client.upsert_character(id=character.id, name="Greta", actions=actions))
        assert expected in details, details
    assert "character.emotions" in bad(lambda: client.upsert_character(id=character.id, name="G",
                                                                       emotions=["Happy!"]))
    assert list(client.get_character(character.id).actions) == [GIVE, SIGN, WAVE]
    assert "fly" in bad(lambda: events_of(client, session.id, "hi", allowed_actions=["fly"]))
    assert "max_context_chars" in bad(lambda: events_of(client, session.id, "hi", context={"k": "v" * 5000}))
    assert "max_context_chars" in bad(lambda: events_of(
        client, session.id, "hi", event=dpb.GameEvent(name="e", description="d" * 5000)))
    assert "text is empty" in bad(lambda: events_of(client, session.id, ""))
    assert not client.get_session(session.id).turns
    assert events_of(client, session.id, "hello")[-1].completed.text == "Welcome."  # still serving


def test_server_info_reports_actions_and_their_limits(host):
    info = host.client().info()
    assert info.capabilities.actions
    assert info.limits.max_actions == 32 and info.limits.max_context_chars == 4000
