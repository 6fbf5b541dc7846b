"""The Knowledge domain service: collections of documents split into passages,
searched by meaning, and the retrieval that puts lore into an NPC's prompt."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from npcbridge.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from npcbridge.knowledge.index import VectorIndexes
from npcbridge.knowledge.passages import split_passages
from npcbridge.knowledge.types import CollectionInfo, Document, SearchHit
from npcbridge.store.base import SessionStore

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
DEFAULT_K = 5


@dataclass(frozen=True)
class KnowledgeLimits:
    """Limits the Knowledge service enforces (from Settings; reported in ServerInfo)."""

    max_documents: int = 256  # documents in one UpsertDocuments call
    max_document_chars: int = 100_000
    max_search_k: int = 50
    max_query_chars: int = 2000
    prompt_tokens: int = 128  # retrieved passages in one reply's prompt
    min_score: float = 0.25  # passages less similar than this never join a prompt


def check_name(value: str, what: str) -> str:
    if not _NAME.match(value or ""):
        raise InvalidArgument(f"{what} {value[:64]!r} is not valid: use 1-128 letters, digits, '_', '.', ':' or '-'")
    return value


class KnowledgeService:
    """Everything the Knowledge RPCs do, with plain data in and out."""

    def __init__(self, store: SessionStore, limits: KnowledgeLimits | None = None, encoder=None) -> None:  # noqa: ANN001
        self.store = store
        self.limits = limits or KnowledgeLimits()
        self.encoder = encoder  # SentenceEncoder; set by start() when not given
        self.indexes = VectorIndexes()
        self._ready = False
        self._version = 0  # the store's knowledge_version the indexes reflect
        #: Why knowledge is off on this host (the encoder wheel missing), or None.
        self.disabled: str | None = None

    @property
    def available(self) -> bool:
        return self.disabled is None

    def start(self) -> None:
        """Load the encoder (shared with moderation) and rebuild the indexes from the store (blocking).
        Without the encoder the host still serves everything else: knowledge is reported off
        (ServerInfo.capabilities.knowledge), its RPCs answer FAILED_PRECONDITION, replies use no lore."""
        if self.encoder is None:
            from npcbridge.errors import ModelLoadError
            from npcbridge.moderation.service import shared_encoder

            try:
                self.encoder = shared_encoder("cpu")
            except ModelLoadError as exc:
                self.disabled = str(exc)
                log.warning("knowledge is off: %s", exc)
                return
        self._version = self.store.knowledge_version()
        self.indexes.rebuild(self.store.passage_vectors())
        self._ready = True

    def _require_ready(self) -> None:
        if self.disabled is not None:
            raise FailedPrecondition(f"knowledge is off on this host: {self.disabled}")
        if not self._ready:
            raise Unavailable("the knowledge index is still loading; retry when health is SERVING")

    def _check_documents(self, collection: str, documents: list[Document]) -> None:
        check_name(collection, "collection")
        if not documents:
            raise InvalidArgument("documents is empty; send at least one document")
        if len(documents) > self.limits.max_documents:
            raise InvalidArgument(f"{len(documents)} documents in one call; at most {self.limits.max_documents} "
                                  "(max_documents): split the upload")
        seen: set[str] = set()
        for i, doc in enumerate(documents):
            check_name(doc.id, f"documents[{i}].id")
            if doc.id in seen:
                raise InvalidArgument(f"documents[{i}].id {doc.id!r} appears twice in this call")
            seen.add(doc.id)
            if not doc.text.strip():
                raise InvalidArgument(f"documents[{i}] ({doc.id}) has no text")
            if len(doc.text) > self.limits.max_document_chars:
                raise InvalidArgument(f"documents[{i}] ({doc.id}) is {len(doc.text)} characters; at most "
                                      f"{self.limits.max_document_chars} (max_document_chars): split it")

    def upsert_now(self, collection: str, documents: list[Document]) -> tuple[int, int]:
        """Validate, split, embed and store (blocking); returns (documents, passages)."""
        self._require_ready()
        self._check_documents(collection, documents)
        prepared = []
        for doc in documents:
            passages = split_passages(doc.text)
            prepared.append((doc, passages, self.encoder.encode(passages)))
        before = self._follow_store()
        removed, added = self.store.upsert_documents(collection, prepared)  # all or nothing
        self.indexes.remove(collection, removed)
        self.indexes.add(collection, added, [v for _, _, vectors in prepared for v in vectors])
        self._wrote(before)
        return len(documents), len(added)

    def _follow_store(self) -> int:
        """Rebuild the indexes when another host replica changed the lore (shared store)."""
        version = self.store.knowledge_version()
        if version != self._version:
            log.info("knowledge changed on another replica (version %d -> %d): rebuilding the index",
                     self._version, version)
            self.indexes = VectorIndexes()
            self.indexes.rebuild(self.store.passage_vectors())
            self._version = version
        return version

    def _wrote(self, before: int) -> None:
        """After this host's own write: in step unless another replica wrote meanwhile."""
        version = self.store.knowledge_version()
        self._version = version if version <= before + 1 else -1  # -1: rebuild at the next use

    async def upsert_documents(self, collection: str, documents: list[Document]) -> tuple[int, int]:
        return await asyncio.to_thread(self.upsert_now, collection, documents)

    async def delete_documents(self, collection: str, ids: list[str]) -> int:
        self._require_ready()
        await self._require_collection(collection)
        if not ids:
            raise InvalidArgument("ids is empty; name the documents to delete")
        before = await asyncio.to_thread(self._follow_store)
        deleted, keys = await asyncio.to_thread(self.store.delete_documents, collection, ids)
        self.indexes.remove(collection, keys)
        self._wrote(before)
        return deleted

    async def list_collections(self) -> list[CollectionInfo]:
        return await asyncio.to_thread(self.store.list_collections)

    async def _require_collection(self, collection: str) -> None:
        check_name(collection, "collection")
        if self.indexes.size(collection) == 0 and collection not in {
                c.name for c in await asyncio.to_thread(self.store.list_collections)}:
            raise NotFound(f"collection {collection!r} does not exist; add documents to it with UpsertDocuments")

    def search_now(self, collections: list[str], query: str, k: int, min_score: float = -1.0) -> list[SearchHit]:
        """The ``k`` best passages over ``collections`` (blocking)."""
        self._follow_store()
        vector = self.encoder.encode([query])[0]
        found = sorted(((score, key) for c in collections for key, score in self.indexes.search(c, vector, k)
                        if score >= min_score), reverse=True)[:k]
        passages = self.store.get_passages([key for _, key in found])
        hits = []
        for score, key in found:
            p = passages.get(key)
            if p is not None:
                hits.append(SearchHit(Document(p.document_id, p.text, {**p.metadata, "passage": str(p.index)}),
                                      score))
        return hits

    async def search(self, collection: str, query: str, k: int = 0) -> list[SearchHit]:
        self._require_ready()
        if not query.strip():
            raise InvalidArgument("query is empty; send the words to search for")
        if len(query) > self.limits.max_query_chars:
            raise InvalidArgument(f"query is {len(query)} characters; at most {self.limits.max_query_chars}")
        k = k or DEFAULT_K
        if not 1 <= k <= self.limits.max_search_k:
            raise InvalidArgument(f"k is {k}; use 1 to {self.limits.max_search_k} (max_search_k), or 0 for {DEFAULT_K}")
        await self._require_collection(collection)
        return await asyncio.to_thread(self.search_now, [collection], query, k)

    def retrieve_now(self, collections: list[str], query: str, count_tokens, budget: int) -> list[str]:  # noqa: ANN001
        """Passage texts for a prompt, best first, while they fit ``budget`` tokens (blocking).
        Collections that do not exist (yet) give nothing."""
        if not self._ready or not collections or not query.strip() or budget <= 0:
            return []
        picked: list[str] = []
        used = 0
        for hit in self.search_now(collections, query, 8, self.limits.min_score):
            cost = count_tokens(hit.document.text)
            if used + cost > budget:
                continue
            picked.append(hit.document.text)
            used += cost
        return picked
