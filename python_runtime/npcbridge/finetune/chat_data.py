"""Fine-tuning data in the common chat format, as ``npcbridge finetune dialogue`` reads it.

One JSON object a line: ``{"messages": [{"role": ..., "content": ...}, ...]}`` (an
optional ``system`` message, then user and assistant turns) or ``{"text": "..."}``
for a plain line in the character's voice. Every assistant turn becomes one
training example whose prompt is the conversation before it; a plain line becomes
the reply to a short cue, so it is learnt as something the character says.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from npcbridge.engine.interface import ChatMessage
from npcbridge.errors import InvalidArgument
from npcbridge.finetune.roleplay_data import Example

#: What a plain line answers: short open cues a player might give.
CUES = ["Say something.", "What's on your mind?", "Talk to me.", "Well?", "Go on.", "Anything to tell me?"]
ROLES = {"system", "user", "assistant"}


def load_chat_jsonl(path: Path) -> list[list[Example]]:
    """The file's conversations, each as its examples (one per assistant turn);
    raises InvalidArgument naming the line of anything malformed."""
    conversations: list[list[Example]] = []
    cue = random.Random(0)
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidArgument(f"{path}:{number}: not JSON ({exc.msg})") from None
        if isinstance(row, dict) and isinstance(row.get("text"), str) and row["text"].strip():
            conversations.append([Example([ChatMessage("user", cue.choice(CUES))], row["text"].strip(), "text")])
            continue
        messages = row.get("messages") if isinstance(row, dict) else None
        if not isinstance(messages, list) or not messages:
            raise InvalidArgument(f"{path}:{number}: expected {{\"messages\": [...]}} or {{\"text\": \"...\"}}")
        conversations.append(_examples(messages, f"{path}:{number}"))
    if not conversations:
        raise InvalidArgument(f"{path}: no conversations or lines")
    return conversations


def _examples(messages: list, where: str) -> list[Example]:
    history: list[ChatMessage] = []
    out: list[Example] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES \
                or not isinstance(message.get("content"), str):
            raise InvalidArgument(f"{where}: message {i} needs a role ({', '.join(sorted(ROLES))}) and a "
                                  "string content")
        if message["role"] == "system" and i != 0:
            raise InvalidArgument(f"{where}: a system message may only come first")
        if message["role"] == "assistant" and history and history[-1].role != "system":
            out.append(Example(list(history), message["content"].strip(), "chat"))
        history.append(ChatMessage(message["role"], message["content"]))
    if not out:
        raise InvalidArgument(f"{where}: the conversation has no assistant reply to learn")
    return out


def split(conversations: list[list[Example]], holdout: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Train and held-out examples; a conversation stays on one side (no leak between them)."""
    order = list(range(len(conversations)))
    random.Random(seed).shuffle(order)
    held = max(1, round(len(order) * holdout)) if holdout > 0 and len(order) > 1 else 0
    pick = lambda ids: [e for i in ids for e in conversations[i]]  # noqa: E731
    return pick(order[held:]), pick(order[:held])
