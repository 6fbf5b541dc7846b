"""The vLLM backend without a GPU: the request mapping, the reply rules its logits
processor applies, and the engine's streaming, tail, cancel and error paths against a
stand-in AsyncLLM. Its twin on real vLLM is tests/gpu/test_vllm_engine.py (CUDA only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.interface import ChatMessage, GenerationRequest
from npcbridge.engine.reply_rules import ReplyRules
from npcbridge.engine.vllm_engine import VllmApi, VllmEngine, load_vllm_api
from npcbridge.engine.vllm_requests import (LOGITS_PROCESSOR, RULES_KEY, AdapterIds, engine_args, finish_reason,
                                            sampling_kwargs, vllm_priority)
from npcbridge.errors import InvalidArgument, ModelLoadError

EOS = 2
PARAMS = SamplingParams(max_tokens=40, temperature=0.3, top_p=0.9, seed=7, repetition_penalty=1.1,
                        no_repeat_ngram=4, min_p=0.05, sentence_stop_after=24)


def test_sampling_kwargs_map_every_field_and_keep_reply_rules_ours() -> None:
    kwargs = sampling_kwargs(PARAMS)
    assert kwargs["temperature"] == 0.3 and kwargs["top_p"] == 0.9 and kwargs["min_p"] == 0.05
    assert kwargs["seed"] == 7 and kwargs["max_tokens"] == 40 and kwargs["output_kind"] == "DELTA"
    # vLLM's own repetition penalty would hit the prompt too: ours goes to our logits processor.
    assert "repetition_penalty" not in kwargs
    assert kwargs["extra_args"][RULES_KEY] == {"repetition_penalty": 1.1, "no_repeat_ngram": 4,
                                               "sentence_stop_after": 24}
    assert "structured_outputs" not in kwargs


def test_grammar_and_tail_map_to_structured_outputs() -> None:
    params = SamplingParams(max_tokens=30, temperature=0.0, top_p=1.0, grammar='start: "yes" | "no"',
                            tail_grammar='start: "[" /[a-z]+/ "]"', tail_max_tokens=12)
    assert sampling_kwargs(params)["structured_outputs"] == {"grammar": 'start: "yes" | "no"'}
    tail = sampling_kwargs(params, tail=True)
    assert tail["structured_outputs"] == {"grammar": 'start: "[" /[a-z]+/ "]"'}
    assert tail["max_tokens"] == 12 and "extra_args" not in tail  # the call is not speech: no reply rules


def test_priority_finish_reasons_and_engine_args() -> None:
    assert [vllm_priority(p) for p in (2, 0, -1)] == [-2, 0, 1]  # ours higher-first, vLLM lower-first
    assert finish_reason("length") == "length" and finish_reason("abort") == "cancelled"
    assert finish_reason(None) == "stop"
    config = CoreConfig("m", Path("."), max_batch=48, max_context_tokens=4096, dtype="auto")
    args = engine_args(config, "/models/m", gpu_memory=0.8, max_loras=0, max_lora_rank=16)
    assert args["model"] == "/models/m" and args["dtype"] == "bfloat16" and args["max_num_seqs"] == 48
    assert args["max_model_len"] == 4096 and args["enable_prefix_caching"] is True
    assert args["scheduling_policy"] == "priority" and args["structured_outputs_config"] == {"backend": "guidance"}
    assert args["logits_processors"] == [LOGITS_PROCESSOR] and "enable_lora" not in args
    with_lora = engine_args(config, "/m", gpu_memory=0.8, max_loras=4, max_lora_rank=32)
    assert with_lora["enable_lora"] is True and with_lora["max_loras"] == 4 and with_lora["max_lora_rank"] == 32


def test_adapter_ids_are_stable_and_distinct() -> None:
    ids = AdapterIds()
    a, b = ids.ref("/adapters/guard"), ids.ref("/adapters/smith")
    assert ids.ref("/adapters/guard") == a and a.int_id != b.int_id and min(a.int_id, b.int_id) >= 1
    assert a.name != b.name and a.path == "/adapters/guard"


def test_reply_rules_ban_repeats_of_the_reply_only_and_stop_at_a_sentence_end() -> None:
    rules = ReplyRules(repetition_penalty=2.0, no_repeat_ngram=2, sentence_stop_after=3)
    assert ReplyRules.from_args(rules.as_args()) == rules and ReplyRules.from_args({}) is None
    logits = torch.tensor([1.0, 1.0, 1.0, 4.0, -1.0, 1.0])
    out = rules.apply([3, 4, 3], logits, EOS, frozenset({5}))
    assert out[4] == float("-inf")  # "3 4" again is a repeated 2-gram
    assert out[3] == 2.0 and out[0] == 1.0  # penalised because the reply used it; others untouched
    assert logits[3] == 4.0  # the input row is not changed in place
    stop = rules.apply([0, 1, 5], logits, EOS, frozenset({5}))  # 3 tokens, the last ends a sentence
    assert int(stop.argmax()) == EOS and torch.isinf(stop[[0, 1, 3, 4, 5]]).all()
    assert rules.apply([], logits, EOS, frozenset({5})) is logits
    assert ReplyRules().as_args() == {}


# ---- the engine against a stand-in AsyncLLM ----------------------------------------------------


@dataclass
class FakeLLM:
    """Answers each request with scripted (text, token ids) deltas; records what it was asked."""

    replies: dict[str, list[tuple[str, list[int]]]]
    calls: list[dict[str, Any]] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    fail: Exception | None = None
    errored: bool = False

    async def generate(self, prompt: dict, sampling: Any, request_id: str, *, priority: int = 0,
                       lora_request: Any = None):
        self.calls.append(dict(prompt=prompt["prompt_token_ids"], sampling=sampling, id=request_id,
                               priority=priority, lora=lora_request))
        if self.fail is not None:
            raise self.fail
        script = self.replies["tail" if request_id.endswith(":tail") else "reply"]
        for i, (text, ids) in enumerate(script):
            last = i == len(script) - 1
            await asyncio.sleep(0)
            yield SimpleNamespace(outputs=[SimpleNamespace(text=text, token_ids=ids,
                                                           finish_reason="stop" if last else None)],
                                  finished=last, num_cached_tokens=5 if last else None,
                                  metrics=SimpleNamespace(queued_ts=1.0, scheduled_ts=1.25))

    async def abort(self, request_id: str) -> None:
        self.aborted.append(request_id)

    def shutdown(self) -> None:
        pass


class FakeTokenizer:
    eos_token_id = EOS

    def apply_chat_template(self, messages: list[dict], tokenize: bool, add_generation_prompt: bool) -> str:
        return "|".join(m["content"] for m in messages)

    def __call__(self, text: str, add_special_tokens: bool) -> dict:
        return {"input_ids": [len(word) for word in text.split()]}


def _engine(llm: FakeLLM, max_loras: int = 0) -> VllmEngine:
    api = VllmApi(sampling_params=lambda **kw: kw, structured_outputs=lambda **kw: ("grammar", kw),
                  lora_request=lambda name, int_id, path: (name, int_id, path), delta_kind="DELTA",
                  start=lambda args: llm)
    return VllmEngine(CoreConfig("tiny", Path(".")), api=api, tokenizer=FakeTokenizer(), model_dir="/m",
                      max_loras=max_loras)


async def _collect(engine: VllmEngine, request: GenerationRequest) -> list[Any]:
    return [chunk async for chunk in engine.generate(request)]


def test_engine_streams_deltas_then_decodes_the_tail_after_the_reply() -> None:
    llm = FakeLLM({"reply": [("Hello ", [10]), ("there.", [11, EOS])], "tail": [('[wave]', [20, 21])]})
    engine = _engine(llm)
    params = SamplingParams(max_tokens=16, temperature=0.2, top_p=0.9, tail_grammar="start: /x/", tail_max_tokens=8)

    async def run() -> list[Any]:
        await engine.start()
        return await _collect(engine, GenerationRequest("r1", [ChatMessage("user", "hi you")], params, priority=2))

    chunks = asyncio.run(run())
    assert [c.text for c in chunks if c.text and not c.tail] == ["Hello ", "there."]
    assert [c.text for c in chunks if c.tail] == ["[wave]"]
    last = chunks[-1]
    assert last.finish_reason == "stop" and last.prompt_tokens == 2 and last.completion_tokens == 5
    assert last.cached_tokens == 5 and last.queue_ms == pytest.approx(250.0)
    reply_call, tail_call = llm.calls
    assert reply_call["priority"] == -2 and reply_call["prompt"] == [2, 3]
    # The tail continues the reply as written, without its end-of-text, under the tail grammar.
    assert tail_call["id"] == "r1:tail" and tail_call["prompt"] == [2, 3, 10, 11]
    assert tail_call["sampling"]["structured_outputs"] == ("grammar", {"grammar": "start: /x/"})
    assert engine.info.backend == "vllm" and engine.queue_depth() == 0


def test_prompt_ids_given_are_served_as_is_and_adapters_map_to_lora_requests() -> None:
    llm = FakeLLM({"reply": [("Aye.", [7, EOS])]})
    engine = _engine(llm, max_loras=2)
    params = SamplingParams(max_tokens=8, temperature=0.0, top_p=1.0)

    async def run() -> None:
        await engine.start()
        await _collect(engine, GenerationRequest("a", [], params, prompt_ids=[1, 2, 3], adapter="/ad/guard"))
        await _collect(engine, GenerationRequest("b", [], params, prompt_ids=[1], adapter="/ad/guard"))

    asyncio.run(run())
    assert llm.calls[0]["prompt"] == [1, 2, 3]
    assert llm.calls[0]["lora"] == llm.calls[1]["lora"] and llm.calls[0]["lora"][1:] == (1, "/ad/guard")


def test_client_cancel_aborts_in_vllm_and_bad_requests_are_invalid_argument() -> None:
    llm = FakeLLM({"reply": [("One ", [1]), ("two ", [2]), ("three.", [3, EOS])]})
    engine = _engine(llm)
    params = SamplingParams(max_tokens=8, temperature=0.0, top_p=1.0)

    async def run() -> None:
        await engine.start()
        stream = engine.generate(GenerationRequest("c", [ChatMessage("user", "x")], params))
        await stream.__anext__()
        await stream.aclose()  # the player walked away
        await asyncio.sleep(0)
        with pytest.raises(InvalidArgument, match="no LoRA adapters"):
            await _collect(engine, GenerationRequest("d", [], params, prompt_ids=[1], adapter="/ad/x"))
        llm.fail = ValueError("grammar does not compile")
        with pytest.raises(InvalidArgument, match="grammar does not compile"):
            await _collect(engine, GenerationRequest("e", [], params, prompt_ids=[1]))

    asyncio.run(run())
    assert llm.aborted == ["c"] and engine.queue_depth() == 0


def test_without_vllm_installed_the_backend_says_how_to_get_it() -> None:
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(ModelLoadError, match="setup_vllm.sh"):
            load_vllm_api()
    else:
        pytest.skip("vLLM is installed here")
