"""``npcbridge bench engines``: the host on its engines against the engines alone, on one
box, the same GGUF and the same prompt token ids, in one run; prints the ratios the
project's speed goals are stated in.

Measured, for 1 and N NPCs speaking at the same moment:

- **host, default**: ``npcbridge serve`` as a user gets it (OpenVINO GenAI, moderation
  on, characters created just before they speak, everyday lines, natural reply lengths
  at the default sampling), through gRPC;
- **llama-server, same lines**: ``llama-server -np N`` given those lines' prompts at the
  same sampling and length cap (natural lengths too);
- **host, tuned** and **OpenVINO bare**: long greedy replies of a fixed cap with every
  reply rule off, through gRPC and through OpenVINO's pipeline driven bare: the cost of
  the NPC layer;
- **host on --backend llama.cpp** against llama-server alone, one NPC.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from npcbridge.bench.dialogue import CHARACTERS, EVERYDAY, QUESTION, SessionsRun, measure_sessions
from npcbridge.bench.peers import LlamaServerPeer, Load, OpenVinoPeer
from npcbridge.config import load_settings
from npcbridge.dialogue.prompt import build_messages
from npcbridge.dialogue.types import Character
from npcbridge.engine.interface import chat_prompt_ids
from npcbridge.testing.host import RunningHost

#: Every reply rule off: the host asks its engine exactly what the bare engine is asked.
PLAIN = dict(sentence_stop=0.0, default_no_repeat_ngram=0, default_repetition_penalty=1.0, default_min_p=0.0)


def _prompts(model: str, cache_dir: Path, lines: list[str], n: int) -> tuple[list[list[int]], tuple[int, ...]]:
    """The prompt ids the host builds for ``n`` NPCs of the bench characters saying ``lines``."""
    from npcbridge.models.loader import load_tokenizer

    tokenizer = load_tokenizer(model, cache_dir)

    def encode(messages: list[Any]) -> list[int]:
        return chat_prompt_ids(tokenizer, messages)

    prompts = [encode(build_messages(Character(id=f"c{i % 4}", **CHARACTERS[i % 4]), [], lines[i % len(lines)],
                                     lambda m: len(encode(m)), 10_000)) for i in range(n)]
    return prompts, (tokenizer.eos_token_id,)


def _host(model: str, backend: str, biggest: int, tuned: bool) -> RunningHost:
    extra: dict[str, Any] = dict(moderation=False, max_batch=biggest, max_concurrent_streams=max(biggest, 32),
                                 **PLAIN) if tuned else {}
    settings = load_settings(port=0, db=":memory:", model=model, avatars=False, engine_process=True,
                             backend=backend, log_level="warning", **extra)
    return RunningHost(settings).start()


def _host_runs(model: str, backend: str, sessions: list[int], max_tokens: int, tuned: bool) -> dict[int, SessionsRun]:
    host = _host(model, backend, max(sessions), tuned)
    try:
        client = host.client()
        runs = {}
        for n in sessions:  # new characters just before their NPCs speak, as a game meets them
            characters = [client.upsert_character(**{**c, "name": f"{c['name']} {n}"}) for c in CHARACTERS]
            runs[n] = measure_sessions(host, characters, n, 0 if not tuned else max_tokens, realistic=not tuned)
        return runs
    finally:
        host.stop()


def _row(table: Table, name: str, runs: dict[int, SessionsRun]) -> None:
    cells = []
    for run in runs.values():
        s = run.summary()
        cells.append(f"{s['tokens_per_second']:.0f} tok/s, TTFT {s['ttft_p50_ms']:.0f} ms, "
                     f"{run.tokens / max(run.sessions, 1):.0f} tok/reply")
    table.add_row(name, *cells)


def run_engines_bench(console: Console, model: str, sessions: list[int], max_tokens: int, binary: str = "",
                      json_out: Path | None = None) -> dict[str, Any]:
    """Measure everything above and print the figures and ratios."""
    from npcbridge.engine.llama_server import find_llama_server
    from npcbridge.models.gguf_export import served_gguf

    settings = load_settings(model=model)
    biggest = max(sessions)
    gguf = served_gguf(model, settings.cache_dir, settings.tuning, settings.gguf_quant)
    binary = find_llama_server(binary)
    everyday, eos = _prompts(model, settings.cache_dir, EVERYDAY, biggest)
    stories, _ = _prompts(model, settings.cache_dir, [QUESTION.format(i=i) for i in range(biggest)], biggest)
    default_load = Load(settings.default_max_tokens, settings.default_temperature, settings.default_top_p, eos)
    plain_load = Load(max_tokens, 0.0, 1.0, eos)
    figures: dict[str, dict[int, SessionsRun]] = {}
    console.print(f"[bold]{model}[/] as {gguf.name}; llama-server: {binary}")
    figures["host, default (openvino)"] = _host_runs(model, "openvino", sessions, max_tokens, tuned=False)
    figures["host, tuned (openvino)"] = _host_runs(model, "openvino", sessions, max_tokens, tuned=True)
    figures["host, tuned (llama.cpp)"] = _host_runs(model, "llama.cpp", [1], max_tokens, tuned=True)
    peer = OpenVinoPeer(gguf, biggest, settings.step_tokens)
    peer.measure(stories[:1], plain_load)  # the pipeline's first step compiles: not what is measured
    figures["OpenVINO bare"] = {n: peer.measure(stories[:n], plain_load) for n in sessions}
    del peer
    with LlamaServerPeer(binary, gguf, biggest, settings.max_context_tokens) as server:
        server.measure(stories[:1], plain_load)
        figures["llama-server, same lines"] = {n: server.measure(everyday[:n], default_load) for n in sessions}
        figures["llama-server, plain"] = {n: server.measure(stories[:n], plain_load) for n in sessions}

    table = Table("", *[f"{n} NPC{'s' if n > 1 else ''}" for n in sessions],
                  title=f"{model}: aggregate tokens a second, TTFT p50, tokens a reply")
    for name, runs in figures.items():
        _row(table, name, runs)
    Console(width=max(Console().width, 160)).print(table)

    def tps(name: str, n: int) -> float:
        return figures[name][n].tokens_per_second

    one = min(sessions)
    ratios = {
        f"host default / llama-server same lines, {biggest} NPCs (goal >= 1.5)":
            tps("host, default (openvino)", biggest) / tps("llama-server, same lines", biggest),
        f"host default TTFT p50 at {biggest} NPCs, s (goal <= 0.4)":
            figures["host, default (openvino)"][biggest].summary()["ttft_p50_ms"] / 1000,
        f"host tuned / OpenVINO bare, {biggest} NPCs (goal >= 0.85)":
            tps("host, tuned (openvino)", biggest) / tps("OpenVINO bare", biggest),
        f"host tuned / OpenVINO bare, {one} NPC (goal >= 0.85)":
            tps("host, tuned (openvino)", one) / tps("OpenVINO bare", one),
        f"host default / llama-server same lines, {one} NPC (goal >= 0.6)":
            tps("host, default (openvino)", one) / tps("llama-server, same lines", one),
        f"host tuned / llama-server plain, {one} NPC, default engine":
            tps("host, tuned (openvino)", one) / tps("llama-server, plain", one),
        "host on --backend llama.cpp / llama-server plain, 1 NPC (goal >= 0.9)":
            tps("host, tuned (llama.cpp)", 1) / tps("llama-server, plain", 1),
        f"host tuned / llama-server plain, {biggest} NPCs":
            tps("host, tuned (openvino)", biggest) / tps("llama-server, plain", biggest),
    }
    ratio_table = Table("ratio", "value", title="ratios (same box, same GGUF, same run)")
    for name, value in ratios.items():
        ratio_table.add_row(name, f"{value:.2f}")
    Console(width=max(Console().width, 160)).print(ratio_table)
    result = {"model": model, "gguf": gguf.name, "ratios": ratios,
              "figures": {name: {n: run.summary() for n, run in runs.items()} for name, runs in figures.items()}}
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))
    return result
