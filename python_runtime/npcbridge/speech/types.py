"""The plain types of speech, mirrored by npcbridge.v1 messages of speech.proto."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class VoiceSettings:
    """How a character sounds: a voice by name ("" = the host default) and a speaking rate."""

    name: str = ""
    speed: float = 0.0  # 0 = the voice's own rate (1.0)


@dataclass
class AudioChunk:
    """PCM16 mono little-endian audio placed on a reply's timeline."""

    pcm16: bytes
    sample_rate: int
    channels: int = 1
    start_ms: float = 0.0


@dataclass
class Viseme:
    """One of the 15 Oculus/OpenXR mouth shapes, timed on the audio's timeline."""

    id: int
    name: str
    start_ms: float
    end_ms: float


@dataclass
class SpeechCompleted:
    """Last event of a Synthesize stream."""

    text: str
    duration_ms: float
    first_audio_ms: float


@dataclass
class VoiceInfo:
    name: str
    backend: str  # "piper" or "espeak"
    language: str
    sample_rate: int
    license: str = ""


@dataclass
class WordTiming:
    word: str
    start_ms: float
    end_ms: float


@dataclass
class Transcript:
    """What the player said (masked by moderation), with word timings."""

    text: str
    words: list[WordTiming] = field(default_factory=list)
    action: str = "allow"  # moderation's action on the text: allow, mask, block
    speech_ms: float = 0.0  # speech left after trimming silence


@dataclass
class PhonemeSpan:
    """A phoneme (IPA) and where it sounds, in ms from the start of its utterance."""

    phoneme: str
    start_ms: float
    end_ms: float


@dataclass
class Utterance:
    """One synthesised piece of text (a sentence or clause): samples and phoneme timings."""

    samples: np.ndarray  # int16, mono
    sample_rate: int
    phonemes: list[PhonemeSpan] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return 1000.0 * len(self.samples) / self.sample_rate


SpeechEvent = AudioChunk | Viseme | SpeechCompleted
