"""Engine front end for transformers models: tokenises, hands token ids to the
engine core (own process or thread), detokenises its outputs into text deltas."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from npcbridge.engine.core_client import CoreClient, EngineDown
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.detokenizer import IncrementalDetokenizer
from npcbridge.engine.interface import ChatMessage, chat_prompt_ids, EngineInfo, GenerationChunk, GenerationRequest
from npcbridge.engine.messages import AddRequest, Stats
from npcbridge.engine.process_launch import EngineLaunch
from npcbridge.errors import FailedPrecondition, InvalidArgument, ModelLoadError, ResourceExhausted, Unavailable
from npcbridge.models.loader import LoadedModel, is_converted, load_tokenizer

log = logging.getLogger(__name__)

_ERRORS = {"resource_exhausted": ResourceExhausted, "invalid_argument": InvalidArgument,
           "failed_precondition": FailedPrecondition}


class TransformersEngine:
    """:class:`~npcbridge.engine.interface.Engine` over a transformers model.

    ``mode="process"`` runs the model in its own process (serving); ``"thread"``
    runs the same core in a thread of this process (tests, benchmarks).
    """

    def __init__(self, config: CoreConfig, mode: str = "process", loaded: LoadedModel | None = None,
                 log_level: str = "info", launch: EngineLaunch | None = None) -> None:
        self.config = config
        self._launch = launch
        self.mode = mode
        self._loaded = loaded
        self._log_level = log_level
        self._client: CoreClient | None = None
        self._tokenizer: Any = None
        self._ready_listeners: list[Callable[[bool], None]] = []
        self.info = EngineInfo(name=config.model, backend=config.backend)

    @classmethod
    def from_settings(cls, settings: Any, launch: EngineLaunch | None = None) -> TransformersEngine:
        """Engine as ``npcbridge serve`` configures it; the model loads on :meth:`start`
        (``launch``: its process, already started early with the same settings)."""
        return cls(CoreConfig.from_settings(settings), "process" if settings.engine_process else "thread",
                   log_level=settings.log_level, launch=launch)

    @classmethod
    def from_loaded(cls, loaded: LoadedModel, **overrides: Any) -> TransformersEngine:
        """Engine over a model already in memory, core in a thread (benchmarks, tests)."""
        config = replace(CoreConfig(loaded.name, Path("."), backend="transformers"), **overrides)
        return cls(config, "thread", loaded)

    @property
    def ready(self) -> bool:
        return self._client is not None and self._client.ready and self._client.failed is None

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            raise Unavailable(f"model {self.info.name} is still loading; retry when health is SERVING")
        return self._tokenizer

    def add_ready_listener(self, listener: Callable[[bool], None]) -> None:
        """Called with False when the engine process dies and True when it is back."""
        self._ready_listeners.append(listener)

    def _ready_changed(self, ready: bool) -> None:
        for listener in self._ready_listeners:
            listener(ready)

    async def start(self) -> None:
        client = CoreClient(self.config, self.mode, self._loaded, self._log_level, self._launch)
        # Set before it is ready: the host stopping while the model loads cancels this start,
        # then calls stop() (or terminate()), which must reach this client.
        self._client = client
        try:
            # The engine loads its model while this process loads the tokenizer; on a first
            # start the tokenizer's load converts the GGUF, and the engine must not convert too.
            # A core in a thread of this process loads its tokenizer too: it starts after this one
            # (transformers' lazy imports are not safe from two threads at once).
            early = (self._loaded is not None or self._launch is not None
                     or (self.mode == "process" and is_converted(self.config.model, self.config.cache_dir)))
            if early:
                client.launch()
            self._tokenizer = self._loaded.tokenizer if self._loaded else load_tokenizer(
                self.config.model, self.config.cache_dir)
            if not early:
                client.launch()
            ready = await client.wait_ready()
        except ModelLoadError:
            self._client = None
            await client.stop()
            raise
        client.on_ready_change = self._ready_changed
        self.info = EngineInfo(
            name=ready.model, backend=ready.backend, device=ready.device, dtype=ready.dtype,
            context_length=ready.context_length,
            extra={"slots": str(ready.slots), "slot_tokens": str(ready.slot_len),
                   "batched": str(ready.batched).lower(), "engine": self.mode})
        log.info("dialogue engine ready: %s on %s (%s), %d slots, %s", ready.model, ready.device, ready.dtype,
                 ready.slots, self.mode)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.stop()

    def terminate(self) -> None:
        """Kill the engine process now and clean up after it (forced exit)."""
        if self._client is not None:
            self._client.terminate()

    def stats(self) -> Stats:
        """Queue depth and prefix-cache counters as the core last reported them."""
        return self._client.stats if self._client else Stats(0, 0, 0, 0, 0)

    def kill_core(self) -> None:
        """Kill the engine process (crash-recovery tests)."""
        if self._client is not None:
            self._client.kill()

    def encode(self, messages: list[ChatMessage]) -> list[int]:
        """Prompt token ids through the model's own chat template."""
        return chat_prompt_ids(self.tokenizer, messages)

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return len(self.encode(messages))

    def queue_depth(self) -> int:
        return self.stats().waiting

    def loaded_adapters(self) -> set[str]:
        """Folders of the LoRA adapters in the engine's memory, as the core last reported."""
        return set(self.stats().adapters_loaded)

    def abort(self, request_id: str) -> None:
        if self._client is not None:
            self._client.abort(request_id)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        client = self._client
        if client is None or not self.ready:
            raise Unavailable(client.failed if client and client.failed else
                              f"model {self.info.name} is not ready; retry when health is SERVING")
        p = request.params
        prompt = request.prompt_ids if request.prompt_ids is not None else self.encode(request.messages)
        queue = client.submit(AddRequest(request.request_id, prompt, p, request.priority, request.adapter))
        detok = IncrementalDetokenizer(self.tokenizer)
        tail_detok = IncrementalDetokenizer(self.tokenizer)  # the tail is its own text
        finished = False
        try:
            while True:
                output = await queue.get()
                if isinstance(output, EngineDown):
                    finished = True
                    raise Unavailable(str(output))
                if output.error is not None:
                    finished = True
                    raise _ERRORS.get(output.error_kind, Unavailable)(output.error)
                text = "".join((tail_detok if output.tail else detok).add(t) for t in output.tokens)
                if text:
                    yield GenerationChunk(text=text, tail=output.tail)
                if output.finish_reason is not None:
                    finished = True
                    yield GenerationChunk(
                        finish_reason=output.finish_reason, prompt_tokens=output.prompt_tokens,
                        completion_tokens=output.completion_tokens, queue_ms=output.queue_ms,
                        cached_tokens=output.cached_tokens)
                    return
        finally:
            if not finished:  # consumer went away (client cancelled): free the slot now
                client.abort(request.request_id)
            client.release(request.request_id)
