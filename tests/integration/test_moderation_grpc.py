"""Moderation over real gRPC, alone and inside Say."""

import grpc
import pytest

from npcbridge._proto.v1 import moderation_pb2 as mpb
from npcbridge._proto.v1 import moderation_pb2_grpc
from npcbridge.testing import running_host, scripted_engine

SCRIPT = {
    "replies": [
        {"pattern": "price", "reply": "That sword costs fifty gold, you little shit, take it or leave it."},
        {"pattern": "threat", "reply": "Fine. I know where you live. I will kill you tonight, mark my words."},
    ],
    "default": "Welcome to my forge, traveller.",
}


@pytest.fixture(scope="module")
def host():
    with running_host(engine=scripted_engine(SCRIPT)) as h:
        yield h


@pytest.fixture(scope="module")
def stub(host):
    return moderation_pb2_grpc.ModerationStub(host.client().channel)


def test_check(stub):
    r = stub.Check(mpb.CheckRequest(text="this damn door is shit", policy="everyone"))
    assert r.flagged and r.action == mpb.MASK and list(r.flagged_categories) == ["profanity"]
    assert r.masked_text == "this **** door is ****"
    assert [(s.start, s.end, s.category) for s in r.spans] == [(5, 9, "profanity"), (18, 22, "profanity")]
    assert {s.category for s in r.scores} >= {"profanity", "harassment", "pii", "prompt_injection"}
    clean = stub.Check(mpb.CheckRequest(text="Can you repair my sword?"))
    assert not clean.flagged and clean.action == mpb.ALLOW and clean.masked_text == "Can you repair my sword?"


def test_check_batch_keeps_order(stub):
    texts = ["hello there", "you are a worthless pathetic idiot", "my email is bob@example.com", ""]
    results = stub.CheckBatch(mpb.CheckBatchRequest(texts=texts, policy="teen", context="player")).results
    assert [r.action for r in results] == [mpb.ALLOW, mpb.BLOCK, mpb.MASK, mpb.ALLOW]
    assert "harassment" in results[1].flagged_categories


def test_bad_inputs_get_clear_statuses(host, stub):
    cases = [
        (lambda: stub.Check(mpb.CheckRequest(text="x" * 1_000_000)), grpc.StatusCode.INVALID_ARGUMENT,
         "max_text_chars"),
        (lambda: stub.Check(mpb.CheckRequest(text="hi", policy="kids")), grpc.StatusCode.INVALID_ARGUMENT,
         "everyone, teen, mature"),
        (lambda: stub.CheckBatch(mpb.CheckBatchRequest(texts=["a"] * 1000)), grpc.StatusCode.INVALID_ARGUMENT,
         "max_batch_texts"),
        (lambda: stub.Check(mpb.CheckRequest(text="hi", context="narrator")), grpc.StatusCode.INVALID_ARGUMENT,
         "context"),
    ]
    for call, code, message in cases:
        with pytest.raises(grpc.RpcError) as err:
            call()
        assert err.value.code() == code and message in err.value.details()
    assert host.client().health() == "SERVING"


def test_invalid_utf8_is_invalid_argument(host):
    raw = host.client().channel.unary_unary("/npcbridge.v1.Moderation/Check")
    with pytest.raises(grpc.RpcError) as err:
        raw(b"\x0a\x03\xff\xfe\xfd")  # field 1 (text): three bytes that are not UTF-8
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "UTF-8" in err.value.details()
    assert host.client().health() == "SERVING"


def say(host, text, **character):
    client = host.client()
    c = client.upsert_character(name="Greta", persona="A smith.", **character)
    session = client.create_session(c.id)
    events = list(client.say(session.id, text))
    return client, session, events


def kinds(events):
    return [e.WhichOneof("event") for e in events]


def test_blocked_player_input_runs_no_generation(host):
    client, session, events = say(host, "you worthless pathetic idiot, nobody likes you",
                                  deflections=["Mind your tongue in my forge."])
    assert kinds(events) == ["started", "moderation", "emotion", "text_delta", "completed"]
    assert events[1].moderation.source == "player" and events[1].moderation.action == mpb.BLOCK
    assert "harassment" in events[1].moderation.categories
    done = events[-1].completed
    assert done.finish_reason == "blocked" and done.text == "Mind your tongue in my forge."
    assert done.usage.completion_tokens == 0
    assert client.get_session(session.id).turns == []  # the abusive line is not stored


def test_masked_player_input_is_passed_on_masked(host):
    client, session, events = say(host, "email me at bob@example.com", safety_policy="teen")
    assert events[1].moderation.action == mpb.MASK and events[1].moderation.source == "player"
    assert events[-1].completed.finish_reason == "stop"
    assert client.get_session(session.id).turns[0].text == "email me at " + "*" * 15


def test_npc_reply_is_masked_while_streaming(host):
    _, _, events = say(host, "what is the price?", safety_policy="everyone")
    deltas = [e.text_delta.text for e in events if e.WhichOneof("event") == "text_delta"]
    text = "".join(deltas)
    assert "shit" not in text and "little ****," in text
    assert not any("sh" in d for d in deltas)
    assert text == events[-1].completed.text
    notice = next(e.moderation for e in events if e.WhichOneof("event") == "moderation")
    assert notice.source == "character" and notice.action == mpb.MASK and list(notice.categories) == ["profanity"]


def test_npc_reply_threat_is_replaced_by_a_deflection(host):
    client, session, events = say(host, "make a threat", deflections=["Hmph. Buy something or leave."])
    notice = next(e.moderation for e in events if e.WhichOneof("event") == "moderation")
    assert notice.source == "character" and notice.action == mpb.BLOCK and "violence" in notice.categories
    done = events[-1].completed
    assert done.finish_reason == "blocked" and done.text == "Hmph. Buy something or leave."
    streamed = "".join(e.text_delta.text for e in events if e.WhichOneof("event") == "text_delta")
    assert "kill" not in streamed
    assert [t.text for t in client.get_session(session.id).turns] == ["make a threat", done.text]


def test_mature_character_lets_swearing_through(host):
    _, _, events = say(host, "what is the price?", safety_policy="mature")
    assert "you little shit" in events[-1].completed.text
