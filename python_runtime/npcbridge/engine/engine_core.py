"""The engine core: scheduler + model runner + prefix cache + sampling, one step at a time.

``EngineCore.step`` admits waiting requests, runs one forward over every running
request's next tokens, samples per request and returns what each produced. It is
driven by :mod:`npcbridge.engine.core_loop` in a thread or in its own process and
never touches asyncio, grpc or text.
"""

from __future__ import annotations

import logging
from typing import Protocol

import torch

from npcbridge.engine.decoder import RowInput
from npcbridge.engine.grammar import GrammarCompiler, GrammarError, mask_rows
from npcbridge.engine.kv_cache import SlotKVCache
from npcbridge.engine.messages import AddRequest, RequestOutput, Stats
from npcbridge.engine.lora_bank import AdapterError, LoraBank
from npcbridge.engine.prefix_cache import PrefixCache
from npcbridge.engine.sampling import make_generator, penalise_repeats, sample_next
from npcbridge.engine.scheduler import QueueFull, Scheduler
from npcbridge.engine.sequence import Sequence

log = logging.getLogger(__name__)


class ModelRunner(Protocol):
    """Runs a step of :class:`RowInput` rows against a slot cache (real or fake model)."""

    cache: SlotKVCache

    def forward(self, rows: list[RowInput]) -> torch.Tensor: ...


