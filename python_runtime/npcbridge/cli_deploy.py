"""``npcbridge deploy``: balancer configurations for host replicas (HAProxy, nginx)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from npcbridge.fleet.balancer import Balancer

deploy_app = typer.Typer(help="Run several hosts as one service: balancer configurations.", no_args_is_help=True)

Listen = Annotated[str, typer.Option(help="Where games connect (host:port).")]
Replicas = Annotated[Optional[list[str]], typer.Option(
    "--replica", help="A host replica's host:port (repeatable).")]
Out = Annotated[Optional[Path], typer.Option("--out", "-o", help="Write here instead of printing.")]


def _balancer(listen: str, replicas: list[str] | None, dns: str, check_interval_ms: int) -> Balancer:
    if not replicas and not dns:
        raise typer.BadParameter("name the replicas: --replica HOST:PORT (repeatable) or --dns NAME:PORT")
    for address in replicas or []:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise typer.BadParameter(f"--replica {address!r}: use host:port, e.g. 127.0.0.1:50051")
    return Balancer(listen, list(replicas or []), check_interval_ms, dns=dns)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}")


@deploy_app.command("haproxy")
def haproxy(listen: Listen = "127.0.0.1:50050", replica: Replicas = None,
            dns: Annotated[str, typer.Option(help="Replicas from DNS instead (a headless Service), NAME:PORT.")] = "",
            check_interval_ms: Annotated[int, typer.Option(help="gRPC health check interval.")] = 1000,
            out: Out = None) -> None:
    """HAProxy: gRPC health checks, one character's calls on one replica (x-npc-character)."""
    _emit(_balancer(listen, replica, dns, check_interval_ms).haproxy(), out)


@deploy_app.command("nginx")
def nginx(listen: Listen = "127.0.0.1:50050", replica: Replicas = None, out: Out = None) -> None:
    """nginx: grpc_pass with consistent hashing on x-npc-character (passive health checks only)."""
    _emit(_balancer(listen, replica, "", 1000).nginx(), out)
