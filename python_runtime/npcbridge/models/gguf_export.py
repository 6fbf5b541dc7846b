"""The GGUF a llama.cpp runner serves for a model, quantised like llama.cpp's own files.

A GGUF model served as is (``--no-tuning``) is its own file. A model whose weights
changed in transformers (the embedded one with its role-play adapter merged) is
written back to GGUF: metadata and tokenizer from the source GGUF, tensors from
the merged weights under llama.cpp's names (q/k rows permuted back to llama.cpp's
rotary layout, as its own converter does), then quantised by llama.cpp
(``llama_model_quantize``) to the source file's type. Written once, cached beside
the converted model.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from npcbridge.errors import ModelLoadError

log = logging.getLogger(__name__)

#: llama.cpp file types by name (``llama_ftype``), for the quantisation step.
FILE_TYPES = {"f32": 0, "q4_0": 2, "q4_1": 3, "q8_0": 7}
TUNED_FILE_TYPE = "q8_0"  # for weights changed in transformers (see gguf_for_llama_cpp)


def _permute(weight: np.ndarray, heads: int) -> np.ndarray:
    """HF's rotate-half row order -> llama.cpp's interleaved pairs (its converter's ``permute``)."""
    return (weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:])
            .swapaxes(1, 2).reshape(weight.shape))


def _copy_metadata(reader: Any, writer: Any, file_type: int) -> None:
    import gguf

    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name in ("general.architecture", "general.file_type"):
            continue
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), kind, sub)
    writer.add_file_type(file_type)


def write_gguf(model: Any, template: Path, out: Path) -> None:
    """Write ``model`` (a transformers Llama-family model on the CPU) as a float32 GGUF at
    ``out``, with ``template``'s metadata and tokenizer (the GGUF it was converted from)."""
    import gguf

    reader = gguf.GGUFReader(str(template))
    arch = str(reader.fields["general.architecture"].contents())
    if arch != "llama":
        raise ModelLoadError(f"writing GGUF for architecture {arch!r} is not supported (llama only)")
    config = model.config
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    writer = gguf.GGUFWriter(str(out), arch)
    _copy_metadata(reader, writer, FILE_TYPES["f32"])
    tied = getattr(config, "tie_word_embeddings", False)
    for hf_name, tensor in model.state_dict().items():
        if tied and hf_name == "lm_head.weight":
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ModelLoadError(f"no GGUF name for tensor {hf_name}")
        data = tensor.detach().float().cpu().numpy()
        if hf_name.endswith("self_attn.q_proj.weight"):
            data = _permute(data, config.num_attention_heads)
        elif hf_name.endswith("self_attn.k_proj.weight"):
            data = _permute(data, kv_heads)
        writer.add_tensor(name, np.ascontiguousarray(data))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def quantize_gguf(source: Path, out: Path, file_type: str, threads: int = 0) -> None:
    """llama.cpp's own quantiser: ``source`` (f32) -> ``out`` as ``file_type``."""
    import llama_cpp as lc

    from npcbridge.engine.llama_cpp_runner import quiet_logs

    quiet_logs(lc)
    params = lc.llama_model_quantize_default_params()
    params.ftype = FILE_TYPES[file_type]
    params.nthread = threads or (os.cpu_count() or 1)
    status = lc.llama_model_quantize(str(source).encode(), str(out).encode(), params)
    if status != 0:
        raise ModelLoadError(f"llama.cpp could not quantise {source} to {file_type} (status {status})")


def file_type_of(gguf_path: Path) -> str:
    """The quantisation of a GGUF file by name (``q4_1``...), f32 when it is none we know."""
    import gguf

    value = int(gguf.GGUFReader(str(gguf_path)).fields["general.file_type"].contents())
    return next((name for name, number in FILE_TYPES.items() if number == value), "f32")


def export_for_llama_cpp(model: Any, template: Path, cache_target: Path, file_type: str | None = None) -> Path:
    """The GGUF of ``model`` at ``cache_target`` (written and quantised once; reused after)."""
    if cache_target.exists():
        return cache_target
    file_type = file_type or file_type_of(template)
    partial = cache_target.with_name(cache_target.name + ".f32.partial")
    log.info("writing %s for llama.cpp (%s; first run only)", cache_target, file_type)
    try:
        write_gguf(model, template, partial)
        quantized = cache_target.with_name(cache_target.name + ".partial")
        quantize_gguf(partial, quantized, file_type)
        quantized.rename(cache_target)
    finally:
        partial.unlink(missing_ok=True)
    return cache_target


def gguf_for_llama_cpp(name: str, cache_dir: Path, tuning: bool, model: Any) -> Path:
    """The GGUF the llama.cpp runner serves for ``name``: the model's own file when its
    weights are as shipped, else ``model`` (merged with its adapter) written back to GGUF."""
    from npcbridge.models.loader import has_adapter, prepare
    from npcbridge.models.registry import resolve_model

    source = resolve_model(name)
    if source.kind != "gguf":
        raise ModelLoadError(f"--runner llama.cpp serves GGUF models; {name!r} is not one: pass a .gguf file "
                             "as --model, or use --runner torch")
    original = Path(source.location) / str(source.gguf_file)
    if not (tuning and has_adapter(name)):
        return original
    merged = Path(prepare(name, cache_dir, tuning))
    # Q8_0, not the source's Q4_1: the shipped weights sit exactly on the Q4_1 grid (requantising
    # them loses nothing), but the adapter's small deltas do not, and rounding them to 4 bits
    # undoes the tuning (measured: top-1 agreement with fp32 0.51 at Q4_1, 0.96 at Q8_0).
    return export_for_llama_cpp(model, original, merged.with_name(f"{merged.name}.{TUNED_FILE_TYPE}.gguf"),
                                TUNED_FILE_TYPE)
