"""The engine loop: a thread that owns the model and steps every active request.

Requests and aborts arrive through thread-safe queues; each produced token is
handed back through a callback (the async front end turns it into an asyncio
queue item). This simple core interleaves requests one forward pass at a time;
the batching engine replaces it behind the same submit/abort surface.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.sampling import make_generator, sample_next

log = logging.getLogger(__name__)


@dataclass
class TokenEvent:
    """One generated token id."""

    token_id: int


@dataclass
class FinishEvent:
    """The request left the engine."""

    reason: str
    prompt_tokens: int
    completion_tokens: int
    queue_ms: float


@dataclass
class ErrorEvent:
    """The engine failed this request."""

    message: str


CoreEvent = TokenEvent | FinishEvent | ErrorEvent
Sink = Callable[[CoreEvent], None]


@dataclass
class CoreRequest:
    """A tokenised prompt plus where to send its tokens."""

    request_id: str
    prompt_ids: list[int]
    params: SamplingParams
    sink: Sink
    priority: int = 0
    submitted_at: float = field(default_factory=time.perf_counter)


@dataclass
class _Active:
    req: CoreRequest
    generator: torch.Generator
    queue_ms: float
    cache: Any = None
    next_input: list[int] = field(default_factory=list)
    generated: int = 0


class GenerationCore:
    """Owns the model on one thread; ``submit`` and ``abort`` are thread-safe."""

    def __init__(self, model: Any, device: torch.device, eos_ids: set[int], context_length: int) -> None:
        self._model = model
        self._device = device
        self._eos_ids = eos_ids
        self._context_length = context_length
        self._inbox: queue.Queue[CoreRequest | None] = queue.Queue()
        self._aborts: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._active: dict[str, _Active] = {}
        self._thread = threading.Thread(target=self._run, name="npcbridge-engine", daemon=True)
        self.failed: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish every request as cancelled and join the thread."""
        self._stopping = True
        self._inbox.put(None)
        self._thread.join(timeout=30)

    def submit(self, request: CoreRequest) -> None:
        self._inbox.put(request)

    def abort(self, request_id: str) -> None:
        with self._lock:
            self._aborts.add(request_id)
        self._inbox.put(None)  # wake the loop if it is idle

    def queue_depth(self) -> int:
        return self._inbox.qsize()

    def active_count(self) -> int:
        return len(self._active)

    def _run(self) -> None:
        try:
            with torch.inference_mode():
                while not self._stopping:
                    self._admit(block=not self._active)
                    self._apply_aborts()
                    for item in list(self._active.values()):
                        self._step(item)
        except Exception as exc:  # the engine is down: fail everything, loudly
            log.exception("engine loop crashed")
            self.failed = f"engine loop crashed: {exc}"
        finally:
            reason = self.failed or "host is shutting down"
            for item in self._active.values():
                item.req.sink(ErrorEvent(reason))
            self._active.clear()
            while True:
                try:
                    pending = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if pending is not None:
                    pending.sink(ErrorEvent(reason))

    def _admit(self, block: bool) -> None:
        try:
            item = self._inbox.get(block=block)
            while True:
                if item is not None:
                    queue_ms = (time.perf_counter() - item.submitted_at) * 1000
                    self._active[item.request_id] = _Active(
                        item, make_generator(item.params.seed), queue_ms, next_input=list(item.prompt_ids))
                item = self._inbox.get_nowait()
        except queue.Empty:
            pass

    def _apply_aborts(self) -> None:
        with self._lock:
            aborts, self._aborts = self._aborts, set()
        for request_id in aborts:
            item = self._active.pop(request_id, None)
            if item is not None:
                self._finish(item, "cancelled")

    def _finish(self, item: _Active, reason: str) -> None:
        item.req.sink(FinishEvent(reason, len(item.req.prompt_ids), item.generated, item.queue_ms))

    def _step(self, item: _Active) -> None:
        ids = torch.tensor([item.next_input], dtype=torch.long, device=self._device)
        out = self._model(input_ids=ids, past_key_values=item.cache, use_cache=True)
        item.cache = out.past_key_values
        token = sample_next(out.logits[0, -1], item.req.params, item.generator)
        request_id = item.req.request_id
        if token in self._eos_ids:
            self._finish(self._active.pop(request_id), "stop")
            return
        item.generated += 1
        item.next_input = [token]
        item.req.sink(TokenEvent(token))
        total = len(item.req.prompt_ids) + item.generated
        if item.generated >= item.req.params.max_tokens or total >= self._context_length:
            self._finish(self._active.pop(request_id), "length")
