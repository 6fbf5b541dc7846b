"""Continuous batching with a fake model: joins, leaves, aborts, priorities, admission."""

from __future__ import annotations

from npcbridge.engine.engine_core import EngineCore
from npcbridge.engine.messages import AddRequest
from npcbridge.engine.scheduler import Scheduler
from npcbridge.engine.sequence import Sequence
from npcbridge.dialogue.types import SamplingParams
from tests.fake_runner import FakeRunner, expected_reply, run_until_idle as run


def add(core: EngineCore, rid: str, prompt: list[int], max_tokens: int = 5, priority: int = 0) -> None:
    core.add(AddRequest(rid, prompt, SamplingParams(max_tokens, 0.0, 1.0), priority))


def make(slots=4, step_tokens=64, max_waiting=8, prefix=0, eos=None):
    runner = FakeRunner(slots)
    return EngineCore(runner, {eos} if eos is not None else set(), max_waiting, step_tokens, prefix), runner


def test_batched_replies_equal_one_at_a_time():
    prompts = {f"r{i}": [i + 1] * (3 + 5 * i) for i in range(6)}
    core, runner = make(slots=4)
    for rid, prompt in prompts.items():
        add(core, rid, prompt, max_tokens=9)
    together = run(core)
    for rid, prompt in prompts.items():
        assert together[rid][0] == expected_reply(prompt, 9)
        assert together[rid][1].finish_reason == "length"
    assert max(len(rows) for rows in runner.steps) == 4  # four slots shared each step


def test_new_requests_join_between_steps_and_finished_ones_leave():
    core, runner = make(slots=4)
    add(core, "long", [1, 2, 3], max_tokens=20)
    for _ in range(3):
        core.step()
    add(core, "late", [4, 5], max_tokens=2)
    first = [o.tokens for o in core.step() if o.request_id == "late"]
    assert {r.slot for r in runner.steps[-1]} == {0, 1}  # joined the running batch at once
    out = run(core)
    assert out["late"][1].finish_reason == "length"
    assert first[0] + out["late"][0] == expected_reply([4, 5], 2)
    assert out["long"][0] == expected_reply([1, 2, 3], 20)[4:]
    assert core.cache.free_slots == 4


def test_long_prompt_is_chunked_and_does_not_stall_decoding():
    core, runner = make(slots=2, step_tokens=16)
    add(core, "chatty", [7, 7], max_tokens=30)
    core.step()
    add(core, "long", list(range(1, 60)), max_tokens=3)
    out = run(core)
    long_steps = [s for s in runner.steps if any(len(r.tokens) > 1 for r in s)]
    assert len(long_steps) >= 4  # 59 tokens in chunks of at most 16 - 1
    assert all(sum(len(r.tokens) for r in s) <= 16 for s in long_steps)
    assert all(any(r.slot == 0 and len(r.tokens) == 1 for r in s) for s in long_steps[1:])
    assert out["long"][0] == expected_reply(list(range(1, 60)), 3)


def test_abort_frees_the_slot_before_the_next_step():
    core, runner = make(slots=1)
    add(core, "a", [1, 2], max_tokens=100)
    add(core, "b", [3, 4], max_tokens=2)
    core.step()
    core.step()
    core.abort("a")
    assert core.cache.free_slots == 1
    outputs = core.step()
    assert any(o.request_id == "a" and o.finish_reason == "cancelled" for o in outputs)
    assert runner.steps[-1][0].tokens == [3, 4]  # b took the slot in the very next step
    assert run(core)["b"][1].finish_reason == "length"


def test_abort_of_a_waiting_request():
    core, _ = make(slots=1)
    add(core, "a", [1], max_tokens=3)
    add(core, "b", [2], max_tokens=3)
    core.step()
    core.abort("b")
    out = run(core)
    assert out["b"][1].finish_reason == "cancelled" and out["b"][0] == []
    assert out["a"][1].finish_reason == "length"


def test_priority_first_then_first_come():
    core, runner = make(slots=1)
    add(core, "running", [1], max_tokens=2)
    core.step()
    add(core, "low", [2], priority=0, max_tokens=1)
    add(core, "high", [3], priority=5, max_tokens=1)
    add(core, "low2", [4], priority=0, max_tokens=1)
    add(core, "high2", [5], priority=5, max_tokens=1)
    order = []
    for _ in range(50):
        for out in core.step():
            if out.finish_reason:
                order.append(out.request_id)
        if not core.has_work():
            break
    assert order == ["running", "high", "high2", "low", "low2"]


def test_admission_control_refuses_past_the_queue_limit():
    core, _ = make(slots=1, max_waiting=2)
    for i in range(4):
        add(core, f"r{i}", [1, 2], max_tokens=2)
    refused = [o for o in core.take_outputs() if o.error]
    assert [o.request_id for o in refused] == ["r3"]
    assert refused[0].error_kind == "resource_exhausted" and "--max-queue" in refused[0].error
    assert len(run(core)) == 3


def test_eos_stops_and_prompt_limits_are_checked():
    core, _ = make(slots=1)
    prompt = [1, 2, 3]
    reply = expected_reply(prompt, 10)
    core.eos_ids = {reply[2]}
    add(core, "stops", prompt, max_tokens=10)
    add(core, "empty", [])
    add(core, "huge", [1] * 300)
    out = run(core)
    assert out["stops"][0] == reply[:2] and out["stops"][1].finish_reason == "stop"
    assert out["empty"][1].error_kind == "invalid_argument"
    assert "--max-context-tokens" in out["huge"][1].error


def test_queue_time_is_reported():
    core, _ = make(slots=1)
    add(core, "a", [1], max_tokens=3)
    add(core, "b", [2], max_tokens=3)
    out = run(core)
    assert out["b"][1].queue_ms > out["a"][1].queue_ms >= 0


def test_scheduler_plan_budget_always_moves_a_prompt():
    sched = Scheduler(slots=2, max_waiting=4, step_tokens=16)
    for i in range(2):
        sched.add(Sequence(f"d{i}", [1], SamplingParams(5, 0.0, 1.0)))
    slots = iter(range(2))
    sched.admit(lambda: next(slots))
    work = sched.plan()
    assert [w.count for w in work] == [1, 1] and all(w.completes for w in work)


def test_shutdown_cancels_running_and_waiting_requests():
    core, _ = make(slots=1)
    add(core, "running", [1, 2], max_tokens=50)
    add(core, "waiting", [3, 4], max_tokens=50)
    core.step()
    finals = {o.request_id: o.finish_reason for o in core.abort_all() if o.finish_reason}
    assert finals == {"running": "cancelled", "waiting": "cancelled"}
    assert not core.has_work() and core.cache.free_slots == 1


def test_a_reply_near_its_budget_ends_at_the_first_sentence_end():
    prompt = [5, 9, 2, 7]
    full = expected_reply(prompt, 30)
    end = full[6]  # the "full stop" of this test: its first use from token 3 on ends the reply
    stop_at = next(i for i in range(2, 30) if full[i] == end)
    core = EngineCore(FakeRunner(2), set(), 8, 64, 0, sentence_end_ids={end})
    core.add(AddRequest("r", prompt, SamplingParams(30, 0.0, 1.0, sentence_stop_after=3)))
    core.add(AddRequest("plain", prompt, SamplingParams(30, 0.0, 1.0)))  # no sentence stop: runs to its limit
    seen = run(core)
    tokens, final = seen["r"]
    assert tokens == full[:stop_at + 1] and final.finish_reason == "stop"
    assert seen["plain"][0] == full and seen["plain"][1].finish_reason == "length"
