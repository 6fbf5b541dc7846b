from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetServerInfoRequest(_message.Message):
    __slots__ = ("client_name", "client_api_version")
    CLIENT_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_API_VERSION_FIELD_NUMBER: _ClassVar[int]
    client_name: str
    client_api_version: str
    def __init__(self, client_name: _Optional[str] = ..., client_api_version: _Optional[str] = ...) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("api_version", "runtime_version", "capabilities", "models", "limits")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_VERSION_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    runtime_version: str
    capabilities: Capabilities
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    limits: Limits
    def __init__(self, api_version: _Optional[str] = ..., runtime_version: _Optional[str] = ..., capabilities: _Optional[_Union[Capabilities, _Mapping]] = ..., models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ...) -> None: ...

class Capabilities(_message.Message):
    __slots__ = ("dialogue", "avatars", "moderation", "streaming_moderation", "auth_required", "tls", "persistent_sessions", "priority", "actions", "knowledge", "memory", "speech")
    DIALOGUE_FIELD_NUMBER: _ClassVar[int]
    AVATARS_FIELD_NUMBER: _ClassVar[int]
    MODERATION_FIELD_NUMBER: _ClassVar[int]
    STREAMING_MODERATION_FIELD_NUMBER: _ClassVar[int]
    AUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SPEECH_FIELD_NUMBER: _ClassVar[int]
    dialogue: bool
    avatars: bool
    moderation: bool
    streaming_moderation: bool
    auth_required: bool
    tls: bool
    persistent_sessions: bool
    priority: bool
    actions: bool
    knowledge: bool
    memory: bool
    speech: bool
    def __init__(self, dialogue: _Optional[bool] = ..., avatars: _Optional[bool] = ..., moderation: _Optional[bool] = ..., streaming_moderation: _Optional[bool] = ..., auth_required: _Optional[bool] = ..., tls: _Optional[bool] = ..., persistent_sessions: _Optional[bool] = ..., priority: _Optional[bool] = ..., actions: _Optional[bool] = ..., knowledge: _Optional[bool] = ..., memory: _Optional[bool] = ..., speech: _Optional[bool] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("name", "kind", "device", "dtype", "context_length", "backend")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_LENGTH_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    device: str
    dtype: str
    context_length: int
    backend: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., device: _Optional[str] = ..., dtype: _Optional[str] = ..., context_length: _Optional[int] = ..., backend: _Optional[str] = ...) -> None: ...

class Limits(_message.Message):
    __slots__ = ("max_text_chars", "max_new_tokens", "max_concurrent_streams", "max_message_bytes", "max_batch_texts", "max_avatar_count", "max_context_tokens", "max_actions", "max_context_chars", "max_documents", "max_document_chars", "max_search_k", "knowledge_prompt_tokens", "max_audio_seconds")
    MAX_TEXT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_NEW_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_STREAMS_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_TEXTS_FIELD_NUMBER: _ClassVar[int]
    MAX_AVATAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONTEXT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    MAX_DOCUMENT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_SEARCH_K_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_AUDIO_SECONDS_FIELD_NUMBER: _ClassVar[int]
    max_text_chars: int
    max_new_tokens: int
    max_concurrent_streams: int
    max_message_bytes: int
    max_batch_texts: int
    max_avatar_count: int
    max_context_tokens: int
    max_actions: int
    max_context_chars: int
    max_documents: int
    max_document_chars: int
    max_search_k: int
    knowledge_prompt_tokens: int
    max_audio_seconds: int
    def __init__(self, max_text_chars: _Optional[int] = ..., max_new_tokens: _Optional[int] = ..., max_concurrent_streams: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., max_batch_texts: _Optional[int] = ..., max_avatar_count: _Optional[int] = ..., max_context_tokens: _Optional[int] = ..., max_actions: _Optional[int] = ..., max_context_chars: _Optional[int] = ..., max_documents: _Optional[int] = ..., max_document_chars: _Optional[int] = ..., max_search_k: _Optional[int] = ..., knowledge_prompt_tokens: _Optional[int] = ..., max_audio_seconds: _Optional[int] = ...) -> None: ...
