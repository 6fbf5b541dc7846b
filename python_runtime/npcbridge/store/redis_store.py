"""A session store on Redis, so several host replicas serve the same characters,
sessions and memories (``--db redis://HOST:PORT/DB``).

Every write that touches more than one key is one Lua script, which Redis runs
atomically: a reply is stored together with the line that prompted it or not at
all, and deleting a character takes its sessions with it. Writes a client may
resend after a dropped connection (appending turns) carry a token, so a retry
never stores a turn twice. Durability is Redis's: run it with AOF
(``appendonly yes``; ``appendfsync always`` loses nothing acknowledged, the
default ``everysec`` at most a second). One Redis (or a primary with replicas),
not Redis Cluster: the scripts build the keys they touch.

Layout (``p`` is the key prefix, ``npcb:`` by default):
``p characters`` hash id -> character JSON; ``p session:<id>`` hash;
``p turns:<id>`` list of turn JSON; ``p character_sessions:<id>`` and
``p player_sessions:<id>`` sets of session ids; knowledge and memory keys are in
``redis_knowledge.py`` and ``redis_memory.py``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from npcbridge.dialogue.types import Character, Session, Turn
from npcbridge.errors import ConfigError, NotFound, Unavailable
from npcbridge.store.redis_knowledge import RedisKnowledge
from npcbridge.store.redis_memory import RedisMemory
from npcbridge.store.turn_codec import turn_extra, turn_from_row

F = TypeVar("F", bound=Callable[..., Any])

_CREATE_SESSION = """
local p = ARGV[1]
if redis.call('HEXISTS', p .. 'characters', ARGV[3]) == 0 then return -1 end
local key = p .. 'session:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return -2 end
redis.call('HSET', key, 'character_id', ARGV[3], 'player_id', ARGV[4], 'created_at_ms', ARGV[5])
redis.call('SADD', p .. 'character_sessions:' .. ARGV[3], ARGV[2])
redis.call('SADD', p .. 'player_sessions:' .. ARGV[4], ARGV[2])
return 1
"""

# Removes one session (ARGV: prefix, id); shared by the scripts that delete sessions.
_DROP_SESSION = """
local function drop_session(p, sid)
  local key = p .. 'session:' .. sid
  local owner = redis.call('HMGET', key, 'character_id', 'player_id')
  if not owner[1] then return 0 end
  redis.call('SREM', p .. 'character_sessions:' .. owner[1], sid)
  redis.call('SREM', p .. 'player_sessions:' .. owner[2], sid)
  redis.call('DEL', key, p .. 'turns:' .. sid)
  return 1
end
"""

_DELETE_SESSION = _DROP_SESSION + "return drop_session(ARGV[1], ARGV[2])"

_DELETE_CHARACTER = _DROP_SESSION + """
local p = ARGV[1]
if redis.call('HDEL', p .. 'characters', ARGV[2]) == 0 then return 0 end
for _, sid in ipairs(redis.call('SMEMBERS', p .. 'character_sessions:' .. ARGV[2])) do drop_session(p, sid) end
redis.call('DEL', p .. 'character_sessions:' .. ARGV[2])
return 1
"""

# ARGV: prefix, session id, write token, turn JSON...
_APPEND_TURNS = """
local p = ARGV[1]
if redis.call('EXISTS', p .. 'session:' .. ARGV[2]) == 0 then return -1 end
if not redis.call('SET', p .. 'applied:' .. ARGV[3], 1, 'NX', 'EX', 86400) then return 0 end
for i = 4, #ARGV do redis.call('RPUSH', p .. 'turns:' .. ARGV[2], ARGV[i]) end
return 1
"""


def unreachable_as_unavailable(method: F) -> F:
    """Redis down or timing out answers UNAVAILABLE (retry later), not an internal error."""
    import redis

    @wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise Unavailable(f"the session store {self.url} is unreachable ({exc}); retry shortly") from exc
    return wrapper  # type: ignore[return-value]


def _turn_json(turn: Turn) -> str:
    return json.dumps([turn.role.value, turn.text, turn.interaction_id, turn.created_at_ms, turn_extra(turn)])


def _guard_public_methods(cls: type) -> type:
    for name in dir(cls):
        attr = getattr(cls, name)
        if not name.startswith("_") and name != "close" and callable(attr):
            setattr(cls, name, unreachable_as_unavailable(attr))
    return cls


@_guard_public_methods
class RedisStore(RedisKnowledge, RedisMemory):
    """A :class:`~npcbridge.store.base.SessionStore` on a Redis server (thread-safe: redis-py
    pools its connections)."""

    def __init__(self, url: str, prefix: str = "npcb:") -> None:
        import redis
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
            raise ConfigError(f"--db {url!r}: a Redis store is named like redis://127.0.0.1:6379/0")
        self.url = f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path}"
        self.prefix = prefix
        # Reconnect through a restart (AOF reload takes a moment); retried writes are idempotent.
        self._redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=10,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 8),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError])
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise ConfigError(f"cannot reach the Redis store {self.url}: {exc}") from exc
        self._scripts = {name: self._redis.register_script(source) for name, source in self._script_sources().items()}

    def _script_sources(self) -> dict[str, str]:
        return {"create_session": _CREATE_SESSION, "delete_session": _DELETE_SESSION,
                "delete_character": _DELETE_CHARACTER, "append_turns": _APPEND_TURNS,
                **self._knowledge_scripts(), **self._memory_scripts()}

    def _run(self, script: str, *args: Any) -> Any:
        return self._scripts[script](args=[self.prefix, *args])

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # Characters ---------------------------------------------------------------------

    def upsert_character(self, character: Character) -> None:
        self._redis.hset(self._key("characters"), character.id, json.dumps(asdict(character)))

    def get_character(self, character_id: str) -> Character | None:
        data = self._redis.hget(self._key("characters"), character_id)
        return Character.from_dict(json.loads(data)) if data is not None else None

    def list_characters(self) -> list[Character]:
        rows = self._redis.hgetall(self._key("characters"))
        return [Character.from_dict(json.loads(rows[k])) for k in sorted(rows)]

    def delete_character(self, character_id: str) -> bool:
        return bool(self._run("delete_character", character_id))

    # Sessions and turns ------------------------------------------------------------------

    def create_session(self, session: Session) -> None:
        result = self._run("create_session", session.id, session.character_id, session.player_id,
                           session.created_at_ms)
        if result == -1:
            raise NotFound(f"character {session.character_id!r} does not exist; create it with UpsertCharacter")
        if result == -2:
            raise ConfigError(f"session {session.id!r} already exists")

    def get_session(self, session_id: str) -> Session | None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(self._key("session", session_id))
            pipe.lrange(self._key("turns", session_id), 0, -1)
            row, turns = pipe.execute()
        if not row:
            return None
        return Session(id=session_id, character_id=row[b"character_id"].decode(),
                       player_id=row[b"player_id"].decode(), created_at_ms=int(row[b"created_at_ms"]),
                       turns=[turn_from_row(*json.loads(t)) for t in turns])

    def delete_session(self, session_id: str) -> bool:
        return bool(self._run("delete_session", session_id))

    def append_turns(self, session_id: str, turns: list[Turn]) -> None:
        # The token makes the script idempotent: redis-py resends it after a dropped
        # connection, which may come after Redis ran it.
        token = uuid.uuid4().hex
        if self._run("append_turns", session_id, token, *[_turn_json(t) for t in turns]) == -1:
            raise NotFound(f"session {session_id!r} was deleted; its turns were not stored")

    def close(self) -> None:
        self._redis.close()
