"""Choosing what an NPC does before it speaks: which action (or none), and which emotion.

The 135M embedded model, asked to choose an action under a grammar, almost always
declines (measured by `npcbridge eval actions`); and an emotion label written at the
head of its reply derails the speech after it. So the host decides both with the
MiniLM sentence encoder it already runs for moderation. For actions, a small trained
head (scripts/train_intent.py) reads how close the line is to each action's examples
and description, the line's own embedding and a few cues (a wh-question, a negation)
and gives each action a probability; the best one above the head's threshold is
taken. The grammar then forces that action (the model only fills in its arguments)
or forbids all of them. For emotions, the line is compared with a few lines that
describe each emotion's typical cause.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from npcbridge.dialogue.types import ActionSpec, Emotion

HEAD_PATH = Path(__file__).parent / "data" / "action_head.npz"
# Without a trained head: the cosine similarity the best action must reach.
ACTION_THRESHOLD = 0.55
_WH = {"how", "what", "where", "when", "who", "why", "which", "whose", "is", "are", "does", "do", "did",
       "was", "were", "have", "has"}
_NEGATION = {"not", "never", "already", "no"}
# How far the best emotion cause must beat "neutral" to show that emotion.
EMOTION_MARGIN = 0.05

# What typically makes an NPC feel each default emotion, as a player would put it.
EMOTION_CAUSES: dict[str, tuple[str, ...]] = {
    "neutral": ("Hello.", "What do you sell?", "Where is the market?", "Tell me about yourself.",
                "How much does it cost?", "Goodbye."),
    "happy": ("Thank you so much, you are wonderful!", "I brought you a gift.", "Great news, we won!",
              "I love your work.", "Here is the money I owe you."),
    "sad": ("My friend died yesterday.", "Your brother was killed in the war.", "I lost everything in the fire.",
            "I am leaving forever."),
    "angry": ("You are a stupid fool.", "I stole your money.", "Shut up, idiot.", "I'll burn your house down.",
              "I punched the merchant."),
    "afraid": ("A dragon is attacking the town!", "I will kill you.", "Monsters are coming!",
               "There is a ghost behind you."),
    "surprised": ("The king is standing right behind you!", "I found a pile of gold in the well!",
                  "Did you know the mayor is a wizard?"),
    "disgusted": ("I ate a rotten rat.", "Look at this maggot-filled meat.", "I haven't bathed in a year."),
}


def lexical_cues(query: str) -> list[float]:
    """Cues the embedding blurs: the spoken part opens with a wh-word, a negation
    anywhere, "please", a question mark, an exclamation mark."""
    said = query.split(". ")[-1]
    words = re.findall(r"[a-z']+", query.lower())
    first = re.findall(r"[a-z']+", said.lower())[:1]
    return [float(bool(first) and first[0] in _WH),
            float(any(w in _NEGATION or w.endswith("n't") for w in words)),
            float("please" in words), float(query.strip().endswith("?")), float(query.strip().endswith("!"))]


@dataclass
class ActionHead:
    """Logistic regression over :meth:`IntentScorer.features` (trained by scripts/train_intent.py)."""

    coef: np.ndarray
    intercept: float
    scale: float  # weight of the hand-made features against the embedding
    threshold: float  # probability the best action must reach

    @classmethod
    def load(cls, path: Path = HEAD_PATH) -> ActionHead | None:
        if not path.exists():
            return None
        with np.load(path) as data:
            return cls(data["coef"], float(data["intercept"]), float(data["scale"]), float(data["threshold"]))

    def save(self, path: Path = HEAD_PATH) -> None:
        np.savez(path, coef=self.coef, intercept=self.intercept, scale=self.scale, threshold=self.threshold)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        scaled = features.copy()
        scaled[:, :HAND_FEATURES] *= self.scale
        return 1.0 / (1.0 + np.exp(-(scaled @ self.coef + self.intercept)))


# Generic lines of each kind a player says, for any character: how close a line comes
# to each kind tells a request from a question, a refusal, small talk or an alarm.
LINE_KINDS: tuple[tuple[str, ...], ...] = (
    ("Give me that, please.", "I want to buy it.", "Do it for me now.", "Help me!", "Can I have one?", "I'll take it.",
     "Please fix this for me.", "Let me in.", "Teach me how.", "Bring me some.", "Here's the money, hand it over.",
     "I need you to do this.", "Take me there."),
    ("How much does it cost?", "Where is it?", "What is that?", "When does it open?", "Who are you?", "Why is that?",
     "Do you have any?", "What kind do you sell?", "Tell me about it."),
    ("No thanks, I don't need it.", "I already have one.", "I'm fine, thank you.", "I would never do that.",
     "Not today."),
    ("Hello!", "Goodbye.", "Nice weather.", "You look well.", "This place is lovely.", "The player walks in."),
    ("Monsters are attacking!", "Fire! Run!", "Help, I'm hurt and bleeding!", "I stole it and I'm not sorry.",
     "Enemies are coming!"),
)
# Best, mean and lead similarity, knowledge similarity, five lexical cues, one per line kind.
HAND_FEATURES = 9 + len(LINE_KINDS)


@dataclass
class ActionScore:
    """The best-matching action for a line, and how close it came (cosine similarity)."""

    action: ActionSpec | None
    score: float


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def action_texts(spec: ActionSpec) -> list[str]:
    """What an action is compared with: its examples and its description."""
    described = f"{spec.name.replace('_', ' ')}: {spec.description}".strip(": ")
    return [e for e in spec.examples if e.strip()] + [described]


def event_query(text: str, event_description: str = "") -> str:
    """The line the encoder compares: what happened, then what the player said."""
    return " ".join(part for part in (event_description.strip(), text.strip()) if part)


class IntentScorer:
    """Scores lines against actions and emotions with a sentence encoder (cached per text)."""

    def __init__(self, encoder, cache_size: int = 4096,  # noqa: ANN001 - SentenceEncoder or a fake
                 head: ActionHead | None = None) -> None:
        self.encoder = encoder
        self.head = head
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text; texts seen before are not encoded again."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self.encoder.encode(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def features(self, query: str, actions: list[ActionSpec], knowledge: list[str] | None = None) -> np.ndarray:
        """One row per action: best, mean and lead similarity to its texts, the line's
        closeness to the character's knowledge (questions a fact answers), its cues and
        its embedding."""
        groups = [action_texts(spec) for spec in actions]
        facts = [k for k in knowledge or [] if k.strip()]
        kinds = [t for kind in LINE_KINDS for t in kind]
        vectors = self.embed([query] + [t for group in groups for t in group] + facts + kinds)
        tail = vectors[len(vectors) - len(facts) - len(kinds):] @ vectors[0]
        known = float(tail[:len(facts)].max()) if facts else 0.0
        kind_sims, start = [], len(facts)
        for kind in LINE_KINDS:
            kind_sims.append(float(tail[start:start + len(kind)].max()))
            start += len(kind)
        vectors = vectors[:len(vectors) - len(facts) - len(kinds)]
        sims = vectors[1:] @ vectors[0]
        per, start = [], 0
        for group in groups:
            block = sims[start:start + len(group)]
            per.append((float(block.max()), float(block.mean())))
            start += len(group)
        cues = lexical_cues(query)
        rows = []
        for i, (best, mean) in enumerate(per):
            rival = max((p[0] for j, p in enumerate(per) if j != i), default=0.0)
            rows.append(np.concatenate([[best, mean, best - rival, known], cues, kind_sims, vectors[0]]))
        return np.asarray(rows, dtype=np.float32)

    def best_action(self, query: str, actions: list[ActionSpec], knowledge: list[str] | None = None
                    ) -> ActionScore:
        """The most likely action for ``query`` and its score: the head's probability,
        or without a head the cosine similarity to its closest text."""
        if not actions or not query.strip():
            return ActionScore(None, 0.0)
        features = self.features(query, actions, knowledge)
        scores = self.head.probabilities(features) if self.head is not None else features[:, 0]
        best = int(np.argmax(scores))
        return ActionScore(actions[best], float(scores[best]))

    def choose_action(self, query: str, actions: list[ActionSpec], knowledge: list[str] | None = None
                      ) -> ActionSpec | None:
        """The action to force for this line, or None when no action fits well enough."""
        scored = self.best_action(query, actions, knowledge)
        threshold = self.head.threshold if self.head is not None else ACTION_THRESHOLD
        return scored.action if scored.score >= threshold else None

    def choose_emotion(self, query: str, labels: list[str]) -> Emotion:
        """The label whose typical causes are closest to ``query``; intensity grows with the lead."""
        fallback = "neutral" if "neutral" in labels else labels[0]
        if not query.strip():
            return Emotion(fallback, 0.5)
        groups = [EMOTION_CAUSES.get(label, (f"Something that makes you {label}.",)) for label in labels]
        vectors = self.embed([query] + [t for group in groups for t in group])
        sims = vectors[1:] @ vectors[0]
        scores, start = {}, 0
        for label, group in zip(labels, groups, strict=True):
            scores[label] = float(sims[start:start + len(group)].max())
            start += len(group)
        best = max(scores, key=scores.get)
        lead = scores[best] - scores.get(fallback, 0.0)
        if best != fallback and lead < EMOTION_MARGIN:
            return Emotion(fallback, 0.5)
        return Emotion(best, round(min(1.0, max(0.3, scores[best])), 2))


def narrow_to_mentioned(schema: dict, query: str) -> dict:
    """The schema with each string ``enum`` of its top-level properties narrowed to the
    values the line names ("a shield" -> ["shield"]), so the model fills in what the
    player asked for; unchanged where the line names none."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    words = _words(query)
    words |= {w[:-1] for w in words if w.endswith("s")}  # "shields" names "shield"
    narrowed = {}
    for key, prop in properties.items():
        values = prop.get("enum") if isinstance(prop, dict) else None
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            named = [v for v in values if _words(v) and _words(v) <= words]
            if named:
                prop = {**prop, "enum": named}
        narrowed[key] = prop
    return {**schema, "properties": narrowed}
