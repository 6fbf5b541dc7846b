"""The moderation pipeline: normalise, lexicon, PII, injection, classifier,
policy. Blocking and CPU-bound: async callers run it in a worker thread."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from npcbridge.moderation.classifier import HEAD_CATEGORIES, ModerationClassifier
from npcbridge.moderation.injection import find_injection
from npcbridge.moderation.lexicon import SEVERITY_SCORE, Lexicon
from npcbridge.moderation.pii import find_pii
from npcbridge.moderation.policy import Rule
from npcbridge.moderation.types import CATEGORIES, Action, CheckResult, Span

MASK_CHAR = "*"


def mask(text: str, spans: Sequence[Span]) -> str:
    """Replace each span's characters (not its spaces) with ``*``."""
    chars = list(text)
    for span in spans:
        for i in range(span.start, span.end):
            if not chars[i].isspace():
                chars[i] = MASK_CHAR
    return "".join(chars)


class ModerationPipeline:
    """Scores every category and applies a policy; the classifier is optional
    (without it, only lexicon, PII and injection rules judge)."""

    def __init__(self, lexicon: Lexicon, classifier: ModerationClassifier | None = None) -> None:
        self.lexicon = lexicon
        self.classifier = classifier

    def spans_and_scores(self, text: str, context: str) -> tuple[list[Span], dict[str, float]]:
        """Rule-based findings: spans (original coordinates) and category scores."""
        scores = dict.fromkeys(CATEGORIES, 0.0)
        spans: list[Span] = []
        for hit in self.lexicon.scan(text):
            category = hit.term.category
            scores[category] = max(scores[category], SEVERITY_SCORE[hit.term.severity])
            spans.append(Span(hit.original_start, hit.original_end, category, SEVERITY_SCORE[hit.term.severity]))
        for pii in find_pii(text):
            scores["pii"] = 0.99
            spans.append(Span(pii.start, pii.end, "pii", 0.99))
        if context != "character":  # players inject; NPC replies are judged on content only
            for inj in find_injection(text):
                scores["prompt_injection"] = max(scores["prompt_injection"], inj.score)
        return spans, scores

    def classify(self, texts: list[str]) -> np.ndarray | None:
        """Classifier probabilities, or None when there is no classifier."""
        if self.classifier is None or not texts:
            return None
        return self.classifier.score(texts)

    def check_batch(self, texts: list[str], rules: dict[str, Rule], context: str = "",
                    classifier_scores: np.ndarray | None = None) -> list[CheckResult]:
        """Check every text; ``classifier_scores`` lets evaluation pass precomputed ones."""
        if classifier_scores is None:
            live = [i for i, t in enumerate(texts) if t.strip()]
            scored = self.classify([texts[i] for i in live])
            classifier_scores = np.zeros((len(texts), len(HEAD_CATEGORIES)), dtype=np.float32)
            if scored is not None:
                classifier_scores[live] = scored
        return [self._decide(t, rules, context, classifier_scores[i]) for i, t in enumerate(texts)]

    def _decide(self, text: str, rules: dict[str, Rule], context: str, learned: np.ndarray) -> CheckResult:
        spans, scores = self.spans_and_scores(text, context)
        for k, category in enumerate(HEAD_CATEGORIES):
            if category == "prompt_injection" and context == "character":
                continue
            scores[category] = max(scores[category], float(learned[k]))
        flagged = [c for c in CATEGORIES if scores[c] >= rules[c].threshold and rules[c].action is not Action.ALLOW]
        action = Action.ALLOW
        masked_spans: list[Span] = []
        for category in flagged:
            rule_action = rules[category].action
            category_spans = [s for s in spans if s.category == category and s.score >= rules[category].threshold]
            if rule_action is Action.MASK and not category_spans:
                rule_action = Action.BLOCK  # nothing precise to hide
            if rule_action is Action.MASK:
                masked_spans.extend(category_spans)
            if rule_action.rank > action.rank:
                action = rule_action
        shown = [s for s in spans if s.category in flagged and s.score >= rules[s.category].threshold]
        return CheckResult(
            flagged=bool(flagged), action=action, flagged_categories=flagged,
            scores={c: round(scores[c], 4) for c in CATEGORIES}, spans=shown,
            masked_text=mask(text, masked_spans) if action is Action.MASK else text,
        )
