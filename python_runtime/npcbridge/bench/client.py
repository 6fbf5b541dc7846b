"""``npcbridge bench client``: the native C++ client beside the Python client,
against the same host in the same run: unary round-trip latency
(GetServerInfo) and streaming events per second (a 200-word scripted Say)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from npcbridge.testing import running_host


def python_figures(client, session_id: str, trips: int, streams: int) -> dict[str, float]:  # noqa: ANN001
    rtt = []
    for _ in range(trips):
        start = time.perf_counter()
        client.info()
        rtt.append((time.perf_counter() - start) * 1000)
    rtt.sort()
    events = 0
    start = time.perf_counter()
    for _ in range(streams):
        for _event in client.say(session_id, "tell me a story"):
            events += 1
    seconds = time.perf_counter() - start
    return {"rtt_p50_ms": rtt[len(rtt) // 2], "rtt_p99_ms": rtt[min(len(rtt) - 1, len(rtt) * 99 // 100)],
            "stream_events_per_s": events / seconds, "events": float(events)}


def run_client_bench(console: Console, native_bench: Path, trips: int = 300, streams: int = 10,
                     json_out: Path | None = None) -> dict[str, dict[str, float]]:
    """Both clients, one host (scripted backend, no moderation: the clients are measured, not the model)."""
    if not native_bench.is_file():
        raise FileNotFoundError(f"{native_bench} not found: build it with scripts/build_native.sh")
    with running_host(moderation=False, avatars=False) as host, host.client() as client:
        character = client.upsert_character(id="bench", name="Bench", persona="A test NPC.")
        session = client.create_session(character.id).id
        python_figures(client, session, 20, 1)  # warm-up
        figures = {"Python client (grpcio)": python_figures(client, session, trips, streams)}
        done = subprocess.run([str(native_bench), host.address, session, str(trips), str(streams)],
                              capture_output=True, text=True, timeout=600, check=True)
        figures["C++ client (native_client)"] = json.loads(done.stdout.strip().splitlines()[-1])
    base = figures["Python client (grpcio)"]
    table = Table("client", "RTT p50 (ms)", "RTT p99 (ms)", "stream events/s", "events/s vs Python",
                  title=f"{trips} GetServerInfo round trips, {streams} Say streams of ~200 deltas, same host")
    for name, f in figures.items():
        table.add_row(name, f"{f['rtt_p50_ms']:.3f}", f"{f['rtt_p99_ms']:.3f}", f"{f['stream_events_per_s']:.0f}",
                      f"{f['stream_events_per_s'] / base['stream_events_per_s']:.2f}x")
    Console().print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2))
    return figures
