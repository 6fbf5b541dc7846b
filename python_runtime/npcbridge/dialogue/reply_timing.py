"""What a Say's completion reports about its timing, and the engine-stream wrapper the
turn reads its end from (kept out of the service, which only orchestrates the turn)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from npcbridge.dialogue.types import Timings
from npcbridge.engine.interface import GenerationChunk


def reply_timings(received: float, first_at: float | None, tokens: int, queue_ms: float,
             decode: tuple[float, float] | None = None) -> Timings:
    """``first_at``: first text sent; ``decode``: first and last token from the engine
    (the moderation hold-back delays what is sent, not how fast tokens come)."""
    done = time.perf_counter()
    start, end = decode or (first_at or done, done)
    decode_s = end - start
    return Timings(queue_ms=queue_ms, ttft_ms=((first_at or done) - received) * 1000,
                   total_ms=(done - received) * 1000,
                   tokens_per_second=(tokens - 1) / decode_s if decode_s > 0 and tokens > 1 else 0.0)


async def with_end(stream: AsyncIterator[GenerationChunk]) -> AsyncIterator[GenerationChunk | None]:
    """The stream's chunks, then ``None`` once it is exhausted."""
    async for chunk in stream:
        yield chunk
    yield None
