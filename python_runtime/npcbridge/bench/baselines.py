"""Baselines for ``bench dialogue``, measured on the same model and prompts in the same run:
sequential ``model.generate``, transformers' ``generate_batch``, the raw batched
decode-step ceiling, and llama.cpp on the same GGUF when llama-cpp-python is installed."""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

import torch

from npcbridge.models.loader import LoadedModel

log = logging.getLogger(__name__)


def sequential_generate(loaded: LoadedModel, prompts: list[list[int]], max_tokens: int) -> dict[str, float]:
    """One ``model.generate`` after another (greedy): what a hand-made server does."""
    model = loaded.model
    total_tokens, start = 0, time.perf_counter()
    with torch.inference_mode():
        for prompt in prompts:
            ids = torch.tensor([prompt], device=loaded.device)
            out = model.generate(ids, max_new_tokens=max_tokens, do_sample=False,
                                 pad_token_id=loaded.tokenizer.eos_token_id)
            total_tokens += out.shape[1] - ids.shape[1]
    elapsed = time.perf_counter() - start
    return {"tokens_per_second": total_tokens / elapsed, "tokens": total_tokens, "seconds": elapsed}


def transformers_generate_batch(loaded: LoadedModel, prompts: list[list[int]], max_tokens: int) -> dict[str, float]:
    """transformers' own continuous batching (``generate_batch``), greedy."""
    from transformers import GenerationConfig

    config = GenerationConfig(max_new_tokens=max_tokens, do_sample=False,
                              eos_token_id=loaded.model.generation_config.eos_token_id,
                              pad_token_id=loaded.tokenizer.eos_token_id)
    start = time.perf_counter()
    # Not under inference_mode: its manager thread updates tensors made outside it.
    outputs = loaded.model.generate_batch(inputs=prompts, generation_config=config, progress_bar=False)
    elapsed = time.perf_counter() - start
    tokens = sum(len(o.generated_tokens) for o in outputs.values())
    return {"tokens_per_second": tokens / elapsed, "tokens": tokens, "seconds": elapsed}


def decode_ceiling(loaded: LoadedModel, batch: int, context: int, steps: int = 8) -> dict[str, float]:
    """Raw batched forward: one decode step for ``batch`` rows over ``context`` cached
    tokens, nothing else (no scheduling, sampling, detokenising or gRPC)."""
    from transformers import DynamicCache

    model = loaded.model
    vocab = model.config.vocab_size
    with torch.inference_mode():
        cache = DynamicCache()
        prefix = torch.randint(0, vocab, (batch, context), device=loaded.device)
        model(prefix, past_key_values=cache, use_cache=True)
        token = torch.randint(0, vocab, (batch, 1), device=loaded.device)
        times = []
        for _ in range(steps + 1):
            start = time.perf_counter()
            model(token, past_key_values=cache, use_cache=True)
            if loaded.device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
            cache.crop(-1)  # keep the context length fixed
    step = statistics.median(times[1:])
    return {"tokens_per_second": batch / step, "step_ms": step * 1000}


def llama_cpp_single_stream(gguf: str | None, prompt: list[int], max_tokens: int) -> dict[str, Any] | None:
    """llama.cpp's single-stream decode speed on the same GGUF, if llama-cpp-python is installed."""
    if gguf is None:
        return None
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(model_path=gguf, n_ctx=2048, n_threads=torch.get_num_threads(), verbose=False)
    llm.eval(prompt)  # prefill, not timed
    start, n = time.perf_counter(), 0
    for _ in range(max_tokens):
        token = llm.sample(temp=0.0)
        llm.eval([token])
        n += 1
    elapsed = time.perf_counter() - start
    return {"tokens_per_second": n / elapsed, "tokens": n}
