"""Knowledge tables of the SQLite store: documents, and their passages with their
embeddings (the vector index is rebuilt from them when the host starts)."""

from __future__ import annotations

import json
import sqlite3
import threading

import numpy as np

from npcbridge.knowledge.types import CollectionInfo, Document, Passage

KNOWLEDGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS passages (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    document_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL,
    FOREIGN KEY (collection, document_id) REFERENCES documents(collection, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS passages_by_document ON passages(collection, document_id);
"""


class SqliteKnowledge:
    """Knowledge methods of :class:`~npcbridge.store.sqlite_store.SqliteStore` (shares its connection and lock)."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def upsert_documents(self, collection: str, documents: list[tuple[Document, list[str], np.ndarray]]
                         ) -> tuple[list[int], list[int]]:
        """Store documents with their passages and passage embeddings, replacing any with
        the same id, in one transaction. Returns (removed passage keys, new passage keys)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                removed: list[int] = []
                added: list[int] = []
                for document, passages, vectors in documents:
                    removed += [r[0] for r in self._db.execute(
                        "SELECT key FROM passages WHERE collection = ? AND document_id = ?",
                        (collection, document.id))]
                    self._db.execute("DELETE FROM documents WHERE collection = ? AND id = ?", (collection, document.id))
                    self._db.execute("INSERT INTO documents(collection, id, text, metadata) VALUES (?, ?, ?, ?)",
                                     (collection, document.id, document.text, json.dumps(document.metadata)))
                    for i, (text, vector) in enumerate(zip(passages, vectors, strict=True)):
                        cur = self._db.execute(
                            "INSERT INTO passages(collection, document_id, idx, text, embedding) VALUES (?, ?, ?, ?, ?)",
                            (collection, document.id, i, text, np.asarray(vector, np.float32).tobytes()))
                        added.append(int(cur.lastrowid))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return removed, added

    def delete_documents(self, collection: str, ids: list[str]) -> tuple[int, list[int]]:
        """Delete documents; returns how many existed and the keys of their passages."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                keys: list[int] = []
                deleted = 0
                for document_id in ids:
                    keys += [r[0] for r in self._db.execute(
                        "SELECT key FROM passages WHERE collection = ? AND document_id = ?", (collection, document_id))]
                    deleted += self._db.execute("DELETE FROM documents WHERE collection = ? AND id = ?",
                                                (collection, document_id)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return deleted, keys

    def list_collections(self) -> list[CollectionInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT d.collection, COUNT(DISTINCT d.id), (SELECT COUNT(*) FROM passages p "
                "WHERE p.collection = d.collection) FROM documents d GROUP BY d.collection ORDER BY d.collection"
            ).fetchall()
        return [CollectionInfo(name, docs, passages) for name, docs, passages in rows]

    def passage_vectors(self) -> list[tuple[str, int, np.ndarray]]:
        """Every passage's collection, key and embedding (to rebuild the index at start)."""
        with self._lock:
            rows = self._db.execute("SELECT collection, key, embedding FROM passages ORDER BY key").fetchall()
        return [(c, k, np.frombuffer(e, dtype=np.float32)) for c, k, e in rows]

    def knowledge_version(self) -> int:
        """Constant: one host owns a SQLite file, and it updates its index as it writes."""
        return 0

    def get_passages(self, keys: list[int]) -> dict[int, Passage]:
        """Passages by key, with their document's metadata."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._lock:
            rows = self._db.execute(
                f"SELECT p.key, p.collection, p.document_id, p.idx, p.text, d.metadata FROM passages p "
                f"JOIN documents d ON d.collection = p.collection AND d.id = p.document_id WHERE p.key IN ({marks})",
                keys).fetchall()
        return {r[0]: Passage(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows}
