"""A deterministic scripted backend behind the same engine interface.

For game teams' headless CI and fast unit tests: replies come from a YAML or
JSON file of regex patterns matched against the player's last line::

    token_delay_ms: 0          # optional pause between "tokens" (words)
    replies:
      - pattern: "hello|hi"
        reply: "Well met, traveller."
      - pattern: "name"
        reply: "They call me {character}."
      - pattern: "sword"
        reply: "Here, take it."
        emotion: happy                  # optional: the Emotion event
        actions:                        # optional: ActionCall events, in order
          - {name: give_item, arguments: {item: sword}}
    default: "I have nothing to say about that."

An action a character does not have, or arguments that do not validate, are
dropped by the dialogue service as they would be from a model.

``{text}`` is the player's line and ``{character}`` the first line of the
system prompt's character name, when one is given as "You are NAME".
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from npcbridge.dialogue.reply_format import call_line, emotion_head
from npcbridge.engine.interface import ChatMessage, EngineInfo, GenerationChunk, GenerationRequest
from npcbridge.errors import ConfigError

_TOKEN = re.compile(r"\S+\s*|\s+")
_NAME = re.compile(r"You are ([^.,\n]+)")


@dataclass
class ScriptRule:
    pattern: re.Pattern[str]
    reply: str
    emotion: str = ""
    actions: list[tuple[str, dict]] = field(default_factory=list)


def tokenize_words(text: str) -> list[str]:
    """The scripted backend's "tokens": words with their trailing space."""
    return _TOKEN.findall(text)


class ScriptedEngine:
    """:class:`~npcbridge.engine.interface.Engine` that answers from a script."""

    def __init__(self, rules: list[ScriptRule], default: str, token_delay_ms: float = 0.0,
                 name: str = "scripted") -> None:
        self._rules = rules
        self._default = default
        self._delay = token_delay_ms / 1000.0
        self._aborted: set[str] = set()
        self._ready = False
        self.info = EngineInfo(name=name, backend="scripted", context_length=8192)

    @classmethod
    def from_data(cls, data: dict[str, Any], name: str = "scripted") -> ScriptedEngine:
        """Build from the parsed script (see the module docstring for the shape)."""
        try:
            rules = [ScriptRule(re.compile(r["pattern"], re.IGNORECASE), str(r["reply"]), str(r.get("emotion", "")),
                                [(str(a["name"]), dict(a.get("arguments") or {})) for a in r.get("actions", [])])
                     for r in data.get("replies", [])]
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ConfigError(f"bad scripted reply rule: {exc}; each needs 'pattern' (regex) and 'reply', and "
                              "may have 'emotion' and 'actions' (each with 'name' and 'arguments')") from exc
        return cls(rules, str(data.get("default", "...")), float(data.get("token_delay_ms", 0)), name)

    @classmethod
    def from_file(cls, path: Path) -> ScriptedEngine:
        """Load a YAML or JSON script file."""
        try:
            raw = path.read_text(encoding="utf-8")
            data = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read script {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"script {path} must be a mapping with 'replies' and 'default'")
        return cls.from_data(data, name=f"scripted:{path.name}")

    @property
    def ready(self) -> bool:
        return self._ready

    async def start(self) -> None:
        self._ready = True

    async def stop(self) -> None:
        self._ready = False

    def terminate(self) -> None:
        """Nothing runs outside this process."""

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return sum(len(tokenize_words(m.content)) + 2 for m in messages)

    def queue_depth(self) -> int:
        return 0

    def abort(self, request_id: str) -> None:
        self._aborted.add(request_id)

    def rule_for(self, messages: list[ChatMessage]) -> ScriptRule:
        """The rule that answers the last user message (the default as a rule)."""
        text = next((m.content for m in reversed(messages) if m.role == "user"), "")
        return next((rule for rule in self._rules if rule.pattern.search(text)),
                    ScriptRule(re.compile(""), self._default))

    def reply_for(self, messages: list[ChatMessage]) -> str:
        """The scripted spoken reply to the last user message."""
        text = next((m.content for m in reversed(messages) if m.role == "user"), "")
        system = next((m.content for m in messages if m.role == "system"), "")
        match = _NAME.search(system)
        character = match.group(1).strip() if match else "a stranger"
        return self.rule_for(messages).reply.replace("{text}", text).replace("{character}", character)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        rule = self.rule_for(request.messages)
        tokens = tokenize_words(self.reply_for(request.messages))
        if rule.emotion and tokens:
            tokens[0] = emotion_head(rule.emotion) + tokens[0]
        tail = "".join(call_line(name, args) for name, args in rule.actions)
        limit = request.params.max_tokens
        reason = "length" if len(tokens) > limit else "stop"
        prompt_tokens = self.count_tokens(request.messages)
        sent = 0
        try:
            for token in tokens[:limit]:
                if request.request_id in self._aborted:
                    reason = "cancelled"
                    break
                if self._delay:
                    await asyncio.sleep(self._delay)
                yield GenerationChunk(text=token)
                sent += 1
            if tail and reason != "cancelled":
                yield GenerationChunk(text=tail, tail=True)
            yield GenerationChunk(finish_reason=reason, prompt_tokens=prompt_tokens, completion_tokens=sent)
        finally:
            self._aborted.discard(request.request_id)
