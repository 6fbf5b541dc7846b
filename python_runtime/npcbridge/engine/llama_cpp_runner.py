"""A model runner on llama.cpp: quantised GGUF weights and llama.cpp's CPU kernels,
under the engine's own scheduler, priorities, grammars and per-request seeded sampling.

On a CPU, decoding is bound by the bytes of weights read per step: the embedded
model is ~540 MB a token in fp32 and ~100 MB as the GGUF's Q4_1 blocks, which
llama.cpp multiplies without dequantising (torch's CPU int8/int4 kernels were
measured slower than fp32 on an AVX2 machine; see the closing note of issue 16).
This runner feeds each step's :class:`RowInput` rows to ``llama_decode`` as one
batch, with one llama.cpp sequence per engine slot (``seq_id = slot``) in a
unified KV cache, and hands the logits back; the engine core does the rest.

Needs the optional ``llama-cpp-python`` (``pip install 'npcbridge[llamacpp]'``).

Prefix sharing: llama.cpp's cache is opaque to the engine's prefix cache, so the
runner shares prefixes itself. It remembers which tokens each slot's cells hold
(a finished request's too, until its slot is reused); a prompt chunk whose leading
tokens another slot already holds gets those cells by ``llama_memory_seq_cp`` (in
a unified cache, a tag on the same cells: no copy, no extra memory) and computes
only the rest. NPCs of one character share their system prompt this way, and a
session's next turn its history.

Batch invariance is not kept: llama.cpp picks its matrix kernels by batch size, so a
row's logits move a little with its neighbours (measured on the embedded model: 7 of
8 top tokens equal, cosine >= 0.997), and greedy replies can part at near-ties. The
torch runner keeps it; tests/integration/test_llama_cpp_runner.py states both figures.
"""

from __future__ import annotations

import ctypes
import logging
import os

import numpy as np
import torch

from npcbridge.engine.decoder import RowInput
from npcbridge.engine.kv_cache import CacheShape, SlotKVCache
from npcbridge.errors import ModelLoadError

log = logging.getLogger(__name__)


def available() -> str | None:
    """``None`` when llama-cpp-python can be imported; otherwise how to get it."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return "llama-cpp-python is not installed: pip install 'npcbridge[llamacpp]' (builds llama.cpp)"
    return None


def _common_prefix(a: list[int], b: list[int], limit: int) -> int:
    n, stop = 0, min(len(a), len(b), limit)
    while n < stop and a[n] == b[n]:
        n += 1
    return n


_QUIET: object = None  # the log callback must outlive every call into llama.cpp


def quiet_logs(lc: object) -> None:
    """Route llama.cpp's own logging (hundreds of lines a load) to nowhere, once."""
    global _QUIET
    if _QUIET is None:
        _QUIET = lc.llama_log_callback(lambda level, text, user_data: None)
        lc.llama_log_set(_QUIET, ctypes.c_void_p())


