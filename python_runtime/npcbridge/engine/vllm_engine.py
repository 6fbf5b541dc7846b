"""The dialogue engine on vLLM's AsyncLLM, for GPU boxes (``--backend vllm``).

vLLM does the batching, paged KV cache, prefix caching and priority scheduling;
this front end tokenises through the model's chat template (so the prompt ids the
dialogue layer counted are the ones served), maps each request with
:mod:`npcbridge.engine.vllm_requests`, streams text deltas, decodes an action
tail as a second request continuing the reply (its prompt is a prefix-cache hit),
and aborts on client cancel. vLLM lives in its own environment
(``scripts/setup_vllm.sh``): it pins its own torch and transformers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.interface import ChatMessage, chat_prompt_ids, EngineInfo, GenerationChunk, GenerationRequest
from npcbridge.engine.vllm_requests import AdapterIds, engine_args, finish_reason, sampling_kwargs, vllm_priority
from npcbridge.errors import InvalidArgument, ModelLoadError, Unavailable

log = logging.getLogger(__name__)


@dataclass
class VllmApi:
    """The vLLM entry points the engine uses (tests pass stand-ins for the request mapping)."""

    sampling_params: Callable[..., Any]
    structured_outputs: Callable[..., Any]
    lora_request: Callable[..., Any]
    delta_kind: Any  # RequestOutputKind.DELTA
    start: Callable[[dict[str, Any]], Any]  # engine args -> AsyncLLM
    validation_errors: tuple[type[BaseException], ...] = (ValueError,)


def load_vllm_api() -> VllmApi:
    """The real vLLM; raises ModelLoadError with what to do when it is not installed."""
    try:
        from vllm import SamplingParams
        from vllm.config import StructuredOutputsConfig
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.lora.request import LoRARequest
        from vllm.sampling_params import RequestOutputKind, StructuredOutputsParams
        from vllm.v1.engine.async_llm import AsyncLLM
    except ImportError as exc:
        raise ModelLoadError(f"--backend vllm needs vLLM ({exc}); install it in its own environment with "
                             "scripts/setup_vllm.sh and run the host from there") from exc

    def start(args: dict[str, Any]) -> Any:
        args = dict(args, structured_outputs_config=StructuredOutputsConfig(**args["structured_outputs_config"]))
        return AsyncLLM.from_engine_args(AsyncEngineArgs(**args))

    return VllmApi(SamplingParams, StructuredOutputsParams, LoRARequest, RequestOutputKind.DELTA, start)


class VllmEngine:
    """:class:`~npcbridge.engine.interface.Engine` on vLLM's AsyncLLM."""

    def __init__(self, config: CoreConfig, *, gpu_memory: float = 0.85, max_loras: int = 0,
                 max_lora_rank: int = 16, api: VllmApi | None = None, tokenizer: Any = None,
                 model_dir: str | None = None) -> None:
        self.config = config
        self._gpu_memory, self._max_loras, self._max_lora_rank = gpu_memory, max_loras, max_lora_rank
        self._api = api
        self._tokenizer = tokenizer
        self._model_dir = model_dir
        self._llm: Any = None
        self._adapters = AdapterIds()
        self._running: dict[str, str] = {}  # our request id -> the vLLM request now decoding it
        self.info = EngineInfo(name=config.model, backend="vllm", device="cuda", dtype="bfloat16")

    @classmethod
    def from_settings(cls, settings: Any) -> VllmEngine:
        return cls(CoreConfig.from_settings(settings), gpu_memory=settings.vllm_gpu_memory,
                   max_loras=settings.max_loras, max_lora_rank=settings.max_lora_rank)

    @property
    def ready(self) -> bool:
        return self._llm is not None and not getattr(self._llm, "errored", False)

    async def start(self) -> None:
        api = self._api or load_vllm_api()
        self._api = api
        if self._model_dir is None or self._tokenizer is None:
            from npcbridge.models.loader import load_tokenizer, prepare

            # The same folder the torch engine loads: a GGUF converted once, the tuning merged.
            self._model_dir = self._model_dir or prepare(self.config.model, self.config.cache_dir, self.config.tuning)
            self._tokenizer = self._tokenizer or load_tokenizer(self.config.model, self.config.cache_dir)
        args = engine_args(self.config, self._model_dir, gpu_memory=self._gpu_memory,
                           max_loras=self._max_loras, max_lora_rank=self._max_lora_rank)
        try:
            self._llm = api.start(args)
        except Exception as exc:  # vLLM reports CUDA, memory and config problems as many types
            raise ModelLoadError(f"vLLM could not start {self._model_dir}: {exc}") from exc
        self.info = EngineInfo(name=self.config.model, backend="vllm", device="cuda", dtype=args["dtype"],
                               context_length=self.config.max_context_tokens,
                               extra={"slots": str(self.config.max_batch), "max_loras": str(self._max_loras)})
        log.info("dialogue engine ready: vLLM %s (%s), %d sequences", self._model_dir, args["dtype"],
                 self.config.max_batch)

    async def stop(self) -> None:
        self.terminate()

    def terminate(self) -> None:
        llm, self._llm = self._llm, None
        if llm is not None:
            llm.shutdown()

    def encode(self, messages: list[ChatMessage]) -> list[int]:
        """Prompt token ids through the model's own chat template."""
        if self._tokenizer is None:
            raise Unavailable(f"model {self.info.name} is still loading; retry when health is SERVING")
        return chat_prompt_ids(self._tokenizer, messages)

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return len(self.encode(messages))

    def queue_depth(self) -> int:
        return max(0, len(self._running) - self.config.max_batch)

    def abort(self, request_id: str) -> None:
        vllm_id = self._running.get(request_id)
        if vllm_id is not None and self._llm is not None:
            asyncio.ensure_future(self._llm.abort(vllm_id))

    def _sampling(self, request: GenerationRequest, tail: bool) -> Any:
        api = self._api
        assert api is not None
        kwargs = sampling_kwargs(request.params, tail=tail)
        kwargs["output_kind"] = api.delta_kind
        if "structured_outputs" in kwargs:
            kwargs["structured_outputs"] = api.structured_outputs(**kwargs["structured_outputs"])
        return api.sampling_params(**kwargs)

    def _lora(self, request: GenerationRequest) -> Any:
        if not request.adapter:
            return None
        if self._max_loras <= 0:
            raise InvalidArgument("this host serves no LoRA adapters; start it with --max-loras N")
        ref = self._adapters.ref(request.adapter)
        assert self._api is not None
        return self._api.lora_request(ref.name, ref.int_id, ref.path)

    async def _stream(self, vllm_id: str, prompt: list[int], sampling: Any, request: GenerationRequest,
                      lora: Any) -> AsyncIterator[Any]:
        assert self._api is not None
        self._running[request.request_id] = vllm_id
        try:
            async for output in self._llm.generate({"prompt_token_ids": prompt}, sampling, vllm_id,
                                                   priority=vllm_priority(request.priority), lora_request=lora):
                yield output
        except self._api.validation_errors as exc:
            raise InvalidArgument(f"vLLM refused the request: {exc}") from exc

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        if not self.ready:
            raise Unavailable(f"model {self.info.name} is not ready; retry when health is SERVING")
        prompt = request.prompt_ids if request.prompt_ids is not None else self.encode(request.messages)
        lora = self._lora(request)
        reply: list[int] = []
        reason, cached, queue_ms = "stop", 0, 0.0
        try:
            async for out in self._stream(request.request_id, prompt, self._sampling(request, False), request, lora):
                piece = out.outputs[0]
                reply.extend(piece.token_ids)
                if piece.text:
                    yield GenerationChunk(text=piece.text)
                if out.finished:
                    reason, cached = finish_reason(piece.finish_reason), out.num_cached_tokens or 0
                    queue_ms = _queue_ms(out)
            tail_tokens = 0
            if request.params.tail_grammar and reason != "cancelled":
                # The action call continues the reply as written (without its end-of-text).
                spoken = [t for t in reply if t not in self._stop_ids()]
                async for out in self._stream(f"{request.request_id}:tail", prompt + spoken,
                                              self._sampling(request, True), request, lora):
                    tail_tokens += len(out.outputs[0].token_ids)
                    if out.outputs[0].text:
                        yield GenerationChunk(text=out.outputs[0].text, tail=True)
            yield GenerationChunk(finish_reason=reason, prompt_tokens=len(prompt),
                                  completion_tokens=len(reply) + tail_tokens, queue_ms=queue_ms,
                                  cached_tokens=cached)
        except (GeneratorExit, asyncio.CancelledError):
            self.abort(request.request_id)  # the consumer went away (client cancelled): vLLM frees it now
            raise
        finally:
            self._running.pop(request.request_id, None)

    def _stop_ids(self) -> set[int]:
        ids = {self._tokenizer.eos_token_id} if self._tokenizer is not None else set()
        return {i for i in ids if i is not None}


def _queue_ms(output: Any) -> float:
    """How long the request waited for the scheduler (vLLM's request stats, when it keeps them)."""
    stats = getattr(output, "metrics", None)
    queued, scheduled = getattr(stats, "queued_ts", 0.0), getattr(stats, "scheduled_ts", 0.0)
    return max(0.0, (scheduled - queued) * 1000.0) if queued and scheduled else 0.0
