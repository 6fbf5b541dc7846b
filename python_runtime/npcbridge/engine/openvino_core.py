"""The engine core on OpenVINO GenAI: its ``ContinuousBatchingPipeline`` does the
batching, paged KV cache, prefix caching and sampling; this class only feeds it.

What OpenVINO does not do itself is done here, above it, never below:

- **priority**: requests wait in our queue (highest priority first, then first
  come) and are admitted while fewer than ``max_running`` run, so a busy NPC
  scene never lets a low-priority crowd delay a high-priority line;
- **reply rules**: end of text and the sentence stop (``sentence_stop_after``)
  are applied to the streamed tokens, a request that must stop is cancelled;
- **tails**: when the speech of a request with a ``tail_grammar`` ends, the same
  prompt plus its speech is resubmitted under that grammar (OpenVINO's structured
  output; the prefix cache makes the second prefill nearly free), and its tokens
  are reported as tail tokens.

It has the surface :mod:`npcbridge.engine.core_loop` drives: ``add``, ``abort``,
``abort_all``, ``has_work``, ``step``, ``take_outputs``, ``stats``. It never
touches asyncio, gRPC or text.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.messages import AddRequest, RequestOutput, Stats
from npcbridge.engine.openvino_grammar import GrammarError, structured_output

log = logging.getLogger(__name__)


@dataclass
class _Live:
    """One request the pipeline is running (its speech, then maybe its tail)."""

    request: AddRequest
    handle: Any
    queue_ms: float
    speech: list[int] = field(default_factory=list)
    tail_tokens: int = 0
    in_tail: bool = False


class OpenVinoCore:
    """Drives one ``ContinuousBatchingPipeline`` step by step for the core loop."""

    def __init__(self, pipeline: Any, eos_ids: set[int], context_length: int, max_running: int = 32,
                 max_waiting: int = 64, sentence_end_ids: set[int] | None = None) -> None:
        self.pipeline = pipeline
        self.eos_ids = eos_ids
        self.context_length = context_length
        self.max_running = max_running
        self.max_waiting = max_waiting
        self.sentence_end_ids = sentence_end_ids or set()
        self._waiting: list[tuple[int, int, float, AddRequest]] = []  # (-priority, arrival, t, request)
        self._live: dict[int, _Live] = {}  # by the pipeline's integer request id
        self._by_request: dict[str, int] = {}
        self._ids = itertools.count()
        self._outputs: list[RequestOutput] = []

    # Requests in --------------------------------------------------------------

    def add(self, request: AddRequest) -> None:
        """Queue a request, or answer at once why it cannot be served."""
        limit = self.context_length - 1
        if not request.prompt or len(request.prompt) > limit:
            self._refuse(request, "invalid_argument",
                         f"the prompt has {len(request.prompt)} tokens; the engine takes 1 to {limit} "
                         "(raise --max-context-tokens)")
            return
        if request.adapter:
            self._refuse(request, "failed_precondition",
                         "LoRA adapters are served by --backend vllm (--max-loras) and --backend transformers; "
                         "the OpenVINO backend serves merged models only")
            return
        for grammar in (request.params.grammar, request.params.tail_grammar):
            try:
                structured_output(grammar)  # refuse now what cannot compile later (cached)
            except GrammarError as exc:
                self._refuse(request, "invalid_argument", str(exc))
                return
        free = self.max_running - len(self._live)  # a request a free place takes at once never counts as waiting
        if len(self._waiting) >= self.max_waiting + max(free, 0):
            self._refuse(request, "resource_exhausted",
                         f"the engine queue is full: {len(self._waiting)} requests are waiting for the "
                         f"{self.max_running} running ones (--max-queue, --max-batch); retry shortly")
            return
        heapq.heappush(self._waiting, (-request.priority, next(self._ids), time.monotonic(), request))

    def abort(self, request_id: str) -> None:
        """Drop a request wherever it is; it ends "cancelled"."""
        for i, (_, _, _, waiting) in enumerate(self._waiting):
            if waiting.request_id == request_id:
                self._waiting.pop(i)
                heapq.heapify(self._waiting)
                self._outputs.append(RequestOutput(request_id, finish_reason="cancelled",
                                                   prompt_tokens=len(waiting.prompt)))
                return
        key = self._by_request.get(request_id)
        if key is not None:
            self._finish(key, "cancelled")

    def abort_all(self, reason: str = "cancelled") -> list[RequestOutput]:
        """Every request ends (engine shutting down)."""
        for key in list(self._live):
            self._finish(key, reason)
        for _, _, _, request in self._waiting:
            self._outputs.append(RequestOutput(request.request_id, finish_reason=reason,
                                               prompt_tokens=len(request.prompt)))
        self._waiting.clear()
        if self.pipeline.has_non_finished_requests():
            self.pipeline.step()  # the pipeline frees cancelled requests' KV blocks on its next step
        return self.take_outputs()

    # Stepping -------------------------------------------------------------------

    def has_work(self) -> bool:
        return bool(self._live or self._waiting)

    def take_outputs(self) -> list[RequestOutput]:
        outputs, self._outputs = self._outputs, []
        return outputs

    def stats(self) -> Stats:
        return Stats(len(self._waiting), len(self._live), 0, 0, 0)

    def step(self) -> list[RequestOutput]:
        """Admit by priority, run one pipeline step, route what each request produced."""
        self._admit()
        if self._live:
            self.pipeline.step()
            for key in list(self._live):
                self._read(key)
        return self.take_outputs()

    def _admit(self) -> None:
        while self._waiting and len(self._live) < self.max_running:
            _, _, queued_at, request = heapq.heappop(self._waiting)
            queue_ms = (time.monotonic() - queued_at) * 1000
            try:
                config = self._config(request.params, request.params.max_tokens, request.params.grammar)
                key = next(self._ids)
                handle = self.pipeline.add_request(key, _tensor(request.prompt), config)
            except Exception as exc:  # a config OpenVINO refuses: say so, serve the rest
                log.warning("OpenVINO refused request %s: %s", request.request_id, exc)
                self._refuse(request, "invalid_argument", f"the engine refused the request: {exc}")
                continue
            self._live[key] = _Live(request, handle, queue_ms)
            self._by_request[request.request_id] = key

    def _read(self, key: int) -> None:
        live = self._live[key]
        tokens: list[int] = []
        reason = None
        if live.handle.can_read():
            for output in live.handle.read().values():
                tokens += output.generated_ids
                if str(output.finish_reason).endswith("LENGTH"):
                    reason = "length"
        request = live.request
        for token in tokens:
            if token in self.eos_ids:
                self._speech_done(key, "stop")
                return
            if live.in_tail:
                live.tail_tokens += 1
                self._outputs.append(RequestOutput(request.request_id, [token], tail=True))
                continue
            live.speech.append(token)
            self._outputs.append(RequestOutput(request.request_id, [token]))
            after = request.params.sentence_stop_after
            if after and len(live.speech) >= after and token in self.sentence_end_ids:
                self._speech_done(key, "stop")
                return
        if reason is not None or _finished(live.handle):
            self._speech_done(key, reason or "stop")

    def _speech_done(self, key: int, reason: str) -> None:
        """The current phase ended: a request with a tail grammar goes on to its tail."""
        live = self._live[key]
        params = live.request.params
        if live.in_tail or not params.tail_grammar:
            self._finish(key, reason)
            return
        live.handle.cancel()
        del self._live[key]
        config = self._config(params, params.tail_max_tokens, params.tail_grammar)
        new_key = next(self._ids)
        live.handle = self.pipeline.add_request(new_key, _tensor(live.request.prompt + live.speech), config)
        live.in_tail = True
        self._live[new_key] = live
        self._by_request[live.request.request_id] = new_key

    def _finish(self, key: int, reason: str) -> None:
        live = self._live.pop(key)
        live.handle.cancel()
        self._by_request.pop(live.request.request_id, None)
        self._outputs.append(RequestOutput(
            live.request.request_id, finish_reason=reason, prompt_tokens=len(live.request.prompt),
            completion_tokens=len(live.speech) + live.tail_tokens, queue_ms=live.queue_ms))

    def _refuse(self, request: AddRequest, kind: str, message: str) -> None:
        self._outputs.append(RequestOutput(request.request_id, finish_reason="error", error_kind=kind,
                                           error=message))

    def _config(self, params: SamplingParams, max_tokens: int, grammar: str) -> Any:
        """The request's GenerationConfig: sampling, end of text, and its grammar if any."""
        import openvino_genai as ov_genai

        config = ov_genai.GenerationConfig()
        config.max_new_tokens = max(1, max_tokens)
        config.stop_token_ids = set(self.eos_ids)
        config.eos_token_id = min(self.eos_ids) if self.eos_ids else -1
        if params.temperature > 0:
            config.do_sample = True
            config.temperature = params.temperature
            config.top_p = params.top_p
            config.min_p = params.min_p
            config.rng_seed = params.seed if params.seed is not None else random.getrandbits(31)
        else:
            config.do_sample = False
        config.repetition_penalty = params.repetition_penalty
        if params.no_repeat_ngram > 0:  # its default (off) is the largest size_t
            config.no_repeat_ngram_size = params.no_repeat_ngram
        if grammar:
            config.structured_output_config = structured_output(grammar)
        return config


def _tensor(ids: list[int]) -> Any:
    import openvino as ov

    return ov.Tensor(np.array([ids], dtype=np.int64))


def _finished(handle: Any) -> bool:
    return str(handle.get_status()).rsplit(".", 1)[-1] != "RUNNING"
