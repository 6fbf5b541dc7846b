"""``npcbridge bench fleet``: three host replicas sharing Redis behind HAProxy against one
host, in the same run on this machine (the replicas share its cores, so the figures show
the fleet's overhead and correctness, not scaling), and what a Redis store adds to a Say
over the embedded SQLite file.

Both sides are real processes on 127.0.0.1: ``npcbridge serve`` (the embedded model, or
the scripted backend with ``--scripted`` to see only the plumbing), ``redis-server``
(AOF, fsync always) and HAProxy configured by ``npcbridge deploy haproxy``.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from npcbridge.bench.dialogue import CHARACTERS, EVERYDAY, pct
from npcbridge.testing.fleet import Fleet, start_host_process
from npcbridge.testing.host import free_port
from npcbridge.testing.redis_server import RedisServer
from npcbridge.transport.client import HostClient

SCRIPT = """default: "Well met, traveller. The road north is long, so rest here tonight and leave at dawn."
token_delay_ms: 15
"""


def say_burst(address: str, sessions: int, rounds: int, max_tokens: int) -> dict[str, float]:
    """``sessions`` new sessions of 8 characters each say one line at the same moment,
    ``rounds`` times: Say calls a second, TTFT, failures."""
    client = HostClient(address)
    tag = f"{time.monotonic_ns()}"
    characters = [client.upsert_character(id=f"b{tag}-{i}", **{**CHARACTERS[i % 4], "name": f"Villager {i}"}).id
                  for i in range(8)]
    ids = [client.create_session(characters[i % 8], f"player{i}").id for i in range(sessions)]
    ttft: list[float] = []
    failed = 0
    lock = threading.Lock()

    def one(session: str, line: str) -> None:
        nonlocal failed
        start = time.perf_counter()
        first = None
        try:
            for event in client.say(session, line, max_tokens=max_tokens):
                if first is None and event.WhichOneof("event") == "text_delta":
                    first = (time.perf_counter() - start) * 1000
        except Exception:  # noqa: BLE001 - counted, not raised: the figure is how many fail
            with lock:
                failed += 1
            return
        with lock:
            if first is not None:
                ttft.append(first)

    seconds = 0.0
    for r in range(rounds):
        threads = [threading.Thread(target=one, args=(s, EVERYDAY[(i + r) % len(EVERYDAY)]))
                   for i, s in enumerate(ids)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds += time.perf_counter() - start
    client.close()
    done = sessions * rounds - failed
    return {"says_per_second": done / seconds, "ttft_p50_ms": pct(ttft, 0.5), "ttft_p99_ms": pct(ttft, 0.99),
            "failed": failed}


def say_latency(address: str, says: int) -> float:
    """p50 milliseconds of one whole Say (sent to completed), one at a time, in sessions
    of ten lines."""
    client = HostClient(address)
    character = client.upsert_character(id=f"lat{time.monotonic_ns()}", name="Greta").id
    times = []
    for i in range(says):
        if i % 10 == 0:  # conversations of ten lines, as a game has them (not one endless history)
            session = client.create_session(character, f"p{i}").id
        start = time.perf_counter()
        for _ in client.say(session, f"hello number {i}", max_tokens=8):
            pass
        times.append((time.perf_counter() - start) * 1000)
    client.close()
    return pct(times[says // 10:], 0.5)  # the first tenth warms up


def _single_host(directory: Path, args: list[str]) -> tuple[Any, str]:
    port = free_port()
    proc = start_host_process(directory / "single.log", port, args)
    address = f"127.0.0.1:{port}"
    with HostClient(address) as client:
        client.wait_serving(300)
    return proc, address


def run_fleet_bench(console: Console, replicas: int, sessions: int, rounds: int, max_tokens: int,
                    scripted: bool, says: int) -> dict[str, Any]:
    """Measure one host and the fleet in one run; print and return the figures."""
    with tempfile.TemporaryDirectory(prefix="npcbridge-fleet-") as tmp:
        directory = Path(tmp)
        args: list[str] = []
        if scripted:
            (directory / "script.yaml").write_text(SCRIPT)
            args = ["--backend", "scripted", "--script", str(directory / "script.yaml")]
        console.print(f"one host ({'scripted' if scripted else 'embedded model'}, SQLite) ...")
        proc, address = _single_host(directory, [*args, "--db", str(directory / "one.db")])
        try:
            one = say_burst(address, sessions, rounds, max_tokens)
        finally:
            proc.terminate()
            proc.wait()
        console.print(f"{replicas} replicas + Redis + HAProxy ...")
        with Fleet(directory / "fleet", replicas, args) as fleet:
            many = say_burst(fleet.address, sessions, rounds, max_tokens)
        store = {}
        if says:
            console.print(f"Say latency, SQLite file vs Redis store ({says} Says one at a time, scripted, "
                          "moderation off) ...")
            (directory / "fast.yaml").write_text('default: "Aye."\n')
            # Moderation off: its MiniLM time (tens of ms, noisy) would hide the store's share.
            fast = ["--backend", "scripted", "--script", str(directory / "fast.yaml"), "--no-moderation"]
            proc, address = _single_host(directory, [*fast, "--db", str(directory / "lat.db")])
            try:
                store["sqlite_p50_ms"] = say_latency(address, says)
            finally:
                proc.terminate()
                proc.wait()
            with RedisServer(directory / "redis-lat") as redis:
                proc, address = _single_host(directory, [*fast, "--store", redis.url])
                try:
                    store["redis_p50_ms"] = say_latency(address, says)
                finally:
                    proc.terminate()
                    proc.wait()
            store["added_p50_ms"] = store["redis_p50_ms"] - store["sqlite_p50_ms"]
    table = Table("", "Say calls/s", "TTFT p50 ms", "TTFT p99 ms", "failed",
                  title=f"{sessions} sessions of 8 characters at once, {rounds} rounds")
    for name, r in (("one host", one), (f"{replicas} replicas via HAProxy", many)):
        table.add_row(name, f"{r['says_per_second']:.1f}", f"{r['ttft_p50_ms']:.0f}", f"{r['ttft_p99_ms']:.0f}",
                      str(r["failed"]))
    console.print(table)
    if store:
        console.print(f"Say p50: SQLite {store['sqlite_p50_ms']:.2f} ms, Redis {store['redis_p50_ms']:.2f} ms "
                      f"(+{store['added_p50_ms']:.2f} ms)")
    return {"one_host": one, "fleet": many, "store": store}
