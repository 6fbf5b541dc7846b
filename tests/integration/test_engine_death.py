"""An engine that dies under 32 NPC streams comes back, on each backend the host runs in
its engine process or a child server: health turns NOT_SERVING at once, every stream in flight ends
UNAVAILABLE with a retry hint (or had completed), the engine restarts, health returns
to SERVING, and no acknowledged turn is lost. Real host, real gRPC, the embedded model."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

from npcbridge.testing.host import running_host

from tests.integration.test_engine_process import wait_for

STREAMS = 32


@pytest.fixture(scope="module", params=["openvino", "llama.cpp", "transformers"])
def host(request):
    with running_host(backend=request.param, device="cpu", moderation=False, avatars=False,
                      engine_process=True) as running:
        yield running


def test_killing_the_engine_during_32_streams(host) -> None:
    client = host.client()
    npc = client.upsert_character(name="Greta", persona="A gruff dwarven blacksmith in Ironhold.",
                                  knowledge=["Iron bars cost 5 gold each."])
    sessions = [client.create_session(npc.id, f"player{i}").id for i in range(STREAMS)]
    outcomes: dict[int, object] = {}
    deltas = threading.Semaphore(0)

    def speak(i: int) -> None:
        try:
            for event in client.say(sessions[i], "Tell me about your forge and your trade, in detail.",
                                    max_tokens=200, temperature=0.7, seed=i):
                kind = event.WhichOneof("event")
                if kind == "text_delta":
                    deltas.release()
                elif kind == "completed":
                    outcomes[i] = event.completed
        except grpc.RpcError as err:
            outcomes[i] = err

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(STREAMS)]
    for thread in threads:
        thread.start()
    for _ in range(STREAMS):  # well into the streams: text is flowing
        assert deltas.acquire(timeout=120)
    health: list[str] = []
    watcher = threading.Thread(target=lambda: wait_for(lambda: health.append(client.health()) or
                                                    "NOT_SERVING" in health, 30))
    watcher.start()
    killed_at = time.monotonic()
    host.host.engine.kill_core()
    for thread in threads:
        thread.join(120)
    watcher.join(30)
    assert "NOT_SERVING" in health, "health must drop while the engine is down"
    assert len(outcomes) == STREAMS
    cut = [o for o in outcomes.values() if isinstance(o, grpc.RpcError)]
    assert cut, "the kill came while streams were in flight"
    for err in cut:
        assert err.code() == grpc.StatusCode.UNAVAILABLE, err
        assert "retry" in err.details()
    assert wait_for(lambda: client.health() == "SERVING", 60), "the engine did not come back"
    restart_s = time.monotonic() - killed_at
    print(f"{host.settings.backend}: {len(cut)} of {STREAMS} streams cut, SERVING again after {restart_s:.1f} s")
    # What was acknowledged (completed) is stored; a cut reply stored no NPC line.
    from npcbridge._proto.v1 import dialogue_pb2

    for i, outcome in outcomes.items():
        turns = client.get_session(sessions[i]).turns
        npc_lines = [t.text for t in turns if t.role == dialogue_pb2.ROLE_CHARACTER]
        assert npc_lines == ([] if isinstance(outcome, grpc.RpcError) else [outcome.text])
    _, done = client.say_text(sessions[0], "Hello again!", max_tokens=12, temperature=0.0)
    assert done.text
