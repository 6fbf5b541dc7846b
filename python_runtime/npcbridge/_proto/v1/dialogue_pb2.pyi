from . import moderation_pb2 as _moderation_pb2
from . import speech_pb2 as _speech_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_PLAYER: _ClassVar[Role]
    ROLE_CHARACTER: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
ROLE_PLAYER: Role
ROLE_CHARACTER: Role

class Character(_message.Message):
    __slots__ = ("id", "name", "persona", "backstory", "speaking_style", "knowledge", "greeting", "safety_policy", "deflections", "actions", "emotions", "knowledge_collections", "adapter", "voice")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERSONA_FIELD_NUMBER: _ClassVar[int]
    BACKSTORY_FIELD_NUMBER: _ClassVar[int]
    SPEAKING_STYLE_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    GREETING_FIELD_NUMBER: _ClassVar[int]
    SAFETY_POLICY_FIELD_NUMBER: _ClassVar[int]
    DEFLECTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    persona: str
    backstory: str
    speaking_style: str
    knowledge: _containers.RepeatedScalarFieldContainer[str]
    greeting: str
    safety_policy: str
    deflections: _containers.RepeatedScalarFieldContainer[str]
    actions: _containers.RepeatedCompositeFieldContainer[ActionSpec]
    emotions: _containers.RepeatedScalarFieldContainer[str]
    knowledge_collections: _containers.RepeatedScalarFieldContainer[str]
    adapter: str
    voice: _speech_pb2.VoiceSettings
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., persona: _Optional[str] = ..., backstory: _Optional[str] = ..., speaking_style: _Optional[str] = ..., knowledge: _Optional[_Iterable[str]] = ..., greeting: _Optional[str] = ..., safety_policy: _Optional[str] = ..., deflections: _Optional[_Iterable[str]] = ..., actions: _Optional[_Iterable[_Union[ActionSpec, _Mapping]]] = ..., emotions: _Optional[_Iterable[str]] = ..., knowledge_collections: _Optional[_Iterable[str]] = ..., adapter: _Optional[str] = ..., voice: _Optional[_Union[_speech_pb2.VoiceSettings, _Mapping]] = ...) -> None: ...

class ActionSpec(_message.Message):
    __slots__ = ("name", "description", "parameters_schema", "examples")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    parameters_schema: str
    examples: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., parameters_schema: _Optional[str] = ..., examples: _Optional[_Iterable[str]] = ...) -> None: ...

class GameEvent(_message.Message):
    __slots__ = ("name", "description", "params")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    params: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., params: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Emotion(_message.Message):
    __slots__ = ("label", "intensity")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    label: str
    intensity: float
    def __init__(self, label: _Optional[str] = ..., intensity: _Optional[float] = ...) -> None: ...

