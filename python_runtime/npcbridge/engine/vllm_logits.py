"""Our reply-only sampling rules as a vLLM logits processor (imported by vLLM's engine
process through ``logits_processors``; needs vLLM, so only the vLLM environment loads it)."""

from __future__ import annotations

from typing import Any

import torch
from transformers import AutoTokenizer
from vllm.v1.sample.logits_processor import AdapterLogitsProcessor

from npcbridge.engine.reply_rules import ReplyRules
from npcbridge.engine.sentence_ends import sentence_end_ids
from npcbridge.engine.vllm_requests import RULES_KEY


class ReplyRulesProcessor(AdapterLogitsProcessor):
    """Applies :class:`ReplyRules` to the requests whose ``extra_args`` carry them."""

    def __init__(self, vllm_config: Any, device: torch.device, is_pin_memory: bool) -> None:
        super().__init__(vllm_config, device, is_pin_memory)
        tokenizer = AutoTokenizer.from_pretrained(vllm_config.model_config.tokenizer)
        self.eos_id = int(tokenizer.eos_token_id)
        self.sentence_ends = frozenset(sentence_end_ids(tokenizer))

    def is_argmax_invariant(self) -> bool:
        return False  # n-gram bans and the sentence stop change the greedy pick

    def new_req_logits_processor(self, params: Any) -> Any:
        rules = ReplyRules.from_args((params.extra_args or {}).get(RULES_KEY))
        if rules is None:
            return None
        eos_id, ends = self.eos_id, self.sentence_ends

        def apply(output_ids: list[int], logits: torch.Tensor) -> torch.Tensor:
            return rules.apply(output_ids, logits, eos_id, ends)

        return apply
