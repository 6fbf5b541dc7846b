"""Proto <-> domain conversion for speech messages (used by the Dialogue and Speech servicers)."""

from __future__ import annotations

from npcbridge._proto.v1 import moderation_pb2 as mpb
from npcbridge._proto.v1 import speech_pb2 as spb
from npcbridge.speech import types as st

_ACTION_TO_PB = {"allow": mpb.ALLOW, "mask": mpb.MASK, "block": mpb.BLOCK}


def voice_from_pb(msg: spb.VoiceSettings) -> st.VoiceSettings:
    return st.VoiceSettings(msg.name, msg.speed)


def voice_to_pb(v: st.VoiceSettings) -> spb.VoiceSettings:
    return spb.VoiceSettings(name=v.name, speed=v.speed)


def audio_to_pb(a: st.AudioChunk) -> spb.AudioChunk:
    return spb.AudioChunk(pcm16=a.pcm16, sample_rate=a.sample_rate, channels=a.channels, start_ms=a.start_ms)


def viseme_to_pb(v: st.Viseme) -> spb.Viseme:
    return spb.Viseme(id=v.id, name=v.name, start_ms=v.start_ms, end_ms=v.end_ms)


def speech_event_to_pb(event: st.SpeechEvent) -> spb.SpeechEvent:
    if isinstance(event, st.AudioChunk):
        return spb.SpeechEvent(audio=audio_to_pb(event))
    if isinstance(event, st.Viseme):
        return spb.SpeechEvent(viseme=viseme_to_pb(event))
    return spb.SpeechEvent(completed=spb.SpeechCompleted(
        text=event.text, duration_ms=event.duration_ms, first_audio_ms=event.first_audio_ms))


def voice_info_to_pb(v: st.VoiceInfo) -> spb.VoiceInfo:
    return spb.VoiceInfo(name=v.name, backend=v.backend, language=v.language, sample_rate=v.sample_rate,
                         license=v.license)


def transcript_to_pb(t: st.Transcript) -> spb.Transcript:
    return spb.Transcript(text=t.text, words=[spb.WordTiming(word=w.word, start_ms=w.start_ms, end_ms=w.end_ms)
                                              for w in t.words],
                          action=_ACTION_TO_PB.get(t.action, mpb.ACTION_UNSPECIFIED), speech_ms=t.speech_ms)
