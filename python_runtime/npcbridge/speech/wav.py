"""WAV files of PCM16 mono audio (the standard library's ``wave``), for a developer's ears."""

from __future__ import annotations

import wave
from pathlib import Path


def write_wav(path: Path, pcm16: bytes, sample_rate: int, channels: int = 1) -> Path:
    """Write little-endian PCM16 samples as a WAV file; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm16)
    return path


def read_wav(path: Path) -> tuple[bytes, int]:
    """PCM16 mono samples and rate of a WAV file (as ``write_wav`` writes them)."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2 or src.getnchannels() != 1:
            raise ValueError(f"{path} is not 16-bit mono PCM")
        return src.readframes(src.getnframes()), src.getframerate()
