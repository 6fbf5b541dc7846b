"""The vLLM backend on real vLLM: the twin of tests/unit/test_vllm_backend.py.

Runs only where vLLM is installed (its own environment: scripts/setup_vllm.sh) and a
CUDA device is present; skipped everywhere else, CI included. It serves the embedded
model from the folder our loader prepares (the GGUF converted once).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import torch

from npcbridge.config import default_cache_dir
from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.interface import ChatMessage, GenerationRequest
from npcbridge.engine.vllm_engine import VllmEngine

vllm = pytest.importorskip("vllm")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

MESSAGES = [ChatMessage("system", "You are Mara, the blacksmith of Oakvale. Answer in one short sentence."),
            ChatMessage("user", "What do you sell?")]


async def _text(engine: VllmEngine, request: GenerationRequest) -> tuple[str, str, object]:
    speech, tail, last = [], [], None
    async for chunk in engine.generate(request):
        (tail if chunk.tail else speech).append(chunk.text)
        last = chunk
    return "".join(speech), "".join(tail), last


@pytest.fixture(scope="module")
def engine():
    config = CoreConfig("smollm2-135m-instruct", Path(default_cache_dir()), max_batch=32, max_context_tokens=2048)
    engine = VllmEngine(config, gpu_memory=0.3)
    asyncio.run(engine.start())
    yield engine
    engine.terminate()


def test_greedy_reply_seeds_grammar_tail_and_priority(engine: VllmEngine) -> None:
    greedy = SamplingParams(max_tokens=48, temperature=0.0, top_p=1.0, no_repeat_ngram=4, sentence_stop_after=12)
    seeded = SamplingParams(max_tokens=32, temperature=0.8, top_p=0.95, seed=11)
    tail = SamplingParams(max_tokens=32, temperature=0.0, top_p=1.0,
                          tail_grammar='start: "[" ("wave" | "nod") "]"', tail_max_tokens=6)
    choice = SamplingParams(max_tokens=16, temperature=0.7, top_p=1.0,
                            grammar='start: %json {"type": "object", "properties": {"mood": {"enum": ["calm", "angry"]}}, '
                                    '"required": ["mood"], "additionalProperties": false}')

    async def run() -> list:
        jobs = [_text(engine, GenerationRequest(f"g{i}", MESSAGES, greedy, priority=i % 3)) for i in range(8)]
        jobs += [_text(engine, GenerationRequest(f"s{i}", MESSAGES, seeded)) for i in range(2)]
        jobs += [_text(engine, GenerationRequest("t", MESSAGES, tail)),
                 _text(engine, GenerationRequest("j", MESSAGES, choice))]
        return await asyncio.gather(*jobs)

    results = asyncio.run(run())
    greedy_texts = {r[0] for r in results[:8]}
    assert len(greedy_texts) == 1 and next(iter(greedy_texts)).strip()  # batching does not change greedy text
    assert results[8][0] == results[9][0]  # same seed, same reply
    assert results[10][1] in ("[wave]", "[nod]")
    assert json.loads(results[11][0])["mood"] in ("calm", "angry")
    assert all(r[2].finish_reason in ("stop", "length") and r[2].prompt_tokens > 10 for r in results)


def test_cancel_aborts_and_the_engine_keeps_serving(engine: VllmEngine) -> None:
    long = SamplingParams(max_tokens=400, temperature=0.7, top_p=1.0)

    async def run() -> str:
        stream = engine.generate(GenerationRequest("cancel-me", MESSAGES, long))
        await stream.__anext__()
        await stream.aclose()
        text, _, last = await _text(engine, GenerationRequest("after", MESSAGES,
                                                               SamplingParams(max_tokens=16, temperature=0.0, top_p=1.0)))
        assert last.finish_reason in ("stop", "length")
        return text

    assert asyncio.run(run()).strip()
    assert engine.queue_depth() == 0
