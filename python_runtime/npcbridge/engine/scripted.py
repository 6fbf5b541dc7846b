"""A deterministic scripted backend behind the same engine interface.

For game teams' headless CI and fast unit tests: replies come from a YAML or
JSON file of regex patterns matched against the player's last line::

    token_delay_ms: 0          # optional pause between "tokens" (words)
    replies:
      - pattern: "hello|hi"
        reply: "Well met, traveller."
      - pattern: "name"
        reply: "They call me {character}."
    default: "I have nothing to say about that."

``{text}`` is the player's line and ``{character}`` the first line of the
system prompt's character name, when one is given as "You are NAME".
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from npcbridge.engine.interface import ChatMessage, EngineInfo, GenerationChunk, GenerationRequest
from npcbridge.errors import ConfigError

_TOKEN = re.compile(r"\S+\s*|\s+")
_NAME = re.compile(r"You are ([^.,\n]+)")


@dataclass
class ScriptRule:
    pattern: re.Pattern[str]
    reply: str


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
            rules = [ScriptRule(re.compile(r["pattern"], re.IGNORECASE), str(r["reply"]))
                     for r in data.get("replies", [])]
        except (KeyError, TypeError, re.error) as exc:
            raise ConfigError(f"bad scripted reply rule: {exc}; each needs 'pattern' (regex) and 'reply'") from exc
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

    def reply_for(self, messages: list[ChatMessage]) -> str:
        """The scripted reply to the last user message."""
        text = next((m.content for m in reversed(messages) if m.role == "user"), "")
        system = next((m.content for m in messages if m.role == "system"), "")
        match = _NAME.search(system)
        character = match.group(1).strip() if match else "a stranger"
        for rule in self._rules:
            if rule.pattern.search(text):
                return rule.reply.replace("{text}", text).replace("{character}", character)
        return self._default.replace("{text}", text).replace("{character}", character)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        tokens = tokenize_words(self.reply_for(request.messages))
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
            yield GenerationChunk(finish_reason=reason, prompt_tokens=prompt_tokens, completion_tokens=sent)
        finally:
            self._aborted.discard(request.request_id)
