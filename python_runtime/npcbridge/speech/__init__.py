"""Speech: NPC voices (Piper and espeak-ng text to speech, with visemes for lip-sync)
and the player's voice (faster-whisper speech to text), in the host process.

Piper and espeak-ng are GPL-licensed; they stay in the host, never in the engine plugins,
which only receive PCM and viseme events.
"""
