"""What the ``npcbridge`` commands share: the console, logging set-up, errors and figures."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.logging import RichHandler

console = Console(stderr=True)

Address = Annotated[str, typer.Option("--address", "-a", help="host:port of a running host.")]
Token = Annotated[Optional[str], typer.Option("--token", envvar="NPCBRIDGE_AUTH_TOKEN", help="Bearer token.")]
TlsCa = Annotated[Optional[Path], typer.Option("--tls-ca", help="CA certificate to verify a TLS host.")]


def write_figures(path: Optional[Path], figures: dict) -> None:
    """An evaluation's figures as JSON, when --json was given."""
    if path is not None:
        path.write_text(json.dumps(figures, indent=2) + "\n")


def setup_logging(level: str, replica: str = "") -> None:
    """Rich log lines; with ``replica`` (a fleet), each line names the replica that wrote it."""
    logging.basicConfig(level=level.upper(), format=f"[{replica}] %(message)s" if replica else "%(message)s",
                        datefmt="[%X]", handlers=[RichHandler(console=console, show_path=False)], force=True)


def fail(exc: Exception) -> typer.Exit:
    console.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(code=1)
