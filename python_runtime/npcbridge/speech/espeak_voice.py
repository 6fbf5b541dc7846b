"""The espeak-ng voice backend: Debian's libespeak-ng through ctypes, timed by the
library's own phoneme events. Deterministic (the same text gives the same samples), small
and always available where the package is installed: the CI and fallback voice.

The library keeps process-wide state, so every call holds one lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

import numpy as np

from npcbridge.errors import FailedPrecondition
from npcbridge.speech.types import PhonemeSpan, Utterance

# speak_lib.h
_SYNCHRONOUS = 2  # AUDIO_OUTPUT_SYNCHRONOUS: espeak_Synth returns when the audio is made
_PHONEME_EVENTS, _PHONEME_IPA, _DONT_EXIT = 0x0001, 0x0002, 0x8000
_CHARS_UTF8, _POS_CHARACTER = 1, 1
_EVENT_LIST_TERMINATED, _EVENT_PHONEME = 0, 7
_RATE, _DEFAULT_RATE = 1, 175  # espeakRATE, words per minute


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Library:
    """The loaded library, initialised once for the process."""

    _instance: "_Library | None" = None
    _create = threading.Lock()

    def __init__(self) -> None:
        path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(path)
        except OSError as exc:
            raise FailedPrecondition(
                "espeak-ng voices need the espeak-ng library (Debian: apt-get install espeak-ng)") from exc
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.sample_rate = self.lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _PHONEME_EVENTS | _PHONEME_IPA | _DONT_EXIT)
        if self.sample_rate <= 0:
            raise FailedPrecondition("espeak-ng could not start (its data folder is missing?)")
        self.lock = threading.Lock()
        self._samples: list[np.ndarray] = []
        self._events: list[tuple[str, int]] = []
        self._callback = _CALLBACK(self._on_audio)  # kept referenced: the library calls it
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> "_Library":
        with cls._create:
            if cls._instance is None:
                cls._instance = _Library()
            return cls._instance

    def _on_audio(self, wav, count, events) -> int:  # noqa: ANN001 - ctypes pointers
        if count > 0 and wav:
            self._samples.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            e = events[i]
            if e.type == _EVENT_PHONEME:
                self._events.append((e.id.string.decode("utf-8", "replace"), e.sample))
            i += 1
        return 0  # go on

    def speak(self, voice: str, text: str, speed: float) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """Samples and (phoneme, first sample) events of ``text`` in ``voice``."""
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise FailedPrecondition(f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_RATE, int(round(_DEFAULT_RATE * speed)), 0)
            self._samples, self._events = [], []
            data = text.encode("utf-8") + b"\0"
            self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            samples = np.concatenate(self._samples) if self._samples else np.zeros(0, np.int16)
            return samples.astype(np.int16), list(self._events)


def espeak_sample_rate() -> int:
    """The library's output rate; 0 when espeak-ng is not installed (no espeak voices then)."""
    try:
        return _Library.get().sample_rate
    except FailedPrecondition:
        return 0


class EspeakBackend:
    """An espeak-ng voice by its espeak name ("en-us", "en-gb-x-rp", ...)."""

    backend = "espeak"

    def __init__(self, voice: str = "en-us") -> None:
        self._lib = _Library.get()
        self.voice = voice
        self.sample_rate = self._lib.sample_rate

    def synthesize(self, text: str, speed: float = 1.0) -> list[Utterance]:
        samples, events = self._lib.speak(self.voice, text, speed)
        ms = 1000.0 / self.sample_rate
        spans = []
        # A phoneme lasts until the next one starts; the last until the audio ends.
        for (phoneme, first), (_, nxt) in zip(events, [*events[1:], ("", len(samples))]):
            spans.append(PhonemeSpan(phoneme, first * ms, max(nxt, first) * ms))
        return [Utterance(samples, self.sample_rate, spans)]
