"""``npcbridge eval actions``: can a game trust what the NPC does?

Runs the labelled probe set (``dialogue/data/eval_actions.yaml``: four characters,
player lines and game events, each with the action a good NPC takes or none)
through the real Say flow on the embedded model (moderation on), one fresh session
per probe, in three configurations in the same run:

- ``encoder + grammar`` (the default): the encoder head picks the action, the tail
  grammar forces it (or none) and constrains its arguments;
- ``model + grammar``: no encoder; the grammar offers every action and the model
  decides whether to call one;
- ``prompt only``: the baseline of do-it-yourself stacks: the actions are described
  in the character's prompt and a call is parsed from the free text.

Validity (every call parses, names an allowed action, validates) is measured over
several sampled rounds of the default, some with ``allowed_actions``; then the cost
of actions: tokens/s and TTFT at 1 and 32 sessions, actions on vs off.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
from dataclasses import dataclass, replace

import jsonschema
from rich.console import Console
from rich.table import Table

from npcbridge.app import dialogue_limits
from npcbridge.config import load_settings
from npcbridge.dialogue.evaluate import reply_to
from npcbridge.dialogue.intent import ActionHead, IntentScorer
from npcbridge.dialogue.intent_training import EVAL_SET, Probe, load_probes
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.types import ActionCall, Character, Completed, SayOptions
from npcbridge.engine.transformers_engine import TransformersEngine
from npcbridge.models.loader import load_causal_lm
from npcbridge.moderation.service import ModerationLimits, ModerationService, shared_encoder
from npcbridge.store import open_store

CONCURRENCY = 32
COST_REPEATS = 3  # alternating off/on runs per session count; medians reported
_PROMPT_CALL = re.compile(r"ACTION:?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\{.*?\})?", re.DOTALL)


@dataclass
class Outcome:
    probe: Probe
    called: list[ActionCall]
    text: str
    allowed: list[str]
    completed: Completed | None = None


def prompt_only(character: Character) -> Character:
    """The baseline's character: actions described in the prompt, none declared."""
    lines = [f"- {a.name}: {a.description}" + (f" Arguments: {a.parameters_schema}" if a.parameters_schema else "")
             for a in character.actions]
    note = ("\nWhen the player asks for one of these, end your reply with a line "
            "'ACTION: name {json arguments}':\n" + "\n".join(lines))
    return replace(character, actions=[], backstory=character.backstory + note)


def parse_prompt_calls(text: str) -> list[ActionCall]:
    """Calls written in free text, as a hand-made client would parse them."""
    return [ActionCall("", m.group(1), m.group(2) or "{}") for m in _PROMPT_CALL.finditer(text)]


async def _say(service: DialogueService, probe: Probe, character: Character, seed: int,
               allowed: list[str]) -> Outcome:
    saved = await service.upsert_character(replace(character, id=""))
    session = await service.create_session(saved.id, "eval")
    options = SayOptions(seed=seed, event=probe.event, allowed_actions=allowed)
    done = await reply_to(service, session.id, probe.text, options)
    text = done.text
    calls = done.actions or (parse_prompt_calls(text) if not character.actions else [])
    return Outcome(probe, list(calls), text, allowed, done)


async def run_probes(service: DialogueService, probes: list[Probe], seed: int, baseline: bool = False,
                     restrict: bool = False) -> list[Outcome]:
    """Every probe once, ``CONCURRENCY`` at a time (``restrict``: allow all but the first action)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(probe: Probe) -> Outcome:
        character = prompt_only(probe.character) if baseline else probe.character
        allowed = [a.name for a in probe.character.actions[1:]] if restrict else []
        async with gate:
            return await _say(service, probe, character, seed, allowed)
    return await asyncio.gather(*(one(p) for p in probes))


def valid(outcome: Outcome) -> bool:
    """Every call names an (allowed) action of the character and its arguments validate."""
    specs = {a.name: a for a in outcome.probe.character.actions}
    for call in outcome.called:
        spec = specs.get(call.name)
        if spec is None or (outcome.allowed and call.name not in outcome.allowed):
            return False
        try:
            args = json.loads(call.arguments_json)
            if spec.parameters_schema:
                jsonschema.validate(args, json.loads(spec.parameters_schema))
            elif args:
                return False
        except (ValueError, jsonschema.ValidationError):
            return False
    return True


def choice_figures(outcomes: list[Outcome]) -> dict[str, float]:
    """Accuracy (first call's name or none), false-action rate, argument accuracy, validity."""
    correct = false = nones = args_total = args_right = 0
    for o in outcomes:
        name = o.called[0].name if o.called else "none"
        correct += name == o.probe.expect
        nones += o.probe.expect == "none"
        false += o.probe.expect == "none" and name != "none"
        if o.probe.args and name == o.probe.expect:
            args_total += 1
            try:
                got = json.loads(o.called[0].arguments_json)
            except ValueError:
                got = {}
            args_right += all(got.get(k) == v for k, v in o.probe.args.items())
    return {"accuracy": correct / len(outcomes), "false_actions": false / max(1, nones),
            "arguments": args_right / max(1, args_total), "valid": sum(map(valid, outcomes)) / len(outcomes)}


async def measure_cost(service: DialogueService, probes: list[Probe], sessions: int, actions: bool) -> dict:
    """Mean per-stream tokens/s and TTFT with ``sessions`` concurrent Say calls."""
    picked = [probes[i % len(probes)] for i in range(sessions)]
    characters = [p.character if actions else replace(p.character, actions=[]) for p in picked]
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(_say(service, p, c, 7, []) for p, c in zip(picked, characters, strict=True)))
    done = [o.completed for o in outcomes if o.completed]
    tokens = sum(c.usage.completion_tokens for c in done)
    return {"tok_s": sum(c.timings.tokens_per_second for c in done) / len(done),
            "ttft_ms": sum(c.timings.ttft_ms for c in done) / len(done),
            "aggregate_tok_s": tokens / (time.perf_counter() - started)}


