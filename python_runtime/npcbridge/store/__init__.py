"""Session persistence: the embedded SQLite store is the default."""

from npcbridge.store.base import SessionStore
from npcbridge.store.sqlite_store import SqliteStore

__all__ = ["SessionStore", "SqliteStore", "open_store"]


def open_store(db: str) -> SessionStore:
    """Open the store named by the ``db`` setting (a path or ``:memory:``)."""
    return SqliteStore(db)
