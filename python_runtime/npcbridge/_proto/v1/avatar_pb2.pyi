from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListAttributesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Attribute(_message.Message):
    __slots__ = ("name", "values")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    name: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class Expression(_message.Message):
    __slots__ = ("name", "morph_targets")
    class MorphTargetsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    MORPH_TARGETS_FIELD_NUMBER: _ClassVar[int]
    name: str
    morph_targets: _containers.ScalarMap[str, float]
    def __init__(self, name: _Optional[str] = ..., morph_targets: _Optional[_Mapping[str, float]] = ...) -> None: ...

class ListAttributesResponse(_message.Message):
    __slots__ = ("attributes", "expressions")
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    EXPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.RepeatedCompositeFieldContainer[Attribute]
    expressions: _containers.RepeatedCompositeFieldContainer[Expression]
    def __init__(self, attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ..., expressions: _Optional[_Iterable[_Union[Expression, _Mapping]]] = ...) -> None: ...

class GenerateAvatarRequest(_message.Message):
    __slots__ = ("attributes", "description", "count", "seed", "truncation", "expression")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.ScalarMap[str, str]
    description: str
    count: int
    seed: int
    truncation: float
    expression: str
    def __init__(self, attributes: _Optional[_Mapping[str, str]] = ..., description: _Optional[str] = ..., count: _Optional[int] = ..., seed: _Optional[int] = ..., truncation: _Optional[float] = ..., expression: _Optional[str] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("completed", "total", "stage")
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    completed: int
    total: int
    stage: str
    def __init__(self, completed: _Optional[int] = ..., total: _Optional[int] = ..., stage: _Optional[str] = ...) -> None: ...

class AvatarSpec(_message.Message):
    __slots__ = ("attributes", "colors", "morph_targets", "expression")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ColorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class MorphTargetsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    COLORS_FIELD_NUMBER: _ClassVar[int]
    MORPH_TARGETS_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.ScalarMap[str, str]
    colors: _containers.ScalarMap[str, str]
    morph_targets: _containers.ScalarMap[str, float]
    expression: str
    def __init__(self, attributes: _Optional[_Mapping[str, str]] = ..., colors: _Optional[_Mapping[str, str]] = ..., morph_targets: _Optional[_Mapping[str, float]] = ..., expression: _Optional[str] = ...) -> None: ...

class Avatar(_message.Message):
    __slots__ = ("id", "seed", "latent", "spec", "png", "width", "height")
    ID_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    LATENT_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    PNG_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    id: str
    seed: int
    latent: _containers.RepeatedScalarFieldContainer[float]
    spec: AvatarSpec
    png: bytes
    width: int
    height: int
    def __init__(self, id: _Optional[str] = ..., seed: _Optional[int] = ..., latent: _Optional[_Iterable[float]] = ..., spec: _Optional[_Union[AvatarSpec, _Mapping]] = ..., png: _Optional[bytes] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class AvatarEvent(_message.Message):
    __slots__ = ("progress", "avatar")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    AVATAR_FIELD_NUMBER: _ClassVar[int]
    progress: Progress
    avatar: Avatar
    def __init__(self, progress: _Optional[_Union[Progress, _Mapping]] = ..., avatar: _Optional[_Union[Avatar, _Mapping]] = ...) -> None: ...
