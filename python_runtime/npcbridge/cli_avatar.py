"""``npcbridge avatar``: make portraits locally, train and evaluate the built-in model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from npcbridge.errors import InvalidArgument, NpcBridgeError

avatar_app = typer.Typer(help="Generate avatar portraits; train and evaluate the built-in model.",
                         invoke_without_command=True)
console = Console(stderr=True)


def parse_attr_flags(flags: list[str]) -> dict[str, str]:
    """``["species=elf", "hair_color=red"]`` -> dict; a flag without ``=`` is an error."""
    out = {}
    for flag in flags:
        name, sep, value = flag.partition("=")
        if not sep or not name.strip():
            raise InvalidArgument(f"--attr takes key=value (e.g. species=elf), not {flag!r}")
        out[name.strip()] = value.strip()
    return out


def output_paths(out: Path, count: int) -> list[Path]:
    """``out.png`` for one avatar; ``out-0.png``, ``out-1.png``... for several."""
    if count == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{i}{out.suffix or '.png'}") for i in range(count)]


async def _generate(model: str, device: str, attrs: dict[str, str], describe: str, count: int,
                    seed: Optional[int], truncation: Optional[float], moderate: bool, expressions: list[str]):
    from npcbridge.avatar.models import AvatarResult
    from npcbridge.avatar.service import AvatarLimits, AvatarService

    moderation = None
    if moderate and describe:
        from npcbridge.moderation.service import ModerationService

        # The rules-only filter: instant to load, and enough for a description.
        moderation = ModerationService(use_classifier=False)
        await moderation.start()
    service = AvatarService(model, device, "auto", AvatarLimits(max_count=max(count, 1)), moderation)
    await service.start()
    try:
        if expressions == ["all"]:
            expressions = list(service.list_expressions()) or ["neutral"]
        if seed is None:
            import secrets

            seed = secrets.randbits(63)  # one seed for every expression: the same faces in each
        rows: list[list[AvatarResult]] = [[] for _ in range(max(count, 1))]
        for expression in expressions:
            jobs = await service.plan(attrs, describe, count, seed, truncation, expression)
            done = [e async for e in service.generate(jobs) if isinstance(e, AvatarResult)]
            for row, result in zip(rows, done, strict=True):
                row.append(result)
        return rows
    finally:
        await service.close()


@avatar_app.callback()
def avatar(
    ctx: typer.Context,
    describe: Annotated[str, typer.Option("--describe", "-d", help="e.g. \"a red-haired elf with green eyes\".")] = "",
    attr: Annotated[Optional[list[str]], typer.Option("--attr", help="key=value; repeatable; wins over --describe.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed; avatar i uses seed+i. Random when unset.")] = None,
    count: Annotated[int, typer.Option(help="How many avatars.")] = 1,
    truncation: Annotated[Optional[float], typer.Option(help="0..1; lower is closer to the average face.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG path (numbered when --count > 1).")] = Path("avatar.png"),
    spec: Annotated[Optional[Path], typer.Option(help="Also write the avatars' specs as JSON here.")] = None,
    model: Annotated[str, typer.Option(help="builtin, or a checkpoint file.")] = "builtin",
    device: Annotated[str, typer.Option(help="auto, cpu, cuda.")] = "auto",
    moderation: Annotated[bool, typer.Option("--moderation/--no-moderation", help="Filter the description.")] = True,
    expression: Annotated[Optional[list[str]], typer.Option(
        "--expression", "-e", help="neutral, happy, sad, angry, afraid, surprised, disgusted, or all; "
        "repeatable (the same faces in each).")] = None,
    montage: Annotated[Optional[Path], typer.Option(
        help="Write one grid PNG here instead of one file per portrait (a row per avatar, a column per "
        "expression).")] = None,
) -> None:
    """Generate portraits into PNG files: `npcbridge avatar --describe "a dwarf" --seed 7 -o dwarf.png`."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        rows = asyncio.run(_generate(model, device, parse_attr_flags(attr or []), describe, count, seed,
                                     truncation, moderation, expression or ["neutral"]))
    except NpcBridgeError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    results = [r for row in rows for r in row]
    table = Table("file", "seed", "expression", "attributes", title="avatars")
    if montage is not None:
        from npcbridge.avatar.montage import montage_png

        montage.parent.mkdir(parents=True, exist_ok=True)
        montage.write_bytes(montage_png([[r.png for r in row] for row in rows],
                                        [r.expression for r in rows[0]] if len(rows[0]) > 1 else ()))
        paths = [montage] * len(results)
    else:
        paths = output_paths(out, len(results))
        for path, result in zip(paths, results, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(result.png)
    for path, result in zip(paths, results, strict=True):
        table.add_row(str(path), str(result.seed), result.expression,
                      ", ".join(f"{k}={v}" for k, v in result.attributes.items()))
    if spec is not None:
        spec.write_text(json.dumps([{"id": r.id, "seed": r.seed, "expression": r.expression,
                                     "attributes": r.attributes, "colors": r.colors,
                                     "morph_targets": r.morph_targets, "latent": r.latent} for r in results],
                                   indent=2))
    console.print(table)


@avatar_app.command("train")
def train(
    out: Annotated[Optional[Path], typer.Option(help="Generator checkpoint [the package's avatar/data/generator.pt].")] = None,
    images: Annotated[Optional[int], typer.Option(help="Rendered training portraits (default: the shipped run's).")] = None,
    steps: Annotated[Optional[int], typer.Option(
        help="Training steps in all, resuming from OUT.state when present (default: the shipped run's).")] = None,
    warmup: Annotated[Optional[int], typer.Option(
        help="First steps by the reconstruction helper alone (default: the shipped run's).")] = None,
    batch: Annotated[Optional[int], typer.Option(help="Batch size (default: the shipped run's).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for data, init and order.")] = 0,
    classifier: Annotated[bool, typer.Option(help="Also retrain the portrait classifier `eval avatars` uses.")] = False,
) -> None:
    """Render the dataset and train the generator adversarially (reproducible from the seed)."""
    from npcbridge.avatar.adversarial import AdversarialConfig, train_recipe
    from npcbridge.avatar.checkpoint import builtin_path
    from npcbridge.avatar.portrait_classifier import train_portrait_classifier

    # The recipe's defaults live once, in AdversarialConfig and train_recipe; only what is given overrides them.
    given = {"steps": steps, "warmup": warmup, "batch": batch}
    config = AdversarialConfig(**{k: v for k, v in given.items() if v is not None})
    extra = {} if images is None else {"images": images}
    train_recipe(out or builtin_path("generator.pt"), config=config, seed=seed, log=console.print, **extra)
    if classifier:
        train_portrait_classifier(log=console.print)
