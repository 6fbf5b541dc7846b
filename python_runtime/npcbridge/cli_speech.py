"""``npcbridge say-aloud``: hear a voice from the terminal (a line spoken by a running host,
written as a WAV file), and ``--transcribe`` to send a WAV file to Transcribe."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import grpc
import typer
from rich.markup import escape

from npcbridge.cli_common import Address, TlsCa, Token, console


def say_aloud(
    text: Annotated[str, typer.Argument(help="The line to speak (or, with --transcribe, ignored: give '-').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="WAV file to write.")] = Path("npc-line.wav"),
    voice: Annotated[str, typer.Option(help="A voice from --list (default: the host's).")] = "",
    speed: Annotated[float, typer.Option(help="Speaking rate, 0.5-2.0 (0 = the voice's own).")] = 0.0,
    list_voices: Annotated[bool, typer.Option("--list", help="List the host's voices and exit.")] = False,
    transcribe: Annotated[Optional[Path], typer.Option(
        help="Instead: send this WAV file (PCM16 mono) to Transcribe and print what it heard.")] = None,
    address: Address = "127.0.0.1:50051",
    token: Token = None,
    tls_ca: TlsCa = None,
) -> None:
    """Speak a line with a host's voice into a WAV file; print its visemes and timing."""
    from npcbridge.speech.wav import read_wav, write_wav
    from npcbridge.transport.client import HostClient

    with HostClient(address, token, tls_ca) as client:
        try:
            if list_voices:
                answer = client.list_voices()
                for v in answer.voices:
                    mark = " (default)" if v.name == answer.default_voice else ""
                    console.print(f"[bold]{escape(v.name)}[/]{mark}: {v.backend}, {v.language}, {v.sample_rate} Hz; "
                                  f"[dim]{escape(v.license)}[/]")
                return
            if transcribe is not None:
                pcm, rate = read_wav(transcribe)
                heard = client.transcribe(pcm, rate)
                console.print(f"heard ({heard.speech_ms:.0f} ms of speech): [bold]{escape(heard.text)}[/]")
                return
            events = list(client.synthesize(text, voice=voice, speed=speed))
        except grpc.RpcError as exc:
            console.print(f"[red]{exc.code().name}:[/] {escape(exc.details() or '')}")
            raise typer.Exit(1) from None
        except (OSError, ValueError) as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
    audio = [e.audio for e in events if e.WhichOneof("event") == "audio"]
    visemes = Counter(e.viseme.name for e in events if e.WhichOneof("event") == "viseme")
    done = events[-1].completed
    write_wav(out, b"".join(a.pcm16 for a in audio), audio[0].sample_rate)
    console.print(f"wrote {out} ({done.duration_ms / 1000:.2f} s, first audio after {done.first_audio_ms:.0f} ms); "
                  f"spoke: {escape(done.text)}")
    console.print("[dim]visemes: " + ", ".join(f"{k} x{n}" for k, n in visemes.most_common()) + "[/]")
