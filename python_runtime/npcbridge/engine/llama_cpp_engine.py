"""The dialogue engine on llama.cpp's ``llama-server`` (``--backend llama.cpp``): the
fast path on a Mac and for any GGUF.

llama-server does the batching (one slot a request, ``--max-batch`` slots), the KV
cache, prompt caching, sampling and GBNF grammars. This front end tokenises through
the model's chat template and sends token ids to ``/completion``, streams the tokens
back and detokenises them. Above the server, never below: admission by priority
when every slot is busy (:class:`~npcbridge.engine.admission.Admission`), the
sentence stop (the stream is closed, which frees the slot), and the action tail as
a second completion continuing the reply under its grammar (a prompt-cache hit).
If the server process dies, every request in flight ends UNAVAILABLE, health turns
NOT_SERVING, the server restarts, health comes back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import httpx

from npcbridge import metrics
from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.admission import Admission
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.detokenizer import IncrementalDetokenizer
from npcbridge.engine.gbnf import lark_to_gbnf
from npcbridge.engine.interface import ChatMessage, chat_prompt_ids, EngineInfo, GenerationChunk, GenerationRequest
from npcbridge.engine.lark_subset import GrammarError
from npcbridge.engine.llama_server import LlamaServerProcess, ServerOptions, find_llama_server
from npcbridge.engine.sentence_ends import sentence_end_ids
from npcbridge.errors import FailedPrecondition, InvalidArgument, Unavailable

log = logging.getLogger(__name__)

MAX_QUICK_RESTARTS = 3


class LlamaCppEngine:
    """:class:`~npcbridge.engine.interface.Engine` over a llama-server child process."""

    def __init__(self, config: CoreConfig, binary: str = "") -> None:
        self.config = config
        self._binary = binary
        self.info = EngineInfo(name=config.model, backend="llama.cpp")
        self._server: LlamaServerProcess | None = None
        self._http: httpx.AsyncClient | None = None
        self._tokenizer: Any = None
        self._eos: set[int] = set()
        self._sentence_ends: set[int] = set()
        self._slot_tokens = 0
        self._admission = Admission(config.max_batch, config.max_queue)
        self._ready = asyncio.Event()
        self._listeners: list[Callable[[bool], None]] = []
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self.failed: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> LlamaCppEngine:
        return cls(CoreConfig.from_settings(settings), settings.llama_server)

    # Lifecycle -------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self.failed is None

    def add_ready_listener(self, listener: Callable[[bool], None]) -> None:
        """Called with False when the server process dies and True when it is back."""
        self._listeners.append(listener)

    async def start(self) -> None:
        from npcbridge.models.gguf_export import file_type_of, served_gguf
        from npcbridge.models.loader import context_length, load_tokenizer, prepare

        binary = find_llama_server(self._binary)
        # On this thread, before the first await: the host loads its other models meanwhile, and
        # transformers' lazy imports are not safe from two threads at once.
        self._tokenizer = load_tokenizer(self.config.model, self.config.cache_dir)
        path = served_gguf(self.config.model, self.config.cache_dir, self.config.tuning, self.config.gguf_quant)
        context = context_length(prepare(self.config.model, self.config.cache_dir, tuning=False))
        self._slot_tokens = min(self.config.max_context_tokens, context)
        self._eos = {self._tokenizer.eos_token_id} | set(getattr(self._tokenizer, "additional_eos_ids", []) or [])
        self._sentence_ends = sentence_end_ids(self._tokenizer)
        self._server = LlamaServerProcess(ServerOptions(binary, path, self.config.max_batch, self._slot_tokens,
                                                        self.config.threads))
        await self._server.start()
        self._http = httpx.AsyncClient(base_url=self._server.url, timeout=httpx.Timeout(None, connect=5.0))
        self.info = EngineInfo(name=self.config.model, backend="llama.cpp", device="cpu",
                               dtype=f"gguf-{file_type_of(path)}", context_length=context,
                               extra={"slots": str(self.config.max_batch), "slot_tokens": str(self._slot_tokens),
                                      "server": binary})
        self._ready.set()
        self._watch = asyncio.create_task(self._watch_server(), name="npcbridge-llama-server-watch")

    async def _watch_server(self) -> None:
        restarts = 0
        while not self._stopping and self._server is not None:
            code = await self._server.wait()
            if self._stopping:
                return
            reason = (f"llama-server exited unexpectedly (exit code {code}); the host is restarting it, "
                      "retry in a few seconds")
            log.error(reason)
            metrics.ENGINE_RESTARTS.inc()
            self._ready.clear()
            self._notify(False)
            restarts += 1
            if restarts > MAX_QUICK_RESTARTS:
                self.failed = f"{reason}; it failed {restarts} times, giving up"
                return
            try:
                await self._server.start()
            except Exception as exc:  # noqa: BLE001 - reported and retried by the loop
                log.error("llama-server did not restart: %s", exc)
                continue
            assert self._http is not None
            await self._http.aclose()
            self._http = httpx.AsyncClient(base_url=self._server.url, timeout=httpx.Timeout(None, connect=5.0))
            self._ready.set()
            self._notify(True)
            restarts = 0

    def _notify(self, ready: bool) -> None:
        for listener in self._listeners:
            listener(ready)

    async def stop(self) -> None:
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
        if self._http is not None:
            await self._http.aclose()
        if self._server is not None:
            await self._server.stop()

    def terminate(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.kill()

    def kill_core(self) -> None:
        """Kill the server process (crash-recovery tests)."""
        if self._server is not None:
            self._server.kill()

    # Tokens -----------------------------------------------------------------------

    def encode(self, messages: list[ChatMessage]) -> list[int]:
        """Prompt token ids through the model's own chat template."""
        if self._tokenizer is None:
            raise Unavailable(f"model {self.info.name} is still loading; retry when health is SERVING")
        return chat_prompt_ids(self._tokenizer, messages)

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return len(self.encode(messages))

    def queue_depth(self) -> int:
        return self._admission.waiting

    def abort(self, request_id: str) -> None:
        """Requests end when their stream is closed (client cancel closes it); nothing to send."""

    # Generation ---------------------------------------------------------------------

    def _body(self, prompt: list[int], params: SamplingParams, max_tokens: int, grammar: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": prompt, "n_predict": max(1, max_tokens), "stream": True, "cache_prompt": True,
            "return_tokens": True, "temperature": max(params.temperature, 0.0), "top_p": params.top_p,
            "min_p": params.min_p, "top_k": 0, "repeat_penalty": params.repetition_penalty,
            "seed": params.seed if params.seed is not None else random.getrandbits(31)}
        if grammar:
            try:
                body["grammar"] = lark_to_gbnf(grammar)
            except GrammarError as exc:
                raise InvalidArgument(str(exc)) from exc
        return body

    async def _stream(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        if self._http is None or not self.ready:
            raise Unavailable(self.failed or f"model {self.info.name} is not ready; retry when health is SERVING")
        try:
            async with self._http.stream("POST", "/completion", json=body) as response:
                if response.status_code != 200:
                    detail = (await response.aread()).decode(errors="replace")[:300]
                    error = InvalidArgument if response.status_code == 400 else Unavailable
                    raise error(f"llama-server refused the request ({response.status_code}): {detail}")
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        yield json.loads(line[6:])
        except httpx.HTTPError as exc:
            raise Unavailable(f"llama-server went away mid-reply ({type(exc).__name__}); the host is restarting "
                              "it, retry in a few seconds") from exc

    def _speech(self, event: dict[str, Any], speech: list[int], detok: IncrementalDetokenizer,
                params: SamplingParams) -> tuple[str, str | None]:
        """One streamed event of the speech: its text, and why the speech ends here (None: it goes on).
        End of text and the sentence stop end it here; the server's own stop says why it stopped."""
        text = ""
        for token in event.get("tokens", []):
            if token in self._eos:
                return text, "stop"
            speech.append(token)
            text += detok.add(token)
            after = params.sentence_stop_after
            if after and len(speech) >= after and token in self._sentence_ends:
                return text, "stop"
        if event.get("stop"):
            return text, "length" if event.get("stop_type") == "limit" else "stop"
        return text, None

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        if request.adapter:
            raise FailedPrecondition("LoRA adapters are served by --backend vllm (--max-loras) and --backend "
                                     "transformers; the llama.cpp backend serves merged models only")
        params = request.params
        prompt = request.prompt_ids if request.prompt_ids is not None else self.encode(request.messages)
        if len(prompt) >= self._slot_tokens:
            raise InvalidArgument(f"the prompt has {len(prompt)} tokens; the engine takes 1 to "
                                  f"{self._slot_tokens - 1} (raise --max-context-tokens)")
        queue_ms = await self._admission.enter(request.priority)
        try:
            speech: list[int] = []
            detok = IncrementalDetokenizer(self._tokenizer)
            reason = "length"
            # aclosing: leaving a stream early closes its connection now, which frees the server's slot.
            async with aclosing(self._stream(self._body(prompt, params, params.max_tokens, params.grammar))) as stream:
                async for event in stream:
                    text, done = self._speech(event, speech, detok, params)
                    if text:
                        yield GenerationChunk(text=text)
                    if done is not None:
                        reason = done
                        break
            tail_tokens = 0
            if params.tail_grammar:
                tail = IncrementalDetokenizer(self._tokenizer)
                body = self._body(prompt + speech, params, params.tail_max_tokens, params.tail_grammar)
                async with aclosing(self._stream(body)) as stream:
                    async for event in stream:
                        tokens = [t for t in event.get("tokens", []) if t not in self._eos]
                        tail_tokens += len(tokens)
                        text = "".join(tail.add(t) for t in tokens)
                        if text:
                            yield GenerationChunk(text=text, tail=True)
            yield GenerationChunk(finish_reason=reason, prompt_tokens=len(prompt),
                                  completion_tokens=len(speech) + tail_tokens, queue_ms=queue_ms)
        finally:
            self._admission.leave()
