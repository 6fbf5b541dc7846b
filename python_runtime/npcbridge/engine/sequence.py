"""One request inside the engine, and every change of its state.

A request's state (its slot, how many of its tokens the cache holds, its tokens,
whether it waits for another's prompt, its grammar state) changes only through
the methods here; the scheduler and the engine core call them and never assign
the fields themselves (``tests/unit/test_sequence_state.py`` checks the source),
so one place says what each transition does and what it keeps consistent.

Lifecycle: waiting (``slot == -1``) -> ``admit`` into a slot -> prompt tokens fed
(``reuse_prefix`` / ``hold`` / ``computed_more``) -> tokens ``append``-ed as they
are sampled (``enter_tail`` when the speech ends and an action call follows) ->
``leave``, which hands the slot back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from npcbridge.dialogue.types import SamplingParams


@dataclass
class Sequence:
    """One request inside the engine: its tokens and how far the cache has them."""

    request_id: str
    prompt: list[int]
    params: SamplingParams
    priority: int = 0
    sampler: Any = None  # per-request random generator (None: greedy)
    matcher: Any = None  # the grammar's parse state, when the request has a grammar
    lora: Any = None  # its LoRA adapter (engine.lora_bank.LoraAdapter), held until it leaves
    arrived: float = field(default_factory=time.perf_counter)
    tokens: list[int] = field(default_factory=list)  # prompt + generated
    slot: int = -1
    computed: int = 0  # leading tokens whose K/V are in the slot
    cached: int = 0  # of those, how many came from the prefix cache
    admitted: float | None = None
    tail_from: int = -1  # generated tokens before the tail began (-1: not in the tail)
    held: bool = False  # waits for another request's prompt with the same opening (see EngineCore)

    def __post_init__(self) -> None:
        if not self.tokens:
            self.tokens = list(self.prompt)

    # Read-only views ------------------------------------------------------------

    @property
    def generated(self) -> int:
        return len(self.tokens) - len(self.prompt)

    @property
    def pending(self) -> int:
        """Tokens not yet fed through the model."""
        return len(self.tokens) - self.computed

    @property
    def prefilling(self) -> bool:
        """Still feeding its prompt (no reply token yet)."""
        return self.generated == 0 and self.computed < len(self.prompt)

    @property
    def cache_namespace(self) -> str:
        """Prefix-cache keys of its tokens: K/V computed under an adapter are that adapter's."""
        return self.lora.path if self.lora is not None else ""

    @property
    def in_tail(self) -> bool:
        return self.tail_from >= 0

    @property
    def queue_ms(self) -> float:
        return ((self.admitted or time.perf_counter()) - self.arrived) * 1000

    # Transitions ------------------------------------------------------------------

    def admit(self, slot: int) -> None:
        """Takes ``slot``: from now on it runs in every step it has work for."""
        self.slot = slot
        self.admitted = time.perf_counter()

    def hold(self) -> None:
        """Waits (keeping its slot) until another request has computed the same opening."""
        self.held = True

    def unhold(self) -> None:
        self.held = False

    def reuse_prefix(self, count: int) -> None:
        """The first ``count`` prompt tokens were copied into the slot from the prefix cache."""
        if not 0 < count < len(self.prompt):
            raise ValueError(f"a reused prefix must leave a prompt token to compute, got {count}")
        self.computed = self.cached = count

    def computed_more(self, count: int) -> None:
        """A forward step stored ``count`` more tokens' K/V in the slot."""
        if count < 1 or self.computed + count > len(self.tokens):
            raise ValueError(f"cannot compute {count} tokens past {self.computed} of {len(self.tokens)}")
        self.computed += count

    def append(self, token: int) -> None:
        """A sampled reply token; the next step feeds it."""
        self.tokens.append(token)

    def enter_tail(self, matcher: Any) -> None:
        """The speech ended; what follows is parsed by ``matcher`` (the tail grammar)."""
        self.matcher = matcher
        self.tail_from = self.generated

    def leave(self) -> int:
        """Leaves the engine's running set; returns the slot to free (-1 when it had none)."""
        slot, self.slot = self.slot, -1
        self.held = False
        return slot
