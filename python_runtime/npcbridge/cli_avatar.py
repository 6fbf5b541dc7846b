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
                    seed: Optional[int], truncation: Optional[float], moderate: bool):
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
        jobs = await service.plan(attrs, describe, count, seed, truncation)
        return [e async for e in service.generate(jobs) if isinstance(e, AvatarResult)]
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
) -> None:
    """Generate portraits into PNG files: `npcbridge avatar --describe "a dwarf" --seed 7 -o dwarf.png`."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        results = asyncio.run(_generate(model, device, parse_attr_flags(attr or []), describe, count, seed,
                                        truncation, moderation))
    except NpcBridgeError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    table = Table("file", "seed", "attributes", title="avatars")
    for path, result in zip(output_paths(out, len(results)), results, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(result.png)
        table.add_row(str(path), str(result.seed), ", ".join(f"{k}={v}" for k, v in result.attributes.items()))
    if spec is not None:
        spec.write_text(json.dumps([{"id": r.id, "seed": r.seed, "attributes": r.attributes, "colors": r.colors,
                                     "morph_targets": r.morph_targets, "latent": r.latent} for r in results],
                                   indent=2))
    console.print(table)


@avatar_app.command("train")
def train(
    out: Annotated[Optional[Path], typer.Option(help="Output folder [the package's avatar/data].")] = None,
    images: Annotated[int, typer.Option(help="Rendered training portraits.")] = 24_000,
    steps: Annotated[int, typer.Option(help="Generator optimisation steps.")] = 5_000,
    batch: Annotated[int, typer.Option(help="Batch size.")] = 16,
    seed: Annotated[int, typer.Option(help="Seed for data, init and order.")] = 0,
) -> None:
    """Render the dataset and train the generator and attribute classifier (reproducible from the seed)."""
    from npcbridge.avatar.checkpoint import builtin_path
    from npcbridge.avatar.training import train_all

    train_all(out or builtin_path("generator.pt").parent, images=images, steps=steps, batch=batch, seed=seed,
              log=console.print)
