"""``npcbridge bench dialogue --sessions 1,8,32``: many NPC sessions at once through real
gRPC (engine in its own process, as served), against baselines measured in the same run."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from npcbridge.bench import baselines
from npcbridge.config import load_settings
from npcbridge.dialogue.prompt import build_messages
from npcbridge.dialogue.types import Character
from npcbridge.models.loader import load_causal_lm
from npcbridge.models.registry import resolve_model
from npcbridge.testing.host import RunningHost

CHARACTERS = [
    dict(name="Greta", persona="A gruff dwarven blacksmith in Ironhold.", knowledge=["Iron bars cost 5 gold each."]),
    dict(name="Aelar", persona="An elven ranger guarding the Silverwood.", knowledge=["Wolves roam at night."]),
    dict(name="Bram", persona="A cheerful innkeeper at the Prancing Stag.", knowledge=["A room costs 2 silver."]),
    dict(name="Sera", persona="A stern city guard at the north gate.", knowledge=["The gate shuts at dusk."]),
]
QUESTION = "Tell me the long story of how you came to this place, traveller number {i}."
#: ``--realistic``: what players say to NPCs, answered at natural length (EOS ends the reply).
EVERYDAY = ["Hello there! What do you sell?", "Any news from the road, friend?", "Where can I rest tonight?",
            "Have you seen anything strange lately?", "How much for a room?", "Who runs this town?",
            "Can you help me find my brother?", "What is the quickest way north?"]


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class SessionsRun:
    """Figures for N concurrent sessions, seen from the gRPC client."""

    sessions: int
    tokens: int = 0
    seconds: float = 0.0
    ttft_ms: list[float] = field(default_factory=list)
    itl_ms: list[float] = field(default_factory=list)
    # Steady state: text deltas after every session of a round had its first one.
    steady_deltas: int = 0
    steady_seconds: float = 0.0
    _arrivals: list[list[float]] = field(default_factory=list)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0

    @property
    def steady_tokens_per_second(self) -> float:
        return self.steady_deltas / self.steady_seconds if self.steady_seconds else 0.0

    def close_round(self) -> None:
        """Fold this round's delta arrival times into the steady-state figures."""
        streams = [a for a in self._arrivals if a]
        if streams:
            all_started, end = max(a[0] for a in streams), max(a[-1] for a in streams)
            self.steady_deltas += sum(1 for a in streams for t in a if t > all_started)
            self.steady_seconds += end - all_started
        self._arrivals.clear()

    def summary(self) -> dict[str, float]:
        return {"sessions": self.sessions, "tokens_per_second": self.tokens_per_second, "tokens": self.tokens,
                "ttft_p50_ms": pct(self.ttft_ms, 0.5), "ttft_p99_ms": pct(self.ttft_ms, 0.99),
                "itl_p50_ms": pct(self.itl_ms, 0.5), "itl_p99_ms": pct(self.itl_ms, 0.99),
                "steady_tokens_per_second": self.steady_tokens_per_second}


def _one_say(client: Any, session_id: str, text: str, max_tokens: int, run: SessionsRun, lock: threading.Lock,
             barrier: threading.Barrier | None, temperature: float | None = 0.0) -> None:
    if barrier is not None:
        barrier.wait()
    start = time.perf_counter()
    last, ttft, gaps, tokens, arrivals = None, None, [], 0, []
    for event in client.say(session_id, text, max_tokens=max_tokens, temperature=temperature):
        kind = event.WhichOneof("event")
        if kind == "text_delta":
            now = time.perf_counter()
            arrivals.append(now)
            if last is None:
                ttft = (now - start) * 1000
            else:
                gaps.append((now - last) * 1000)
            last = now
        elif kind == "completed":
            tokens = event.completed.usage.completion_tokens
    with lock:
        run.tokens += tokens
        if ttft is not None:
            run.ttft_ms.append(ttft)
        run.itl_ms.extend(gaps)
        run._arrivals.append(arrivals)


def run_together(threads: list[threading.Thread], barrier: threading.Barrier) -> float:
    """Start ``threads`` (each waits on ``barrier``, which has one party more), release them at
    once, and return the seconds until the last one ends."""
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def measure_sessions(host: RunningHost, characters: list[Any], n: int, max_tokens: int, rounds: int = 1,
                     realistic: bool = False) -> SessionsRun:
    """``n`` sessions each say one line at the same moment; repeated ``rounds`` times.
    ``realistic``: everyday lines at the host's default sampling instead of long greedy stories."""
    client = host.client()
    run, lock = SessionsRun(n), threading.Lock()
    for r in range(rounds):
        sessions = [client.create_session(characters[i % len(characters)].id, f"player{i}").id for i in range(n)]
        barrier = threading.Barrier(n + 1)
        lines = [EVERYDAY[(i + r * n) % len(EVERYDAY)] if realistic else QUESTION.format(i=i + r * n)
                 for i in range(n)]
        temperature = None if realistic else 0.0
        threads = [threading.Thread(target=_one_say, args=(client, s, lines[i], max_tokens, run, lock, barrier,
                                                           temperature)) for i, s in enumerate(sessions)]
        run.seconds += run_together(threads, barrier)
        run.close_round()
    client.close()
    return run


