"""Dialogue over real gRPC on 127.0.0.1, answered by the scripted backend."""

import threading
import time

import grpc
import pytest

from npcbridge.testing import running_host, scripted_engine
from npcbridge.transport.client import cancel_after_deltas


def setup_session(client, **fields):
    character = client.upsert_character(name=fields.pop("name", "Greta"), persona="A smith.", **fields)
    return character, client.create_session(character.id, "p1")


def test_character_crud(scripted_host):
    client = scripted_host.client()
    created = client.upsert_character(name="Greta", persona="A smith.", knowledge=["iron"], greeting="Hm?")
    assert created.id.startswith("chr_")
    assert client.get_character(created.id) == created
    client.upsert_character(id=created.id, name="Greta the Bold")
    assert client.get_character(created.id).name == "Greta the Bold"
    own = client.upsert_character(id="blacksmith", name="Bram")
    assert own.id == "blacksmith"
    assert {c.id for c in client.list_characters()} == {created.id, "blacksmith"}
    client.delete_character("blacksmith")
    with pytest.raises(grpc.RpcError) as err:
        client.get_character("blacksmith")
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_session_crud_and_history(scripted_host):
    client = scripted_host.client()
    character, session = setup_session(client)
    assert session.character_id == character.id and session.player_id == "p1" and not session.turns
    deltas, completed = client.say_text(session.id, "hello smith")
    assert "".join(deltas) == completed.text == "Well met, traveller. I am Greta."
    assert completed.finish_reason == "stop"
    assert completed.usage.completion_tokens == 6  # scripted "tokens" are words
    assert completed.timings.total_ms >= completed.timings.ttft_ms > 0
    turns = client.get_session(session.id).turns
    assert [(t.role, t.text) for t in turns] == [(1, "hello smith"), (2, completed.text)]
    assert turns[0].interaction_id == completed.interaction_id
    client.delete_session(session.id)
    with pytest.raises(grpc.RpcError) as err:
        client.get_session(session.id)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_say_event_order_one_delta_per_token_without_moderation():
    with running_host(moderation=False) as host:
        client = host.client()
        _, session = setup_session(client)
        kinds = [e.WhichOneof("event") for e in client.say(session.id, "tell me a story", max_tokens=5)]
        assert kinds == ["started", "emotion", *["text_delta"] * 5, "completed"]


def test_deleting_a_character_deletes_its_sessions(scripted_host):
    client = scripted_host.client()
    character, session = setup_session(client)
    client.delete_character(character.id)
    with pytest.raises(grpc.RpcError) as err:
        client.get_session(session.id)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


BAD_SAYS = [
    (dict(text=""), grpc.StatusCode.INVALID_ARGUMENT, "text is empty"),
    (dict(text="x" * 2001), grpc.StatusCode.INVALID_ARGUMENT, "limit is 2000"),
    (dict(text="hi", temperature=-1.0), grpc.StatusCode.INVALID_ARGUMENT, "temperature"),
    (dict(text="hi", max_tokens=100_000), grpc.StatusCode.INVALID_ARGUMENT, "max_new_tokens"),
    (dict(text="hi", top_p=0.0), grpc.StatusCode.INVALID_ARGUMENT, "top_p"),
]


@pytest.mark.parametrize("kwargs, code, message", BAD_SAYS)
def test_bad_say_input(scripted_host, kwargs, code, message):
    client = scripted_host.client()
    _, session = setup_session(client)
    text = kwargs.pop("text")
    with pytest.raises(grpc.RpcError) as err:
        client.say_text(session.id, text, **kwargs)
    assert err.value.code() == code and message in err.value.details()
    assert client.health() == "SERVING"
    assert client.get_session(session.id).turns == []  # nothing stored for a refused call
    client.say_text(session.id, "still here?")        # and the host still answers


@pytest.mark.parametrize("call", [
    lambda c: c.say_text("ses_unknown", "hi"),
    lambda c: c.get_session("ses_unknown"),
    lambda c: c.get_character("chr_unknown"),
    lambda c: c.create_session("chr_unknown"),
    lambda c: c.delete_session("ses_unknown"),
    lambda c: c.delete_character("chr_unknown"),
])
def test_unknown_ids_are_not_found(scripted_host, call):
    client = scripted_host.client()
    with pytest.raises(grpc.RpcError) as err:
        call(client)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert "does not exist" in err.value.details()
    assert client.health() == "SERVING"


