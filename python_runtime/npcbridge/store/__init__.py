"""Session persistence: the embedded SQLite store is the default; Redis is shared by replicas."""

from npcbridge.store.base import SessionStore
from npcbridge.store.sqlite_store import SqliteStore

__all__ = ["SessionStore", "SqliteStore", "open_store"]


def open_store(db: str) -> SessionStore:
    """Open the store named by a path, ``:memory:`` or a ``redis://`` URL."""
    if db.startswith(("redis://", "rediss://", "unix://")):
        from npcbridge.store.redis_store import RedisStore

        return RedisStore(db)
    return SqliteStore(db)
