"""``npcbridge bench faces``: Say over gRPC, HTTP+SSE and WebSocket against one host in
one run: TTFT p50/p99 and events/s at 1 and 32 concurrent sessions.

Default: the embedded model with the default settings (moderation on), as a user runs
it. ``--scripted`` answers from the scripted engine (a few ms per word), which leaves
little but the transports to measure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

from npcbridge.bench.dialogue import pct, run_together
from npcbridge.config import load_settings
from npcbridge.testing.host import RunningHost, scripted_engine
from npcbridge.transport.http_client import HttpHostClient

QUESTION = "Tell me about the road to the mountains, traveller number {i}."
SayStream = Callable[[str, str, int], Iterator[str]]  # (session, text, max_tokens) -> event kinds


def grpc_stream(host: RunningHost) -> SayStream:
    client = host.client()

    def say(session_id: str, text: str, max_tokens: int) -> Iterator[str]:
        for event in client.say(session_id, text, max_tokens=max_tokens, temperature=0.0):
            yield {"text_delta": "textDelta"}.get(event.WhichOneof("event"), event.WhichOneof("event"))
    return say


def sse_stream(host: RunningHost) -> SayStream:
    client = HttpHostClient(host.http_url)

    def say(session_id: str, text: str, max_tokens: int) -> Iterator[str]:
        body = {"sessionId": session_id, "text": text, "params": {"maxTokens": max_tokens, "temperature": 0.0}}
        for message in client.say(body):
            yield next(iter(message))
    return say


def ws_stream(host: RunningHost) -> SayStream:
    client = HttpHostClient(host.http_url)
    sockets = threading.local()  # one socket per player thread, kept open as a game would

    def say(session_id: str, text: str, max_tokens: int) -> Iterator[str]:
        if getattr(sockets, "ws", None) is None:
            sockets.ws = client.websocket()
        body = {"sessionId": session_id, "text": text, "params": {"maxTokens": max_tokens, "temperature": 0.0}}
        for message in sockets.ws.call(body):
            yield next(iter(message))
    return say


def measure(say: SayStream, sessions: list[str], max_tokens: int) -> dict[str, float]:
    """Every session says one line at the same moment; TTFT of each, events/s of all."""
    ttft: list[float] = []
    events = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(sessions) + 1)

    def one(i: int, session_id: str) -> None:
        barrier.wait()
        start, first, count = time.perf_counter(), None, 0
        for kind in say(session_id, QUESTION.format(i=i), max_tokens):
            count += 1
            if kind == "textDelta" and first is None:
                first = (time.perf_counter() - start) * 1000
        with lock:
            events[0] += count
            if first is not None:
                ttft.append(first)

    seconds = run_together([threading.Thread(target=one, args=(i, s)) for i, s in enumerate(sessions)], barrier)
    return {"ttft_p50_ms": pct(ttft, 0.5), "ttft_p99_ms": pct(ttft, 0.99), "events_per_second": events[0] / seconds,
            "events": events[0], "seconds": seconds}


def run_faces_bench(console: Console, counts: list[int], max_tokens: int, rounds: int,
                    scripted: bool) -> dict[str, Any]:
    """Each session count, each face, ``rounds`` times interleaved; medians of the rounds."""
    biggest = max(counts)
    overrides: dict[str, Any] = {"port": 0, "db": ":memory:", "max_concurrent_streams": max(biggest, 32),
                                 "max_batch": max(biggest, 32), "log_level": "warning"}
    settings = load_settings(**overrides)
    host = RunningHost(settings, scripted_engine(token_delay_ms=5) if scripted else None, http=True).start()
    results: dict[str, Any] = {}
    try:
        client = host.client()
        character = client.upsert_character(name="Greta", persona="A gruff dwarven blacksmith in Ironhold.")
        faces = {"gRPC": grpc_stream(host), "HTTP+SSE": sse_stream(host), "WebSocket": ws_stream(host)}
        for name, say in faces.items():  # warm-up: connections, prefix cache
            measure(say, [client.create_session(character.id, "warm").id], 8)
        for n in counts:
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in faces}
            for _ in range(rounds * (4 if n == 1 else 1)):  # a lone NPC's TTFT is one sample a round
                for name, say in faces.items():
                    sessions = [client.create_session(character.id, f"p{i}").id for i in range(n)]
                    runs[name].append(measure(say, sessions, max_tokens))
            results[n] = {name: {k: sorted(r[k] for r in rs)[len(rs) // 2] for k in rs[0]} for name, rs in runs.items()}
        engine = host.host.engine.info
    finally:
        host.stop()
    table = Table("sessions", "face", "TTFT p50 / p99 ms", "events/s", "TTFT p50 vs gRPC", "events/s vs gRPC",
                  title=f"Say over each face: {engine.name} on {engine.device}, max_tokens {max_tokens}, "
                        f"{rounds} rounds (medians)")
    for n, faces_run in results.items():
        base = faces_run["gRPC"]
        for name, r in faces_run.items():
            table.add_row(str(n), name, f"{r['ttft_p50_ms']:.1f} / {r['ttft_p99_ms']:.1f}", f"{r['events_per_second']:.0f}",
                          f"{r['ttft_p50_ms'] - base['ttft_p50_ms']:+.1f} ms",
                          f"{r['events_per_second'] / base['events_per_second']:.2f}x")
    console.print(table)
    console.print("[dim]goal: the HTTP face adds <= 5 ms to TTFT p50 and reaches >= 0.80x gRPC's events/s[/]")
    return {"model": engine.name, "device": engine.device, "max_tokens": max_tokens, "sessions": results}
