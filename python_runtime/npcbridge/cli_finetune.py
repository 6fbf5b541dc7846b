"""``npcbridge finetune`` and ``npcbridge adapters``: a character's own LoRA adapter, and the
adapters a host can give characters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from npcbridge.config import load_settings

finetune_app = typer.Typer(help="Fine-tune models on your own data.", no_args_is_help=True)
adapters_app = typer.Typer(help="LoRA adapters characters speak with (Character.adapter).", no_args_is_help=True)
console = Console()


@finetune_app.command("dialogue")
def finetune_dialogue(
    name: Annotated[str, typer.Argument(help="The adapter's name: Character.adapter names it.")],
    data: Annotated[Path, typer.Option(help="JSONL: {\"messages\": [...]} or {\"text\": ...} a line.",
                                       exists=True, dir_okay=False)],
    out: Annotated[Optional[Path], typer.Option(help="Where to save it [<adapters dir>/NAME].")] = None,
    model: Annotated[Optional[str], typer.Option(help="Dialogue model [the host's].")] = None,
    tuning: Annotated[bool, typer.Option("--tuning/--no-tuning", help="Train on the tuned embedded model "
                                         "(what serve runs by default) or the plain one.")] = True,
    steps: Annotated[int, typer.Option(help="Optimiser steps.")] = 160,
    batch: Annotated[int, typer.Option(help="Examples a step.")] = 4,
    rank: Annotated[int, typer.Option(help="LoRA rank.")] = 16,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 5e-4,
    holdout: Annotated[float, typer.Option(help="Share of conversations held out for evaluation.")] = 0.1,
    eval_every: Annotated[int, typer.Option(help="Held-out evaluation every N steps (the best is kept).")] = 40,
    seed: Annotated[int, typer.Option(help="Seed: the same seed and data give the same adapter.")] = 0,
    style: Annotated[bool, typer.Option("--style/--no-style", help="Also the style check (replies to held-out "
                                        "prompts, base vs adapter, scored by a small classifier).")] = True,
) -> None:
    """Train a LoRA adapter on a character's lines; report base vs adapter; Ctrl+C keeps the best so far."""
    from npcbridge.finetune.character import finetune_character
    from npcbridge.finetune.lora import LoraTraining
    from npcbridge.models.adapters import check_adapter_name
    from npcbridge.models.loader import prepare

    check_adapter_name(name)
    settings = load_settings(**({"model": model} if model else {}))
    target = out or settings.adapters_dir / name
    model_dir = prepare(settings.model, settings.cache_dir, tuning)
    cfg = LoraTraining(rank=rank, alpha=2 * rank, lr=lr, steps=steps, batch=batch, seed=seed)
    with Progress(TextColumn("training {task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task("train", total=steps, name=name, loss=float("nan"))
        report = finetune_character(name, data, model_dir, target, cfg, holdout, eval_every,
                                    base_name=settings.model, style=style,
                                    progress=lambda step, loss: bar.update(task, completed=step, loss=loss))
    t = report.training
    table = Table("", "base", "adapter", title=f"{name}: {report.train_examples} examples trained, "
                                                f"{report.heldout_examples} held out")
    table.add_row("held-out loss", f"{report.base_loss:.3f}", f"{report.adapter_loss:.3f}")
    table.add_row("held-out perplexity", f"{report.base_perplexity:.1f}", f"{report.adapter_perplexity:.1f}")
    if style:
        table.add_row("style check (share in voice)", f"{report.style_base:.0%}", f"{report.style_adapter:.0%}")
    console.print(table)
    for sample in report.samples:
        console.print(f"[bold]player:[/] {sample['player']}\n  base:    {sample['base']}\n  adapter: {sample['adapter']}")
    console.print(f"{t['steps']} steps in {t['seconds']:.0f} s ({t['examples_per_second']:.1f} examples/s), best at "
                  f"step {t['best_step']}{' (interrupted)' if t['interrupted'] else ''}; saved to {target}")


@adapters_app.command("list")
def adapters_list(
    adapters_dir: Annotated[Optional[Path], typer.Option(help="Adapters folder [the host's].")] = None,
) -> None:
    """The adapters a host started with these settings can give characters."""
    from npcbridge.models.adapters import AdapterFolder

    folder = AdapterFolder(adapters_dir or load_settings().adapters_dir)
    table = Table("name", "base model", "rank", "size", title=f"adapters in {folder.root}")
    for info in folder.list():
        table.add_row(info.name, info.base_model or "?", str(info.rank or "?"), f"{info.size_bytes / 2**20:.1f} MiB")
    console.print(table)


def bench_adapters(
    sessions: Annotated[int, typer.Option(help="Sessions saying a line at once.")] = 32,
    adapters: Annotated[int, typer.Option(help="Characters, each with its own adapter.")] = 8,
    rank: Annotated[int, typer.Option(help="Rank of the (random) adapters.")] = 16,
    max_tokens: Annotated[int, typer.Option(help="Most tokens per reply.")] = 64,
    rounds: Annotated[int, typer.Option(help="Bursts per side, alternating.")] = 2,
    model: Annotated[str, typer.Option(help="Dialogue model.")] = "smollm2-135m-instruct",
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Sessions over several characters' LoRA adapters vs the base model, same host, same run."""
    from npcbridge.bench.adapters import run_adapter_bench

    run_adapter_bench(console, model, sessions, adapters, rank, max_tokens, rounds, json_out)


@finetune_app.command("moderation")
def finetune_moderation_cmd(
    folds: Annotated[int, typer.Option(help="Cross-validation folds (each tunes the encoder anew).")] = 5,
    epochs: Annotated[int, typer.Option(help="Passes over the training folds.")] = 2,
    rank: Annotated[int, typer.Option(help="LoRA rank on MiniLM's projections.")] = 8,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 1e-3,
    policy: Annotated[str, typer.Option(help="Policy tier the verdicts are read under.")] = "teen",
    ship: Annotated[bool, typer.Option("--ship/--no-ship", help="Write the tuned encoder and heads into the "
                                       "package when they beat the current classifier.")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the folds and the training.")] = 0,
) -> None:
    """Fine-tune the moderation encoder end to end; compare with the frozen one in the same run."""
    from npcbridge.moderation.encoder_finetune import EncoderTraining
    from npcbridge.moderation.finetune_compare import finetune_moderation

    settings = load_settings()
    cfg = EncoderTraining(rank=rank, alpha=2 * rank, lr=lr, epochs=epochs, seed=seed)
    with Progress(TextColumn("tuning MiniLM"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task("tune", total=1, loss=float("nan"))

        def progress(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, loss=loss)

        finetune_moderation(console, settings.cache_dir, cfg, folds, policy, ship, progress)
