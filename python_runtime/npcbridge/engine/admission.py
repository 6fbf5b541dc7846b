"""Admission by priority in front of an engine that serves a fixed number of requests at
once (llama-server's slots): the highest priority waits least, ties first come first
served, and past ``max_waiting`` waiting requests a new one is refused at once."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time

from npcbridge.errors import ResourceExhausted


class Admission:
    """``await enter(priority)`` before a request runs, ``leave()`` after it (always)."""

    def __init__(self, places: int, max_waiting: int) -> None:
        self.places = places
        self.max_waiting = max_waiting
        self.running = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def enter(self, priority: int) -> float:
        """Wait for a place; returns the milliseconds waited. Raises ResourceExhausted when full."""
        if self.running < self.places and not self._waiting:
            self.running += 1
            return 0.0
        if len(self._waiting) >= self.max_waiting:
            raise ResourceExhausted(f"the engine queue is full: {len(self._waiting)} requests are waiting for "
                                    f"{self.places} generation slots; retry shortly or raise --max-queue")
        start = time.monotonic()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (-priority, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # given a place just as it was cancelled: pass it on
                self.leave()
            else:
                self._waiting = [w for w in self._waiting if w[2] is not turn]
                heapq.heapify(self._waiting)
            raise
        return (time.monotonic() - start) * 1000

    def leave(self) -> None:
        """Free a place; the next waiting request (by priority) takes it."""
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)  # the place passes on: running stays the same
                return
        self.running -= 1
