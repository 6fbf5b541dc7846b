"""Rich rendering of host answers for the CLI."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from npcbridge._proto.v1 import runtime_pb2


def print_server_info(info: runtime_pb2.ServerInfo, health: str, console: Console | None = None) -> None:
    """A ServerInfo as tables: versions, capabilities, models, limits."""
    console = console or Console()
    console.print(f"[bold]NPC Bridge host[/] api {info.api_version}, runtime {info.runtime_version}, health {health}")
    caps = Table(title="capabilities", show_header=False)
    for field in info.capabilities.DESCRIPTOR.fields:
        caps.add_row(field.name, "yes" if getattr(info.capabilities, field.name) else "no")
    console.print(caps)
    models = Table("name", "kind", "backend", "device", "dtype", "context (tokens a turn may use)", title="models")
    limit = info.limits.max_context_tokens
    for m in info.models:
        # The model's own context is not what a turn gets when the host's limit is lower.
        context = (f"{limit} (model: {m.context_length})" if m.kind == "dialogue" and limit
                   and limit < m.context_length else str(m.context_length))
        models.add_row(m.name, m.kind, m.backend, m.device, m.dtype, context)
    console.print(models)
    limits = Table(title="limits", show_header=False)
    for field in info.limits.DESCRIPTOR.fields:
        limits.add_row(field.name, str(getattr(info.limits, field.name)))
    console.print(limits)
