"""The neural voice backend: Piper (piper-tts, ONNX) with its per-phoneme alignments.

A Piper voice is an ``.onnx`` file with its ``.onnx.json`` config beside it. The model is
patched in memory to output how many samples each phoneme lasts (piper's own
``include_alignments``), which is what times the visemes.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from npcbridge.speech.types import PhonemeSpan, Utterance

log = logging.getLogger(__name__)


class PiperBackend:
    """One loaded Piper voice. ``synthesize`` is blocking: call it off the event loop."""

    backend = "piper"

    def __init__(self, model_path: Path, use_cuda: bool = False) -> None:
        from piper import PiperVoice  # heavy import (onnxruntime): only when a Piper voice is used

        self.model_path = Path(model_path)
        self._voice = PiperVoice.load(self.model_path, include_alignments=True, use_cuda=use_cuda)
        self.sample_rate = int(self._voice.config.sample_rate)
        # Piper phonemizes through espeak-ng's process-wide state: one synthesis at a time per voice.
        self._lock = threading.Lock()

    def synthesize(self, text: str, speed: float = 1.0) -> list[Utterance]:
        """Audio and phoneme timings of ``text``, one utterance per sentence Piper finds."""
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self._voice.config.length_scale / max(speed, 0.05))
        with self._lock:
            chunks = list(self._voice.synthesize(text, config, include_alignments=True))
        return [self._utterance(chunk) for chunk in chunks]

    def _utterance(self, chunk) -> Utterance:  # noqa: ANN001 - piper.AudioChunk
        samples = np.asarray(chunk.audio_int16_array, dtype=np.int16)
        ms_per_sample = 1000.0 / chunk.sample_rate
        spans: list[PhonemeSpan] = []
        if chunk.phoneme_alignments:
            at = 0
            for a in chunk.phoneme_alignments:
                n = int(a.num_samples)
                spans.append(PhonemeSpan(a.phoneme, at * ms_per_sample, (at + n) * ms_per_sample))
                at += n
        elif chunk.phonemes:
            # A voice whose model cannot report alignments: spread the phonemes evenly, so the
            # mouth still moves with the words (coarser timing).
            step = len(samples) * ms_per_sample / len(chunk.phonemes)
            spans = [PhonemeSpan(p, i * step, (i + 1) * step) for i, p in enumerate(chunk.phonemes)]
            log.debug("Piper voice %s gave no alignments; visemes are spread evenly", self.model_path.name)
        return Utterance(samples, chunk.sample_rate, spans)
