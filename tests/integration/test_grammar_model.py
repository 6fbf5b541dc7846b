"""Constrained decoding on the embedded model: a reply under an action grammar parses
and validates, decoded in one batch with free-text replies; the grammar crosses the
engine-process boundary intact."""

from __future__ import annotations

import asyncio
import json

import jsonschema

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.interface import ChatMessage, GenerationRequest
from npcbridge.engine.messages import AddRequest, decode_to_core, encode
from npcbridge.engine.transformers_engine import TransformersEngine

SCHEMA = {"type": "object", "properties": {"item": {"type": "string", "enum": ["sword", "shield", "bread"]}},
          "required": ["item"], "additionalProperties": False,
          "x-guidance": {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}}
# What an NPC with one action may say: a short line, then optionally the action call.
GRAMMAR = (f'start: LINE ("\\n" "give_item " %json {json.dumps(SCHEMA)})?\n'
           'LINE: /[A-Za-z ,.!?\']{1,120}/\n')
SYSTEM = ("You are Greta, a blacksmith. When the player asks for an item you sell (sword, shield, bread), "
          "answer in one sentence, then on a new line write give_item with the item as JSON.")


def test_constrained_and_free_replies_in_one_batch(loaded_model):
    async def scenario():
        engine = TransformersEngine.from_loaded(loaded_model)
        await engine.start()

        async def reply(rid: str, text: str, grammar: str) -> str:
            messages = [ChatMessage("system", SYSTEM), ChatMessage("user", text)]
            request = GenerationRequest(rid, messages, SamplingParams(48, 0.3, 0.9, seed=7, grammar=grammar))
            return "".join([c.text async for c in engine.generate(request)])
        try:
            return await asyncio.gather(*(reply(f"g{i}", line, GRAMMAR) for i, line in enumerate(
                ["Give me a sword.", "I need a shield, please.", "Hello there!", "Can I have some bread?"])),
                reply("free", "Tell me about your forge.", ""))
        finally:
            await engine.stop()

    *constrained, free = asyncio.run(scenario())
    assert free
    for text in constrained:
        line, _, action = text.partition("\n")
        assert line and all(c.isalpha() or c in " ,.!?'" for c in line), text
        if action:
            assert action.startswith("give_item "), text
            jsonschema.validate(json.loads(action.removeprefix("give_item ")), SCHEMA)


def test_the_grammar_crosses_the_process_pipe():
    request = AddRequest("r", [1, 2], SamplingParams(8, 0.0, 1.0, grammar=GRAMMAR), 0)
    assert decode_to_core(encode(request)).params.grammar == GRAMMAR
