"""The engine interface the dialogue layer talks to, and the data it exchanges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from npcbridge.dialogue.types import SamplingParams


@dataclass
class ChatMessage:
    """One message of a chat prompt; roles are the chat template's (system/user/assistant)."""

    role: str
    content: str


@dataclass
class GenerationRequest:
    """A prompt to complete. ``priority``: higher is served first (ties: first come)."""

    request_id: str
    messages: list[ChatMessage]
    params: SamplingParams
    priority: int = 0
    prompt_ids: list[int] | None = None  # ``messages`` already tokenised (the engine need not again)
    adapter: str = ""  # a LoRA adapter folder to decode with (engines that serve adapters); "" = the base model


def chat_prompt_ids(tokenizer: Any, messages: list[ChatMessage]) -> list[int]:
    """Prompt token ids through the model's own chat template (every engine tokenises this way)."""
    text = tokenizer.apply_chat_template([asdict(m) for m in messages], tokenize=False, add_generation_prompt=True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


class PromptTokens:
    """Counts prompt tokens for trimming and keeps the ids, so the prompt a Say finally
    sends was tokenised once: the engine gets those ids instead of tokenising again.
    ``encode`` is the engine's own (chat template + tokenizer); engines without one count."""

    def __init__(self, engine: object) -> None:
        self._encode = getattr(engine, "encode", None)
        self._count = engine.count_tokens  # type: ignore[attr-defined]
        self._ids: dict[tuple[tuple[str, str], ...], list[int]] = {}

    @staticmethod
    def _key(messages: list[ChatMessage]) -> tuple[tuple[str, str], ...]:
        return tuple((m.role, m.content) for m in messages)

    def count(self, messages: list[ChatMessage]) -> int:
        if self._encode is None:
            return self._count(messages)
        key = self._key(messages)
        if key not in self._ids:
            self._ids[key] = self._encode(messages)
        return len(self._ids[key])

    def ids(self, messages: list[ChatMessage]) -> list[int] | None:
        """The ids of ``messages`` if they were counted here, else None."""
        return self._ids.get(self._key(messages))


@dataclass
class GenerationChunk:
    """Text produced since the previous chunk. The last chunk has ``finish_reason``
    ("stop", "length" or "cancelled") and the token counts."""

    text: str = ""
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    queue_ms: float = 0.0
    cached_tokens: int = 0  # prompt tokens taken from the prefix cache
    tail: bool = False  # text of the tail (an action call), not speech


@dataclass
class EngineInfo:
    """What ServerInfo reports about the dialogue model."""

    name: str
    backend: str
    device: str = "cpu"
    dtype: str = "float32"
    context_length: int = 0
    extra: dict[str, str] = field(default_factory=dict)


class Engine(Protocol):
    """Submit a request and get an async stream of text; abort by id.

    ``generate`` must abort its request when the consumer stops iterating
    (client cancellation), and raise :class:`npcbridge.errors.Unavailable`
    when the engine cannot serve. An engine whose model can die and come back
    (its own process) may also offer ``add_ready_listener(callback)``; the server
    then turns health NOT_SERVING and back with it.
    """

    info: EngineInfo

    @property
    def ready(self) -> bool: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def terminate(self) -> None:
        """Stop at once without waiting (the host is being forced to exit)."""
    def count_tokens(self, messages: list[ChatMessage]) -> int: ...
    def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]: ...
    def abort(self, request_id: str) -> None: ...
    def queue_depth(self) -> int: ...