def write_samples(path, results: dict[str, list[Outcome]]) -> None:  # noqa: ANN001 - a Path
    """Every reply of the first round of each configuration, with what was expected."""
    with path.open("w", encoding="utf-8") as f:
        for label, outcomes in results.items():
            f.write(f"## {label}\n")
            for o in outcomes:
                got = ", ".join(f"{c.name} {c.arguments_json}" for c in o.called) or "none"
                mark = "ok" if (o.called[0].name if o.called else "none") == o.probe.expect else "WRONG"
                f.write(f"[{o.probe.character.name}] {o.probe.query}\n  expected {o.probe.expect}, got {got} "
                        f"({mark}) -> {o.text!r}\n")


def run_actions_eval(console: Console, model: str = "smollm2-135m-instruct", rounds: int = 4,
                     samples=None) -> dict:  # noqa: ANN001 - a Path or None
    """The whole evaluation; prints the tables and returns the figures (``samples``:
    write every first-round reply there)."""
    settings = load_settings(model=model)
    probes = load_probes(EVAL_SET)
    moderation = ModerationService(settings.moderation_policy,
                                   ModerationLimits(settings.max_text_chars, settings.max_batch_texts))

    async def run() -> dict:
        await moderation.start()
        with console.status(f"loading {model}"):
            loaded = load_causal_lm(model, settings.cache_dir, settings.device, settings.dtype, settings.tuning)
        engine = TransformersEngine.from_loaded(loaded, max_context_tokens=settings.max_context_tokens)
        await engine.start()
        scorer = IntentScorer(shared_encoder("cpu"), head=ActionHead.load())
        store = open_store(":memory:")
        limits = dialogue_limits(settings)
        default = DialogueService(store, engine, limits, moderation, scorer)
        model_only = DialogueService(store, engine, limits, moderation)
        model_only.intent = None
        figures: dict = {}
        first: dict[str, list[Outcome]] = {}
        try:
            started = time.perf_counter()
            sampled = []
            for r in range(rounds):
                sampled += await run_probes(default, probes, seed=r, restrict=r % 2 == 1)
                console.print(f"[dim]encoder + grammar, round {r + 1}/{rounds}: {time.perf_counter() - started:.0f} s[/]")
            first["encoder + grammar"] = sampled[:len(probes)]
            figures["encoder + grammar"] = {**choice_figures(sampled[:len(probes)]),
                                            "valid": sum(map(valid, sampled)) / len(sampled),
                                            "replies": len(sampled),
                                            "calls": sum(len(o.called) for o in sampled)}
            for label, service, baseline in (("model + grammar", model_only, False),
                                             ("prompt only", model_only, True)):
                outcomes = await run_probes(service, probes, seed=0, baseline=baseline)
                first[label] = outcomes
                figures[label] = {**choice_figures(outcomes), "replies": len(outcomes),
                                  "calls": sum(len(o.called) for o in outcomes)}
                console.print(f"[dim]{label}: {time.perf_counter() - started:.0f} s[/]")
            await measure_cost(default, probes, CONCURRENCY, True)  # warm-up: caches, allocator
            for sessions in (1, CONCURRENCY):
                runs: dict[bool, list[dict]] = {False: [], True: []}
                for _ in range(COST_REPEATS):  # alternate, so drift hits both sides alike
                    for on in (False, True):
                        runs[on].append(await measure_cost(default, probes, sessions, on))
                for on, measured in runs.items():
                    figures[f"cost {sessions} sessions, actions {'on' if on else 'off'}"] = {
                        key: statistics.median(m[key] for m in measured) for key in measured[0]}
        finally:
            await engine.stop()
            store.close()
        if samples is not None:
            write_samples(samples, first)
        return figures

    figures = asyncio.run(run())
    table = Table(title="npcbridge eval actions", expand=True)
    for column in ("configuration", "replies", "calls", "valid", "accuracy", "false actions", "arguments right"):
        table.add_column(column)
    for label in ("encoder + grammar", "model + grammar", "prompt only"):
        f = figures[label]
        table.add_row(label, str(f["replies"]), str(f["calls"]), f"{f['valid']:.3f}", f"{f['accuracy']:.3f}",
                      f"{f['false_actions']:.3f}", f"{f['arguments']:.3f}")
    console.print(table)
    cost = Table(title="cost of actions (same run)", expand=True)
    for column in ("sessions", "actions", "tokens/s per stream", "aggregate tokens/s", "TTFT ms"):
        cost.add_column(column)
    for sessions in (1, CONCURRENCY):
        for on in ("off", "on"):
            f = figures[f"cost {sessions} sessions, actions {on}"]
            cost.add_row(str(sessions), on, f"{f['tok_s']:.1f}", f"{f['aggregate_tok_s']:.1f}", f"{f['ttft_ms']:.0f}")
    console.print(cost)
    console.print(f"[dim]cost: medians of {COST_REPEATS} alternating runs each, after a warm-up; "
                  "the same probe lines, characters with their actions vs without[/]")
    console.print(f"[dim]{len(probes)} probes over {len({p.character.name for p in probes})} characters; "
                  "accuracy and false actions on the first round (seed 0); validity over every round[/]")
    return figures
