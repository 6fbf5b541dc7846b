"""Engine backed by a transformers causal LM: tokenises on the caller's side,
generates on the engine thread, detokenises back into text deltas."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from pathlib import Path

from npcbridge.engine.core import CoreEvent, CoreRequest, ErrorEvent, FinishEvent, GenerationCore, TokenEvent
from npcbridge.engine.detokenizer import IncrementalDetokenizer
from npcbridge.engine.interface import ChatMessage, EngineInfo, GenerationChunk, GenerationRequest
from npcbridge.errors import Unavailable
from npcbridge.models.loader import LoadedModel, load_causal_lm

log = logging.getLogger(__name__)


class TransformersEngine:
    """:class:`~npcbridge.engine.interface.Engine` over a transformers model."""

    def __init__(self, loader: Callable[[], LoadedModel], name: str) -> None:
        self._loader = loader
        self._loaded: LoadedModel | None = None
        self._core: GenerationCore | None = None
        self.info = EngineInfo(name=name, backend="transformers")

    @classmethod
    def from_settings(cls, model: str, cache_dir: Path, device: str, dtype: str) -> TransformersEngine:
        """Engine that loads ``model`` on :meth:`start`."""
        return cls(lambda: load_causal_lm(model, cache_dir, device, dtype), model)

    @classmethod
    def from_loaded(cls, loaded: LoadedModel) -> TransformersEngine:
        """Engine over a model already in memory (benchmarks, tests)."""
        return cls(lambda: loaded, loaded.name)

    @property
    def ready(self) -> bool:
        return self._core is not None and self._core.failed is None

    @property
    def loaded(self) -> LoadedModel:
        if self._loaded is None:
            raise Unavailable(f"model {self.info.name} is still loading; retry when health is SERVING")
        return self._loaded

    async def start(self) -> None:
        # Loading takes seconds: keep it off the event loop.
        loaded = await asyncio.to_thread(self._loader)
        tokenizer = loaded.tokenizer
        eos = loaded.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tokenizer.eos_token_id is not None:
            eos_ids.add(tokenizer.eos_token_id)
        self._loaded = loaded
        self.info = EngineInfo(
            name=loaded.name, backend="transformers", device=str(loaded.device),
            dtype=loaded.dtype_name, context_length=loaded.context_length,
        )
        self._core = GenerationCore(loaded.model, loaded.device, eos_ids, loaded.context_length)
        self._core.start()
        log.info("model %s ready on %s (%s)", loaded.name, loaded.device, loaded.dtype_name)

    async def stop(self) -> None:
        if self._core is not None:
            await asyncio.to_thread(self._core.stop)

    def encode(self, messages: list[ChatMessage]) -> list[int]:
        """Prompt token ids through the model's own chat template."""
        tokenizer = self.loaded.tokenizer
        text = tokenizer.apply_chat_template(
            [asdict(m) for m in messages], tokenize=False, add_generation_prompt=True)
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return len(self.encode(messages))

    def queue_depth(self) -> int:
        return self._core.queue_depth() if self._core else 0

    def abort(self, request_id: str) -> None:
        if self._core is not None:
            self._core.abort(request_id)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        core = self._core
        if core is None or core.failed:
            raise Unavailable(core.failed if core and core.failed else
                              f"model {self.info.name} is still loading; retry when health is SERVING")
        prompt_ids = self.encode(request.messages)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[CoreEvent] = asyncio.Queue()

        def sink(event: CoreEvent) -> None:
            # Called on the engine thread: hand over to the event loop.
            try:
                loop.call_soon_threadsafe(events.put_nowait, event)
            except RuntimeError:  # loop closed: nobody is listening any more
                pass

        core.submit(CoreRequest(request.request_id, prompt_ids, request.params, sink, request.priority))
        detok = IncrementalDetokenizer(self.loaded.tokenizer)
        finished = False
        try:
            while True:
                event = await events.get()
                if isinstance(event, TokenEvent):
                    text = detok.add(event.token_id)
                    if text:
                        yield GenerationChunk(text=text)
                elif isinstance(event, FinishEvent):
                    finished = True
                    yield GenerationChunk(
                        finish_reason=event.reason, prompt_tokens=event.prompt_tokens,
                        completion_tokens=event.completion_tokens, queue_ms=event.queue_ms)
                    return
                elif isinstance(event, ErrorEvent):
                    finished = True
                    raise Unavailable(f"generation stopped: {event.message}")
        finally:
            if not finished:  # consumer went away (client cancelled): free the slot now
                core.abort(request.request_id)
