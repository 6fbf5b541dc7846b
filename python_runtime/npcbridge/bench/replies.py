"""Wiring for ``npcbridge eval replies``: load the plain and the tuned model once,
serve each configuration through a real DialogueService (moderation on, SQLite in
memory, the batching engine in a thread), print one row per configuration."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from npcbridge.app import dialogue_limits
from npcbridge.config import load_settings
from npcbridge.dialogue.evaluate import Scored, Summary, evaluate, load_eval_set, standard_configs
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.validation import DialogueLimits
from npcbridge.engine.transformers_engine import TransformersEngine
from npcbridge.models.loader import LoadedModel, load_causal_lm
from npcbridge.moderation.service import ModerationLimits, ModerationService
from npcbridge.store import open_store


def _table(summaries: list[Summary]) -> Table:
    table = Table(title="npcbridge eval replies", expand=True)
    for column in ("configuration", "replies", "facts stated", "loops", "out of character", "cut mid-sentence",
                   "blocked", "words mean / p90", "seconds"):
        table.add_column(column)
    for s in summaries:
        table.add_row(s.label, str(s.replies), f"{s.facts:.2f}", f"{s.loops:.2f}", f"{s.out_of_character:.2f}",
                      f"{s.cut:.2f}", f"{s.blocked:.2f}", f"{s.mean_words:.1f} / {s.p90_words:.0f}", f"{s.seconds:.0f}")
    return table


def run_replies_eval(console: Console, model: str = "smollm2-135m-instruct", only: list[int] | None = None,
                     samples: Path | None = None, json_out: Path | None = None, characters: int = 0) -> None:
    """Evaluate every standard configuration (or the ``only`` indices) in one run."""
    settings = load_settings(model=model)
    limits = dialogue_limits(settings)
    configs = standard_configs(limits)
    if only:
        configs = [configs[i] for i in only]
    scripts = load_eval_set()
    if characters:
        scripts = scripts[:characters]
    models: dict[bool, LoadedModel] = {}
    moderation = ModerationService(settings.moderation_policy,
                                   ModerationLimits(settings.max_text_chars, settings.max_batch_texts))

    @asynccontextmanager
    async def make_service(tuning: bool, config_limits: DialogueLimits):
        if tuning not in models:
            with console.status(f"loading {model} ({'tuned' if tuning else 'plain'})"):
                models[tuning] = load_causal_lm(model, settings.cache_dir, settings.device, settings.dtype, tuning)
        engine = TransformersEngine.from_loaded(models[tuning], max_context_tokens=settings.max_context_tokens)
        await engine.start()
        store = open_store(":memory:")
        try:
            yield DialogueService(store, engine, config_limits, moderation)
        finally:
            await engine.stop()
            store.close()

    def done(summary: Summary, rows: list[Scored]) -> None:
        console.print(f"[dim]{summary.label}: facts {summary.facts:.2f}, loops {summary.loops:.2f}, "
                      f"out of character {summary.out_of_character:.2f}, cut {summary.cut:.2f} "
                      f"({summary.seconds:.0f} s)[/]")

    async def run() -> list[tuple[Summary, list[Scored]]]:
        await moderation.start()
        return await evaluate(configs, make_service, scripts, done)

    results = asyncio.run(run())
    console.print(_table([s for s, _ in results]))
    questions = sum(1 for script in scripts for turn in script.turns if turn.expect)
    console.print(f"[dim]{len(scripts)} characters, {questions} "
                  "knowledge questions per configuration; moderation on; facts over knowledge questions only[/]")
    if samples is not None:
        with samples.open("w", encoding="utf-8") as f:
            for summary, rows in results:
                f.write(f"## {summary.label}\n")
                for r in rows:
                    flags = [k for k in ("fact", "loop", "out_of_character", "cut") if getattr(r, k)]
                    f.write(f"[{r.character}] {r.question}\n  -> {r.reply!r} ({r.finish_reason}; "
                            f"{', '.join(flags) or '-'})\n")
    if json_out is not None:
        json_out.write_text(json.dumps([asdict(s) for s, _ in results], indent=2) + "\n")
