import pytest

from npcbridge.dialogue.types import Character, SayOptions
from npcbridge.dialogue.validation import (
    DialogueLimits,
    check_character,
    check_id,
    check_player_text,
    resolve_sampling,
)
from npcbridge.errors import InvalidArgument

LIMITS = DialogueLimits(max_text_chars=10, max_new_tokens=50, default_max_tokens=20)


def test_defaults_applied():
    p = resolve_sampling(SayOptions(), LIMITS)
    assert (p.max_tokens, p.temperature, p.top_p, p.seed) == (20, LIMITS.default_temperature,
                                                               LIMITS.default_top_p, None)
    assert (p.repetition_penalty, p.min_p, p.no_repeat_ngram) == (
        LIMITS.default_repetition_penalty, LIMITS.default_min_p, LIMITS.default_no_repeat_ngram)
    assert p.sentence_stop_after == int(20 * LIMITS.sentence_stop) > 0
    assert resolve_sampling(SayOptions(), DialogueLimits(sentence_stop=0.0)).sentence_stop_after == 0
    p = resolve_sampling(SayOptions(max_tokens=5, temperature=0.0, top_p=1.0, seed=9), LIMITS)
    assert (p.max_tokens, p.temperature, p.top_p, p.seed) == (5, 0.0, 1.0, 9)


@pytest.mark.parametrize("options, message", [
    (SayOptions(max_tokens=51), "at most 50"),
    (SayOptions(max_tokens=-1), ">= 0"),
    (SayOptions(temperature=-0.1), "temperature"),
    (SayOptions(temperature=float("nan")), "temperature"),
    (SayOptions(top_p=0.0), "top_p"),
    (SayOptions(top_p=1.5), "top_p"),
])
def test_bad_sampling(options, message):
    with pytest.raises(InvalidArgument, match=message):
        resolve_sampling(options, LIMITS)


def test_player_text():
    assert check_player_text("hi", LIMITS) == "hi"
    for bad, message in [("", "empty"), ("   ", "empty"), ("x" * 11, "limit is 10"), ("a\x00b", "NUL")]:
        with pytest.raises(InvalidArgument, match=message):
            check_player_text(bad, LIMITS)


def test_ids_and_characters():
    assert check_id("chr_1.a:b-c", "id")
    for bad in ["", "has space", "x" * 129, "é"]:
        with pytest.raises(InvalidArgument):
            check_id(bad, "id")
    with pytest.raises(InvalidArgument, match="name is empty"):
        check_character(Character(id="", name=" "))
    with pytest.raises(InvalidArgument, match="everyone, teen, mature"):
        check_character(Character(id="", name="x", safety_policy="kids"))
    check_character(Character(id="", name="x", safety_policy="mature"))
    with pytest.raises(InvalidArgument, match="definition is"):
        check_character(Character(id="", name="x", persona="p" * 40_000))
