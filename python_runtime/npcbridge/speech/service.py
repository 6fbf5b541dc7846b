"""The Speech service's domain side: voices, synthesis of lines, transcription of the player.

Lines are moderated before they are spoken and transcripts as typed player text is; a
masked word is never synthesised and never returned.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from npcbridge.errors import InvalidArgument
from npcbridge.speech.segments import split_text
from npcbridge.speech.speaker import Speaker, Timeline, speed_of
from npcbridge.speech.stt import Transcriber, check_audio, check_length
from npcbridge.speech.types import SpeechCompleted, SpeechEvent, Transcript, VoiceInfo, VoiceSettings, WordTiming
from npcbridge.speech.voices import TtsBackend, VoiceCatalog


@dataclass
class SpeechLimits:
    max_text_chars: int = 2000
    max_audio_seconds: int = 30


class SpeechService:
    """Voices, ``synthesize`` and ``transcribe`` for the Speech servicer; ``voice`` for spoken replies."""

    def __init__(self, catalog: VoiceCatalog, transcriber: Transcriber, limits: SpeechLimits | None = None,
                 moderation=None, threads: int = 2) -> None:  # noqa: ANN001 - ModerationService
        self.catalog = catalog
        self.transcriber = transcriber
        self.limits = limits or SpeechLimits()
        self.moderation = moderation
        self.speaker = Speaker(threads)

    def list_voices(self) -> tuple[list[VoiceInfo], str]:
        """Every voice, and the default one's name."""
        return self.catalog.list(), self.catalog.default_voice

    async def voice(self, settings: VoiceSettings) -> tuple[TtsBackend, float]:
        """The loaded voice and rate for ``settings`` (loading a Piper voice takes a second or two,
        off the loop); NOT_FOUND for an unknown name, INVALID_ARGUMENT for a bad speed."""
        if settings.speed and not 0.5 <= settings.speed <= 2.0:
            raise InvalidArgument(f"voice speed {settings.speed:g} is outside 0.5-2.0 (1 is the voice's own rate; "
                                  "0 means 1)")
        return await asyncio.to_thread(self.catalog.get, settings.name), speed_of(settings.speed)

    async def synthesize(self, text: str, settings: VoiceSettings, policy: str = "") -> AsyncIterator[SpeechEvent]:
        """A line's visemes and audio, piece by piece, then SpeechCompleted."""
        received = time.perf_counter()
        if not text.strip():
            raise InvalidArgument("text is empty; send the line to speak")
        if len(text) > self.limits.max_text_chars:
            raise InvalidArgument(f"text has {len(text)} characters, over Limits.max_text_chars "
                                  f"({self.limits.max_text_chars}); split the line")
        backend, speed = await self.voice(settings)
        if self.moderation is not None:
            verdict = await self.moderation.check(text, policy, "character")
            if verdict.action.value == "block":
                raise InvalidArgument(f"moderation blocks this line under policy {policy or 'default'} "
                                      f"({', '.join(verdict.flagged_categories)}); reword it")
            text = verdict.masked_text
        timeline = Timeline()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        for piece in [*split_text(text), None]:
            queue.put_nowait(piece)
        async for event in self.speaker.speak(backend, queue, speed, timeline):
            yield event
        yield SpeechCompleted(" ".join(timeline.spoken), timeline.at_ms,
                              1000.0 * ((timeline.first_audio_at or time.perf_counter()) - received))

    async def transcribe(self, inputs: AsyncIterator[tuple[bytes, int, str]]) -> Transcript:
        """The text of (pcm16, sample_rate, policy) messages; the first message's rate and policy
        apply. The length limit is enforced while the audio arrives."""
        chunks: list[bytes] = []
        rate, policy, size = 0, "", 0
        async for pcm16, sample_rate, safety_policy in inputs:
            rate = rate or sample_rate
            policy = policy or safety_policy
            if sample_rate and sample_rate != rate:
                raise InvalidArgument(f"sample_rate changed from {rate} to {sample_rate} within one Transcribe call; "
                                      "send one rate per call")
            size += len(pcm16)
            if rate:
                check_length(size / 2 / rate, self.limits.max_audio_seconds)  # while it arrives, not after
            chunks.append(pcm16)
        if not rate and size:
            raise InvalidArgument("sample_rate is missing; set it on the first AudioInput (16000 preferred)")
        samples = check_audio(b"".join(chunks), rate, self.limits.max_audio_seconds)
        transcript = await asyncio.to_thread(self.transcriber.transcribe, samples, rate)
        return await self._moderate(transcript, policy)

    async def _moderate(self, transcript: Transcript, policy: str) -> Transcript:
        if self.moderation is None or not transcript.text:
            return transcript
        verdict = await self.moderation.check(transcript.text, policy, "player")
        transcript.action = verdict.action.value
        if verdict.masked_text != transcript.text:
            transcript.text = verdict.masked_text
            transcript.words = mask_words(transcript.words, verdict.masked_text)
        return transcript

    def close(self) -> None:
        self.speaker.close()


def mask_words(words: list[WordTiming], masked_text: str) -> list[WordTiming]:
    """Word timings whose words are masked as the masked text masks them (word by word, in order)."""
    masked = masked_text.split()
    if len(masked) != len(words):
        return [WordTiming(w.word if w.word in masked else "*" * len(w.word), w.start_ms, w.end_ms) for w in words]
    return [WordTiming(m, w.start_ms, w.end_ms) for w, m in zip(words, masked)]

