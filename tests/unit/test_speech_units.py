"""Speech's pure parts: phonemes to visemes, streamed text cut into speakable pieces (masked
words dropped), audio chunking on one timeline, audio checks and resampling, masked words."""

from __future__ import annotations

import numpy as np
import pytest

from npcbridge.errors import InvalidArgument
from npcbridge.speech.segments import SpeechSegmenter, speakable, split_text
from npcbridge.speech.service import mask_words
from npcbridge.speech.speaker import Timeline, audio_chunks, speed_of
from npcbridge.speech.stt import check_audio, resample
from npcbridge.speech.types import PhonemeSpan, Utterance, WordTiming
from npcbridge.speech.visemes import VISEMES, viseme_of, visemes_for


def test_the_fifteen_oculus_visemes_in_order():
    assert VISEMES == ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")


@pytest.mark.parametrize("phoneme, viseme", [
    ("p", "PP"), ("m", "PP"), ("f", "FF"), ("ð", "TH"), ("t", "DD"), ("ɡ", "kk"), ("tʃ", "CH"), ("ʃ", "CH"),
    ("s", "SS"), ("n", "nn"), ("ɹ", "RR"), ("ɑː", "aa"), ("aɪ", "aa"), ("ɛ", "E"), ("ɪ", "ih"), ("oʊ", "oh"),
    ("uː", "ou"), ("ˈæ", "aa"), (" ", "sil"), (",", "sil"), ("^", "sil"), ("", "sil"),
])
def test_phonemes_map_to_visemes(phoneme, viseme):
    assert viseme_of(phoneme) == viseme


def test_stress_marks_lengthen_the_shape_before_them():
    assert viseme_of("ˈ") is None and viseme_of("ː") is None
    spans = [PhonemeSpan("p", 0, 10), PhonemeSpan("ɑ", 10, 50), PhonemeSpan("ː", 50, 80), PhonemeSpan("ɑ", 80, 90),
             PhonemeSpan("t", 90, 100), PhonemeSpan("", 100, 100)]
    visemes = visemes_for(spans, offset_ms=1000)
    assert [(v.name, v.start_ms, v.end_ms) for v in visemes] == [
        ("PP", 1000, 1010), ("aa", 1010, 1090), ("DD", 1090, 1100)]
    assert [v.id for v in visemes] == [1, 10, 4]


def test_streamed_text_is_cut_at_sentences_and_the_first_long_clause():
    segmenter = SpeechSegmenter(first_clause_chars=20, first_words=0)
    pieces = []
    for word in "Well now, traveller of the roads, the pass is closed. Come back at dawn! Or".split(" "):
        pieces += segmenter.feed(word + " ")
    assert pieces == ["Well now, traveller of the roads,", "the pass is closed.", "Come back at dawn!"]
    assert segmenter.flush() == ["Or"]
    assert split_text("One.  Two?\nThree") == ["One.", "Two?", "Three"]
    assert split_text("...") == [] and split_text("") == []


def test_the_first_piece_is_cut_after_a_few_whole_words_so_speech_starts_early():
    segmenter = SpeechSegmenter(first_words=4)
    pieces = []
    for delta in ["Ah wel", "come to my hum", "ble shop, trav", "eller. We have swords. "]:
        pieces += segmenter.feed(delta)
    assert pieces == ["Ah welcome to my", "humble shop, traveller.", "We have swords."]
    assert SpeechSegmenter(first_words=0).feed("Ah welcome to my humble shop ") == []


def test_a_piece_without_an_end_is_cut_at_a_space():
    pieces = split_text(("word " * 100).strip())
    assert len(pieces) > 1 and all(len(p) <= 220 for p in pieces) and all(not p.endswith("wo") for p in pieces)


def test_masked_words_are_never_spoken():
    assert speakable("you little ****, get out") == "you little , get out"
    assert speakable("email me at ***************") == "email me at"
    assert "*" not in "".join(split_text("This **** door is ****. Open it!"))


def test_audio_is_chunked_in_20_to_100_ms_on_one_timeline():
    rate = 22050
    timeline = Timeline()
    a = Utterance(np.arange(rate, dtype=np.int16), rate, [PhonemeSpan("a", 0, 1000)])
    b = Utterance(np.zeros(rate // 2, dtype=np.int16), rate, [PhonemeSpan("m", 0, 500)])
    events = timeline.place([a, b])
    chunks = [e for e in events if hasattr(e, "pcm16")]
    visemes = [e for e in events if hasattr(e, "name")]
    assert all(20 <= len(c.pcm16) / 2 / rate * 1000 <= 100 for c in chunks)
    assert sum(len(c.pcm16) for c in chunks) == 2 * (rate + rate // 2)
    for prev, nxt in zip(chunks, chunks[1:]):  # contiguous: each starts where the last ended
        assert nxt.start_ms == pytest.approx(prev.start_ms + len(prev.pcm16) / 2 / rate * 1000)
    assert [(v.name, v.start_ms) for v in visemes] == [("aa", 0), ("PP", 1000)]
    assert timeline.at_ms == pytest.approx(1500)
    assert np.frombuffer(b"".join(c.pcm16 for c in chunks[:3]), "<i2")[:5].tolist() == [0, 1, 2, 3, 4]
    assert audio_chunks(np.zeros(0, np.int16), rate, 0) == []


def test_speed_is_clamped_and_zero_means_the_voices_own():
    assert speed_of(0) == 1.0 and speed_of(1.5) == 1.5 and speed_of(9) == 2.0 and speed_of(0.1) == 0.5


@pytest.mark.parametrize("pcm, rate, message", [
    (b"", 16000, "no audio"), (b"\0\0", 4000, "outside 8000-48000"), (b"\0\0\0", 16000, "odd count"),
    (b"\0\0" * 16000 * 3, 16000, "over this host's limit of 2 s"),
])
def test_bad_audio_is_invalid_argument(pcm, rate, message):
    with pytest.raises(InvalidArgument, match=message):
        check_audio(pcm, rate, max_seconds=2)


def test_resampling_keeps_the_duration():
    one_second = (np.sin(np.arange(44100) / 10) * 10000).astype(np.int16)
    out = resample(one_second, 44100)
    assert out.dtype == np.float32 and len(out) == 16000 and np.abs(out).max() <= 1.0


def test_masked_words_stay_masked_in_word_timings():
    words = [WordTiming("you", 0, 100), WordTiming("shit", 100, 200), WordTiming("head", 200, 300)]
    masked = mask_words(words, "you **** head")
    assert [w.word for w in masked] == ["you", "****", "head"] and masked[1].start_ms == 100
    # A masked text that splits differently: unmatched words are starred, never leaked.
    assert [w.word for w in mask_words(words, "you ********")] == ["you", "****", "****"]
