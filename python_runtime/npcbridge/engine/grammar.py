"""Constrained decoding: a request may carry a grammar, and its reply can then only
be text that the grammar accepts (typed NPC actions, JSON that validates).

Grammars are Lark text with JSON Schema sub-rules (``%json {...}``), compiled by
llguidance against the model's tokenizer. Each request gets its own matcher (its
parse state); every step the core builds one token bitmask for the rows that have
a matcher and applies it to their logits, so rows with different grammars, and
rows without one, decode in the same batch. A grammar text is validated once and
cached: the NPCs of one character share it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import llguidance
import llguidance.hf
import llguidance.torch as lltorch
import torch

GRAMMAR_CACHE = 256  # distinct grammar texts kept compiled


class GrammarError(ValueError):
    """The grammar does not compile; the message says where."""


class GrammarCompiler:
    """Builds matchers for one tokenizer; caches each grammar text's compiled form."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = llguidance.hf.from_tokenizer(tokenizer)
        self.vocab_size = self.tokenizer.vocab_size
        self._grammars: OrderedDict[str, str] = OrderedDict()

    def matcher(self, lark: str) -> llguidance.LLMatcher:
        """A fresh parse state for ``lark``; raises :class:`GrammarError` if it does not compile."""
        grammar = self._grammars.get(lark)
        if grammar is None:
            grammar = llguidance.grammar_from("lark", lark)
            error = llguidance.LLMatcher.validate_grammar(grammar, self.tokenizer)
            if error:
                raise GrammarError(f"the grammar does not compile: {error.strip()}")
            self._grammars[lark] = grammar
            while len(self._grammars) > GRAMMAR_CACHE:
                self._grammars.popitem(last=False)
        else:
            self._grammars.move_to_end(lark)
        matcher = llguidance.LLMatcher(self.tokenizer, grammar)
        if matcher.is_error():
            raise GrammarError(f"the grammar does not compile: {matcher.get_error()}")
        return matcher


def mask_rows(logits: torch.Tensor, rows: list[tuple[int, llguidance.LLMatcher]], vocab_size: int) -> None:
    """Forbid, in place, every token the matcher of each listed row does not allow next."""
    if not rows:
        return
    index = torch.tensor([row for row, _ in rows], device=logits.device)
    bitmask = lltorch.allocate_token_bitmask(len(rows), vocab_size)
    for i, (_, matcher) in enumerate(rows):
        lltorch.fill_next_token_bitmask(matcher, bitmask, i)
    picked = logits[index]
    if picked.shape[-1] > vocab_size:  # the model's padded vocabulary: never a grammar token
        picked[:, vocab_size:] = float("-inf")
    lltorch.apply_token_bitmask_inplace(picked[:, :vocab_size], bitmask.to(picked.device))
    logits[index] = picked
