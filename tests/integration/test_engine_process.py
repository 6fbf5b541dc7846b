"""The engine core in its own process behind real gRPC: serving, priorities,
admission control, and recovery when the engine process dies, on each backend
that runs in the host's engine process (OpenVINO GenAI, the torch engine)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import grpc
import pytest

from npcbridge.testing.host import running_host


BACKENDS = ["openvino", "transformers"]


@pytest.fixture(scope="module", params=BACKENDS)
def process_host(request):
    """A host whose dialogue engine runs as a separate process (as ``npcbridge serve`` does)."""
    # The plain model without the sentence stop and n-gram ban: these tests need replies
    # that run to their token limit, which the tuned model's short answers do not.
    with running_host(backend=request.param, device="cpu", moderation=False, avatars=False,
                      engine_process=True, max_batch=2, max_queue=2, max_concurrent_streams=16,
                      tuning=False, sentence_stop=0.0, default_no_repeat_ngram=0) as host:
        yield host


@pytest.fixture(scope="module")
def npc(process_host):
    client = process_host.client()
    return client.upsert_character(name="Greta", persona="A gruff dwarven blacksmith.")


def wait_for(predicate, timeout_s: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_engine_runs_in_its_own_process(process_host, npc):
    engine = process_host.host.engine
    assert engine.mode == "process" and engine._client.pid not in (None, 0)
    info = process_host.client().info()
    assert info.capabilities.priority
    client = process_host.client()
    _, done = client.say_text(client.create_session(npc.id).id, "Hello!", max_tokens=8, temperature=0.0)
    assert done.text and done.usage.completion_tokens <= 8 and done.timings.ttft_ms > 0


def _say_in_thread(client, session_id, text, results, key, **kw):
    def run():
        try:
            results[key] = (client.say_text(session_id, text, **kw)[1], time.monotonic())
        except grpc.RpcError as err:
            results[key] = err
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_priority_and_admission_control_over_grpc(process_host, npc):
    client = process_host.client()
    stats = process_host.host.engine.stats
    sessions = [client.create_session(npc.id).id for _ in range(5)]
    results: dict[str, object] = {}
    # Two replies take both slots; the shorter one frees its slot first.
    threads = [_say_in_thread(client, sessions[i], "Tell me a long story.", results, f"busy{i}",
                              max_tokens=n, temperature=0.0) for i, n in enumerate((150, 400))]
    assert wait_for(lambda: stats().running == 2, 60)
    threads.append(_say_in_thread(client, sessions[2], "Hi", results, "low", max_tokens=3, temperature=0.0))
    assert wait_for(lambda: stats().waiting == 1, 30)
    threads.append(_say_in_thread(client, sessions[3], "Hi", results, "high", max_tokens=3, temperature=0.0,
                                  priority=10))
    assert wait_for(lambda: stats().waiting == 2, 30)
    # The queue holds two requests: a further one is refused at once.
    with pytest.raises(grpc.RpcError) as err:
        client.say_text(sessions[4], "Me too", max_tokens=4)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "queue is full" in err.value.details()
    for thread in threads:
        thread.join(180)
    assert all(not isinstance(r, grpc.RpcError) for r in results.values()), results
    assert results["high"][1] < results["low"][1]  # arrived later, served first
    assert results["low"][0].timings.queue_ms > results["high"][0].timings.queue_ms


def test_engine_crash_ends_streams_with_unavailable_and_recovers(process_host, npc):
    client = process_host.client()
    session = client.create_session(npc.id).id
    call = client.say(session, "Tell me a very long story about dragons.", max_tokens=300, temperature=0.0)
    events = iter(call)
    assert next(events).WhichOneof("event") == "started"
    next(e for e in events if e.WhichOneof("event") == "text_delta")
    old_pid = process_host.host.engine._client.pid
    seen: list[bool] = []
    process_host.host.engine.add_ready_listener(seen.append)
    health: list[str] = []
    watcher = threading.Thread(target=lambda: wait_for(lambda: health.append(client.health()) or
                                                       "NOT_SERVING" in health, 60))
    watcher.start()
    process_host.host.engine.kill_core()
    with pytest.raises(grpc.RpcError) as err:
        for _ in events:
            pass
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "engine process exited unexpectedly" in err.value.details()
    watcher.join(60)
    assert "NOT_SERVING" in health  # health dropped while the engine was down
    assert wait_for(lambda: client.health() == "SERVING", 120)
    assert seen == [False, True]
    from npcbridge import metrics

    assert metrics.ENGINE_RESTARTS._value.get() >= 1
    assert process_host.host.engine._client.pid != old_pid
    _, done = client.say_text(session, "Hello again!", max_tokens=6, temperature=0.0)
    assert done.text
    turns = client.get_session(session).turns
    assert [t.text for t in turns][-2:] == ["Hello again!", done.text]  # the cut-off turn was not stored


HOST_THAT_VANISHES = """
import asyncio, os, sys
from pathlib import Path
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.transformers_engine import TransformersEngine

