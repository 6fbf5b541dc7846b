"""The engine loop on a tiny random Llama built here (fast), then on the real model."""

import asyncio
import threading

import pytest
import torch
from transformers import AutoModelForCausalLM

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.core import CoreRequest, ErrorEvent, FinishEvent, GenerationCore, TokenEvent


class Sink:
    def __init__(self):
        self.events = []
        self.done = threading.Event()

    def __call__(self, event):
        self.events.append(event)
        if not isinstance(event, TokenEvent):
            self.done.set()

    def tokens(self):
        return [e.token_id for e in self.events if isinstance(e, TokenEvent)]


@pytest.fixture
def tiny_core(tiny_model_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    core = GenerationCore(model, torch.device("cpu"), eos_ids=set(), context_length=512)
    core.start()
    yield core
    core.stop()


def run(core, rid, prompt, params):
    sink = Sink()
    core.submit(CoreRequest(rid, prompt, params, sink))
    assert sink.done.wait(30)
    return sink


def test_max_tokens_and_finish(tiny_core):
    sink = run(tiny_core, "a", [1, 2, 3], SamplingParams(7, 0.0, 1.0))
    assert len(sink.tokens()) == 7
    assert sink.events[-1] == FinishEvent("length", 3, 7, sink.events[-1].queue_ms)


def test_interleaved_requests_match_alone(tiny_core):
    greedy = SamplingParams(12, 0.0, 1.0)
    alone = run(tiny_core, "solo", [5, 6, 7], greedy).tokens()
    sinks = [Sink() for _ in range(3)]
    for i, sink in enumerate(sinks):
        tiny_core.submit(CoreRequest(f"r{i}", [5, 6, 7] if i != 1 else [9, 9], greedy, sink))
    for sink in sinks:
        assert sink.done.wait(30)
    assert sinks[0].tokens() == alone and sinks[2].tokens() == alone


def test_seeded_sampling_repeats(tiny_core):
    params = SamplingParams(10, 1.0, 0.9, seed=1234)
    assert run(tiny_core, "x", [4, 4], params).tokens() == run(tiny_core, "y", [4, 4], params).tokens()


def test_abort_frees_the_request(tiny_core):
    sink = Sink()
    tiny_core.submit(CoreRequest("long", [1], SamplingParams(400, 0.0, 1.0), sink))
    while len(sink.tokens()) < 2:
        pass
    tiny_core.abort("long")
    assert sink.done.wait(10)
    assert sink.events[-1].reason == "cancelled"
    assert len(sink.tokens()) < 400
    assert tiny_core.active_count() == 0


def test_stop_fails_pending_requests(tiny_model_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    core = GenerationCore(model, torch.device("cpu"), eos_ids=set(), context_length=512)
    core.start()
    sink = Sink()
    core.submit(CoreRequest("long", [1], SamplingParams(10_000, 0.0, 1.0), sink))
    core.stop()
    assert isinstance(sink.events[-1], ErrorEvent) and "shutting down" in sink.events[-1].message


@pytest.mark.model
def test_eos_ends_with_stop_on_the_real_model(loaded_model):
    from npcbridge.engine.interface import ChatMessage
    from npcbridge.engine.transformers_engine import TransformersEngine

    engine = TransformersEngine.from_loaded(loaded_model)
    asyncio.run(engine.start())
    try:
        prompt = engine.encode([ChatMessage("user", "Say just the word yes.")])
        sink = Sink()
        engine._core.submit(CoreRequest("eos", prompt, SamplingParams(60, 0.0, 1.0), sink))
        assert sink.done.wait(60)
        assert sink.events[-1].reason == "stop"
    finally:
        asyncio.run(engine.stop())
