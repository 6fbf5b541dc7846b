"""``npcbridge bench dialogue``: one session through real gRPC vs plain ``model.generate``."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from npcbridge.config import load_settings
from npcbridge.dialogue.prompt import build_messages
from npcbridge.dialogue.types import Character
from npcbridge.engine.interface import ChatMessage
from npcbridge.engine.transformers_engine import TransformersEngine
from npcbridge.models.loader import LoadedModel, load_causal_lm
from npcbridge.testing.host import RunningHost

PERSONA = dict(name="Greta", persona="A gruff dwarven blacksmith in Ironhold.",
               knowledge=["Iron bars cost 5 gold each."])
QUESTION = "Tell me the long story of how you became a blacksmith."


@dataclass
class StreamFigures:
    """Medians over the repeats."""

    ttft_ms: float
    tokens_per_second: float
    tokens: float


def _median(rows: list[tuple[float, float, int]]) -> StreamFigures:
    return StreamFigures(statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows),
                         statistics.median(r[2] for r in rows))


def measure_generate(loaded: LoadedModel, prompt_ids: list[int], max_tokens: int, repeats: int) -> StreamFigures:
    """Baseline: transformers' own greedy ``generate`` on the same prompt and model."""
    model = loaded.model
    ids = torch.tensor([prompt_ids], device=loaded.device)
    rows = []
    with torch.inference_mode():
        model.generate(ids, max_new_tokens=2, do_sample=False)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            model.generate(ids, max_new_tokens=1, do_sample=False)
            ttft = time.perf_counter() - start
            start = time.perf_counter()
            out = model.generate(ids, max_new_tokens=max_tokens, do_sample=False)
            total = time.perf_counter() - start
            n = out.shape[1] - ids.shape[1]
            rows.append((ttft * 1000, (n - 1) / max(total - ttft, 1e-9), n))
    return _median(rows)


def measure_grpc(host: RunningHost, max_tokens: int, repeats: int) -> StreamFigures:
    """One Say at a time through real gRPC, timed on the client side."""
    client = host.client()
    character = client.upsert_character(**PERSONA)
    rows = []
    for i in range(repeats + 1):
        session = client.create_session(character.id)
        start = time.perf_counter()
        first = last = None
        completed = None
        for event in client.say(session.id, QUESTION, max_tokens=max_tokens, temperature=0.0):
            kind = event.WhichOneof("event")
            if kind == "text_delta":
                last = time.perf_counter()
                first = first or last
            elif kind == "completed":
                completed = event.completed
        if i == 0 or first is None or completed is None:
            continue  # warm-up
        n = completed.usage.completion_tokens
        rows.append(((first - start) * 1000, (n - 1) / max(last - first, 1e-9), n))
    return _median(rows)


def run_dialogue_bench(console: Console, model: str, max_tokens: int, repeats: int, device: str,
                       json_out: Path | None) -> dict[str, dict[str, float]]:
    """Measure both paths in one run and print them side by side with ratios."""
    settings = load_settings(model=model, device=device)
    console.print(f"loading {model} ...")
    loaded = load_causal_lm(model, settings.cache_dir, device, settings.dtype)
    runs: dict[str, StreamFigures] = {}
    for label, moderation in (("gRPC Say", False), ("gRPC Say + moderation", True)):
        engine = TransformersEngine.from_loaded(loaded)
        settings = load_settings(port=0, db=":memory:", model=model, moderation=moderation)
        host = RunningHost(settings, engine).start()
        try:
            runs[label] = measure_grpc(host, max_tokens, repeats)
            messages: list[ChatMessage] = build_messages(Character(id="b", **PERSONA), [], QUESTION,
                                                         engine.count_tokens, 10_000)
            prompt_ids = engine.encode(messages)
        finally:
            host.stop()
    base = measure_generate(loaded, prompt_ids, max_tokens, repeats)
    table = Table("metric", *runs, "model.generate", "ratio (plain gRPC)",
                  title=f"{model} on {loaded.device} ({loaded.dtype_name}), {len(prompt_ids)}-token prompt, "
                        f"{max_tokens} new tokens, median of {repeats}")
    plain = runs["gRPC Say"]
    table.add_row("time to first text (ms)", *(f"{r.ttft_ms:.1f}" for r in runs.values()), f"{base.ttft_ms:.1f}",
                  f"{plain.ttft_ms / base.ttft_ms:.2f}x")
    table.add_row("decode tokens/s", *(f"{r.tokens_per_second:.1f}" for r in runs.values()),
                  f"{base.tokens_per_second:.1f}", f"{plain.tokens_per_second / base.tokens_per_second:.2f}x")
    table.add_row("tokens generated", *(f"{r.tokens:.0f}" for r in runs.values()), f"{base.tokens:.0f}", "")
    Console().print(table)
    result = {**{k: asdict(v) for k, v in runs.items()}, "generate": asdict(base),
              "device": {"name": str(loaded.device), "dtype": loaded.dtype_name}}
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))
    return result
