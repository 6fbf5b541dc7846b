"""Speaking text as it streams: pieces go to a voice on worker threads, and their audio
(PCM16 chunks) and visemes come back on one timeline, in order.

The event loop never synthesises: each piece runs on the speaker's thread pool, which is
shared by every reply (``tts_threads`` pieces at once). Closing a stream stops it before
its next piece; the piece being synthesised then is dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from npcbridge.speech.types import AudioChunk, Utterance, Viseme
from npcbridge.speech.visemes import visemes_for
from npcbridge.speech.voices import TtsBackend

#: Audio per AudioChunk event (the contract asks for 20-100 ms).
CHUNK_MS = 50


def speed_of(speed: float) -> float:
    """VoiceSettings.speed as a rate: 0 means the voice's own; kept within 0.5-2.0."""
    return 1.0 if not speed else min(max(speed, 0.5), 2.0)


def audio_chunks(samples: np.ndarray, sample_rate: int, start_ms: float, chunk_ms: int = CHUNK_MS) -> list[AudioChunk]:
    """``samples`` (int16) as AudioChunk events of ``chunk_ms``, the first at ``start_ms``; a tail
    under 20 ms joins the chunk before it (every chunk stays within 20-100 ms)."""
    step = max(1, sample_rate * chunk_ms // 1000)
    data = samples.astype("<i2", copy=False)
    starts = list(range(0, len(data), step))
    if len(starts) > 1 and (len(data) - starts[-1]) * 1000 < 20 * sample_rate:
        starts.pop()
    ends = [*starts[1:], len(data)]
    return [AudioChunk(data[i:j].tobytes(), sample_rate, 1, start_ms + 1000.0 * i / sample_rate)
            for i, j in zip(starts, ends)]


@dataclass
class Timeline:
    """Where the next utterance starts on a reply's audio timeline."""

    at_ms: float = 0.0
    first_audio_at: float | None = None  # time.perf_counter() at the first chunk
    spoken: list[str] = field(default_factory=list)

    def place(self, utterances: Iterable[Utterance]) -> list[AudioChunk | Viseme]:
        """An utterance's visemes (first, so a rig can schedule them) then its audio chunks."""
        events: list[AudioChunk | Viseme] = []
        for u in utterances:
            events += visemes_for(u.phonemes, self.at_ms)
            events += audio_chunks(u.samples, u.sample_rate, self.at_ms)
            self.at_ms += u.duration_ms
        return events


class Speaker:
    """Turns pieces of text into audio and viseme events, off the event loop."""

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="npcbridge-tts")

    async def synthesize(self, backend: TtsBackend, text: str, speed: float) -> list[Utterance]:
        """One piece, on the pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, backend.synthesize, text, speed)

    async def speak(self, backend: TtsBackend, pieces: asyncio.Queue[str | None], speed: float,
                    timeline: Timeline) -> AsyncIterator[AudioChunk | Viseme]:
        """Events for each piece taken from ``pieces`` until ``None``, in order."""
        while (piece := await pieces.get()) is not None:
            utterances = await self.synthesize(backend, piece, speed)
            timeline.spoken.append(piece)
            for event in timeline.place(utterances):
                if isinstance(event, AudioChunk) and timeline.first_audio_at is None:
                    timeline.first_audio_at = time.perf_counter()
                yield event

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

