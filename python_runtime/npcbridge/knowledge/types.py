"""Plain data of the Knowledge service; the transport converts to protos."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Document:
    """A piece of lore; long ones are split into passages when stored."""

    id: str
    text: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class Passage:
    """A stored part of a document: ``key`` is its index key, ``index`` its place in the document."""

    key: int
    collection: str
    document_id: str
    index: int
    text: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchHit:
    """A matching passage (as a Document: its text, its document's id and metadata) and its score."""

    document: Document
    score: float


@dataclass
class CollectionInfo:
    name: str
    documents: int = 0
    passages: int = 0
