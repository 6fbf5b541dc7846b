"""Memory tables of the SQLite store: memories and relationships per player and
character, and forgetting a player everywhere."""

from __future__ import annotations

import sqlite3
import threading

from npcbridge.memory.types import MemoryItem, Relationship

MEMORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    character_id TEXT NOT NULL,
    text TEXT NOT NULL,
    importance REAL NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS memories_by_pair ON memories(player_id, character_id);
CREATE TABLE IF NOT EXISTS relationships (
    player_id TEXT NOT NULL,
    character_id TEXT NOT NULL,
    affinity REAL NOT NULL,
    trust REAL NOT NULL,
    interactions INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (player_id, character_id)
);
"""

_COLUMNS = "id, player_id, character_id, text, importance, created_at_ms"


class SqliteMemory:
    """Memory methods of :class:`~npcbridge.store.sqlite_store.SqliteStore` (shares its connection and lock)."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def add_memories(self, items: list[MemoryItem]) -> None:
        with self._lock:
            self._db.executemany(f"INSERT INTO memories({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                                 [(m.id, m.player_id, m.character_id, m.text, m.importance, m.created_at_ms)
                                  for m in items])

    def list_memories(self, player_id: str, character_id: str = "") -> list[MemoryItem]:
        with self._lock:
            if character_id:
                rows = self._db.execute(f"SELECT {_COLUMNS} FROM memories WHERE player_id = ? AND character_id = ? "
                                        "ORDER BY created_at_ms", (player_id, character_id)).fetchall()
            else:
                rows = self._db.execute(f"SELECT {_COLUMNS} FROM memories WHERE player_id = ? ORDER BY created_at_ms",
                                        (player_id,)).fetchall()
        return [MemoryItem(*r) for r in rows]

    def delete_memory(self, memory_id: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM memories WHERE id = ?", (memory_id,)).rowcount > 0

    def get_relationship(self, player_id: str, character_id: str) -> Relationship | None:
        with self._lock:
            row = self._db.execute(
                "SELECT player_id, character_id, affinity, trust, interactions, updated_at_ms FROM relationships "
                "WHERE player_id = ? AND character_id = ?", (player_id, character_id)).fetchone()
        return Relationship(*row) if row else None

    def put_relationship(self, r: Relationship) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO relationships(player_id, character_id, affinity, trust, interactions, updated_at_ms) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(player_id, character_id) DO UPDATE SET "
                "affinity = excluded.affinity, trust = excluded.trust, interactions = excluded.interactions, "
                "updated_at_ms = excluded.updated_at_ms",
                (r.player_id, r.character_id, r.affinity, r.trust, r.interactions, r.updated_at_ms))

    def forget_player(self, player_id: str) -> tuple[int, int, int]:
        """Delete the player's sessions (turns cascade), memories and relationships in one
        transaction; returns how many of each."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                sessions = self._db.execute("DELETE FROM sessions WHERE player_id = ?", (player_id,)).rowcount
                memories = self._db.execute("DELETE FROM memories WHERE player_id = ?", (player_id,)).rowcount
                relations = self._db.execute("DELETE FROM relationships WHERE player_id = ?", (player_id,)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return sessions, memories, relations
