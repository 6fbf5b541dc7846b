from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ALLOW: _ClassVar[Action]
    MASK: _ClassVar[Action]
    BLOCK: _ClassVar[Action]
ACTION_UNSPECIFIED: Action
ALLOW: Action
MASK: Action
BLOCK: Action

class CheckRequest(_message.Message):
    __slots__ = ("text", "policy", "context")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    policy: str
    context: str
    def __init__(self, text: _Optional[str] = ..., policy: _Optional[str] = ..., context: _Optional[str] = ...) -> None: ...

class CheckBatchRequest(_message.Message):
    __slots__ = ("texts", "policy", "context")
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    texts: _containers.RepeatedScalarFieldContainer[str]
    policy: str
    context: str
    def __init__(self, texts: _Optional[_Iterable[str]] = ..., policy: _Optional[str] = ..., context: _Optional[str] = ...) -> None: ...

class CategoryScore(_message.Message):
    __slots__ = ("category", "score")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    category: str
    score: float
    def __init__(self, category: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class Span(_message.Message):
    __slots__ = ("start", "end", "category")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    category: str
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ..., category: _Optional[str] = ...) -> None: ...

class CheckResult(_message.Message):
    __slots__ = ("flagged", "action", "flagged_categories", "scores", "spans", "masked_text")
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SPANS_FIELD_NUMBER: _ClassVar[int]
    MASKED_TEXT_FIELD_NUMBER: _ClassVar[int]
    flagged: bool
    action: Action
    flagged_categories: _containers.RepeatedScalarFieldContainer[str]
    scores: _containers.RepeatedCompositeFieldContainer[CategoryScore]
    spans: _containers.RepeatedCompositeFieldContainer[Span]
    masked_text: str
    def __init__(self, flagged: _Optional[bool] = ..., action: _Optional[_Union[Action, str]] = ..., flagged_categories: _Optional[_Iterable[str]] = ..., scores: _Optional[_Iterable[_Union[CategoryScore, _Mapping]]] = ..., spans: _Optional[_Iterable[_Union[Span, _Mapping]]] = ..., masked_text: _Optional[str] = ...) -> None: ...

class CheckBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CheckResult]
    def __init__(self, results: _Optional[_Iterable[_Union[CheckResult, _Mapping]]] = ...) -> None: ...