class EngineCore:
    """Continuous batching over ``runner.cache.slots`` slots."""

    def __init__(self, runner: ModelRunner, eos_ids: set[int], max_waiting: int = 64,
                 step_tokens: int = 256, prefix_cache_tokens: int = 0,
                 sentence_end_ids: set[int] | None = None, grammars: GrammarCompiler | None = None,
                 adapters: LoraBank | None = None) -> None:
        self.runner = runner
        self.grammars = grammars  # None: requests with a grammar are refused
        self.adapters = adapters  # None: requests with an adapter are refused
        self.cache = runner.cache
        self.eos_ids = eos_ids
        self.sentence_end_ids = sentence_end_ids or set()
        self.scheduler = Scheduler(self.cache.slots, max_waiting, step_tokens)
        self.prefix = PrefixCache(prefix_cache_tokens)
        self._outputs: list[RequestOutput] = []

    # Requests in --------------------------------------------------------------

    def add(self, request: AddRequest) -> None:
        """Queue a request, or answer at once why it cannot be served."""
        limit = self.cache.slot_len - 1
        if not request.prompt or len(request.prompt) > limit:
            self._outputs.append(RequestOutput(
                request.request_id, finish_reason="error", error_kind="invalid_argument",
                error=f"the prompt has {len(request.prompt)} tokens; the engine takes 1 to {limit} "
                      "(raise --max-context-tokens)"))
            return
        params = request.params
        matcher = None
        if params.grammar or params.tail_grammar:
            try:
                if self.grammars is None:
                    raise GrammarError("this engine has no grammar support (no tokenizer given)")
                matcher = self.grammars.matcher(params.grammar) if params.grammar else None
                if params.tail_grammar:
                    self.grammars.matcher(params.tail_grammar)  # refuse now what cannot compile later
            except GrammarError as exc:
                self._outputs.append(RequestOutput(request.request_id, finish_reason="error",
                                                   error_kind="invalid_argument", error=str(exc)))
                return
        lora = None
        if request.adapter:
            try:
                if self.adapters is None:
                    raise AdapterError("LoRA adapters are not served by this engine (the model runs unbatched, or on "
                                       "llama.cpp); use --runner torch with a Llama-family model")
                lora = self.adapters.acquire(request.adapter)
            except AdapterError as exc:
                self._outputs.append(RequestOutput(request.request_id, finish_reason="error",
                                                   error_kind="failed_precondition", error=str(exc)))
                return
        seq = Sequence(request.request_id, list(request.prompt), params, request.priority,
                       sampler=make_generator(params.seed) if params.temperature > 0 else None, matcher=matcher,
                       lora=lora)
        try:
            self.scheduler.add(seq)
        except QueueFull as exc:
            self._release_adapter(seq)
            self._outputs.append(RequestOutput(request.request_id, finish_reason="error",
                                               error_kind="resource_exhausted", error=str(exc)))

    def abort(self, request_id: str) -> None:
        """Drop a request wherever it is; a running one frees its slot before the next step."""
        seq = self.scheduler.abort(request_id)
        if seq is None:
            return
        slot = seq.leave()
        if slot >= 0:
            self.cache.release(slot)
        self._release_adapter(seq)
        self._outputs.append(self._final(seq, "cancelled"))

    def abort_all(self, reason: str = "cancelled") -> list[RequestOutput]:
        """Every request ends (engine shutting down)."""
        for request_id in list(self.scheduler.running):
            self.abort(request_id)
        for seq in self.scheduler.drain_waiting():
            self._release_adapter(seq)
            self._outputs.append(self._final(seq, reason))
        return self.take_outputs()

    # Stepping -------------------------------------------------------------------

    def has_work(self) -> bool:
        return self.scheduler.has_work()

    def take_outputs(self) -> list[RequestOutput]:
        outputs, self._outputs = self._outputs, []
        return outputs

    def stats(self) -> Stats:
        p = self.prefix.stats
        return Stats(self.scheduler.waiting_count, len(self.scheduler.running), p.lookups, p.prompt_tokens,
                     p.hit_tokens, self.adapters.loaded() if self.adapters is not None else [])

    def step(self) -> list[RequestOutput]:
        """Admit, run one forward for every running request, sample; return the outputs."""
        self._release_held()
        for seq in self.scheduler.admit(self.cache.allocate):
            if self._leader_of(seq) is not None:
                seq.hold()  # its opening is being computed right now: reuse it when done
            else:
                self._reuse_prefix(seq)
        work = self.scheduler.plan()
        if work:
            rows = [RowInput(w.seq.slot, w.seq.tokens[w.seq.computed:w.seq.computed + w.count],
                             w.seq.computed, w.completes, w.seq.lora) for w in work]
            logits = self.runner.forward(rows)
            sampled = [w.seq for w, r in zip(work, rows, strict=True) if r.want_logits]
            penalise_repeats(logits, [(seq.params, seq.tokens[len(seq.prompt):]) for seq in sampled])
            if self.grammars is not None:
                mask_rows(logits, [(i, seq.matcher) for i, seq in enumerate(sampled) if seq.matcher is not None],
                          self.grammars.vocab_size)
            # One argmax for the whole batch (one device sync on CUDA, not one per row).
            greedy = logits.argmax(dim=-1).tolist() if logits.numel() else []
            row = 0
            for w, r in zip(work, rows, strict=True):
                w.seq.computed_more(w.count)
                if r.want_logits:
                    self._advance(w.seq, logits[row], greedy[row])
                    row += 1
        return self.take_outputs()

    # Prefix sharing between requests that arrive together ----------------------------
    # NPCs of one character arriving in the same moment share their system prompt, but
    # the prefix cache only has it once one of them has computed it. So a request whose
    # opening (the first OPENING tokens: the chat template and the character's name) is
    # being prefilled by another is held back until that one reaches its first token
    # (which stores its prompt in the prefix cache), then copies the shared part and
    # prefills only the rest: 32 new NPCs of 4 characters compute 4 system prompts, not 32.

    OPENING = 32

    def _leader_of(self, seq: Sequence) -> Sequence | None:
        """A running request still prefilling a prompt with ``seq``'s opening, if any."""
        if not self.prefix.enabled or len(seq.prompt) <= self.OPENING:
            return None
        opening = seq.prompt[:self.OPENING]
        return next((other for other in self.scheduler.running.values()
                     if other is not seq and not other.held and other.prefilling
                     and other.lora is seq.lora and other.prompt[:self.OPENING] == opening), None)

    def _release_held(self) -> None:
        for seq in self.scheduler.running.values():
            if seq.held and self._leader_of(seq) is None:
                seq.unhold()
                self._reuse_prefix(seq)

    def _reuse_prefix(self, seq: Sequence) -> None:
        # Leave at least one prompt token to compute: its logits give the first reply token.
        entry, n = self.prefix.lookup(seq.prompt, len(seq.prompt) - 1, seq.cache_namespace)
        if entry is not None and n > 0:
            self.cache.write(seq.slot, entry.keys, entry.values, n)
            seq.reuse_prefix(n)

    def _remember(self, seq: Sequence) -> None:
        if self.prefix.enabled and seq.computed >= self.prefix.block:
            keys, values = self.cache.read(seq.slot, seq.computed)
            self.prefix.insert(seq.tokens[:seq.computed], keys, values, seq.cache_namespace)

    def _advance(self, seq: Sequence, logits: torch.Tensor, greedy: int) -> None:
        if seq.generated == 0 and seq.cached < self.prefix.block:
            # A prompt that found nothing cached: keep it now, so NPCs of this character
            # arriving meanwhile share its system part. (With a hit, the shared part is
            # already there; the whole exchange is kept when the reply finishes.)
            self._remember(seq)
        token = greedy if seq.params.temperature <= 0 else sample_next(logits, seq.params, seq.sampler)
        if token in self.eos_ids and self._enter_tail(seq):
            # The reply's speech ended: the tail (an action call) follows from these same
            # logits, under the tail grammar, instead of the end of text.
            mask_rows(logits.unsqueeze(0), [(0, seq.matcher)], self.grammars.vocab_size)
            token = int(logits.argmax()) if seq.params.temperature <= 0 else sample_next(
                logits, seq.params, seq.sampler)
        if seq.matcher is not None and not seq.matcher.consume_token(token):
            # Cannot happen under the mask; if it does, end the reply rather than emit what does not parse.
            self._leave(seq, "error")
            self._outputs[-1].error_kind = "internal"
            self._outputs[-1].error = f"the grammar rejected a sampled token: {seq.matcher.get_error()}"
            return
        if token in self.eos_ids:
            self._leave(seq, "stop")
            return
        seq.append(token)
        self._outputs.append(RequestOutput(seq.request_id, [token], tail=seq.in_tail))
        if seq.matcher is not None and seq.matcher.is_stopped():
            self._leave(seq, "stop")  # the grammar is complete and allows nothing more
        elif len(seq.tokens) >= self.cache.slot_len:
            self._leave(seq, "length")
        elif seq.in_tail:
            if seq.generated - seq.tail_from >= seq.params.tail_max_tokens:
                self._leave(seq, "length")
        elif seq.generated >= seq.params.max_tokens:
            if not self._enter_tail(seq):
                self._leave(seq, "length")
        elif (seq.params.sentence_stop_after and seq.generated >= seq.params.sentence_stop_after
              and token in self.sentence_end_ids):
            if not self._enter_tail(seq):
                self._leave(seq, "stop")

    def _enter_tail(self, seq: Sequence) -> bool:
        """Switch a request whose speech just ended to its tail grammar; False when it has none."""
        if not seq.params.tail_grammar or seq.in_tail or self.grammars is None:
            return False
        seq.enter_tail(self.grammars.matcher(seq.params.tail_grammar))
        return True

    def _leave(self, seq: Sequence, reason: str) -> None:
        self._remember(seq)  # the whole exchange: the session's next turn starts with it
        self.scheduler.finish(seq)
        self.cache.release(seq.leave())
        self._release_adapter(seq)
        self._outputs.append(self._final(seq, reason))

    def _release_adapter(self, seq: Sequence) -> None:
        if seq.lora is not None and self.adapters is not None:
            self.adapters.release(seq.lora)

    @staticmethod
    def _final(seq: Sequence, reason: str) -> RequestOutput:
        return RequestOutput(seq.request_id, finish_reason=reason, prompt_tokens=len(seq.prompt),
                             completion_tokens=seq.generated, cached_tokens=seq.cached, queue_ms=seq.queue_ms)
