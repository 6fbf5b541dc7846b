"""``npcbridge bench moderation``: throughput of each moderation path beside
profanity peers, and the delay the streaming filter adds, in one run."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from npcbridge.moderation.datasets import load_game_chat
from npcbridge.moderation.lexicon import Lexicon
from npcbridge.moderation.pipeline import ModerationPipeline
from npcbridge.moderation.policy import TIERS
from npcbridge.moderation.service import ModerationService

REPLY = ("Well met, traveller! The road to Ironhold is long and the passes are cold this time of year, so "
         "buy a good cloak before you leave. I have iron bars at five gold each, and a fine shitty old sword "
         "that nobody wants. Come back when the snow melts and I will tell you the story of the mountain.")


def rate(fn: Callable[[], int], seconds: float) -> float:
    """Items per second of ``fn`` (which returns how many items it handled)."""
    fn()  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += fn()
    return done / (time.perf_counter() - start)


def streaming_delay(service: ModerationService, tokens: list[str]) -> tuple[float, float]:
    """Mean and max number of tokens a character waits in the filter before release."""
    filt = service.stream_filter("teen")
    arrived: list[int] = []
    waits: list[int] = []
    released = 0
    for k, token in enumerate(tokens):
        arrived.extend([k] * len(token))
        verdict = filt.push(token)
        for _ in verdict.release:
            waits.append(k - arrived[released])
            released += 1
    verdict = filt.finish()
    for _ in verdict.release:
        waits.append(len(tokens) - 1 - arrived[released])
        released += 1
    return sum(waits) / len(waits), float(max(waits))


def run_moderation_bench(console: Console, seconds: float = 2.0) -> dict[str, float]:
    texts = [t for t, _ in load_game_chat()]
    batch = (texts * 2)[:64]
    lexicon = Lexicon.default()
    rules_only = ModerationPipeline(lexicon)
    service = ModerationService("teen")
    service.load()
    full = service.pipeline
    assert full is not None
    figures = {
        "lexicon scan": rate(lambda: sum(1 for t in texts if lexicon.scan(t) is not None), seconds),
        "rules (lexicon+PII+injection+policy)": rate(lambda: len(rules_only.check_batch(texts, TIERS["teen"])),
                                                      seconds),
        "full pipeline, batch of 64": rate(lambda: len(full.check_batch(batch, TIERS["teen"])), seconds),
        "full pipeline, one at a time": rate(lambda: len(full.check_batch(texts[:1], TIERS["teen"])), seconds),
    }
    try:
        from better_profanity import profanity

        figures["better-profanity (peer)"] = rate(lambda: sum(profanity.contains_profanity(t) or 1 for t in texts),
                                                  seconds)
    except ImportError:
        pass
    try:
        from profanity_check import predict_prob

        figures["alt-profanity-check, batch of 64 (peer)"] = rate(lambda: len(predict_prob(batch)), seconds)
    except ImportError:
        pass
    table = Table("path", "texts/s", title=f"moderation throughput on game-chat lines (CPU, {seconds:.0f}s each)")
    for name, value in figures.items():
        table.add_row(name, f"{value:,.0f}")
    out = Console()
    out.print(table)
    tokens = [w + " " for w in REPLY.split()]
    mean_wait, max_wait = streaming_delay(service, tokens)
    filt = service.stream_filter("teen")
    push_rate = rate(lambda: sum(1 for tok in tokens if filt.push(tok) is not None), seconds)
    out.print(f"streaming filter: window {filt.window_chars} chars; a character waits {mean_wait:.1f} tokens on "
              f"average, {max_wait:.0f} at most; {push_rate:,.0f} pushes/s")
    figures.update({"stream_mean_wait_tokens": mean_wait, "stream_max_wait_tokens": max_wait,
                    "stream_pushes_per_s": push_rate})
    return figures
