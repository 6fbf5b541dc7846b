"""Constrained decoding in the batched engine core: rows with different grammars, and
rows without one, decode in one batch; every constrained reply parses."""

from __future__ import annotations

import json

import jsonschema
import pytest
import torch
from transformers import AutoTokenizer

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.engine_core import EngineCore
from npcbridge.engine.grammar import GrammarCompiler, GrammarError
from npcbridge.engine.messages import AddRequest
from tests.fake_runner import FakeRunner, run_until_idle as run

SCHEMA = {"type": "object", "properties": {"item": {"type": "string", "enum": ["sword", "shield", "bread"]},
                                           "count": {"type": "integer", "minimum": 1, "maximum": 9}},
          "required": ["item", "count"], "additionalProperties": False}
# Compact JSON (no free whitespace): what an NPC's action arguments are decoded under.
COMPACT = {"x-guidance": {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}}
ACTION = f'start: "give_item " %json {json.dumps({**SCHEMA, **COMPACT})}\n'
YES_NO = 'start: "yes" | "no"\n'


class RandomRunner(FakeRunner):
    """The fake runner's cache handling with random logits over the real vocabulary:
    whatever a row ends up saying comes from the grammar, not from a friendly model."""

    def __init__(self, vocab: int, slots: int = 4) -> None:
        super().__init__(slots)
        self.vocab = vocab
        self.generator = torch.Generator().manual_seed(0)

    def forward(self, rows):
        super().forward(rows)
        wanted = sum(1 for r in rows if r.want_logits)
        return torch.randn(wanted, self.vocab, generator=self.generator) if wanted else torch.empty(0, 0)


@pytest.fixture(scope="module")
def tokenizer(embedded_dir):
    return AutoTokenizer.from_pretrained(embedded_dir)


@pytest.fixture(scope="module")
def compiler(tokenizer):
    return GrammarCompiler(tokenizer)


def params(grammar: str = "", max_tokens: int = 80, temperature: float = 0.0) -> SamplingParams:
    return SamplingParams(max_tokens, temperature, 1.0, seed=3, grammar=grammar)


def test_rows_with_different_grammars_share_a_batch(tokenizer, compiler):
    runner = RandomRunner(len(tokenizer))
    core = EngineCore(runner, {tokenizer.eos_token_id}, grammars=compiler)
    prompt = tokenizer.encode("What will you give me?")
    core.add(AddRequest("action", prompt, params(ACTION)))
    core.add(AddRequest("yes-no", prompt, params(YES_NO)))
    core.add(AddRequest("sampled", prompt, params(ACTION, temperature=1.0)))
    core.add(AddRequest("free", prompt, params(max_tokens=12)))
    out = run(core)
    assert max(len(rows) for rows in runner.steps) == 4  # all four decoded together
    for rid in ("action", "sampled"):
        text = tokenizer.decode(out[rid][0])
        assert out[rid][1].finish_reason == "stop", text
        assert text.startswith("give_item ")
        jsonschema.validate(json.loads(text.removeprefix("give_item ")), SCHEMA)
    assert tokenizer.decode(out["yes-no"][0]) in ("yes", "no")
    assert out["yes-no"][1].finish_reason == "stop"
    # The unconstrained row ran to its limit beside them (random logits: no EOS).
    assert out["free"][1].finish_reason == "length" and len(out["free"][0]) == 12


def test_a_row_that_finishes_its_grammar_leaves_while_others_decode(tokenizer, compiler):
    runner = RandomRunner(len(tokenizer), slots=2)
    core = EngineCore(runner, {tokenizer.eos_token_id}, grammars=compiler)
    prompt = tokenizer.encode("Well?")
    core.add(AddRequest("short", prompt, params(YES_NO)))
    core.add(AddRequest("long", prompt, params(max_tokens=20)))
    core.add(AddRequest("next", prompt, params(YES_NO)))  # waits for a slot
    out = run(core)
    assert out["short"][1].finish_reason == "stop" and out["next"][1].finish_reason == "stop"
    assert len(out["long"][0]) == 20
    assert core.cache.free_slots == 2


