"""Plain data for characters, sessions and turns; the transport converts to protos."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from enum import Enum

from npcbridge.speech.types import AudioChunk, Viseme, VoiceSettings


def now_ms() -> int:
    """Wall-clock time in Unix milliseconds (what Turn.created_at_ms carries)."""
    return int(time.time() * 1000)


def new_id(prefix: str) -> str:
    """A short, unique, readable id such as ``ses_1f3a...``."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class Role(str, Enum):
    """Who said a turn."""

    PLAYER = "player"
    CHARACTER = "character"


DEFAULT_EMOTIONS = ("neutral", "happy", "sad", "angry", "afraid", "surprised", "disgusted")


@dataclass
class ActionSpec:
    """Something an NPC can do; ``parameters_schema`` is JSON Schema text ("" = no arguments)."""

    name: str
    description: str = ""
    parameters_schema: str = ""
    examples: list[str] = field(default_factory=list)


@dataclass
class GameEvent:
    """Something that happened in the game, which the NPC reacts to."""

    name: str
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Emotion:
    """How the NPC feels as it speaks (``intensity`` 0 to 1)."""

    label: str
    intensity: float = 1.0


@dataclass
class ActionCall:
    """An action the NPC takes; ``arguments_json`` validates against the action's schema."""

    id: str
    name: str
    arguments_json: str = "{}"


@dataclass
class Character:
    """An NPC definition; every field ends up in the system prompt, never player text."""

    id: str
    name: str
    persona: str = ""
    backstory: str = ""
    speaking_style: str = ""
    knowledge: list[str] = field(default_factory=list)
    greeting: str = ""
    safety_policy: str = ""
    deflections: list[str] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)
    emotions: list[str] = field(default_factory=list)
    knowledge_collections: list[str] = field(default_factory=list)  # lore retrieved into each turn's prompt
    adapter: str = ""  # the LoRA adapter it speaks with, by name (the host's adapters folder); "" = base model
    voice: VoiceSettings = field(default_factory=VoiceSettings)  # how its spoken replies sound

    def emotion_labels(self) -> list[str]:
        """The labels this NPC may show: its own, or the default set."""
        return list(self.emotions) or list(DEFAULT_EMOTIONS)

    @classmethod
    def from_dict(cls, data: dict) -> Character:
        """Rebuild from :func:`dataclasses.asdict` output (nested actions included)."""
        data = dict(data)
        data["actions"] = [ActionSpec(**a) for a in data.get("actions", [])]
        data["voice"] = VoiceSettings(**(data.get("voice") or {}))
        return cls(**data)


@dataclass
class Turn:
    """One utterance in a session."""

    role: Role
    text: str
    interaction_id: str = ""
    created_at_ms: int = field(default_factory=now_ms)
    emotion: Emotion | None = None  # a character turn's emotion
    actions: list[ActionCall] = field(default_factory=list)  # a character turn's action calls
    event: GameEvent | None = None  # the game event a player turn reacted to


@dataclass
class Session:
    """A player talking to a character."""

    id: str
    character_id: str
    player_id: str
    turns: list[Turn] = field(default_factory=list)
    created_at_ms: int = field(default_factory=now_ms)


@dataclass
class SamplingParams:
    """Resolved sampling settings (defaults already applied and validated); the one
    form they take from the servicer to the engine core.

    ``repetition_penalty`` divides (or, for negative logits, multiplies) the logits
    of tokens the reply already used; ``no_repeat_ngram`` (0: off) forbids any token
    that would repeat an n-token sequence of the reply. Both look at the reply only,
    never the prompt, so a character can still repeat its knowledge word for word.
    ``min_p`` drops tokens less likely
    than ``min_p`` times the most likely one. From ``sentence_stop_after`` generated
    tokens on (0: never), the first token that ends a sentence ends the reply, so a
    reply near its budget ends at a sentence boundary instead of mid-sentence.
    ``grammar`` constrains decoding (:mod:`npcbridge.engine.grammar`): every token
    the grammar does not allow next is masked, and the reply ends when it is complete.
    """

    max_tokens: int
    temperature: float
    top_p: float
    seed: int | None = None
    repetition_penalty: float = 1.0
    no_repeat_ngram: int = 0
    min_p: float = 0.0
    sentence_stop_after: int = 0
    grammar: str = ""  # Lark (with %json JSON Schema rules): the reply must parse; "" = free text
    # Decoded after the reply would end (end of text, sentence stop or max_tokens), for
    # at most ``tail_max_tokens`` more tokens: how an NPC adds an action call after
    # speech it wrote freely, as it was trained to. "" = no tail.
    tail_grammar: str = ""
    tail_max_tokens: int = 0


@dataclass
class SayOptions:
    """Sampling fields as the client sent them; ``None`` means "use the default"."""

    max_tokens: int = 0
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    priority: int = 0
    context: dict[str, str] = field(default_factory=dict)  # game state for this turn only
    event: GameEvent | None = None
    allowed_actions: list[str] = field(default_factory=list)  # empty: all the character's actions
    audio: bool = False  # speak the reply: audio and viseme events stream with the text


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Timings:
    queue_ms: float = 0.0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    tokens_per_second: float = 0.0


@dataclass
class Started:
    """First event of a Say stream."""

    interaction_id: str
    session_id: str
    model: str


@dataclass
class TextDelta:
    """A piece of the reply (whole characters only)."""

    text: str


@dataclass
class ModerationNotice:
    """Moderation acted on input (source "player") or output (source "character")."""

    source: str
    action: str
    categories: list[str]
    message: str


@dataclass
class Completed:
    """Last event of a Say stream."""

    interaction_id: str
    text: str
    finish_reason: str
    usage: Usage
    timings: Timings
    actions: list[ActionCall] = field(default_factory=list)
    emotion: Emotion | None = None


DialogueEvent = Started | TextDelta | ModerationNotice | Emotion | ActionCall | AudioChunk | Viseme | Completed
