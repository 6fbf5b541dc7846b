"""Admission as a game wants it: with the default limits, more NPCs than generation slots
speaking at once wait in the engine's queue, served by priority; only past the configured
queue is a call refused, with a retry hint. Real engine (a tiny model) behind real gRPC."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

from npcbridge.config import default_cache_dir
from npcbridge.engine.transformers_engine import TransformersEngine
from npcbridge.models.loader import load_causal_lm
from npcbridge.testing import running_host

SLOTS = 2
CALLS = 64


@pytest.fixture
def gated_host(tiny_model_dir):
    """A host whose engine steps only while ``gate`` is open (every step starts at the embedding)."""
    loaded = load_causal_lm(str(tiny_model_dir), default_cache_dir(), "cpu", tuning=False)
    gate = threading.Event()

    def hold(module, args) -> None:  # a pre-hook that returns something would replace the inputs
        gate.wait(60)

    loaded.model.model.embed_tokens.register_forward_pre_hook(hold)
    engine = TransformersEngine.from_loaded(loaded, max_batch=SLOTS)
    with running_host(engine=engine, max_batch=SLOTS, moderation=False, avatars=False) as host:
        yield host, gate
        gate.set()


def test_sixty_four_npcs_at_once_queue_by_priority_and_only_past_the_queue_are_refused(gated_host):
    host, gate = gated_host
    client = host.client()
    limit = client.info().limits.max_concurrent_streams
    assert limit == SLOTS + host.settings.max_queue  # the default: every slot plus the queue
    npc = client.upsert_character(name="Greta", persona="A smith.")
    sessions = [client.create_session(npc.id, f"p{i}").id for i in range(limit + 1)]
    first_delta: dict[int, float] = {}
    errors: list[BaseException] = []

    def speak(i: int) -> None:
        try:
            for event in client.say(sessions[i], f"hello {i}", max_tokens=2, temperature=0.0, priority=i % 3):
                if event.WhichOneof("event") == "text_delta" and i not in first_delta:
                    first_delta[i] = time.perf_counter()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(CALLS)]
    for t in threads:
        t.start()
    service = host.host.dialogue
    deadline = time.monotonic() + 30
    while len(service._active) < CALLS and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(service._active) == CALLS, "every call is admitted to a stream, none refused"
    extra = [threading.Thread(target=speak, args=(i,)) for i in range(CALLS, limit)]
    for t in extra:
        t.start()
    while len(service._active) < limit and time.monotonic() < deadline:
        time.sleep(0.02)
    # One past slots + queue: refused at once, with a hint of when to retry.
    with pytest.raises(grpc.RpcError) as refused:
        client.say_text(sessions[limit], "and me?")
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert int(dict(refused.value.trailing_metadata())["retry-after-ms"]) >= 250
    time.sleep(0.3)  # the queued requests reach the engine while its first step is held
    gate.set()
    for t in threads + extra:
        t.join(60)
    assert not errors, errors[:3]
    assert len(first_delta) == limit
    # The first SLOTS requests took the slots before the gate; the rest were admitted by priority.
    order = sorted(first_delta, key=first_delta.get)[SLOTS:]
    queued = [i for i in order if i < CALLS]
    last_high = max(order.index(i) for i in queued if i % 3 == 2)
    first_low = min(order.index(i) for i in queued if i % 3 == 0)
    assert last_high < first_low, [i % 3 for i in order]
    assert client.health() == "SERVING"
