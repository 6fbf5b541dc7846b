"""Batch avatar jobs from every request in flight into shared forward passes.

One worker owns the model. While it runs a batch, new jobs queue up; the next
batch takes all of them (up to ``max_batch``), so concurrent requests share
passes without waiting for a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from npcbridge.avatar.models import AvatarJob, AvatarResult

RunBatch = Callable[[list[AvatarJob]], list[AvatarResult]]


class AvatarBatcher:
    """Queue of jobs served by one model thread."""

    def __init__(self, run: RunBatch, max_batch: int) -> None:
        self._run = run
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[AvatarJob, asyncio.Future[AvatarResult]]] = asyncio.Queue()
        # One thread: the model is not shared between threads, and batches run in order.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="npcbridge-avatar")
        self._worker: asyncio.Task[None] | None = None
        self.batch_sizes: list[int] = []  # recent batch sizes, for tests and metrics

    def submit(self, jobs: list[AvatarJob]) -> list[asyncio.Future[AvatarResult]]:
        """Queue ``jobs``; each future resolves to its result (cancel it to drop the job)."""
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work(), name="npcbridge-avatar-batcher")
        futures = []
        for job in jobs:
            fut: asyncio.Future[AvatarResult] = loop.create_future()
            self._queue.put_nowait((job, fut))
            futures.append(fut)
        return futures

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            batch = [(job, fut) for job, fut in batch if not fut.done()]  # skip cancelled requests
            if not batch:
                continue
            self.batch_sizes = [*self.batch_sizes[-99:], len(batch)]
            try:
                results = await loop.run_in_executor(self._executor, self._run, [job for job, _ in batch])
            except Exception as exc:  # noqa: BLE001 - any model failure surfaces on every waiting request
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    async def close(self) -> None:
        """Stop the worker; jobs still queued fail with CancelledError."""
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        while not self._queue.empty():
            _, fut = self._queue.get_nowait()
            fut.cancel()
        self._executor.shutdown(wait=False)
