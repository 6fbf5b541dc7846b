"""A Say stream with the reply spoken: text events pass through as they come, the released
(moderated) text is cut into pieces, and each piece's visemes and audio join the stream
as soon as its voice has made them. Completed is held back until the last audio chunk,
so it still ends the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from npcbridge.dialogue.types import Completed, DialogueEvent, TextDelta
from npcbridge.speech.segments import SpeechSegmenter
from npcbridge.speech.speaker import Speaker, Timeline
from npcbridge.speech.voices import TtsBackend

_DONE = object()


async def spoken_reply(events: AsyncIterator[DialogueEvent], speaker: Speaker, backend: TtsBackend,
                       speed: float) -> AsyncIterator[DialogueEvent]:
    """``events`` with AudioChunk and Viseme events interleaved. Closing this stream closes
    ``events`` (the generation stops) and drops the synthesis in progress."""
    segmenter = SpeechSegmenter()
    pieces: asyncio.Queue[str | None] = asyncio.Queue()
    out: asyncio.Queue = asyncio.Queue()
    completed: list[Completed] = []

    async def text_side() -> None:
        try:
            async for event in events:
                if isinstance(event, Completed):
                    completed.append(event)
                    continue
                if isinstance(event, TextDelta):
                    for piece in segmenter.feed(event.text):
                        pieces.put_nowait(piece)
                await out.put(event)
            for piece in segmenter.flush():
                pieces.put_nowait(piece)
        finally:
            pieces.put_nowait(None)  # the voice side ends after the pieces it has

    async def voice_side() -> None:
        async for event in speaker.speak(backend, pieces, speed, Timeline()):
            await out.put(event)

    async def run(side) -> None:  # noqa: ANN001 - one of the two sides
        try:
            await side()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer below
            await out.put((_DONE, exc))
            raise
        await out.put((_DONE, None))

    tasks = [asyncio.create_task(run(text_side)), asyncio.create_task(run(voice_side))]
    try:
        finished = 0
        while finished < len(tasks):
            item = await out.get()
            if isinstance(item, tuple) and item and item[0] is _DONE:
                finished += 1
                if item[1] is not None and not isinstance(item[1], asyncio.CancelledError):
                    raise item[1]
                continue
            yield item
        for event in completed:
            yield event
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await events.aclose()  # type: ignore[attr-defined]

