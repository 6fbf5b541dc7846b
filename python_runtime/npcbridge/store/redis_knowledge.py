"""Knowledge in the Redis store: documents, and their passages with embeddings.

Keys (``p`` the prefix): ``p doc:<bytes in collection>:<collection>:<id>`` hash (text, metadata, passage
keys); ``p collection_docs:<collection>`` set of ids; ``p collections`` hash
collection -> passage count; ``p passage:<key>`` hash (collection, document,
index, text, embedding); ``p passages`` sorted set of keys; ``p passage_seq``
the last key given (keys are never reused, as SQLite's AUTOINCREMENT);
``p knowledge_version`` counts changes, so every replica knows when its
in-memory vector index is behind the store.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from npcbridge.knowledge.types import CollectionInfo, Document, Passage

if TYPE_CHECKING:
    import redis

# Drops one document with its passages; returns their keys.
_DROP_DOCUMENT = """
local function drop_document(p, collection, id)
  local key = p .. 'doc:' .. #collection .. ':' .. collection .. ':' .. id
  local keys = redis.call('HGET', key, 'passages')
  if not keys then return nil end
  keys = cjson.decode(keys)
  for _, k in ipairs(keys) do
    redis.call('DEL', p .. 'passage:' .. k)
    redis.call('ZREM', p .. 'passages', k)
  end
  redis.call('DEL', key)
  redis.call('SREM', p .. 'collection_docs:' .. collection, id)
  if redis.call('HINCRBY', p .. 'collections', collection, -#keys) <= 0
     and redis.call('SCARD', p .. 'collection_docs:' .. collection) == 0 then
    redis.call('HDEL', p .. 'collections', collection)
  end
  return keys
end
"""

# ARGV: prefix, collection, then per document: id, text, metadata JSON, passage count n,
# then n pairs of (text, embedding bytes). Returns {removed keys}, {added keys}.
_UPSERT_DOCUMENTS = _DROP_DOCUMENT + """
local p, collection = ARGV[1], ARGV[2]
local removed, added = {}, {}
local i = 3
while i <= #ARGV do
  local id, text, metadata, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  i = i + 4
  for _, k in ipairs(drop_document(p, collection, id) or {}) do table.insert(removed, k) end
  local keys = {}
  for j = 0, n - 1 do
    local k = redis.call('INCR', p .. 'passage_seq')
    redis.call('HSET', p .. 'passage:' .. k, 'collection', collection, 'document_id', id, 'idx', j,
               'text', ARGV[i + 2 * j], 'embedding', ARGV[i + 2 * j + 1])
    redis.call('ZADD', p .. 'passages', k, k)
    table.insert(keys, k)
    table.insert(added, k)
  end
  i = i + 2 * n
  redis.call('HSET', p .. 'doc:' .. #collection .. ':' .. collection .. ':' .. id, 'text', text, 'metadata', metadata,
             'passages', cjson.encode(keys))
  redis.call('SADD', p .. 'collection_docs:' .. collection, id)
  redis.call('HINCRBY', p .. 'collections', collection, n)
end
redis.call('INCR', p .. 'knowledge_version')
return {removed, added}
"""

# ARGV: prefix, collection, ids... Returns {deleted count, {passage keys}}.
_DELETE_DOCUMENTS = _DROP_DOCUMENT + """
local p, collection = ARGV[1], ARGV[2]
local deleted, keys = 0, {}
for i = 3, #ARGV do
  local dropped = drop_document(p, collection, ARGV[i])
  if dropped then
    deleted = deleted + 1
    for _, k in ipairs(dropped) do table.insert(keys, k) end
  end
end
if deleted > 0 then redis.call('INCR', p .. 'knowledge_version') end
return {deleted, keys}
"""


def _document_key(prefix: str, collection: str, document_id: str) -> str:
    return f"{prefix}doc:{len(collection.encode())}:{collection}:{document_id}"


class RedisKnowledge:
    """Knowledge methods of :class:`~npcbridge.store.redis_store.RedisStore`."""

    _redis: redis.Redis
    prefix: str
    _run: Any  # RedisStore's script runner

    def _knowledge_scripts(self) -> dict[str, str]:
        return {"upsert_documents": _UPSERT_DOCUMENTS, "delete_documents": _DELETE_DOCUMENTS}

    def upsert_documents(self, collection: str, documents: list[tuple[Document, list[str], np.ndarray]]
                         ) -> tuple[list[int], list[int]]:
        """Store documents with their passages and embeddings, replacing any with the same
        id, in one script. Returns (removed passage keys, new passage keys)."""
        args: list[Any] = [collection]
        for document, passages, vectors in documents:
            args += [document.id, document.text, json.dumps(document.metadata), len(passages)]
            for text, vector in zip(passages, vectors, strict=True):
                args += [text, np.asarray(vector, np.float32).tobytes()]
        removed, added = self._run("upsert_documents", *args)
        return [int(k) for k in removed], [int(k) for k in added]

    def delete_documents(self, collection: str, ids: list[str]) -> tuple[int, list[int]]:
        """Delete documents; returns how many existed and the keys of their passages."""
        if not ids:
            return 0, []
        deleted, keys = self._run("delete_documents", collection, *ids)
        return int(deleted), [int(k) for k in keys]

    def list_collections(self) -> list[CollectionInfo]:
        counts = self._redis.hgetall(self.prefix + "collections")
        names = sorted(k.decode() for k in counts)
        with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.scard(self.prefix + "collection_docs:" + name)
            docs = pipe.execute()
        return [CollectionInfo(name, int(d), int(counts[name.encode()])) for name, d in zip(names, docs, strict=True)]

    def knowledge_version(self) -> int:
        """Counts every change of the lore by any replica (each host's index follows it)."""
        return int(self._redis.get(self.prefix + "knowledge_version") or 0)

    def passage_vectors(self) -> list[tuple[str, int, np.ndarray]]:
        """Every passage's collection, key and embedding (to rebuild the index at start)."""
        keys = [int(k) for k in self._redis.zrange(self.prefix + "passages", 0, -1)]
        with self._redis.pipeline(transaction=False) as pipe:
            for k in keys:
                pipe.hmget(self.prefix + f"passage:{k}", "collection", "embedding")
            rows = pipe.execute()
        return [(c.decode(), k, np.frombuffer(e, dtype=np.float32)) for k, (c, e) in zip(keys, rows, strict=True)
                if c is not None]

    def get_passages(self, keys: list[int]) -> dict[int, Passage]:
        """Passages by key, with their document's metadata."""
        if not keys:
            return {}
        with self._redis.pipeline(transaction=False) as pipe:
            for k in keys:
                pipe.hmget(self.prefix + f"passage:{k}", "collection", "document_id", "idx", "text")
            rows = pipe.execute()
        found = {k: [v.decode() for v in row] for k, row in zip(keys, rows, strict=True) if row[0] is not None}
        with self._redis.pipeline(transaction=False) as pipe:
            for collection, document_id, _, _ in found.values():
                pipe.hget(_document_key(self.prefix, collection, document_id), "metadata")
            metadata = pipe.execute()
        return {k: Passage(k, c, d, int(i), t, json.loads(m or "{}"))
                for (k, (c, d, i, t)), m in zip(found.items(), metadata, strict=True)}
