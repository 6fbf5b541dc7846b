"""Embedded SQLite store: one file, WAL journal, survives host restarts."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict
from pathlib import Path

from npcbridge.dialogue.types import Character, Session, Turn
from npcbridge.errors import ConfigError, NotFound
from npcbridge.store.sqlite_knowledge import KNOWLEDGE_SCHEMA, SqliteKnowledge
from npcbridge.store.sqlite_memory import MEMORY_SCHEMA, SqliteMemory
from npcbridge.store.turn_codec import turn_extra, turn_from_row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS characters (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    character_id TEXT NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
    player_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (session_id, seq)
);
"""


class SqliteStore(SqliteKnowledge, SqliteMemory):
    """A :class:`~npcbridge.store.base.SessionStore` on one SQLite connection.

    One connection guarded by a lock: writes are tiny and SQLite serialises them
    anyway, and a single connection keeps ``:memory:`` databases coherent.
    """

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            try:
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the directory for database {path}: {exc}") from exc
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(_SCHEMA + KNOWLEDGE_SCHEMA + MEMORY_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(turns)")}
            if "extra" not in columns:  # a database from before actions and emotions
                self._db.execute("ALTER TABLE turns ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open session database {path}: {exc}") from exc
        self._lock = threading.Lock()

    def upsert_character(self, character: Character) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO characters(id, data) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                (character.id, json.dumps(asdict(character))),
            )

    def get_character(self, character_id: str) -> Character | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM characters WHERE id = ?", (character_id,)).fetchone()
        return Character.from_dict(json.loads(row[0])) if row else None

    def list_characters(self) -> list[Character]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM characters ORDER BY id").fetchall()
        return [Character.from_dict(json.loads(r[0])) for r in rows]

    def delete_character(self, character_id: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM characters WHERE id = ?", (character_id,))
        return cur.rowcount > 0

    def create_session(self, session: Session) -> None:
        with self._lock:
            if self._db.execute("SELECT 1 FROM characters WHERE id = ?", (session.character_id,)).fetchone() is None:
                raise NotFound(f"character {session.character_id!r} does not exist; create it with UpsertCharacter")
            self._db.execute(
                "INSERT INTO sessions(id, character_id, player_id, created_at_ms) VALUES (?, ?, ?, ?)",
                (session.id, session.character_id, session.player_id, session.created_at_ms),
            )

    def get_session(self, session_id: str) -> Session | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, character_id, player_id, created_at_ms FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                return None
            turns = self._db.execute(
                "SELECT role, text, interaction_id, created_at_ms, extra FROM turns WHERE session_id = ? ORDER BY seq",
                (session_id,),
            ).fetchall()
        return Session(
            id=row[0], character_id=row[1], player_id=row[2], created_at_ms=row[3],
            turns=[turn_from_row(*r) for r in turns],
        )

    def delete_session(self, session_id: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cur.rowcount > 0

    def append_turns(self, session_id: str, turns: list[Turn]) -> None:
        # One transaction: a reply is stored together with the line that prompted it.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                    raise NotFound(f"session {session_id!r} was deleted; its turns were not stored")
                (start,) = self._db.execute(
                    "SELECT COALESCE(MAX(seq) + 1, 0) FROM turns WHERE session_id = ?", (session_id,)
                ).fetchone()
                self._db.executemany(
                    "INSERT INTO turns(session_id, seq, role, text, interaction_id, created_at_ms, extra) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(session_id, start + i, t.role.value, t.text, t.interaction_id, t.created_at_ms,
                      turn_extra(t)) for i, t in enumerate(turns)],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()
