"""``npcbridge eval knowledge``: do NPCs find and state the game's lore?

On the lore set (``knowledge/data/ashmere_lore.yaml``: an invented world's passages
and questions, each with the passage that answers it), in one run:

- retrieval: recall@1 and recall@5 of the Knowledge service's search (MiniLM +
  usearch) beside BM25 (rank-bm25) over the same passages;
- end to end: the share of replies of the embedded model (moderation on) that
  state the answer, for a character drawing on the collection vs the same
  character without it;
- cost: Say TTFT p50 with retrieval over 10,000 passages vs without.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from npcbridge.app import dialogue_limits, knowledge_limits
from npcbridge.config import load_settings
from npcbridge.dialogue.evaluate import reply_to
from npcbridge.dialogue.quality import states_all
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.types import Character, Completed, SayOptions
from npcbridge.engine.interface import ChatMessage
from npcbridge.knowledge.service import KnowledgeService
from npcbridge.knowledge.types import Document
from npcbridge.moderation.service import ModerationLimits, ModerationService, shared_encoder
from npcbridge.store import open_store

LORE = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "ashmere_lore.yaml"
COLLECTION = "ashmere"
GUIDE = Character(id="", name="Hilde", persona="The innkeeper of the Golden Goose in Kelbrin, who has heard every "
                  "traveller's tale of the Vale of Ashmere.", speaking_style="Warm and chatty, calls people \"dear\".")


@dataclass
class Question:
    text: str
    passage: str
    expect: list[str]

    def stated(self, reply: str) -> bool:
        return states_all(reply, self.expect)


def load_lore(path: Path = LORE) -> tuple[list[Document], list[Question]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ([Document(p["id"], p["text"]) for p in data["passages"]],
            [Question(q["q"], q["passage"], list(q["expect"])) for q in data["questions"]])


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def retrieval_recall(knowledge: KnowledgeService, passages: list[Document], questions: list[Question]) -> dict:
    """recall@1 and @5 of the service's search and of BM25."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([_words(p.text) for p in passages])
    ours = {1: 0, 5: 0}
    theirs = {1: 0, 5: 0}
    for q in questions:
        hits = [h.document.id for h in knowledge.search_now([COLLECTION], q.text, 5)]
        scores = bm25.get_scores(_words(q.text))
        ranked = [passages[i].id for i in sorted(range(len(passages)), key=lambda i: -scores[i])[:5]]
        for k in (1, 5):
            ours[k] += q.passage in hits[:k]
            theirs[k] += q.passage in ranked[:k]
    n = len(questions)
    return {"search": {f"recall@{k}": v / n for k, v in ours.items()},
            "bm25": {f"recall@{k}": v / n for k, v in theirs.items()}}


async def _ask(service: DialogueService, character: Character, question: str, max_tokens: int = 0) -> Completed:
    saved = await service.upsert_character(replace(character, id=""))
    session = await service.create_session(saved.id, "eval")
    return await reply_to(service, session.id, question, SayOptions(seed=0, max_tokens=max_tokens))


async def answers_stated(service: DialogueService, character: Character, questions: list[Question]) -> float:
    gate = asyncio.Semaphore(32)

    async def one(q: Question) -> bool:
        async with gate:
            return q.stated((await _ask(service, character, q.text)).text)
    return sum(await asyncio.gather(*(one(q) for q in questions))) / len(questions)


async def ttft_p50(service: DialogueService, character: Character, questions: list[Question], n: int) -> float:
    """Median TTFT of ``n`` questions asked one at a time (what a lone NPC feels); short
    replies, since only the first token is timed (a random-weight model never stops)."""
    return statistics.median([(await _ask(service, character, q.text, max_tokens=8)).timings.ttft_ms
                              for q in questions[:n]])


def filler(count: int, seed_passages: list[Document]) -> list[Document]:
    """``count`` distinct passages of lore-like text (the 10,000-passage index of the cost run)."""
    words = sorted({w for p in seed_passages for w in _words(p.text) if len(w) > 3})
    docs = []
    for i in range(count):
        picked = [words[(i * 7 + j * 131) % len(words)] for j in range(14)]
        docs.append(Document(f"filler-{i}", f"Record {i}: " + " ".join(picked).capitalize() + "."))
    return docs


