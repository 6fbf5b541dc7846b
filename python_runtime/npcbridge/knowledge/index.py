"""Per-collection vector indexes (usearch HNSW, cosine) over passage embeddings.

The embeddings live in the store; the indexes are rebuilt from them when the host
starts (10,000 passages take well under a second) and updated in place on every
upsert and delete, so the store stays the one source of truth.
"""

from __future__ import annotations

import threading

import numpy as np
from usearch.index import Index

DIMENSIONS = 384  # MiniLM


class VectorIndexes:
    """One usearch index per collection; thread-safe."""

    def __init__(self) -> None:
        self._indexes: dict[str, Index] = {}
        self._lock = threading.Lock()

    def _index(self, collection: str) -> Index:
        index = self._indexes.get(collection)
        if index is None:
            index = self._indexes[collection] = Index(ndim=DIMENSIONS, metric="cos", dtype="f32")
        return index

    def add(self, collection: str, keys: list[int], vectors: np.ndarray) -> None:
        if not keys:
            return
        with self._lock:
            self._index(collection).add(np.asarray(keys, dtype=np.uint64), np.asarray(vectors, dtype=np.float32))

    def remove(self, collection: str, keys: list[int]) -> None:
        with self._lock:
            index = self._indexes.get(collection)
            if index is not None:
                for key in keys:
                    index.remove(key)

    def size(self, collection: str) -> int:
        with self._lock:
            index = self._indexes.get(collection)
            return len(index) if index is not None else 0

    def search(self, collection: str, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest passages as (key, cosine similarity), best first."""
        with self._lock:
            index = self._indexes.get(collection)
            if index is None or len(index) == 0:
                return []
            found = index.search(np.asarray(vector, dtype=np.float32), min(k, len(index)))
        return [(int(key), 1.0 - float(distance)) for key, distance in zip(found.keys, found.distances, strict=True)]

    def rebuild(self, rows: list[tuple[str, int, np.ndarray]]) -> None:
        """Replace every index with one built from (collection, key, vector) rows."""
        grouped: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        for collection, key, vector in rows:
            keys, vectors = grouped.setdefault(collection, ([], []))
            keys.append(key)
            vectors.append(vector)
        with self._lock:
            self._indexes = {}
            for collection, (keys, vectors) in grouped.items():
                self._index(collection).add(np.asarray(keys, dtype=np.uint64), np.stack(vectors))
