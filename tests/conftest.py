"""Shared fixtures: scripted hosts for fast tests, the embedded model for real ones."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# No machine here reaches a model hub: fail fast instead of waiting on the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from npcbridge.config import default_cache_dir  # noqa: E402
from npcbridge.engine.core_config import CoreConfig  # noqa: E402
from npcbridge.engine.transformers_engine import TransformersEngine  # noqa: E402
from npcbridge.models.loader import LoadedModel, load_causal_lm, prepare  # noqa: E402
from npcbridge.testing import RunningHost, running_host  # noqa: E402

EMBEDDED = "smollm2-135m-instruct"


@pytest.fixture
def scripted_host() -> Iterator[RunningHost]:
    """A real gRPC host on 127.0.0.1 answering from the default script."""
    with running_host() as host:
        yield host


@pytest.fixture(scope="session")
def embedded_dir() -> Path:
    """The converted embedded model, plain (converted once per cache)."""
    return Path(prepare(EMBEDDED, default_cache_dir(), tuning=False))


@pytest.fixture(scope="session")
def loaded_model(embedded_dir: Path) -> LoadedModel:
    """SmolLM2-135M-Instruct on the CPU, loaded once for the whole run."""
    return load_causal_lm(EMBEDDED, default_cache_dir(), device="cpu")


@pytest.fixture(scope="session")
def model_host(embedded_dir: Path) -> Iterator[RunningHost]:
    """A real gRPC host serving the embedded model on the default engine (OpenVINO GenAI,
    its core in a thread of this process)."""
    engine = TransformersEngine(CoreConfig(EMBEDDED, default_cache_dir(), backend="openvino"), mode="thread")
    with running_host(engine=engine) as host:
        yield host


@pytest.fixture(scope="session")
def llama_host() -> Iterator[RunningHost]:
    """A real gRPC host serving the embedded model on llama.cpp's llama-server (a child process)."""
    with running_host(backend="llama.cpp", moderation=False, avatars=False) as host:
        yield host


@pytest.fixture(params=["model_host", "llama_host"])
def engine_host(request: pytest.FixtureRequest) -> RunningHost:
    """The embedded model's host on each CPU engine: OpenVINO GenAI, then llama-server."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def torch_model_host(loaded_model: LoadedModel) -> Iterator[RunningHost]:
    """A real gRPC host serving the embedded model on the torch engine."""
    with running_host(engine=TransformersEngine.from_loaded(loaded_model)) as host:
        yield host


@pytest.fixture
def tiny_model_dir(tmp_path: Path, embedded_dir: Path) -> Path:
    """A tiny random Llama with the real SmolLM2 tokenizer and chat template."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(embedded_dir)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id)
    out = tmp_path / "tiny-llama"
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
