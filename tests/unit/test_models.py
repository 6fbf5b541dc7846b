from pathlib import Path

import pytest
import torch

from npcbridge.errors import ConfigError, ModelLoadError
from npcbridge.models.device import select_device, select_dtype
from npcbridge.models.loader import load_causal_lm
from npcbridge.models.registry import resolve_model


def test_resolve_embedded_and_paths(tmp_path: Path, tiny_model_dir: Path):
    embedded = resolve_model("smollm2-135m-instruct")
    assert embedded.kind == "gguf" and embedded.gguf_file.endswith(".gguf")
    assert resolve_model(str(tiny_model_dir)).kind == "local"
    assert resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct").kind == "hub"
    with pytest.raises(ModelLoadError, match="does not exist"):
        resolve_model(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelLoadError, match="no config.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelLoadError, match="unknown model"):
        resolve_model("not-a-model")


def test_local_directory_loads(tiny_model_dir: Path, tmp_path: Path):
    loaded = load_causal_lm(str(tiny_model_dir), tmp_path, device="cpu")
    assert loaded.context_length == 512 and loaded.dtype == torch.float32
    assert loaded.tokenizer.chat_template


def test_hub_id_offline_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ModelLoadError, match="cannot load model"):
        load_causal_lm("nobody-here/no-such-model", tmp_path, device="cpu")


def test_device_and_dtype_choice():
    assert select_device("cpu").type == "cpu"
    auto = select_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert select_dtype("auto", torch.device("cpu")) == torch.float32
    assert select_dtype("bfloat16", torch.device("cpu")) == torch.bfloat16
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA is not available"):
            select_device("cuda")
    with pytest.raises(ConfigError, match="unknown device"):
        select_device("tpu9")


@pytest.mark.model
def test_cached_conversion_matches_gguf(embedded_dir: Path):
    """The cached copy reloads fast and gives the logits of a fresh GGUF load."""
    from transformers import AutoModelForCausalLM

    source = resolve_model("smollm2-135m-instruct")
    fresh = AutoModelForCausalLM.from_pretrained(source.location, gguf_file=source.gguf_file)
    cached = AutoModelForCausalLM.from_pretrained(embedded_dir)
    ids = torch.tensor([[1, 504, 3458, 314, 253, 1789]])
    with torch.no_grad():
        assert torch.equal(fresh(ids).logits, cached(ids).logits)
