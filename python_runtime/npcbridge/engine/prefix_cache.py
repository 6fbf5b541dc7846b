"""Keys and values of prompts seen before, so a shared prefix is not recomputed.

Every NPC of one character starts with the same system prompt, and each turn of
a session starts with the whole previous exchange. When a prompt is prefilled,
and again when a reply finishes, the K/V of its tokens are copied out of the
slot into this cache; a new request copies the longest cached prefix back into
its slot and prefills only the rest. A copy of a few hundred tokens is
milliseconds; recomputing them is a forward pass over all of them.

Lookup walks the prompt in blocks of ``block`` tokens through a hash chain (as
vLLM's prefix caching does), then extends the match token by token. Entries are
evicted least recently used first to stay within ``budget_tokens``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch


@dataclass
class PrefixEntry:
    """Cached K/V for ``tokens``: ``[layers, kv_heads, len(tokens), head_dim]`` each."""

    tokens: list[int]
    keys: torch.Tensor
    values: torch.Tensor
    namespace: str = ""  # K/V computed under a LoRA adapter belong to that adapter


@dataclass
class PrefixStats:
    """Prompt tokens looked up and how many of them were found in the cache."""

    lookups: int = 0
    prompt_tokens: int = 0
    hit_tokens: int = 0

    @property
    def hit_rate(self) -> float:
        return self.hit_tokens / self.prompt_tokens if self.prompt_tokens else 0.0


class PrefixCache:
    """LRU store of prompt prefixes with block-hash lookup."""

    def __init__(self, budget_tokens: int, block: int = 16) -> None:
        self.budget_tokens = budget_tokens
        self.block = block
        self._entries: OrderedDict[int, PrefixEntry] = OrderedDict()
        self._index: dict[int, int] = {}  # chain hash of the first k blocks -> entry id
        self._ids = 0
        self._tokens = 0
        self.stats = PrefixStats()

    @property
    def enabled(self) -> bool:
        return self.budget_tokens >= self.block

    @property
    def cached_tokens(self) -> int:
        return self._tokens

    def _chain(self, tokens: list[int], namespace: str = "") -> list[int]:
        hashes, h = [], hash(namespace) if namespace else 0
        for end in range(self.block, len(tokens) + 1, self.block):
            h = hash((h, tuple(tokens[end - self.block:end])))
            hashes.append(h)
        return hashes

    def lookup(self, tokens: list[int], limit: int, namespace: str = "") -> tuple[PrefixEntry | None, int]:
        """The entry sharing the longest prefix with ``tokens`` and its length (at most ``limit``),
        among entries of ``namespace`` (the adapter the K/V were computed under)."""
        self.stats.lookups += 1
        self.stats.prompt_tokens += len(tokens)
        if not self.enabled:
            return None, 0
        best: int | None = None
        for h in self._chain(tokens[:limit], namespace):
            found = self._index.get(h)
            if found is None:
                break
            best = found
        if best is None:
            return None, 0
        entry = self._entries[best]
        if entry.namespace != namespace:  # a hash collision across namespaces
            return None, 0
        self._entries.move_to_end(best)
        n = 0
        stop = min(limit, len(entry.tokens))
        while n < stop and entry.tokens[n] == tokens[n]:
            n += 1
        self.stats.hit_tokens += n
        return entry, n

    def insert(self, tokens: list[int], keys: torch.Tensor, values: torch.Tensor, namespace: str = "") -> None:
        """Keep K/V for ``tokens`` (copies owned by the cache); skips what is already covered."""
        if not self.enabled or len(tokens) < self.block or len(tokens) > self.budget_tokens:
            return
        chain = self._chain(tokens, namespace)
        covering = self._index.get(chain[-1])
        if covering is not None and self._entries[covering].namespace == namespace \
                and len(self._entries[covering].tokens) >= len(tokens) \
                and self._entries[covering].tokens[:len(tokens)] == tokens:
            self._entries.move_to_end(covering)
            return
        self._ids += 1
        self._entries[self._ids] = PrefixEntry(list(tokens), keys, values, namespace)
        self._tokens += len(tokens)
        for h in chain:
            self._index[h] = self._ids  # the newest entry answers for a shared prefix
        while self._tokens > self.budget_tokens:
            self._evict()

    def _evict(self) -> None:
        entry_id, entry = self._entries.popitem(last=False)
        self._tokens -= len(entry.tokens)
        for h in self._chain(entry.tokens, entry.namespace):
            if self._index.get(h) == entry_id:
                del self._index[h]

    def clear(self) -> None:
        self._entries.clear()
        self._index.clear()
        self._tokens = 0
