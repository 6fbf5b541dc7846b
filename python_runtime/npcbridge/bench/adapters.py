"""``npcbridge bench adapters``: NPC sessions spread over several characters' LoRA adapters
vs the same sessions on the base model, same host, same run (the goal: >= 0.8x tok/s).

The adapters are random LoRA factors of the model's exact shapes (speed does not depend on
their values), rank ``--rank`` on every attention and MLP projection, as a trained one is.
Rounds alternate base and adapters so drift of the machine hits both alike.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from npcbridge.bench.dialogue import SessionsRun, measure_sessions
from npcbridge.config import load_settings
from npcbridge.models.loader import prepare
from npcbridge.testing.host import RunningHost


def random_adapter(model_dir: str, folder: Path, rank: int, seed: int, scale: float = 0.01) -> None:
    """A peft-format LoRA of ``model_dir``'s shapes with random factors (``scale``: their size)."""
    from safetensors.torch import save_file
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model_dir)
    hidden, inter = config.hidden_size, config.intermediate_size
    head_dim = getattr(config, "head_dim", None) or hidden // config.num_attention_heads
    kv = (getattr(config, "num_key_value_heads", None) or config.num_attention_heads) * head_dim
    shapes = {"q_proj": ("self_attn", hidden, config.num_attention_heads * head_dim),
              "k_proj": ("self_attn", hidden, kv), "v_proj": ("self_attn", hidden, kv),
              "o_proj": ("self_attn", config.num_attention_heads * head_dim, hidden),
              "gate_proj": ("mlp", hidden, inter), "up_proj": ("mlp", hidden, inter), "down_proj": ("mlp", inter, hidden)}
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    for layer in range(config.num_hidden_layers):
        for target, (block, fan_in, fan_out) in shapes.items():
            prefix = f"base_model.model.model.layers.{layer}.{block}.{target}"
            tensors[f"{prefix}.lora_A.weight"] = (torch.randn(rank, fan_in, generator=generator) * scale).half()
            tensors[f"{prefix}.lora_B.weight"] = (torch.randn(fan_out, rank, generator=generator) * scale).half()
    folder.mkdir(parents=True)
    save_file(tensors, folder / "adapter_model.safetensors")
    (folder / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "r": rank, "lora_alpha": 2 * rank, "target_modules": list(shapes),
        "base_model_name_or_path": "random"}))


def _add(total: SessionsRun, run: SessionsRun) -> None:
    total.tokens += run.tokens
    total.seconds += run.seconds
    total.ttft_ms += run.ttft_ms
    total.itl_ms += run.itl_ms


def run_adapter_bench(console: Console, model: str, sessions: int, adapters: int, rank: int, max_tokens: int,
                      rounds: int, json_out: Path | None) -> dict[str, Any]:
    """Measure ``sessions`` concurrent sessions over ``adapters`` adapters vs the base model."""
    with tempfile.TemporaryDirectory(prefix="npcbridge-adapters-") as tmp:
        settings = load_settings(port=0, db=":memory:", model=model, avatars=False, log_level="warning",
                                 adapters_dir=tmp)
        model_dir = prepare(settings.model, settings.cache_dir, settings.tuning)
        for i in range(adapters):
            random_adapter(model_dir, Path(tmp) / f"a{i}", rank, seed=i)
        host = RunningHost(settings).start()
        try:
            client = host.client()
            base = [client.upsert_character(name=f"NPC {i}", persona="A villager of Oakvale.") for i in range(adapters)]
            tuned = [client.upsert_character(name=f"NPC {i}", persona="A villager of Oakvale.", adapter=f"a{i}")
                     for i in range(adapters)]
            cold = measure_sessions(host, tuned, adapters, 8)  # every adapter loads on its first use
            measure_sessions(host, base, adapters, 8)  # both sets' system prompts cached alike
            totals = {"base": SessionsRun(sessions), "adapters": SessionsRun(sessions)}
            for _ in range(rounds):
                for kind, characters in (("base", base), ("adapters", tuned)):
                    _add(totals[kind], measure_sessions(host, characters, sessions, max_tokens))
            client.close()
        finally:
            host.stop()
    result = {kind: run.summary() for kind, run in totals.items()}
    result["ratio"] = result["adapters"]["tokens_per_second"] / max(result["base"]["tokens_per_second"], 1e-9)
    result["first_use_ttft_p50_ms"] = cold.summary()["ttft_p50_ms"]
    table = Table("", "tok/s", "TTFT p50 / p99 ms", "ITL p50 ms",
                  title=f"{sessions} sessions: {adapters} adapters (rank {rank}) vs base, {max_tokens} tokens, "
                        f"{rounds} rounds each")
    for kind in ("base", "adapters"):
        s = result[kind]
        table.add_row(kind, f"{s['tokens_per_second']:.1f}", f"{s['ttft_p50_ms']:.0f} / {s['ttft_p99_ms']:.0f}",
                      f"{s['itl_p50_ms']:.0f}")
    console.print(table)
    console.print(f"adapters / base: {result['ratio']:.2f}x tok/s (goal >= 0.8x); an adapter's first use "
                  f"(loading it): TTFT p50 {result['first_use_ttft_p50_ms']:.0f} ms")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))
    return result