def test_bad_character_and_ids(scripted_host):
    client = scripted_host.client()
    for call, message in [
        (lambda: client.upsert_character(name=""), "name is empty"),
        (lambda: client.upsert_character(id="bad id", name="x"), "not a valid id"),
        (lambda: client.get_session(""), "is empty"),
        (lambda: client.dialogue.UpsertCharacter(__import__("npcbridge._proto.v1.dialogue_pb2",
                                                            fromlist=["x"]).UpsertCharacterRequest()),
         "character is missing"),
    ]:
        with pytest.raises(grpc.RpcError) as err:
            call()
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and message in err.value.details()


def test_oversized_message_is_refused_and_host_keeps_serving():
    with running_host(max_message_bytes=64 * 1024) as host:
        client = host.client()
        with pytest.raises(grpc.RpcError) as err:
            client.upsert_character(name="big", persona="x" * 100_000)
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert client.health() == "SERVING"


def test_concurrent_stream_limit_then_slot_frees():
    with running_host(engine=scripted_engine(token_delay_ms=20), max_concurrent_streams=2) as host:
        client = host.client()
        _, session = setup_session(client)
        streams = [client.say(session.id, "tell me a story") for _ in range(2)]
        for s in streams:
            assert next(s).WhichOneof("event") == "started"
        with pytest.raises(grpc.RpcError) as err:
            client.say_text(session.id, "hello")
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "max_concurrent_streams" in err.value.details() and "retry in about" in err.value.details()
        assert int(dict(err.value.trailing_metadata())["retry-after-ms"]) > 0
        streams[0].cancel()
        deadline = time.monotonic() + 5
        while True:  # the cancelled stream's slot frees within a moment
            try:
                client.say_text(session.id, "hello")
                break
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and time.monotonic() < deadline
                time.sleep(0.05)
        streams[1].cancel()


def test_cancel_mid_stream_stores_nothing_and_host_answers():
    with running_host(engine=scripted_engine(token_delay_ms=20)) as host:
        client = host.client()
        _, session = setup_session(client)
        assert len(cancel_after_deltas(client.say(session.id, "tell me a story"), 3)) == 3
        _, completed = client.say_text(session.id, "hello")
        turns = client.get_session(session.id).turns
        assert [t.text for t in turns] == ["hello", completed.text]


def test_deadline_exceeded_on_slow_reply():
    with running_host(engine=scripted_engine(token_delay_ms=50)) as host:
        client = host.client()
        _, session = setup_session(client)
        with pytest.raises(grpc.RpcError) as err:
            client.say_text(session.id, "tell me a story", timeout_s=0.3)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert client.health() == "SERVING"


def test_many_sessions_in_parallel(scripted_host):
    client = scripted_host.client()
    character, _ = setup_session(client)
    results = {}

    def talk(i):
        session = client.create_session(character.id, f"p{i}")
        results[i] = client.say_text(session.id, f"number {i}")[1].text

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"You said: number {i}" for i in range(16)}


def test_upsert_refuses_a_character_whose_prompt_cannot_fit():
    from npcbridge.testing import running_host

    with running_host(max_context_tokens=256, default_max_tokens=64) as host, host.client() as client:
        info = client.info()
        assert info.limits.max_context_tokens == 256
        with pytest.raises(grpc.RpcError) as err:
            client.upsert_character(name="Sage", persona="Knows a lot.",
                                    knowledge=[f"Fact number {i} about the long history of the realm." for i in range(40)])
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        details = err.value.details()
        assert "256" in details and "64" in details and "shorten it by" in details
        # Nothing was stored, and a character that fits is still accepted.
        assert client.list_characters() == []
        assert client.upsert_character(name="Sage", persona="Knows a little.").id


def test_many_simultaneous_calls_never_exceed_the_stream_limit():
    """The slot is taken before the first await: calls arriving together cannot all pass the check."""
    with running_host(engine=scripted_engine(token_delay_ms=20), max_concurrent_streams=2) as host:
        client = host.client()
        _, session = setup_session(client)
        dialogue = host.host.dialogue
        most, outcomes, done = [0], [], threading.Event()

        def watch():
            while not done.is_set():
                most[0] = max(most[0], len(dialogue._active))
                time.sleep(0.001)

        def talk():
            try:
                client.say_text(session.id, "tell me a story")
                outcomes.append("ok")
            except grpc.RpcError as exc:
                outcomes.append(exc.code())

        watcher = threading.Thread(target=watch)
        watcher.start()
        callers = [threading.Thread(target=talk) for _ in range(12)]
        for t in callers:
            t.start()
        for t in callers:
            t.join()
        done.set()
        watcher.join()
        assert most[0] <= 2, f"{most[0]} streams ran at once with a limit of 2"
        assert outcomes.count("ok") >= 2
        assert set(outcomes) <= {"ok", grpc.StatusCode.RESOURCE_EXHAUSTED}
