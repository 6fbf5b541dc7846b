"""``bench dialogue --rate 0.5,1,2``: open-loop load, as players actually arrive.

A closed loop (N NPCs speak, wait, speak again) slows its own arrivals when the
host is slow. A game does not: players talk to NPCs when they like. Here Say calls
arrive as a Poisson process at R calls a second for a fixed time, each from a new
session of one of many characters, whatever the host is doing; the figure that
matters is the highest rate whose TTFT p99 stays within the bar (2 s).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from npcbridge.bench.dialogue import CHARACTERS, EVERYDAY, SessionsRun, _one_say
from npcbridge.testing.host import RunningHost

TTFT_BAR_MS = 2000.0


def measure_rate(host: RunningHost, characters: list[Any], rate: float, seconds: float, max_tokens: int,
                 seed: int = 0) -> dict[str, float]:
    """Say calls arriving at ``rate`` a second (Poisson) for ``seconds``; figures seen by the clients."""
    client = host.client()
    rng = random.Random(seed)
    run, lock = SessionsRun(0), threading.Lock()
    errors: list[str] = []

    def arrive(i: int) -> None:
        try:
            session = client.create_session(characters[i % len(characters)].id, f"walk-in{i}").id
            _one_say(client, session, EVERYDAY[i % len(EVERYDAY)], max_tokens, run, lock, None, None)
        except Exception as exc:  # noqa: BLE001 - a refused or failed call is a figure, not a crash
            errors.append(type(exc).__name__)

    threads: list[threading.Thread] = []
    start, due = time.perf_counter(), 0.0
    while due < seconds:
        time.sleep(max(0.0, start + due - time.perf_counter()))
        thread = threading.Thread(target=arrive, args=(len(threads),))
        thread.start()
        threads.append(thread)
        due += rng.expovariate(rate)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    client.close()
    summary = run.summary()
    return {"rate": rate, "calls": len(threads), "errors": len(errors), "seconds": elapsed,
            "ttft_p50_ms": summary["ttft_p50_ms"], "ttft_p99_ms": summary["ttft_p99_ms"],
            "tokens_per_second": run.tokens / elapsed if elapsed else 0.0}


def sweep_rates(console: Console, host: RunningHost, rates: list[float], seconds: float,
                max_tokens: int) -> dict[str, Any]:
    """Each rate in turn on fresh characters; prints the table and the highest sustained rate."""
    client = host.client()
    table = Table("calls/s", "calls", "errors", "TTFT p50 ms", "TTFT p99 ms", "tok/s",
                  title=f"open loop: Poisson arrivals for {seconds:.0f} s a rate, new sessions of 8 characters")
    results = []
    for index, rate in enumerate(rates):
        characters = [client.upsert_character(**{**c, "name": f"{c['name']} {index}-{k}"})
                      for k in range(2) for c in CHARACTERS]
        figures = measure_rate(host, characters, rate, seconds, max_tokens, seed=index)
        results.append(figures)
        table.add_row(f"{rate:g}", str(figures["calls"]), str(figures["errors"]), f"{figures['ttft_p50_ms']:.0f}",
                      f"{figures['ttft_p99_ms']:.0f}", f"{figures['tokens_per_second']:.1f}")
    client.close()
    console.print(table)
    sustained = max((r["rate"] for r in results if r["ttft_p99_ms"] <= TTFT_BAR_MS and not r["errors"]),
                    default=0.0)
    console.print(f"highest rate sustained with TTFT p99 <= {TTFT_BAR_MS / 1000:g} s: {sustained:g} calls/s")
    return {"rates": results, "sustained_rate": sustained}
