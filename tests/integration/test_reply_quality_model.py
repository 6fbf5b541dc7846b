"""The reply evaluation's machinery on the real embedded model (tuned, default settings):
two characters' conversations through the real Say flow with moderation on. The full
evaluation (9 characters, 5 configurations) is `npcbridge eval replies`; this keeps
the default configuration from regressing into loops, role breaks and rambling."""

from __future__ import annotations

import asyncio

import pytest

from npcbridge.dialogue.evaluate import Summary, load_eval_set, run_config
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.types import SayOptions
from npcbridge.dialogue.validation import DialogueLimits
from npcbridge.engine.transformers_engine import TransformersEngine
from npcbridge.moderation.service import ModerationService
from npcbridge.store import open_store

pytestmark = pytest.mark.model


def test_default_replies_state_facts_without_loops(loaded_model):
    scripts = load_eval_set()[:2]

    async def run() -> Summary:
        moderation = ModerationService()
        await moderation.start()
        engine = TransformersEngine.from_loaded(loaded_model)
        await engine.start()
        store = open_store(":memory:")
        try:
            service = DialogueService(store, engine, DialogueLimits(), moderation)
            rows = await run_config(service, scripts, SayOptions(seed=11))
        finally:
            await engine.stop()
            store.close()
        return Summary.of("default", rows, 0.0)

    summary = asyncio.run(run())
    assert summary.replies == sum(len(s.turns) for s in scripts)
    # Thresholds well inside what `npcbridge eval replies` measures for the default
    # configuration (see the closing note of issue 20), so sampling noise cannot trip them.
    assert summary.loops <= 0.1 and summary.out_of_character == 0.0 and summary.cut <= 0.1
    assert summary.facts >= FACTS_AT_LEAST
    assert summary.p90_words <= 40


FACTS_AT_LEAST = 0.5
