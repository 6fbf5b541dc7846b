"""Which requests run in the next forward step, and with how many tokens each.

Continuous batching: requests wait in a priority queue (higher ``priority``
first, ties first come first served) and take a KV slot as soon as one is free,
between any two steps. Every running request that is decoding contributes its
one new token to every step; prompts are fed in chunks from a per-step token
budget, so a long prompt never stalls the others' decoding for more than one
chunk. Finished and aborted requests give their slot back at once.

This module knows nothing about models or tensors; the engine core drives it.
It changes a request's state only through :class:`~npcbridge.engine.sequence.Sequence`'s methods.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from npcbridge.engine.sequence import Sequence


class QueueFull(Exception):
    """Admission control: too many requests are already waiting."""


@dataclass
class Work:
    """``count`` tokens of ``seq`` starting at ``seq.computed``; the last chunk of a
    prompt (and every decode token) yields logits for a next token."""

    seq: Sequence
    count: int

    @property
    def completes(self) -> bool:
        return self.seq.computed + self.count == len(self.seq.tokens)


class Scheduler:
    """Priority admission into ``slots`` and per-step work planning."""

    def __init__(self, slots: int, max_waiting: int, step_tokens: int) -> None:
        if slots < 1 or step_tokens < 1:
            raise ValueError("slots and step_tokens must be positive")
        self.slots = slots
        self.max_waiting = max_waiting
        self.step_tokens = step_tokens
        self._waiting: list[tuple[int, int, Sequence]] = []
        self._order = itertools.count()
        self.running: dict[str, Sequence] = {}
        self._aborted_waiting: set[str] = set()

    @property
    def waiting_count(self) -> int:
        return len(self._waiting) - len(self._aborted_waiting)

    def has_work(self) -> bool:
        return bool(self.running) or self.waiting_count > 0

    def add(self, seq: Sequence) -> None:
        """Queue a request; raises :class:`QueueFull` past ``max_waiting`` waiting requests
        (a request that can take a free slot right away never counts as waiting)."""
        free = self.slots - len(self.running)
        if self.waiting_count >= self.max_waiting + max(free, 0):
            raise QueueFull(
                f"the engine queue is full: {self.waiting_count} requests are waiting for "
                f"{self.slots} generation slots; retry shortly or raise --max-queue")
        heapq.heappush(self._waiting, (-seq.priority, next(self._order), seq))

    def abort(self, request_id: str) -> Sequence | None:
        """Remove a request wherever it is; the caller frees its slot."""
        seq = self.running.pop(request_id, None)
        if seq is not None:
            return seq
        for _, _, waiting in self._waiting:
            if waiting.request_id == request_id and request_id not in self._aborted_waiting:
                self._aborted_waiting.add(request_id)  # lazily dropped when it reaches the top
                return waiting
        return None

    def finish(self, seq: Sequence) -> None:
        """The request left the engine (stop, length or error)."""
        self.running.pop(seq.request_id, None)

    def drain_waiting(self) -> list[Sequence]:
        """Remove and return every waiting request (shutdown)."""
        waiting = [seq for _, _, seq in sorted(self._waiting) if seq.request_id not in self._aborted_waiting]
        self._waiting.clear()
        self._aborted_waiting.clear()
        return waiting

    def admit(self, allocate: Callable[[], int]) -> list[Sequence]:
        """Move the best waiting requests into free slots; ``allocate`` returns a slot."""
        admitted = []
        while self._waiting and len(self.running) < self.slots:
            _, _, seq = heapq.heappop(self._waiting)
            if seq.request_id in self._aborted_waiting:
                self._aborted_waiting.discard(seq.request_id)
                continue
            seq.admit(allocate())
            self.running[seq.request_id] = seq
            admitted.append(seq)
        return admitted

    def plan(self) -> list[Work]:
        """This step's work: every decoding request, then prompt chunks by priority."""
        work: list[Work] = []
        prefilling: list[Sequence] = []
        for seq in self.running.values():
            if seq.held:
                continue
            if seq.pending == 1:
                work.append(Work(seq, 1))
            elif seq.pending > 1:
                prefilling.append(seq)
        budget = max(self.step_tokens - len(work), 1)  # a prompt always moves on
        prefilling.sort(key=lambda s: (-s.priority, s.admitted or 0.0))
        for seq in prefilling:
            if budget <= 0:
                break
            count = min(seq.pending, budget)
            work.append(Work(seq, count))
            budget -= count
        return work