class ActionCall(_message.Message):
    __slots__ = ("id", "name", "arguments_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    arguments_json: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., arguments_json: _Optional[str] = ...) -> None: ...

class UpsertCharacterRequest(_message.Message):
    __slots__ = ("character",)
    CHARACTER_FIELD_NUMBER: _ClassVar[int]
    character: Character
    def __init__(self, character: _Optional[_Union[Character, _Mapping]] = ...) -> None: ...

class GetCharacterRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCharactersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCharactersResponse(_message.Message):
    __slots__ = ("characters",)
    CHARACTERS_FIELD_NUMBER: _ClassVar[int]
    characters: _containers.RepeatedCompositeFieldContainer[Character]
    def __init__(self, characters: _Optional[_Iterable[_Union[Character, _Mapping]]] = ...) -> None: ...

class DeleteCharacterRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteCharacterResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAdaptersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AdapterInfo(_message.Message):
    __slots__ = ("name", "base_model", "rank", "loaded", "size_bytes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BASE_MODEL_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    base_model: str
    rank: int
    loaded: bool
    size_bytes: int
    def __init__(self, name: _Optional[str] = ..., base_model: _Optional[str] = ..., rank: _Optional[int] = ..., loaded: _Optional[bool] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class ListAdaptersResponse(_message.Message):
    __slots__ = ("adapters",)
    ADAPTERS_FIELD_NUMBER: _ClassVar[int]
    adapters: _containers.RepeatedCompositeFieldContainer[AdapterInfo]
    def __init__(self, adapters: _Optional[_Iterable[_Union[AdapterInfo, _Mapping]]] = ...) -> None: ...

class Turn(_message.Message):
    __slots__ = ("role", "text", "interaction_id", "created_at_ms", "emotion", "actions", "event")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EMOTION_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    role: Role
    text: str
    interaction_id: str
    created_at_ms: int
    emotion: Emotion
    actions: _containers.RepeatedCompositeFieldContainer[ActionCall]
    event: GameEvent
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., text: _Optional[str] = ..., interaction_id: _Optional[str] = ..., created_at_ms: _Optional[int] = ..., emotion: _Optional[_Union[Emotion, _Mapping]] = ..., actions: _Optional[_Iterable[_Union[ActionCall, _Mapping]]] = ..., event: _Optional[_Union[GameEvent, _Mapping]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "character_id", "player_id", "turns", "created_at_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    character_id: str
    player_id: str
    turns: _containers.RepeatedCompositeFieldContainer[Turn]
    created_at_ms: int
    def __init__(self, id: _Optional[str] = ..., character_id: _Optional[str] = ..., player_id: _Optional[str] = ..., turns: _Optional[_Iterable[_Union[Turn, _Mapping]]] = ..., created_at_ms: _Optional[int] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("character_id", "player_id")
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    character_id: str
    player_id: str
    def __init__(self, character_id: _Optional[str] = ..., player_id: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GenerationParams(_message.Message):
    __slots__ = ("max_tokens", "temperature", "top_p", "seed")
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    max_tokens: int
    temperature: float
    top_p: float
    seed: int
    def __init__(self, max_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., seed: _Optional[int] = ...) -> None: ...

class SayRequest(_message.Message):
    __slots__ = ("session_id", "text", "params", "priority", "context", "event", "allowed_actions", "audio")
    class ContextEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    text: str
    params: GenerationParams
    priority: int
    context: _containers.ScalarMap[str, str]
    event: GameEvent
    allowed_actions: _containers.RepeatedScalarFieldContainer[str]
    audio: bool
    def __init__(self, session_id: _Optional[str] = ..., text: _Optional[str] = ..., params: _Optional[_Union[GenerationParams, _Mapping]] = ..., priority: _Optional[int] = ..., context: _Optional[_Mapping[str, str]] = ..., event: _Optional[_Union[GameEvent, _Mapping]] = ..., allowed_actions: _Optional[_Iterable[str]] = ..., audio: _Optional[bool] = ...) -> None: ...

class DialogueEvent(_message.Message):
    __slots__ = ("started", "text_delta", "moderation", "completed", "emotion", "action", "audio", "viseme")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    TEXT_DELTA_FIELD_NUMBER: _ClassVar[int]
    MODERATION_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    EMOTION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    VISEME_FIELD_NUMBER: _ClassVar[int]
    started: Started
    text_delta: TextDelta
    moderation: ModerationNotice
    completed: Completed
    emotion: Emotion
    action: ActionCall
    audio: _speech_pb2.AudioChunk
    viseme: _speech_pb2.Viseme
    def __init__(self, started: _Optional[_Union[Started, _Mapping]] = ..., text_delta: _Optional[_Union[TextDelta, _Mapping]] = ..., moderation: _Optional[_Union[ModerationNotice, _Mapping]] = ..., completed: _Optional[_Union[Completed, _Mapping]] = ..., emotion: _Optional[_Union[Emotion, _Mapping]] = ..., action: _Optional[_Union[ActionCall, _Mapping]] = ..., audio: _Optional[_Union[_speech_pb2.AudioChunk, _Mapping]] = ..., viseme: _Optional[_Union[_speech_pb2.Viseme, _Mapping]] = ...) -> None: ...

class Started(_message.Message):
    __slots__ = ("interaction_id", "session_id", "model")
    INTERACTION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    interaction_id: str
    session_id: str
    model: str
    def __init__(self, interaction_id: _Optional[str] = ..., session_id: _Optional[str] = ..., model: _Optional[str] = ...) -> None: ...

class TextDelta(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class ModerationNotice(_message.Message):
    __slots__ = ("source", "action", "categories", "message")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    source: str
    action: _moderation_pb2.Action
    categories: _containers.RepeatedScalarFieldContainer[str]
    message: str
    def __init__(self, source: _Optional[str] = ..., action: _Optional[_Union[_moderation_pb2.Action, str]] = ..., categories: _Optional[_Iterable[str]] = ..., message: _Optional[str] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("prompt_tokens", "completion_tokens")
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    prompt_tokens: int
    completion_tokens: int
    def __init__(self, prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ...) -> None: ...

class Timings(_message.Message):
    __slots__ = ("queue_ms", "ttft_ms", "total_ms", "tokens_per_second")
    QUEUE_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    queue_ms: float
    ttft_ms: float
    total_ms: float
    tokens_per_second: float
    def __init__(self, queue_ms: _Optional[float] = ..., ttft_ms: _Optional[float] = ..., total_ms: _Optional[float] = ..., tokens_per_second: _Optional[float] = ...) -> None: ...

class Completed(_message.Message):
    __slots__ = ("text", "finish_reason", "usage", "timings", "interaction_id", "actions", "emotion")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    EMOTION_FIELD_NUMBER: _ClassVar[int]
    text: str
    finish_reason: str
    usage: Usage
    timings: Timings
    interaction_id: str
    actions: _containers.RepeatedCompositeFieldContainer[ActionCall]
    emotion: Emotion
    def __init__(self, text: _Optional[str] = ..., finish_reason: _Optional[str] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ..., timings: _Optional[_Union[Timings, _Mapping]] = ..., interaction_id: _Optional[str] = ..., actions: _Optional[_Iterable[_Union[ActionCall, _Mapping]]] = ..., emotion: _Optional[_Union[Emotion, _Mapping]] = ...) -> None: ...
