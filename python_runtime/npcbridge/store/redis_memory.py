"""Memories and relationships in the Redis store, and forgetting a player everywhere.

Keys (``p`` the prefix): ``p memory:<id>`` hash; ``p player_memories:<player>``
sorted set of memory ids by creation time; ``p relationship:<player>`` hash
character -> relationship JSON.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from npcbridge.memory.types import MemoryItem, Relationship

if TYPE_CHECKING:
    import redis

_FIELDS = ("player_id", "character_id", "text", "importance", "created_at_ms")

# ARGV: prefix, then (id, player, character, text, importance, created) per memory.
_ADD_MEMORIES = """
local p = ARGV[1]
for i = 2, #ARGV, 6 do
  redis.call('HSET', p .. 'memory:' .. ARGV[i], 'player_id', ARGV[i + 1], 'character_id', ARGV[i + 2],
             'text', ARGV[i + 3], 'importance', ARGV[i + 4], 'created_at_ms', ARGV[i + 5])
  redis.call('ZADD', p .. 'player_memories:' .. ARGV[i + 1], ARGV[i + 5], ARGV[i])
end
return 1
"""

_DELETE_MEMORY = """
local p = ARGV[1]
local player = redis.call('HGET', p .. 'memory:' .. ARGV[2], 'player_id')
if not player then return 0 end
redis.call('ZREM', p .. 'player_memories:' .. player, ARGV[2])
redis.call('DEL', p .. 'memory:' .. ARGV[2])
return 1
"""

# Sessions (with their turns), memories and relationships of one player, in one go.
_FORGET_PLAYER = """
local p, player = ARGV[1], ARGV[2]
local sessions = redis.call('SMEMBERS', p .. 'player_sessions:' .. player)
for _, sid in ipairs(sessions) do
  local character = redis.call('HGET', p .. 'session:' .. sid, 'character_id')
  if character then redis.call('SREM', p .. 'character_sessions:' .. character, sid) end
  redis.call('DEL', p .. 'session:' .. sid, p .. 'turns:' .. sid)
end
local memories = redis.call('ZRANGE', p .. 'player_memories:' .. player, 0, -1)
for _, id in ipairs(memories) do redis.call('DEL', p .. 'memory:' .. id) end
local relations = redis.call('HLEN', p .. 'relationship:' .. player)
redis.call('DEL', p .. 'player_sessions:' .. player, p .. 'player_memories:' .. player, p .. 'relationship:' .. player)
return {#sessions, #memories, relations}
"""


class RedisMemory:
    """Memory methods of :class:`~npcbridge.store.redis_store.RedisStore`."""

    _redis: redis.Redis
    prefix: str
    _run: Any  # RedisStore's script runner

    def _memory_scripts(self) -> dict[str, str]:
        return {"add_memories": _ADD_MEMORIES, "delete_memory": _DELETE_MEMORY, "forget_player": _FORGET_PLAYER}

    def add_memories(self, items: list[MemoryItem]) -> None:
        if items:
            self._run("add_memories", *[v for m in items for v in (
                m.id, m.player_id, m.character_id, m.text, repr(float(m.importance)), m.created_at_ms)])

    def list_memories(self, player_id: str, character_id: str = "") -> list[MemoryItem]:
        ids = [i.decode() for i in self._redis.zrange(self.prefix + "player_memories:" + player_id, 0, -1)]
        with self._redis.pipeline(transaction=False) as pipe:
            for memory_id in ids:
                pipe.hmget(self.prefix + "memory:" + memory_id, *_FIELDS)
            rows = pipe.execute()
        items = [MemoryItem(memory_id, player.decode(), character.decode(), text.decode(), float(importance),
                            int(created))
                 for memory_id, (player, character, text, importance, created) in zip(ids, rows, strict=True)
                 if player is not None]
        return [m for m in items if not character_id or m.character_id == character_id]

    def delete_memory(self, memory_id: str) -> bool:
        return bool(self._run("delete_memory", memory_id))

    def get_relationship(self, player_id: str, character_id: str) -> Relationship | None:
        data = self._redis.hget(self.prefix + "relationship:" + player_id, character_id)
        return Relationship(player_id, character_id, *json.loads(data)) if data is not None else None

    def put_relationship(self, r: Relationship) -> None:
        self._redis.hset(self.prefix + "relationship:" + r.player_id, r.character_id,
                         json.dumps([r.affinity, r.trust, r.interactions, r.updated_at_ms]))

    def forget_player(self, player_id: str) -> tuple[int, int, int]:
        """Delete the player's sessions (with turns), memories and relationships in one
        script; returns how many of each."""
        sessions, memories, relations = self._run("forget_player", player_id)
        return int(sessions), int(memories), int(relations)
