"""Randomly initialised models with the exact shapes of real ones, for speed figures.

No machine here reaches a model hub, but speed does not depend on weight values:
a model with Qwen2.5-0.5B's or Llama-3.2-1B's layer sizes, heads and vocabulary
costs what the real one costs per token. ``npcbridge models random SHAPE DIR``
writes one (with the embedded model's tokenizer and chat template) that the host,
``npcbridge bench dialogue --model DIR`` and every baseline load like any other
local model directory. Its replies are noise: measure speed with it, never quality.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Architecture of each shape, as its published config.json states it (rope scaling left out:
#: it changes the angles, not the work).
SHAPES: dict[str, dict[str, Any]] = {
    "smollm2-135m": dict(model_type="llama", hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, vocab_size=49152,
                         max_position_embeddings=8192, rope_theta=100000.0, tie_word_embeddings=True),
    "qwen2.5-0.5b": dict(model_type="qwen2", hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                         num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                         max_position_embeddings=32768, rope_theta=1000000.0, tie_word_embeddings=True),
    "llama-3.2-1b": dict(model_type="llama", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                         num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                         max_position_embeddings=131072, rope_theta=500000.0, tie_word_embeddings=True),
}


def shape_config(shape: str, tokenizer: Any) -> Any:
    """The transformers config of ``shape``, with the tokenizer's special token ids."""
    from transformers import LlamaConfig, Qwen2Config

    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: use one of {', '.join(SHAPES)}")
    spec = dict(SHAPES[shape])
    kind = spec.pop("model_type")
    config_class = Qwen2Config if kind == "qwen2" else LlamaConfig
    return config_class(**spec, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)


def write_random_model(shape: str, tokenizer_dir: Path, out: Path, seed: int = 0) -> Path:
    """Write a random model of ``shape`` with the tokenizer (and chat template) of ``tokenizer_dir``.

    A shape's vocabulary can be larger than the tokenizer's (Qwen's 151,936 ids against
    SmolLM2's 49,152): those rows stay in the output layer, so it costs what the real one
    does, but they are zeroed and the known rows scaled up, so the model writes tokens the
    tokenizer can print. Special tokens are zeroed too: replies run to their token limit.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = shape_config(shape, tokenizer)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    with torch.no_grad():
        head = model.get_output_embeddings().weight
        known = min(len(tokenizer), head.shape[0])
        head[:known] *= 10.0
        head[known:] = 0.0
        for token_id in tokenizer.all_special_ids:
            if token_id < head.shape[0]:
                head[token_id] = 0.0
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