def run_knowledge_eval(console: Console, model: str = "smollm2-135m-instruct", cost_passages: int = 10_000,
                       ttft_samples: int = 20, replies: bool = True) -> dict:
    """The whole evaluation; prints the tables and returns the figures."""
    from npcbridge.engine.transformers_engine import TransformersEngine
    from npcbridge.models.loader import load_causal_lm

    settings = load_settings(model=model)
    passages, questions = load_lore()

    async def run() -> dict:
        figures: dict = {}
        store = open_store(":memory:")
        knowledge = KnowledgeService(store, knowledge_limits(settings), encoder=shared_encoder("cpu"))
        knowledge.start()
        started = time.perf_counter()
        await knowledge.upsert_documents(COLLECTION, passages)
        figures["retrieval"] = retrieval_recall(knowledge, passages, questions)
        console.print(f"[dim]retrieval: {time.perf_counter() - started:.0f} s[/]")
        moderation = ModerationService(settings.moderation_policy,
                                       ModerationLimits(settings.max_text_chars, settings.max_batch_texts))
        await moderation.start()
        with console.status(f"loading {model}"):
            loaded = load_causal_lm(model, settings.cache_dir, settings.device, settings.dtype, settings.tuning)
        engine = TransformersEngine.from_loaded(loaded, max_context_tokens=settings.max_context_tokens)
        await engine.start()
        figures["device"] = f"{engine.info.name} on {engine.info.device} ({engine.info.dtype})"
        service = DialogueService(store, engine, dialogue_limits(settings), moderation, knowledge=knowledge)
        drawing = replace(GUIDE, knowledge_collections=[COLLECTION])
        try:
            if replies:
                figures["stated"] = {"with retrieval": await answers_stated(service, drawing, questions),
                                     "without": await answers_stated(service, GUIDE, questions)}
                console.print(f"[dim]end to end: {time.perf_counter() - started:.0f} s[/]")
            big = filler(cost_passages - len(passages), passages)
            for i in range(0, len(big), 256):
                await knowledge.upsert_documents("big", big[i:i + 256])
            await knowledge.upsert_documents("big", passages)
            console.print(f"[dim]indexed {cost_passages} passages: {time.perf_counter() - started:.0f} s[/]")
            count = lambda text: engine.count_tokens([ChatMessage("system", text)])  # noqa: E731
            retrieval_ms = []
            for q in questions[:40]:
                begun = time.perf_counter()
                knowledge.retrieve_now(["big"], q.text, count, knowledge.limits.prompt_tokens)
                retrieval_ms.append((time.perf_counter() - begun) * 1000)
            figures["retrieval_ms_p50"] = statistics.median(retrieval_ms)
            figures["lore_tokens_mean"] = statistics.mean(
                count("\n".join(knowledge.retrieve_now(["big"], q.text, count, knowledge.limits.prompt_tokens)))
                for q in questions[:40])
            with_big = replace(GUIDE, knowledge_collections=["big"])
            runs = {"with": [], "without": []}
            for _ in range(2):  # alternate, so drift hits both alike
                runs["without"].append(await ttft_p50(service, GUIDE, questions, ttft_samples // 2))
                runs["with"].append(await ttft_p50(service, with_big, questions, ttft_samples // 2))
            figures["ttft_ms"] = {k: statistics.median(v) for k, v in runs.items()}
        finally:
            await engine.stop()
            store.close()
        return figures

    figures = asyncio.run(run())
    r = figures["retrieval"]
    table = Table(title="npcbridge eval knowledge", expand=True)
    for column in ("measure", "ours", "baseline", "goal"):
        table.add_column(column)
    table.add_row("recall@1", f"{r['search']['recall@1']:.3f}", f"{r['bm25']['recall@1']:.3f} (BM25)", "")
    table.add_row("recall@5", f"{r['search']['recall@5']:.3f}", f"{r['bm25']['recall@5']:.3f} (BM25)", ">= 0.95")
    if "stated" in figures:
        s = figures["stated"]
        table.add_row("replies stating the answer", f"{s['with retrieval']:.3f}", f"{s['without']:.3f} (no retrieval)",
                      ">= 2x baseline")
    t = figures["ttft_ms"]
    table.add_row(f"TTFT p50, {cost_passages} passages", f"{t['with']:.0f} ms", f"{t['without']:.0f} ms (none)",
                  "<= +30 ms")
    table.add_row("  of which retrieval (encode + search)", f"{figures['retrieval_ms_p50']:.1f} ms", "", "")
    table.add_row("  lore added to the prompt", f"{figures['lore_tokens_mean']:.0f} tokens", "", "")
    console.print(table)
    console.print(f"[dim]{len(passages)} passages, {len(questions)} questions; moderation on; "
                  f"{figures['device']}[/]")
    return figures
