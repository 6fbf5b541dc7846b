from . import moderation_pb2 as _moderation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VoiceSettings(_message.Message):
    __slots__ = ("name", "speed")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    name: str
    speed: float
    def __init__(self, name: _Optional[str] = ..., speed: _Optional[float] = ...) -> None: ...

class AudioChunk(_message.Message):
    __slots__ = ("pcm16", "sample_rate", "channels", "start_ms")
    PCM16_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    START_MS_FIELD_NUMBER: _ClassVar[int]
    pcm16: bytes
    sample_rate: int
    channels: int
    start_ms: float
    def __init__(self, pcm16: _Optional[bytes] = ..., sample_rate: _Optional[int] = ..., channels: _Optional[int] = ..., start_ms: _Optional[float] = ...) -> None: ...

class Viseme(_message.Message):
    __slots__ = ("id", "name", "start_ms", "end_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_MS_FIELD_NUMBER: _ClassVar[int]
    END_MS_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    start_ms: float
    end_ms: float
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., start_ms: _Optional[float] = ..., end_ms: _Optional[float] = ...) -> None: ...

class SynthesizeRequest(_message.Message):
    __slots__ = ("text", "voice", "safety_policy")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    SAFETY_POLICY_FIELD_NUMBER: _ClassVar[int]
    text: str
    voice: VoiceSettings
    safety_policy: str
    def __init__(self, text: _Optional[str] = ..., voice: _Optional[_Union[VoiceSettings, _Mapping]] = ..., safety_policy: _Optional[str] = ...) -> None: ...

class SpeechEvent(_message.Message):
    __slots__ = ("audio", "viseme", "completed")
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    VISEME_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    audio: AudioChunk
    viseme: Viseme
    completed: SpeechCompleted
    def __init__(self, audio: _Optional[_Union[AudioChunk, _Mapping]] = ..., viseme: _Optional[_Union[Viseme, _Mapping]] = ..., completed: _Optional[_Union[SpeechCompleted, _Mapping]] = ...) -> None: ...

class SpeechCompleted(_message.Message):
    __slots__ = ("text", "duration_ms", "first_audio_ms")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    FIRST_AUDIO_MS_FIELD_NUMBER: _ClassVar[int]
    text: str
    duration_ms: float
    first_audio_ms: float
    def __init__(self, text: _Optional[str] = ..., duration_ms: _Optional[float] = ..., first_audio_ms: _Optional[float] = ...) -> None: ...

class ListVoicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VoiceInfo(_message.Message):
    __slots__ = ("name", "backend", "language", "sample_rate", "license")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    name: str
    backend: str
    language: str
    sample_rate: int
    license: str
    def __init__(self, name: _Optional[str] = ..., backend: _Optional[str] = ..., language: _Optional[str] = ..., sample_rate: _Optional[int] = ..., license: _Optional[str] = ...) -> None: ...

class ListVoicesResponse(_message.Message):
    __slots__ = ("voices", "default_voice")
    VOICES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VOICE_FIELD_NUMBER: _ClassVar[int]
    voices: _containers.RepeatedCompositeFieldContainer[VoiceInfo]
    default_voice: str
    def __init__(self, voices: _Optional[_Iterable[_Union[VoiceInfo, _Mapping]]] = ..., default_voice: _Optional[str] = ...) -> None: ...

class AudioInput(_message.Message):
    __slots__ = ("pcm16", "sample_rate", "safety_policy")
    PCM16_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    SAFETY_POLICY_FIELD_NUMBER: _ClassVar[int]
    pcm16: bytes
    sample_rate: int
    safety_policy: str
    def __init__(self, pcm16: _Optional[bytes] = ..., sample_rate: _Optional[int] = ..., safety_policy: _Optional[str] = ...) -> None: ...

class WordTiming(_message.Message):
    __slots__ = ("word", "start_ms", "end_ms")
    WORD_FIELD_NUMBER: _ClassVar[int]
    START_MS_FIELD_NUMBER: _ClassVar[int]
    END_MS_FIELD_NUMBER: _ClassVar[int]
    word: str
    start_ms: float
    end_ms: float
    def __init__(self, word: _Optional[str] = ..., start_ms: _Optional[float] = ..., end_ms: _Optional[float] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("text", "words", "action", "speech_ms")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SPEECH_MS_FIELD_NUMBER: _ClassVar[int]
    text: str
    words: _containers.RepeatedCompositeFieldContainer[WordTiming]
    action: _moderation_pb2.Action
    speech_ms: float
    def __init__(self, text: _Optional[str] = ..., words: _Optional[_Iterable[_Union[WordTiming, _Mapping]]] = ..., action: _Optional[_Union[_moderation_pb2.Action, str]] = ..., speech_ms: _Optional[float] = ...) -> None: ...