async def main():
    engine = TransformersEngine(CoreConfig(sys.argv[1], Path(sys.argv[2]), device="cpu"))
    await engine.start()
    print(engine._client.pid, engine._client._pipes.dir, flush=True)
    os._exit(0)  # killed outright: no Shutdown reaches the engine

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


def test_engine_process_exits_when_the_host_vanishes(tiny_model_dir, tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", HOST_THAT_VANISHES, str(tiny_model_dir), str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    pid, folder = out.stdout.split()[:2]
    assert wait_for(lambda: not _alive(int(pid)), 15), "the engine process outlived its host"
    assert wait_for(lambda: not Path(folder).exists(), 5), "the engine left its pipes' folder behind"


def test_a_crash_inside_the_core_fails_the_request_with_the_reason(tiny_model_dir, tmp_path):
    """Thread mode: a model error in a step ends the request UNAVAILABLE with the cause."""
    import asyncio

    from npcbridge.dialogue.types import SamplingParams
    from npcbridge.engine.interface import ChatMessage, GenerationRequest
    from npcbridge.engine.transformers_engine import TransformersEngine
    from npcbridge.errors import Unavailable
    from npcbridge.models.loader import load_causal_lm

    loaded = load_causal_lm(str(tiny_model_dir), tmp_path, device="cpu")

    def broken(*args, **kwargs):
        raise RuntimeError("simulated kernel failure")

    async def scenario():
        engine = TransformersEngine.from_loaded(loaded)
        await engine.start()
        loaded.model.model.layers[0].mlp.forward = broken
        request = GenerationRequest("r", [ChatMessage("user", "hi")], SamplingParams(4, 0.0, 1.0))
        with pytest.raises(Unavailable, match="simulated kernel failure"):
            async for _ in engine.generate(request):
                pass
        assert not engine.ready
        with pytest.raises(Unavailable, match="simulated kernel failure"):
            async for _ in engine.generate(request):
                pass
        await engine.stop()

    asyncio.run(scenario())


def _settings(model, cache_dir, **overrides):
    from npcbridge.config import load_settings

    return load_settings(None, model=str(model), cache_dir=cache_dir, device="cpu", **overrides)


def test_an_engine_started_early_is_the_one_that_serves(tiny_model_dir, tmp_path):
    """``npcbridge serve`` starts the engine process before it imports the front end; the
    engine adopts that process instead of spawning another, and stop cleans up after it."""
    import asyncio
    from pathlib import Path

    from npcbridge.engine.process_launch import launch_early
    from npcbridge.engine.transformers_engine import TransformersEngine

    settings = _settings(tiny_model_dir, tmp_path)
    launch = launch_early(settings)
    assert launch is not None and launch.process is not None and launch.process.poll() is None

    async def scenario():
        engine = TransformersEngine.from_settings(settings, launch)
        await engine.start()
        assert engine._client.pid == launch.process.pid and engine.ready
        await engine.stop()

    asyncio.run(scenario())
    assert launch.adopted and launch.process.poll() is not None and not Path(launch.dir).exists()
    launch.discard()  # a no-op once adopted
    assert launch_early(_settings(tiny_model_dir, tmp_path, engine_process=False)) is None
    assert launch_early(_settings(tmp_path / "missing-model", tmp_path)) is None  # reported when it loads


def test_an_early_engine_the_host_never_took_is_killed(tiny_model_dir, tmp_path):
    from pathlib import Path

    from npcbridge.engine.process_launch import launch_early

    launch = launch_early(_settings(tiny_model_dir, tmp_path))
    assert launch is not None and launch.process is not None
    launch.discard()  # what `serve` does when the host fails before its engine starts
    assert launch.process.poll() is not None and not Path(launch.dir).exists()
