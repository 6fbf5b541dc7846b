from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemoryItem(_message.Message):
    __slots__ = ("id", "player_id", "character_id", "text", "importance", "created_at_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    player_id: str
    character_id: str
    text: str
    importance: float
    created_at_ms: int
    def __init__(self, id: _Optional[str] = ..., player_id: _Optional[str] = ..., character_id: _Optional[str] = ..., text: _Optional[str] = ..., importance: _Optional[float] = ..., created_at_ms: _Optional[int] = ...) -> None: ...

class ListMemoriesRequest(_message.Message):
    __slots__ = ("player_id", "character_id")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    character_id: str
    def __init__(self, player_id: _Optional[str] = ..., character_id: _Optional[str] = ...) -> None: ...

class ListMemoriesResponse(_message.Message):
    __slots__ = ("memories",)
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    memories: _containers.RepeatedCompositeFieldContainer[MemoryItem]
    def __init__(self, memories: _Optional[_Iterable[_Union[MemoryItem, _Mapping]]] = ...) -> None: ...

class AddMemoryRequest(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: MemoryItem
    def __init__(self, memory: _Optional[_Union[MemoryItem, _Mapping]] = ...) -> None: ...

class DeleteMemoryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteMemoryResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ForgetPlayerRequest(_message.Message):
    __slots__ = ("player_id",)
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    def __init__(self, player_id: _Optional[str] = ...) -> None: ...

class ForgetPlayerResponse(_message.Message):
    __slots__ = ("sessions", "memories", "relationships")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    sessions: int
    memories: int
    relationships: int
    def __init__(self, sessions: _Optional[int] = ..., memories: _Optional[int] = ..., relationships: _Optional[int] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ("player_id", "character_id", "affinity", "trust", "interactions", "updated_at_ms")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    AFFINITY_FIELD_NUMBER: _ClassVar[int]
    TRUST_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    character_id: str
    affinity: float
    trust: float
    interactions: int
    updated_at_ms: int
    def __init__(self, player_id: _Optional[str] = ..., character_id: _Optional[str] = ..., affinity: _Optional[float] = ..., trust: _Optional[float] = ..., interactions: _Optional[int] = ..., updated_at_ms: _Optional[int] = ...) -> None: ...

class GetRelationshipRequest(_message.Message):
    __slots__ = ("player_id", "character_id")
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    player_id: str
    character_id: str
    def __init__(self, player_id: _Optional[str] = ..., character_id: _Optional[str] = ...) -> None: ...

class SetRelationshipRequest(_message.Message):
    __slots__ = ("relationship",)
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: Relationship
    def __init__(self, relationship: _Optional[_Union[Relationship, _Mapping]] = ...) -> None: ...
