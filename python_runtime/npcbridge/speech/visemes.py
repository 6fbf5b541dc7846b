"""Phonemes (IPA, as Piper and espeak-ng write them) to the 15 Oculus/OpenXR visemes,
timed for lip-sync.

The viseme set and its order are the Oculus Lipsync / OpenXR one that engine rigs name
their blend shapes after (``viseme_sil`` ... ``viseme_U`` in Ready Player Me and others).
"""

from __future__ import annotations

from collections.abc import Iterable

from npcbridge.speech.types import PhonemeSpan, Viseme

#: The visemes in their Oculus order: Viseme.id is the index here.
VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")
VISEME_ID = {name: i for i, name in enumerate(VISEMES)}

# Whole phonemes first (espeak-ng names affricates and diphthongs as one phoneme).
_WHOLE = {"tʃ": "CH", "dʒ": "CH", "aɪ": "aa", "aʊ": "aa", "eɪ": "E", "oʊ": "oh", "əʊ": "oh", "ɔɪ": "oh",
          "ɪə": "ih", "eə": "E", "ʊə": "ou", "ɑː": "aa", "ɜː": "RR"}
_FIRST = {
    **dict.fromkeys("pbm", "PP"),
    **dict.fromkeys("fv", "FF"),
    **dict.fromkeys("θð", "TH"),
    **dict.fromkeys("tdɾʔ", "DD"),
    **dict.fromkeys("kgɡŋxh", "kk"),  # h: an open throat, closest to kk's relaxed jaw
    **dict.fromkeys("ʃʒçʝ", "CH"),
    **dict.fromkeys("szɕʑ", "SS"),
    **dict.fromkeys("nlɫɲ", "nn"),
    **dict.fromkeys("rɹɚɝʁɻ", "RR"),
    **dict.fromkeys("aɑæʌɐɒ", "aa"),
    **dict.fromkeys("eɛəɜ", "E"),
    **dict.fromkeys("iɪɨjy", "ih"),
    **dict.fromkeys("oɔø", "oh"),
    **dict.fromkeys("uʊwɯ", "ou"),
}
# Marks that modify the phoneme before or after them and have no mouth shape of their own.
_MODIFIERS = set("ˈˌːˑʲʷ̩̃ʰ̯͡'") | {"\u0361", "\u032f", "\u0329", "\u0303"}
_SILENT = set(" .,;:!?—–-…^$_\"()") | {""}


def viseme_of(phoneme: str) -> str | None:
    """The viseme of one phoneme; "sil" for pauses and punctuation; None for a bare modifier
    (a stress or length mark), which lengthens the viseme before it."""
    bare = "".join(ch for ch in phoneme if ch not in _MODIFIERS)
    if bare in _WHOLE:
        return _WHOLE[bare]
    if not bare:
        return None if phoneme else "sil"
    if bare[0] in _SILENT or bare in _SILENT:
        return "sil"
    return _FIRST.get(bare[0], "E")  # an unlisted vowel or consonant: a neutral half-open mouth


def visemes_for(spans: Iterable[PhonemeSpan], offset_ms: float = 0.0) -> list[Viseme]:
    """Visemes for timed phonemes: neighbours with the same shape merge, modifiers extend the
    shape before them, and every time moves by ``offset_ms`` onto the reply's timeline."""
    out: list[Viseme] = []
    for span in spans:
        if span.end_ms <= span.start_ms:
            continue
        name = viseme_of(span.phoneme)
        if name is None or (out and out[-1].name == name):
            if out:
                out[-1].end_ms = span.end_ms + offset_ms
                continue
            name = name or "sil"
        out.append(Viseme(VISEME_ID[name], name, span.start_ms + offset_ms, span.end_ms + offset_ms))
    return out
