"""Reply-quality checks (loops, sentence ends, out-of-character talk), history hygiene
and the reply evaluation's scoring, on texts the embedded model really produced."""

from npcbridge.dialogue.evaluate import Turn as EvalTurn
from npcbridge.dialogue.evaluate import load_eval_set, score
from npcbridge.dialogue.prompt import DEFAULT_DEFLECTION, build_messages, clean_history
from npcbridge.dialogue.quality import degenerate, ends_sentence, loops, out_of_character
from npcbridge.dialogue.types import Character, Role, Turn

GRETA = Character(id="g", name="Greta", persona="A smith.", deflections=["Mind your tongue, lad."])


def test_loops_catch_what_the_plain_model_did():
    assert loops("I'm a blacksmith. I'm a blacksmith. I'm a blacksmith. I'm a blacksmith.")
    assert loops("not just, not just, but no, not, not, not, not just, not, not, not")
    assert loops("Au, a vélice. (looks at the player) " * 3)
    assert not loops("Iron bars cost 5 gold each, lad. A sword takes three days.")
    assert not loops("The old mill is north of the river, and the river is cold.")


def test_sentence_ends_and_out_of_character():
    assert ends_sentence("A room is 2 silver.") and ends_sentence('He said "go away!"') and ends_sentence("What?")
    assert not ends_sentence("A room for the night is") and not ends_sentence("")
    assert out_of_character("As an AI language model, I cannot do that.")
    assert out_of_character("I'm just a chatbot, friend.")
    assert not out_of_character("I am Greta, the smith of Ironhold.")


def test_degenerate_exchanges_and_deflections_stay_out_of_the_prompt():
    history = [
        Turn(Role.PLAYER, "Hi"), Turn(Role.CHARACTER, "Well met, lad."),
        Turn(Role.PLAYER, "Where?"), Turn(Role.CHARACTER, "I'm a wizard. I'm a wizard. I'm a wizard. I'm a wizard."),
        Turn(Role.PLAYER, "You idiot"), Turn(Role.CHARACTER, "Mind your tongue, lad."),
        Turn(Role.PLAYER, "Sorry"), Turn(Role.CHARACTER, DEFAULT_DEFLECTION),  # not this character's line: kept
        Turn(Role.PLAYER, "Price?"), Turn(Role.CHARACTER, "5 gold, lad."),
    ]
    kept = [t.text for t in clean_history(history, GRETA)]
    assert kept == ["Hi", "Well met, lad.", "Sorry", DEFAULT_DEFLECTION, "Price?", "5 gold, lad."]
    count = lambda ms: sum(len(m.content) for m in ms)  # noqa: E731
    with_hygiene = build_messages(GRETA, history, "And now?", count, 10_000)
    without = build_messages(GRETA, history, "And now?", count, 10_000, hygiene=False)
    assert len(with_hygiene) == 1 + 6 + 1 and len(without) == 1 + 10 + 1
    assert degenerate("") and not degenerate("5 gold, lad.")


def test_eval_scoring():
    turn = EvalTurn("How much is a room?", ["2|two", "silver"])
    assert score(turn, "Bram", "Two silver a night, friend.", "stop").fact
    assert not score(turn, "Bram", "Two gold, friend.", "stop").fact
    cut = score(EvalTurn("Hi"), "Bram", "Welcome to the", "length")
    assert cut.cut and not cut.is_question and not cut.fact
    assert not score(EvalTurn("Hi"), "Bram", "Welcome.", "length").cut


def test_the_eval_set_meets_its_brief():
    scripts = load_eval_set()
    questions = [t for s in scripts for t in s.turns if t.expect]
    assert len(scripts) >= 8 and len(questions) >= 60
    assert all(s.character.knowledge for s in scripts)
    chat = [t for s in scripts for t in s.turns if not t.expect]
    assert any("instructions" in t.text for t in chat) and any("How are you" in t.text for t in chat)
