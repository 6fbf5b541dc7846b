"""The GGUF a GGUF-reading engine serves for a model (OpenVINO GenAI's GGUF reader,
llama.cpp's ``llama-server``), quantised here with the ``gguf`` package.

A GGUF model served as is (``--no-tuning``) is its own file. Any other model (the
embedded one with its role-play adapter merged, a Llama or Qwen2 directory, the
random-weight shapes of ``npcbridge models random``) is written to GGUF from its
transformers weights: architecture keys from its config, vocabulary and merges
from its tokenizer directory (special tokens marked as control tokens: OpenVINO's
reader builds its tokenizer and KV state from them), tensors under llama.cpp's
names (Llama's q/k rows permuted to llama.cpp's rotary layout, as its own converter
does), matrices quantised to the served type (Q8_0 by default), norms kept f32.
Written once, cached under the model cache. The engine still tokenises with the
transformers tokenizer and sends token ids, so the GGUF's tokenizer never decides
what the model reads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from npcbridge.errors import ModelLoadError

log = logging.getLogger(__name__)

#: GGUF file types by name (``llama_ftype``), for the quantisation step.
FILE_TYPES = {"f32": 0, "q4_0": 2, "q4_1": 3, "q8_0": 7}
#: Architectures written, and whether q/k rows need llama.cpp's rotary permutation.
ARCHITECTURES = {"llama": True, "qwen2": False}
#: Quantised blocks hold 32 values: a matrix whose rows are not a multiple stays f32.
BLOCK = 32


def _permute(weight: np.ndarray, heads: int) -> np.ndarray:
    """HF's rotate-half row order -> llama.cpp's interleaved pairs (its converter's ``permute``)."""
    return (weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:])
            .swapaxes(1, 2).reshape(weight.shape))


def _write_architecture(writer: Any, config: Any, file_type: str) -> None:
    heads = config.num_attention_heads
    writer.add_block_count(config.num_hidden_layers)
    writer.add_context_length(int(getattr(config, "max_position_embeddings", 2048)))
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(heads)
    writer.add_head_count_kv(getattr(config, "num_key_value_heads", None) or heads)
    # transformers 5 keeps it in rope_parameters; older configs have rope_theta.
    rope = (getattr(config, "rope_parameters", None) or {}).get("rope_theta") or getattr(config, "rope_theta", None)
    writer.add_rope_freq_base(float(rope or 10000.0))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_rope_dimension_count(getattr(config, "head_dim", None) or config.hidden_size // heads)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(FILE_TYPES[file_type])
    writer.add_quantization_version(2)


def _write_tokenizer(writer: Any, tokenizer_dir: Path, vocab_size: int) -> None:
    """BPE vocabulary, merges and special ids of ``tokenizer_dir``; ids the tokenizer does not
    have (a model's vocabulary can be padded past it) are unused placeholders."""
    import gguf

    tokens, types = [], []
    special = _special_ids(tokenizer_dir)
    for i, (text, _score, kind) in enumerate(gguf.BpeVocab(tokenizer_dir).all_tokens()):
        tokens.append(text)
        types.append(gguf.TokenType.CONTROL if i in special else kind)
    for i in range(len(tokens), vocab_size):
        tokens.append(f"[PAD{i}]")
        types.append(gguf.TokenType.UNUSED)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens[:vocab_size])
    writer.add_token_types(types[:vocab_size])
    gguf.SpecialVocab(tokenizer_dir, load_merges=True, n_vocab=vocab_size).add_to_gguf(writer)


def _special_ids(tokenizer_dir: Path) -> set[int]:
    """Ids of the tokenizer's special added tokens (chat markers, end of text)."""
    path = tokenizer_dir / "tokenizer.json"
    if not path.exists():
        return set()
    added = json.loads(path.read_text(encoding="utf-8")).get("added_tokens", [])
    return {int(t["id"]) for t in added if t.get("special")}


def _tensor_data(data: np.ndarray, file_type: str) -> tuple[np.ndarray, Any]:
    """``data`` as stored: matrices quantised to ``file_type``, vectors (norms) f32."""
    import gguf

    if file_type == "f32" or data.ndim != 2 or data.shape[1] % BLOCK:
        return data, None
    kind = gguf.GGMLQuantizationType[file_type.upper()]
    return gguf.quants.quantize(data, kind), kind