def run_dialogue_bench(console: Console, model: str, sessions: list[int], max_tokens: int, repeats: int,
                       device: str, dtype: str, json_out: Path | None,
                       realistic: bool = False, rates: list[float] | None = None,
                       rate_seconds: float = 20.0, gguf_quant: str = "q8_0",
                       moderation: bool = True, backend: str = "transformers") -> dict[str, Any]:
    """Measure the host at each session count and the baselines; print the ratios.
    ``realistic``: the host's default settings (moderation on, default batch), characters
    created just before each measurement, no warm-up, everyday lines of natural length;
    ``moderation=False`` turns only moderation off, for its cost at otherwise equal settings.
    ``backend="vllm"`` measures the host on vLLM instead of our engine (a GPU box, vLLM's environment)."""
    biggest = max(sessions)
    if realistic:
        tuned = {} if moderation else dict(moderation=False)
    else:
        tuned = dict(moderation=False, max_batch=biggest, max_concurrent_streams=max(biggest, 32))
    settings = load_settings(port=0, db=":memory:", model=model, device=device, dtype=dtype, avatars=False,
                             engine_process=True, backend=backend, gguf_quant=gguf_quant, log_level="warning",
                             **tuned)
    host = RunningHost(settings).start()
    try:
        client = host.client()
        characters = [client.upsert_character(**c) for c in CHARACTERS]
        cold = measure_sessions(host, characters, 1, 8)  # the very first request: nothing cached yet
        if not realistic:
            # Warm-up as a game's start does: every character has spoken once, so its
            # system prompt is in the prefix cache before the measured rounds.
            measure_sessions(host, characters, len(characters), 8)
        idle = measure_sessions(host, characters, 1, max_tokens, rounds=repeats, realistic=realistic)
        runs = {}
        for n in sessions:
            if realistic:  # new characters, created just before their NPCs speak
                characters = [client.upsert_character(**{**c, "name": f"{c['name']} {n}"}) for c in CHARACTERS]
            runs[n] = measure_sessions(host, characters, n, max_tokens, realistic=realistic)
        open_loop = None
        if rates:
            from npcbridge.bench.open_loop import sweep_rates

            open_loop = sweep_rates(console, host, rates, rate_seconds, max_tokens)
        engine = host.host.engine
        prompts = [engine.encode(build_messages(Character(id="b", **CHARACTERS[i % 4]), [],
                                                QUESTION.format(i=i), engine.count_tokens, 10_000))
                   for i in range(biggest)]
        prefix = engine.stats() if hasattr(engine, "stats") else None
        info = engine.info
    finally:
        host.stop()
    console.print(f"baselines: loading {model} in this process ...")
    loaded = load_causal_lm(model, settings.cache_dir, device, dtype)
    seq = baselines.sequential_generate(loaded, prompts[:min(4, biggest)], max_tokens)
    context = statistics.mean(len(p) for p in prompts) + max_tokens // 2
    ceilings = {n: baselines.decode_ceiling(loaded, n, int(context)) for n in sessions}
    batch_api = {n: baselines.transformers_generate_batch(loaded, prompts[:n], max_tokens) for n in sessions}
    source = resolve_model(model)
    gguf = str(Path(source.location) / source.gguf_file) if source.kind == "gguf" else None
    llama = baselines.llama_cpp_single_stream(gguf, prompts[0], max_tokens)

    table = Table("sessions", "tok/s (gRPC)", "ceiling tok/s", "% ceiling", "steady % ceiling", "x sequential",
                  "generate_batch tok/s",
                  "TTFT p50/p99 ms", "ITL p50/p99 ms",
                  title=f"{info.name} on {info.device} ({info.dtype}, {backend}"
                        f"{', realistic' if realistic else ''}{'' if moderation or not realistic else ', moderation off'}), {max_tokens} new tokens, "
                        f"~{int(context - max_tokens // 2)}-token prompts")
    result: dict[str, Any] = {"device": info.device, "dtype": info.dtype, "max_tokens": max_tokens,
                              "sequential_generate": seq, "llama_cpp": llama, "sessions": {}}
    for n, r in runs.items():
        s = r.summary()
        s.update(ceiling=ceilings[n], generate_batch=batch_api[n],
                 fraction_of_ceiling=r.tokens_per_second / ceilings[n]["tokens_per_second"],
                 steady_fraction_of_ceiling=r.steady_tokens_per_second / ceilings[n]["tokens_per_second"],
                 x_sequential=r.tokens_per_second / seq["tokens_per_second"])
        result["sessions"][n] = s
        table.add_row(str(n), f"{s['tokens_per_second']:.1f}", f"{ceilings[n]['tokens_per_second']:.1f}",
                      f"{100 * s['fraction_of_ceiling']:.0f}%", f"{100 * s['steady_fraction_of_ceiling']:.0f}%",
                      f"{s['x_sequential']:.1f}x",
                      f"{batch_api[n]['tokens_per_second']:.1f}",
                      f"{s['ttft_p50_ms']:.0f} / {s['ttft_p99_ms']:.0f}", f"{s['itl_p50_ms']:.0f} / {s['itl_p99_ms']:.0f}")
    Console(width=max(Console().width, 150)).print(table)
    idle_s = idle.summary()
    result.update(open_loop=open_loop, idle=idle_s, cold_ttft_ms=cold.ttft_ms[0] if cold.ttft_ms else None,
                  prefix_hit_rate=prefix.prefix_hit_tokens / max(prefix.prefix_prompt_tokens, 1) if prefix else 0.0)
    console.print(f"sequential model.generate: {seq['tokens_per_second']:.1f} tok/s; "
                  f"idle TTFT p50 {idle_s['ttft_p50_ms']:.0f} ms (first request ever: {result['cold_ttft_ms']:.0f} ms), "
                  f"single-stream {idle_s['tokens_per_second']:.1f} tok/s"
                  + (f"; prefix-cache hit rate {100 * result['prefix_hit_rate']:.0f}% of prompt tokens" if prefix else ""))
    if llama is not None:
        console.print(f"llama.cpp single stream on the same GGUF: {llama['tokens_per_second']:.1f} tok/s")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2, default=lambda o: asdict(o)))
    return result
