"""The gRPC side of ``npcbridge say-aloud``: list voices, speak a line into a WAV file, or
transcribe one, against a running host. Returns the process exit code."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import grpc
from rich.console import Console
from rich.markup import escape

from npcbridge.speech.wav import read_wav, write_wav
from npcbridge.transport.client import HostClient


def run_say_aloud(console: Console, client: HostClient, text: str, out: Path, voice: str, speed: float,
                  list_voices: bool, transcribe: Path | None) -> int:
    try:
        if list_voices:
            answer = client.list_voices()
            for v in answer.voices:
                mark = " (default)" if v.name == answer.default_voice else ""
                console.print(f"[bold]{escape(v.name)}[/]{mark}: {v.backend}, {v.language}, {v.sample_rate} Hz; "
                              f"[dim]{escape(v.license)}[/]")
            return 0
        if transcribe is not None:
            pcm, rate = read_wav(transcribe)
            heard = client.transcribe(pcm, rate)
            console.print(f"heard ({heard.speech_ms:.0f} ms of speech): [bold]{escape(heard.text)}[/]")
            return 0
        events = list(client.synthesize(text, voice=voice, speed=speed))
    except grpc.RpcError as exc:
        console.print(f"[red]{exc.code().name}:[/] {escape(exc.details() or '')}")
        return 1
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    audio = [e.audio for e in events if e.WhichOneof("event") == "audio"]
    visemes = Counter(e.viseme.name for e in events if e.WhichOneof("event") == "viseme")
    done = events[-1].completed
    write_wav(out, b"".join(a.pcm16 for a in audio), audio[0].sample_rate)
    console.print(f"wrote {out} ({done.duration_ms / 1000:.2f} s, first audio after {done.first_audio_ms:.0f} ms); "
                  f"spoke: {escape(done.text)}")
    console.print("[dim]visemes: " + ", ".join(f"{k} x{n}" for k, n in visemes.most_common()) + "[/]")
    return 0