class LlamaCppRunner:
    """Runs engine steps on a GGUF with llama.cpp; ``slots`` sequences of ``slot_len`` tokens."""

    def __init__(self, gguf_path: str, slots: int, slot_len: int, step_tokens: int, threads: int = 0) -> None:
        why_not = available()
        if why_not is not None:
            raise ModelLoadError(why_not)
        import llama_cpp as lc

        self._lc = lc
        quiet_logs(lc)
        lc.llama_backend_init()
        model_params = lc.llama_model_default_params()
        self._model = lc.llama_model_load_from_file(gguf_path.encode(), model_params)
        if not self._model:
            raise ModelLoadError(f"llama.cpp cannot load {gguf_path}")
        self.vocab_size = lc.llama_vocab_n_tokens(lc.llama_model_get_vocab(self._model))
        # A step holds every decoding row plus the prompt chunks of its token budget.
        self.max_step = step_tokens + slots
        params = lc.llama_context_default_params()
        params.n_ctx = slots * slot_len
        params.n_batch = params.n_ubatch = self.max_step
        params.n_seq_max = slots
        params.kv_unified = True  # one cache for all slots: a slot uses what it needs
        threads = threads or torch.get_num_threads()
        params.n_threads = params.n_threads_batch = threads
        params.no_perf = True
        self._ctx = lc.llama_init_from_model(self._model, params)
        if not self._ctx:
            raise ModelLoadError(f"llama.cpp cannot make a context of {slots} x {slot_len} tokens for {gguf_path}")
        self._memory = lc.llama_get_memory(self._ctx)
        self._batch = lc.llama_batch_init(self.max_step, 0, 1)
        # The engine's slot bookkeeping (allocate / release); the K/V live in llama.cpp.
        self.cache = SlotKVCache(CacheShape(0, 1, 1, torch.float32), slots, slot_len, torch.device("cpu"))
        self._held: list[list[int]] = [[] for _ in range(slots)]  # tokens each slot's cells hold
        self.shares_prefixes = True  # the engine core holds NPCs arriving together for it (see EngineCore)
        self.shared_tokens = 0  # prompt tokens taken from other slots instead of computed
        self.name = os.path.basename(gguf_path)
        log.info("llama.cpp runner: %s, %d slots x %d tokens, %d threads", self.name, slots, slot_len, threads)

    def forward(self, rows: list[RowInput]) -> torch.Tensor:
        """Feed every row's tokens in one ``llama_decode``; float32 logits of the rows wanting them."""
        lc, batch = self._lc, self._batch
        total = sum(len(r.tokens) for r in rows)
        if total > self.max_step:
            raise ValueError(f"a step of {total} tokens is over the runner's batch of {self.max_step}")
        wanted = []
        i = 0
        for r in rows:
            start = self._share(r) if len(r.tokens) > 1 else self._drop_after(r.slot, r.start)
            last = r.start + len(r.tokens) - 1
            for pos in range(start, last + 1):
                batch.token[i] = r.tokens[pos - r.start]
                batch.pos[i] = pos
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = r.slot
                batch.logits[i] = 1 if (r.want_logits and pos == last) else 0
                if r.want_logits and pos == last:
                    wanted.append(i)
                i += 1
        batch.n_tokens = i
        status = lc.llama_decode(self._ctx, batch)
        if status != 0:
            raise RuntimeError(f"llama_decode failed with status {status} on a step of {total} tokens")
        for r in rows:  # only now are these cells computed, for later steps to share
            self._held[r.slot] = self._held[r.slot][:r.start] + r.tokens
        if not wanted:
            return torch.empty(0, 0)
        out = np.empty((len(wanted), self.vocab_size), dtype=np.float32)
        for row, index in enumerate(wanted):
            pointer = lc.llama_get_logits_ith(self._ctx, index)
            ctypes.memmove(out[row].ctypes.data, pointer, self.vocab_size * 4)
        return torch.from_numpy(out)

    def _drop_after(self, slot: int, start: int) -> int:
        """Forget what ``slot`` holds from ``start`` on (a new request, or a reply that was cut)."""
        self._lc.llama_memory_seq_rm(self._memory, slot, start, -1)
        del self._held[slot][start:]  # also while this step computes it: not to be shared yet
        return start

    def _share(self, r: RowInput) -> int:
        """Give ``r``'s slot the cells of the longest run of its tokens some slot already holds;
        return the first position still to compute (always at least the row's last token,
        whose logits are wanted)."""
        known = self._held[r.slot][:r.start] + r.tokens
        limit = r.start + len(r.tokens) - 1
        best, source = r.start, -1
        for slot, held in enumerate(self._held):
            n = _common_prefix(held, known, limit)
            if n > best:
                best, source = n, slot
        self._drop_after(r.slot, r.start if source != r.slot else best)
        if source >= 0 and source != r.slot:
            self._lc.llama_memory_seq_cp(self._memory, source, r.slot, r.start, best)
        self.shared_tokens += best - r.start
        return best

    def close(self) -> None:
        """Free llama.cpp's context and model (also on garbage collection)."""
        lc = self._lc
        if getattr(self, "_batch", None) is not None:
            lc.llama_batch_free(self._batch)
            self._batch = None
        if getattr(self, "_ctx", None):
            lc.llama_free(self._ctx)
            self._ctx = None
        if getattr(self, "_model", None):
            lc.llama_model_free(self._model)
            self._model = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
