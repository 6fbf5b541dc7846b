"""Check the vLLM backend's request mapping against an installed vLLM, without a GPU.

    .venv-vllm/bin/python scripts/check_vllm_mapping.py TOKENIZER_DIR

Builds vLLM's own SamplingParams, StructuredOutputsParams, LoRARequest and
AsyncEngineArgs from what npcbridge.engine.vllm_requests produces, loads our logits
processor by the name vLLM gets, and runs our emotion and action grammars through
vLLM's guidance-backend validation with the model's tokenizer. (Serving needs CUDA:
tests/gpu/test_vllm_engine.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import llguidance.hf
from transformers import PreTrainedTokenizerFast
from vllm.config import StructuredOutputsConfig
from vllm.engine.arg_utils import AsyncEngineArgs
from vllm.v1.sample.logits_processor import _load_logitsprocs_by_fqcns
from vllm.v1.structured_output.backend_guidance import validate_guidance_grammar

from npcbridge.dialogue.reply_grammar import ActionChoice, speech_grammar, tail_grammar
from npcbridge.dialogue.types import ActionSpec, SamplingParams
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.interface import GenerationRequest
from npcbridge.engine.vllm_engine import VllmEngine, load_vllm_api
from npcbridge.engine.vllm_requests import engine_args

GIVE = ActionSpec("give_item", "hand the player an item",
                  '{"type":"object","properties":{"item":{"type":"string","enum":["sword","shield"]},'
                  '"count":{"type":"integer","minimum":1}},"required":["item"]}')


def main(tokenizer_dir: str) -> None:
    engine = VllmEngine(CoreConfig("m", Path(".")), api=load_vllm_api(), max_loras=2)
    params = SamplingParams(max_tokens=40, temperature=0.3, top_p=0.9, seed=7, no_repeat_ngram=4,
                            sentence_stop_after=24, grammar=speech_grammar(["neutral", "happy"]),
                            tail_grammar=tail_grammar(ActionChoice((GIVE,), required=False)), tail_max_tokens=24)
    request = GenerationRequest("x", [], params, adapter="/adapters/pirate")
    tokenizer = llguidance.hf.from_tokenizer(PreTrainedTokenizerFast(
        tokenizer_file=str(Path(tokenizer_dir) / "tokenizer.json"), eos_token="<|im_end|>"))
    for tail in (False, True):
        sampling = engine._sampling(request, tail)
        validate_guidance_grammar(sampling, tokenizer)
        print("tail" if tail else "reply", "->", sampling.max_tokens, sampling.output_kind, sampling.extra_args,
              "grammar accepted")
    print(engine._lora(request))
    args = engine_args(CoreConfig("m", Path("."), max_batch=48), "/models/m", gpu_memory=0.8, max_loras=4,
                       max_lora_rank=16)
    built = AsyncEngineArgs(**dict(args, structured_outputs_config=StructuredOutputsConfig(
        **args["structured_outputs_config"])))
    print("AsyncEngineArgs:", built.scheduling_policy, built.enable_prefix_caching, built.enable_lora)
    print("logits processors:", _load_logitsprocs_by_fqcns(args["logits_processors"]))


if __name__ == "__main__":
    main(sys.argv[1])