def test_a_grammar_that_does_not_compile_is_an_invalid_argument(tokenizer, compiler):
    core = EngineCore(RandomRunner(len(tokenizer)), {tokenizer.eos_token_id}, grammars=compiler)
    core.add(AddRequest("bad", tokenizer.encode("hi"), params("start: missing_rule\n")))
    [out] = core.take_outputs()
    assert out.error_kind == "invalid_argument" and "missing_rule" in out.error
    with pytest.raises(GrammarError):
        compiler.matcher('start: "unterminated\n')
    plain = EngineCore(RandomRunner(len(tokenizer)), {tokenizer.eos_token_id})
    plain.add(AddRequest("x", tokenizer.encode("hi"), params(YES_NO)))
    assert plain.take_outputs()[0].error_kind == "invalid_argument"


def test_a_compiled_grammar_is_cached(compiler):
    compiler.matcher(YES_NO)
    cached = dict(compiler._grammars)
    compiler.matcher(YES_NO)
    assert compiler._grammars == cached and YES_NO in cached


TAIL = 'start: call\ncall: "\\n-> " a0\na0: "give_item " %json ' + json.dumps({**SCHEMA, **COMPACT}) + "\n"


def tail_params(max_tokens: int, tail: str = TAIL) -> SamplingParams:
    return SamplingParams(max_tokens, 0.0, 1.0, seed=3, tail_grammar=tail, tail_max_tokens=64)


def split_tail(core_outputs, rid):
    tokens = [t for o in core_outputs if o.request_id == rid and not o.tail for t in o.tokens]
    tail = [t for o in core_outputs if o.request_id == rid and o.tail for t in o.tokens]
    return tokens, tail


def run_collecting(core, max_steps: int = 500):
    outputs = []
    for _ in range(max_steps):
        if not core.has_work():
            break
        outputs += core.step()
    return outputs + core.take_outputs()


def test_a_tail_follows_speech_cut_at_max_tokens_while_other_rows_decode(tokenizer, compiler):
    runner = RandomRunner(len(tokenizer))
    core = EngineCore(runner, {tokenizer.eos_token_id}, grammars=compiler)
    prompt = tokenizer.encode("Give me a sword.")
    core.add(AddRequest("acts", prompt, tail_params(6)))
    core.add(AddRequest("talks", prompt, params(max_tokens=30)))
    outputs = run_collecting(core)
    speech, tail = split_tail(outputs, "acts")
    assert len(speech) == 6  # free speech up to max_tokens, then the tail under its grammar
    text = tokenizer.decode(tail)
    assert text.startswith("\n-> give_item "), text
    jsonschema.validate(json.loads(text.removeprefix("\n-> give_item ")), SCHEMA)
    finals = {o.request_id: o for o in outputs if o.finish_reason}
    assert finals["acts"].finish_reason == "stop" and finals["talks"].finish_reason == "length"
    assert len(split_tail(outputs, "talks")[0]) == 30 and not split_tail(outputs, "talks")[1]


class EosRunner(RandomRunner):
    """Random logits where the end of text always wins: speech ends at once."""

    def __init__(self, vocab: int, eos: int) -> None:
        super().__init__(vocab)
        self.eos = eos

    def forward(self, rows):
        logits = super().forward(rows)
        if logits.numel():
            logits[:, self.eos] = 100.0
        return logits


def test_the_end_of_speech_starts_the_tail_from_the_same_logits(tokenizer, compiler):
    core = EngineCore(EosRunner(len(tokenizer), tokenizer.eos_token_id), {tokenizer.eos_token_id},
                      grammars=compiler)
    prompt = tokenizer.encode("Give me bread.")
    core.add(AddRequest("acts", prompt, tail_params(20)))
    core.add(AddRequest("quiet", prompt, params(max_tokens=20)))
    outputs = run_collecting(core)
    speech, tail = split_tail(outputs, "acts")
    assert not speech and tokenizer.decode(tail).startswith("\n-> give_item {")
    assert not any(o.tokens for o in outputs if o.request_id == "quiet")  # ended at its EOS
    finals = {o.request_id: o.finish_reason for o in outputs if o.finish_reason}
    assert finals == {"acts": "stop", "quiet": "stop"}
    assert core.cache.free_slots == core.cache.slots