def write_gguf(model: Any, tokenizer_dir: Path, out: Path, file_type: str = "f32") -> None:
    """Write ``model`` (a transformers Llama or Qwen2 model on the CPU) as a GGUF at ``out``,
    its matrices quantised to ``file_type``."""
    import gguf

    config = model.config
    if config.model_type not in ARCHITECTURES:
        raise ModelLoadError(f"GGUF is written for {', '.join(ARCHITECTURES)} models, not {config.model_type!r}: "
                             "give a .gguf file as --model, or serve it with --backend vllm")
    permute = ARCHITECTURES[config.model_type]
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH[config.model_type.upper()], config.num_hidden_layers)
    kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    writer = gguf.GGUFWriter(str(out), config.model_type)
    _write_architecture(writer, config, file_type)
    _write_tokenizer(writer, tokenizer_dir, config.vocab_size)
    tied = getattr(config, "tie_word_embeddings", False)
    for hf_name, tensor in model.state_dict().items():
        if tied and hf_name == "lm_head.weight":
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ModelLoadError(f"no GGUF name for tensor {hf_name}")
        data = tensor.detach().float().cpu().numpy()
        if permute and hf_name.endswith("self_attn.q_proj.weight"):
            data = _permute(data, config.num_attention_heads)
        elif permute and hf_name.endswith("self_attn.k_proj.weight"):
            data = _permute(data, kv_heads)
        stored, kind = _tensor_data(np.ascontiguousarray(data), file_type)
        writer.add_tensor(name, stored, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def file_type_of(gguf_path: Path) -> str:
    """The quantisation of a GGUF file by name (``q4_1``...), f32 when it is none we know.
    A file written here says it in its name (reading the header of a GGUF takes seconds)."""
    import gguf

    named = gguf_path.name.removesuffix(".gguf").rsplit(".", 1)[-1]
    if gguf_path.parent.name == "gguf" and named in FILE_TYPES:
        return named

    value = int(gguf.GGUFReader(str(gguf_path)).fields["general.file_type"].contents())
    return next((name for name, number in FILE_TYPES.items() if number == value), "f32")


def export_gguf(model: Any, tokenizer_dir: Path, target: Path, file_type: str) -> Path:
    """The GGUF of ``model`` at ``target`` (written once, atomically; reused after)."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    log.info("writing %s (%s; first run only)", target, file_type)
    try:
        write_gguf(model, tokenizer_dir, partial, file_type)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def served_gguf(name: str, cache_dir: Path, tuning: bool, file_type: str = "q8_0",
                load_model: Any = None) -> Path:
    """The GGUF a GGUF-reading engine serves for ``name``: a GGUF model's own file when its weights
    are as shipped, else the prepared model written as ``file_type`` (Q8_0 by default: the embedded
    model's weights sit exactly on its file's Q4_1 grid, but its adapter's small deltas do not, and
    rounding them to 4 bits undoes the tuning: top-1 agreement with fp32 0.51 at Q4_1, 0.96 at Q8_0).
    ``load_model(location)`` gives the transformers model to write, only when the file is missing."""
    from npcbridge.models.loader import has_adapter, prepare
    from npcbridge.models.registry import resolve_model

    source = resolve_model(name)
    if source.kind == "gguf" and not (tuning and has_adapter(name)):
        return Path(source.location) / str(source.gguf_file)
    location = Path(prepare(name, cache_dir, tuning))
    if not (location / "config.json").exists():
        raise ModelLoadError(f"{name!r} must be a local directory or a .gguf file to be served from GGUF")
    stamp = hashlib.sha256(f"{location.resolve()}:{os.stat(location / 'config.json').st_mtime_ns}".encode())
    target = cache_dir / "gguf" / f"{location.name}-{stamp.hexdigest()[:12]}.{file_type}.gguf"
    if target.exists():
        return target
    if load_model is None:
        from transformers import AutoModelForCausalLM

        load_model = AutoModelForCausalLM.from_pretrained
    return export_gguf(load_model(str(location)), location, target, file_type)
