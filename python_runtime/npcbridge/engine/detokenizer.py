"""Incremental detokenisation that never emits half a UTF-8 character."""

from __future__ import annotations

from typing import Any


class IncrementalDetokenizer:
    """Turns a growing list of token ids into text deltas.

    Byte-level BPE tokens can end inside a multi-byte character; decoding such a
    prefix yields U+FFFD. We hold tokens back until the decoded text no longer ends
    in U+FFFD, and decode only a short window (TGI's prefix/read offsets) so the
    cost per token stays constant.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self._ids: list[int] = []
        self._prefix_offset = 0
        self._read_offset = 0

    def add(self, token_id: int) -> str:
        """Append one token; return the newly complete text (maybe empty)."""
        self._ids.append(token_id)
        decode = self._tokenizer.decode
        prefix_text = decode(self._ids[self._prefix_offset:self._read_offset], skip_special_tokens=True)
        new_text = decode(self._ids[self._prefix_offset:], skip_special_tokens=True)
        if len(new_text) > len(prefix_text) and not new_text.endswith("\ufffd"):
            delta = new_text[len(prefix_text):]
            self._prefix_offset = self._read_offset
            self._read_offset = len(self._ids)
            return delta
        return ""
