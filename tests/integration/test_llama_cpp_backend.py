"""``--backend llama.cpp``: the embedded model on a real llama-server child process behind
real gRPC. Seeded replies repeat, a cancelled reply frees its slot, a waiting request is
admitted by priority, bad input gets a clear status and the host keeps serving.
(Actions under its GBNF grammars: test_actions_model; its death and restart: test_engine_death.)"""

from __future__ import annotations

import threading
import time

import grpc
import pytest

from npcbridge.testing.host import running_host


def test_it_serves_and_seeded_replies_repeat(llama_host) -> None:
    client = llama_host.client()
    info = client.info()
    dialogue = next(m for m in info.models if m.kind == "dialogue")
    assert dialogue.backend == "llama.cpp" and dialogue.dtype == "gguf-q8_0"
    greta = client.upsert_character(name="Greta", persona="A gruff dwarven blacksmith.",
                                    knowledge=["Iron bars cost 5 gold each."])
    replies = []
    for _ in range(2):
        session = client.create_session(greta.id, "p1").id
        deltas, done = client.say_text(session, "How much are iron bars?", seed=7, temperature=0.8)
        assert "".join(deltas) == done.text and done.usage.completion_tokens > 0
        replies.append(done.text)
    assert replies[0] == replies[1]
    assert "5" in replies[0]  # the knowledge line reached the prompt


@pytest.fixture(scope="module")
def one_slot_host():
    """One llama-server slot and a queue of one: admission is visible."""
    with running_host(backend="llama.cpp", moderation=False, avatars=False, tuning=False, max_batch=1,
                      max_queue=2, sentence_stop=0.0, default_no_repeat_ngram=0) as host:
        yield host


def test_a_cancelled_reply_frees_its_slot_and_priority_decides_who_waits_least(one_slot_host) -> None:
    client = one_slot_host.client()
    npc = client.upsert_character(name="Bard", persona="A bard who tells very long tales.")
    sessions = [client.create_session(npc.id, f"p{i}").id for i in range(4)]
    long_call = client.say(sessions[0], "Tell me a very long story.", max_tokens=400, temperature=0.0)
    events = iter(long_call)
    next(e for e in events if e.WhichOneof("event") == "text_delta")
    finished: dict[str, float] = {}

    def say(key: str, session: str, priority: int) -> None:
        client.say_text(session, "Hi", max_tokens=4, temperature=0.0, priority=priority)
        finished[key] = time.monotonic()

    low = threading.Thread(target=say, args=("low", sessions[1], 0))
    low.start()
    engine = one_slot_host.host.engine
    deadline = time.monotonic() + 10
    while engine.queue_depth() < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    high = threading.Thread(target=say, args=("high", sessions[2], 10))
    high.start()
    while engine.queue_depth() < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert engine.queue_depth() == 2  # both wait: the one slot is busy
    with pytest.raises(grpc.RpcError) as full:
        client.say_text(sessions[3], "Me too")
    assert full.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "retry" in full.value.details()
    long_call.cancel()  # frees the slot at once: both waiting replies follow
    low.join(60)
    high.join(60)
    assert finished["high"] < finished["low"]  # arrived later, served first


def test_bad_input_gets_a_clear_status_and_the_host_keeps_serving(one_slot_host) -> None:
    client = one_slot_host.client()
    npc = client.upsert_character(name="Greta", persona="A smith.")
    session = client.create_session(npc.id, "p1").id
    with pytest.raises(grpc.RpcError) as bad:
        client.say_text(session, "Hi", max_tokens=100_000)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    _, done = client.say_text(session, "Hello!", max_tokens=6, temperature=0.0)
    assert done.text
