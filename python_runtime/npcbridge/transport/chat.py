"""``npcbridge chat``: a terminal conversation with a running host, streaming."""

from __future__ import annotations

from pathlib import Path

import grpc
from rich.console import Console
from rich.prompt import Prompt

from npcbridge.transport.client import HostClient


def _find_character(client: HostClient, wanted: str) -> str | None:
    for c in client.list_characters():
        if wanted in (c.id, c.name) or c.name.lower() == wanted.lower():
            return c.id
    return None


def run_chat(console: Console, address: str, token: str | None, tls_ca: Path | None, character: str,
             persona: str | None, session_id: str | None, player: str, max_tokens: int,
             temperature: float | None, seed: int | None) -> int:
    """Run the chat loop; returns the process exit code."""
    out = Console()
    with HostClient(address, token, tls_ca) as client:
        try:
            client.info()
            if persona is not None:
                existing = _find_character(client, character)
                saved = client.upsert_character(id=existing or "", name=character, persona=persona)
                character_id = saved.id
            else:
                character_id = _find_character(client, character)
                if character_id is None:
                    names = ", ".join(c.name for c in client.list_characters()) or "none yet"
                    console.print(f"[red]no character {character!r}[/] (known: {names}); "
                                  "create it with --persona \"...\"")
                    return 1
            session = client.get_session(session_id) if session_id else client.create_session(character_id, player)
        except grpc.RpcError as exc:
            console.print(f"[red]{exc.code().name}:[/] {exc.details()}")
            return 1
        name = client.get_character(character_id).name
        console.print(f"[dim]session {session.id} with {name}; Ctrl+C stops a reply, Ctrl+D quits[/]")
        while True:
            try:
                text = Prompt.ask("[bold cyan]you[/]", console=out)
            except (EOFError, KeyboardInterrupt):
                out.print()
                return 0
            if not text.strip():
                continue
            call = client.say(session.id, text, max_tokens=max_tokens, temperature=temperature, seed=seed)
            out.print(f"[bold magenta]{name}[/]: ", end="")
            try:
                for event in call:
                    kind = event.WhichOneof("event")
                    if kind == "text_delta":
                        out.print(event.text_delta.text, end="", markup=False, highlight=False)
                    elif kind == "moderation":
                        out.print(f"[yellow][{event.moderation.message}][/]", end="")
                    elif kind == "completed":
                        t = event.completed.timings
                        out.print(f"\n[dim]({event.completed.usage.completion_tokens} tokens, "
                                  f"ttft {t.ttft_ms:.0f} ms, {t.tokens_per_second:.1f} tok/s)[/]")
            except KeyboardInterrupt:
                call.cancel()
                out.print("\n[dim](stopped)[/]")
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.CANCELLED:
                    out.print(f"\n[red]{exc.code().name}:[/] {exc.details()}")
