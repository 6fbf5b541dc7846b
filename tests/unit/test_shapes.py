"""Random models of real shapes: the sizes they claim, and noise the tokenizer can print."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from npcbridge.bench.shapes import shape_config, write_random_model


@pytest.mark.parametrize("shape, params", [("smollm2-135m", 134.5e6), ("qwen2.5-0.5b", 494.0e6),
                                           ("llama-3.2-1b", 1235.8e6)])
def test_shapes_have_the_published_sizes(embedded_dir, shape, params):
    config = shape_config(shape, AutoTokenizer.from_pretrained(embedded_dir))
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(params, rel=0.01)


def test_unknown_shape_is_refused(embedded_dir):
    with pytest.raises(ValueError, match="unknown shape 'gpt-9'.*smollm2-135m"):
        shape_config("gpt-9", AutoTokenizer.from_pretrained(embedded_dir))


@pytest.mark.model
def test_random_smollm2_writes_printable_tokens(embedded_dir, tmp_path):
    out = write_random_model("smollm2-135m", embedded_dir, tmp_path / "m")
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    ids = torch.tensor([tokenizer("Hello there")["input_ids"]])
    new = model.generate(ids, max_new_tokens=6, do_sample=False, pad_token_id=0)[0, ids.shape[1]:]
    assert len(new) == 6 and all(t < len(tokenizer) and t not in tokenizer.all_special_ids for t in new.tolist())
