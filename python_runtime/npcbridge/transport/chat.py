"""``npcbridge chat``: a terminal conversation with a running host, streaming."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import grpc
from rich.console import Console
from rich.markup import escape
from rich.prompt import Prompt

from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge._proto.v1 import moderation_pb2 as mpb
from npcbridge.transport.client import HostClient


def _find_character(client: HostClient, wanted: str) -> str | None:
    for c in client.list_characters():
        if wanted in (c.id, c.name) or c.name.lower() == wanted.lower():
            return c.id
    return None


@dataclass
class ReplyView:
    """Prints one Say stream: text as it comes, moderation notices on their own line
    (a reply blocked mid-stream shows the notice, then the deflection on a new line,
    never spliced onto the cut text), and a stats line that fits how the reply ended.
    Everything from the host is escaped: rich would read "[...]" as markup."""

    out: Console
    name: str
    voice_dir: Path | None = None  # spoken replies: each one's audio is written here as a WAV file
    _mid_line: bool = False
    _audio: list[bytes] = field(default_factory=list)
    _rate: int = 0
    _actions: list[str] = field(default_factory=list)  # shown after the reply's text, not inside it

    def _line_break(self) -> None:
        if self._mid_line:
            self.out.print()
            self._mid_line = False

    def event(self, event) -> None:
        kind = event.WhichOneof("event")
        if kind == "text_delta":
            if not self._mid_line:
                self.out.print(f"[bold magenta]{escape(self.name)}[/]: ", end="")
            self.out.print(event.text_delta.text, end="", markup=False, highlight=False)
            self._mid_line = True
        elif kind == "audio":
            self._audio.append(event.audio.pcm16)
            self._rate = event.audio.sample_rate
        elif kind == "emotion":
            self._line_break()
            self.out.print(f"[cyan]\\[{escape(event.emotion.label)}][/]", highlight=False)
        elif kind == "action":
            a = event.action
            self._actions.append(f"[green]-> {escape(a.name)} {escape(a.arguments_json)}[/]")
        elif kind == "moderation":
            m = event.moderation
            self._line_break()
            categories = f" ({', '.join(m.categories)})" if m.categories else ""
            action = mpb.Action.Name(m.action).lower()
            self.out.print(f"[yellow]moderation: {action} {escape(m.source)} text{escape(categories)}: "
                           f"{escape(m.message)}[/]")
        elif kind == "completed":
            self._line_break()
            for line in self._actions:
                self.out.print(line, highlight=False)
            self._actions.clear()
            c = event.completed
            if c.finish_reason == "blocked":
                self.out.print("[dim](blocked by moderation: the character answered with a deflection)[/]")
            else:
                t = c.timings
                cut = ", cut at the token limit" if c.finish_reason == "length" else ""
                self.out.print(f"[dim]({c.usage.completion_tokens} tokens{cut}, ttft {t.ttft_ms:.0f} ms, "
                               f"{t.tokens_per_second:.1f} tok/s)[/]")
            self._write_audio(c.interaction_id)

    def _write_audio(self, interaction_id: str) -> None:
        if self.voice_dir is None or not self._audio:
            return
        from npcbridge.speech.wav import write_wav

        path = write_wav(self.voice_dir / f"{interaction_id}.wav", b"".join(self._audio), self._rate)
        self._audio.clear()
        self.out.print(f"[dim](spoken: {escape(str(path))})[/]")

    def error(self, exc: grpc.RpcError) -> None:
        self._line_break()
        self.out.print(f"[red]{exc.code().name}:[/] {escape(exc.details() or '')}")


def run_chat(console: Console, address: str, token: str | None, tls_ca: Path | None, character: str,
             persona: str | None, session_id: str | None, player: str, max_tokens: int,
             temperature: float | None, seed: int | None, knowledge: list[str] | None = None,
             actions: list[dict] | None = None, voice_dir: Path | None = None) -> int:
    """Run the chat loop; returns the process exit code."""
    out = Console()
    with HostClient(address, token, tls_ca) as client:
        try:
            client.info()
            if persona is not None:
                existing = _find_character(client, character)
                saved = client.upsert_character(id=existing or "", name=character, persona=persona,
                                                knowledge=knowledge or [],
                                                actions=[dpb.ActionSpec(**a) for a in actions or []])
                character_id = saved.id
            else:
                character_id = _find_character(client, character)
                if character_id is None:
                    names = ", ".join(c.name for c in client.list_characters()) or "none yet"
                    console.print(f"[red]no character {escape(repr(character))}[/] (known: {escape(names)}); "
                                  "create it with --persona \"...\"")
                    return 1
            session = client.get_session(session_id) if session_id else client.create_session(character_id, player)
        except grpc.RpcError as exc:
            console.print(f"[red]{exc.code().name}:[/] {escape(exc.details() or '')}")
            return 1
        name = client.get_character(character_id).name
        console.print(f"[dim]session {session.id} with {escape(name)}; Ctrl+C stops a reply, Ctrl+D quits[/]")
        while True:
            try:
                text = Prompt.ask("[bold cyan]you[/]", console=out)
            except (EOFError, KeyboardInterrupt):
                out.print()
                return 0
            if not text.strip():
                continue
            call = client.say(session.id, text, max_tokens=max_tokens, temperature=temperature, seed=seed,
                              audio=voice_dir is not None)
            view = ReplyView(out, name, voice_dir)
            try:
                for event in call:
                    view.event(event)
            except KeyboardInterrupt:
                call.cancel()
                out.print("\n[dim](stopped)[/]")
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.CANCELLED:
                    view.error(exc)
