"""``npcbridge say-aloud``: hear a voice from the terminal (a line spoken by a running host,
written as a WAV file), and ``--transcribe`` to send a WAV file to Transcribe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

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
    from npcbridge.transport.client import HostClient
    from npcbridge.transport.speech_cli import run_say_aloud

    with HostClient(address, token, tls_ca) as client:
        code = run_say_aloud(console, client, text, out, voice, speed, list_voices, transcribe)
    if code:
        raise typer.Exit(code)
