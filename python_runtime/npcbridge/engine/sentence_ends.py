"""Which tokens end a sentence: the sentence stop of every backend (without torch,
so a backend's process that needs no torch never imports it)."""

from __future__ import annotations

from typing import Any

_ENDS = (".", "!", "?", "…", '."', '!"', '?"', ".'", "!'", "?'", ".*", "!*", "?*", ".)", "!)", "?)")


def sentence_end_ids(tokenizer: Any) -> set[int]:
    """Ids of tokens whose text ends a sentence ("." "!" "?" "…", maybe closing a quote)."""
    ends = set()
    # Decoding all ~50k tokens one by one takes seconds at every start: first keep the
    # tokens whose raw form ends in one of these characters (byte-level BPE keeps ASCII
    # punctuation as is; "…" is three bytes whose last one shows as "¦").
    raw = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    candidates = [i for i, t in enumerate(raw) if t and t[-1] in ".!?'\")*¦…"]
    for token_id in candidates:
        text = tokenizer.decode([token_id]).rstrip()
        # Digits before a dot are list numbers or prices ("1."), not sentence ends.
        if text.endswith(_ENDS) and not text.rstrip(".").strip().isdigit():
            ends.add(token_id)
    return ends
