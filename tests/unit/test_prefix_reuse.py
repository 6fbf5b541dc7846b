"""Prefix reuse with the fake model: a shared character prompt and a session's
history are copied from the cache, and the replies stay exactly the same."""

from __future__ import annotations

import torch

from npcbridge.engine.prefix_cache import PrefixCache
from tests.fake_runner import expected_reply
from tests.unit.test_scheduler import add, make, run

SYSTEM = [(i * 7) % 50 + 1 for i in range(40)]  # one character's system prompt


def test_npcs_of_one_character_share_the_system_prompt():
    core, runner = make(slots=2, prefix=4096)
    replies = {}
    for i in range(6):
        prompt = SYSTEM + [60 + i, 61 + i]
        add(core, f"npc{i}", prompt, max_tokens=6)
        replies[f"npc{i}"] = (prompt, run(core)[f"npc{i}"])
    for prompt, (tokens, _) in replies.values():
        assert tokens == expected_reply(prompt, 6)  # same reply as computed from scratch
    cached = [final.cached_tokens for _, (_, final) in replies.values()]
    assert cached[0] == 0 and all(c == len(SYSTEM) for c in cached[1:])
    stats = core.prefix.stats
    assert stats.hit_rate > 0.75
    fed = sum(sum(len(r.tokens) for r in step) for step in runner.steps)
    assert fed < 6 * (len(SYSTEM) + 2 + 6) * 0.45  # most prompt tokens were never recomputed


def test_a_session_reuses_its_own_history_across_turns():
    core, _ = make(slots=1, prefix=4096)
    prompt = SYSTEM + [70, 71]
    add(core, "t1", prompt, max_tokens=8)
    reply = run(core)["t1"][0]
    second = prompt + reply + [72, 73]
    add(core, "t2", second, max_tokens=4)
    out = run(core)["t2"]
    assert out[0] == expected_reply(second, 4)
    assert out[1].cached_tokens == len(prompt) + len(reply) - 1  # the last reply token was never fed


def test_prefix_cache_evicts_least_recently_used_within_budget():
    cache = PrefixCache(budget_tokens=64, block=16)
    kv = torch.zeros(1, 1, 32, 1)
    a, b, c = list(range(32)), list(range(100, 132)), list(range(200, 232))
    cache.insert(a, kv, kv)
    cache.insert(b, kv, kv)
    assert cache.lookup(a + [5], 32)[1] == 32  # touch a: b is now the oldest
    cache.insert(c, kv, kv)
    assert cache.cached_tokens <= 64
    assert cache.lookup(b + [5], 32)[1] == 0
    assert cache.lookup(a + [5], 32)[1] == 32 and cache.lookup(c + [5], 32)[1] == 32


def test_lookup_extends_past_the_last_whole_block_and_respects_the_limit():
    cache = PrefixCache(budget_tokens=1000, block=16)
    tokens = list(range(40))
    cache.insert(tokens, torch.zeros(1, 1, 40, 1), torch.zeros(1, 1, 40, 1))
    assert cache.lookup(tokens[:37] + [999], 100)[1] == 37
    assert cache.lookup(tokens, 39)[1] == 39
    assert cache.lookup([1] + tokens, 40)[1] == 0
    cache.insert(tokens[:20], torch.zeros(1, 1, 20, 1), torch.zeros(1, 1, 20, 1))
    assert cache.cached_tokens == 40  # already covered: not stored twice


def test_disabled_prefix_cache_changes_nothing():
    core, _ = make(slots=1, prefix=0)
    for i in range(2):
        add(core, f"r{i}", SYSTEM + [i + 1], max_tokens=3)
        assert run(core)[f"r{i}"][1].cached_tokens == 0


def test_npcs_arriving_together_compute_their_characters_prompt_once():
    """Eight NPCs of two characters in one moment: the two openings are prefilled once each
    while the others wait, then everyone copies them; replies stay exactly the same."""
    other = [(i * 11) % 50 + 1 for i in range(40)]
    core, runner = make(slots=8, prefix=4096)
    prompts = {f"npc{i}": (SYSTEM if i % 2 else other) + [60 + i, 61 + i] for i in range(8)}
    for rid, prompt in prompts.items():
        add(core, rid, prompt, max_tokens=4)
    out = run(core)
    for rid, prompt in prompts.items():
        assert out[rid][0] == expected_reply(prompt, 4)
    cached = sorted(out[rid][1].cached_tokens for rid in prompts)
    assert cached[:2] == [0, 0] and all(c == len(SYSTEM) for c in cached[2:])
    fed = sum(sum(len(r.tokens) for r in step) for step in runner.steps)
    assert fed < 8 * (len(SYSTEM) + 2 + 4) * 0.45
