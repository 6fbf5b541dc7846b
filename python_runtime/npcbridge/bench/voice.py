"""``npcbridge bench voice``: how soon an NPC starts speaking, and how well its voice and the
player's transcription work, on this machine.

- Say -> first audio chunk, p50/p99, at 1 and 8 sessions, on a host with the embedded model
  and its defaults (moderation on, natural reply lengths, characters created just before);
  the same turns' first text delta is the baseline of the same run (goal: p50 <= 800 ms).
- Synthesis real-time factor per backend (synthesis seconds / audio seconds).
- Viseme timing against the audio: visemes cover the audio to its end; "sil" visemes lie over
  quiet audio and mouth shapes over sound (20 ms frames, energy against the line's own level).
- Round trip on the game lines: voice -> Transcribe -> word error rate.
- Transcribe latency of a 3 s clip.
"""

from __future__ import annotations

import json
import re
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from npcbridge.bench.dialogue import EVERYDAY, pct, run_together
from npcbridge.config import load_settings
from npcbridge.speech.stt import Transcriber
from npcbridge.speech.visemes import visemes_for
from npcbridge.speech.voices import VoiceCatalog
from npcbridge.testing.host import RunningHost


def game_lines() -> list[str]:
    """The bench's lines (``speech/data/game_lines.txt``)."""
    text = resources.files("npcbridge.speech").joinpath("data/game_lines.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def word_error_rate(references: list[str], heard: list[str]) -> float:
    """WER over all lines (jiwer), after lower-casing and dropping punctuation."""
    import jiwer

    return float(jiwer.wer([_words(r) for r in references], [_words(h) or "<nothing>" for h in heard]))


def viseme_fit(voice: Any, lines: list[str]) -> dict[str, float]:
    """How the visemes lie over the audio they were made with."""
    agree, frames, end_gap = 0, 0, []
    for line in lines:
        for u in voice.synthesize(line):
            visemes = visemes_for(u.phonemes)
            if not visemes:
                continue
            end_gap.append(abs(visemes[-1].end_ms - u.duration_ms))
            step = u.sample_rate // 50  # 20 ms frames
            energy = np.array([np.sqrt(np.mean(u.samples[i:i + step].astype(np.float64) ** 2))
                               for i in range(0, len(u.samples) - step, step)])
            loud = energy > 0.1 * np.percentile(energy, 95)
            for f, is_loud in enumerate(loud):
                at = f * 20 + 10
                shape = next((v.name for v in visemes if v.start_ms <= at < v.end_ms), "sil")
                agree += (shape != "sil") == bool(is_loud)
                frames += 1
    return {"frames_agreeing": agree / max(frames, 1), "end_gap_ms_p50": pct(end_gap, 0.5)}


def synthesis_figures(catalog: VoiceCatalog, voices: list[str], lines: list[str]) -> dict[str, Any]:
    out = {}
    for name in voices:
        voice = catalog.get(name)
        voice.synthesize(lines[0])  # warm
        start, audio_ms = time.perf_counter(), 0.0
        for line in lines:
            audio_ms += sum(u.duration_ms for u in voice.synthesize(line))
        seconds = time.perf_counter() - start
        out[name] = {"real_time_factor": seconds / (audio_ms / 1000), "audio_seconds": audio_ms / 1000,
                     **viseme_fit(voice, lines[:10])}
    return out


def round_trip(catalog: VoiceCatalog, transcriber: Transcriber, voice_name: str,
               lines: list[str]) -> dict[str, Any]:
    voice = catalog.get(voice_name)
    heard, clip_ms = [], []
    for line in lines:
        utterances = voice.synthesize(line)
        samples = np.concatenate([u.samples for u in utterances])
        heard.append(transcriber.transcribe(samples, utterances[0].sample_rate).text)
    three_s = np.concatenate([np.concatenate([u.samples for u in voice.synthesize(line)]) for line in lines[:3]])
    rate = voice.sample_rate
    clip = three_s[: 3 * rate]
    for _ in range(5):
        start = time.perf_counter()
        transcriber.transcribe(clip, rate)
        clip_ms.append((time.perf_counter() - start) * 1000)
    misses = [(r, h) for r, h in zip(lines, heard) if _words(r) != _words(h)]
    return {"lines": len(lines), "wer": word_error_rate(lines, heard), "lines_exact": 1 - len(misses) / len(lines),
            "transcribe_3s_ms_p50": pct(clip_ms, 0.5), "examples_missed": misses[:3]}


def first_audio(host: RunningHost, sessions: int, rounds: int) -> dict[str, Any]:
    """Say with audio: first text delta and first audio chunk per turn, ``sessions`` at once."""
    client = host.client()
    ttft, ttfa, lock = [], [], threading.Lock()

    def one(session_id: str, line: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        start, text_at, audio_at = time.perf_counter(), None, None
        for event in client.say(session_id, line, audio=True):
            kind = event.WhichOneof("event")
            if kind == "text_delta" and text_at is None:
                text_at = time.perf_counter()
            elif kind == "audio" and audio_at is None:
                audio_at = time.perf_counter()
        with lock:
            if text_at is not None:
                ttft.append((text_at - start) * 1000)
            if audio_at is not None:
                ttfa.append((audio_at - start) * 1000)

    for r in range(rounds):
        # Characters created just before, as a game creates its NPCs when a scene loads.
        npcs = [client.upsert_character(name=f"Villager {r}-{i}", persona="A villager of Oakvale.",
                                        voice={"name": "joe"}) for i in range(sessions)]
        ids = [client.create_session(n.id, f"player{i}").id for i, n in enumerate(npcs)]
        barrier = threading.Barrier(sessions + 1)
        threads = [threading.Thread(target=one, args=(s, EVERYDAY[(i + r) % len(EVERYDAY)], barrier))
                   for i, s in enumerate(ids)]
        run_together(threads, barrier)
    client.close()
    return {"sessions": sessions, "turns": len(ttfa), "ttft_p50_ms": pct(ttft, 0.5), "ttft_p99_ms": pct(ttft, 0.99),
            "first_audio_p50_ms": pct(ttfa, 0.5), "first_audio_p99_ms": pct(ttfa, 0.99)}


def run_voice_bench(console: Console, model: str, rounds: int, json_out: Path | None) -> dict[str, Any]:
    lines = game_lines()
    catalog = VoiceCatalog()
    voices = [v.name for v in catalog.list() if v.name in ("joe", "espeak:en-us")]
    result: dict[str, Any] = {"synthesis": synthesis_figures(catalog, voices, lines)}
    result["round_trip"] = round_trip(catalog, Transcriber(), "joe", lines)
    settings = load_settings(port=0, db=":memory:", model=model, avatars=False, log_level="warning")
    host = RunningHost(settings).start()
    try:
        first_audio(host, 1, 1)  # warm: the voice loads on its first use
        result["say"] = [first_audio(host, n, rounds if n == 1 else max(1, rounds // 4)) for n in (1, 8)]
    finally:
        host.stop()
    _print(console, result)
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2, default=float))
    return result


def _print(console: Console, result: dict[str, Any]) -> None:
    table = Table("voice", "real-time factor", "viseme/audio frames agreeing", "viseme end vs audio end (ms)",
                  title="Synthesis (game lines)")
    for name, s in result["synthesis"].items():
        table.add_row(name, f"{s['real_time_factor']:.3f}", f"{s['frames_agreeing']:.0%}", f"{s['end_gap_ms_p50']:.1f}")
    console.print(table)
    rt = result["round_trip"]
    console.print(f"round trip joe -> Whisper tiny.en on {rt['lines']} lines: WER {rt['wer']:.1%}, lines exact "
                  f"{rt['lines_exact']:.0%}; Transcribe of a 3 s clip: p50 {rt['transcribe_3s_ms_p50']:.0f} ms")
    table = Table("sessions", "turns", "first text p50 / p99 ms", "first audio p50 / p99 ms",
                  title="Say with audio, embedded model, host defaults (goal: first audio p50 <= 800 ms)")
    for s in result["say"]:
        table.add_row(str(s["sessions"]), str(s["turns"]), f"{s['ttft_p50_ms']:.0f} / {s['ttft_p99_ms']:.0f}",
                      f"{s['first_audio_p50_ms']:.0f} / {s['first_audio_p99_ms']:.0f}")
    console.print(table)
