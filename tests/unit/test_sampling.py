import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.sampling import make_generator, sample_next


def test_greedy_is_argmax():
    logits = torch.tensor([0.1, 3.0, 2.9, -1.0])
    assert sample_next(logits, SamplingParams(8, 0.0, 1.0), make_generator(None)) == 1


def test_same_seed_same_tokens():
    logits = torch.randn(1000, generator=torch.Generator().manual_seed(1))
    params = SamplingParams(8, 1.0, 0.9, seed=42)
    runs = [[sample_next(logits, params, g) for _ in range(20)] for g in (make_generator(42), make_generator(42))]
    assert runs[0] == runs[1]
    other = [sample_next(logits, params, make_generator(43)) for _ in range(20)]
    assert other != runs[0]


def test_top_p_keeps_only_the_nucleus():
    logits = torch.log(torch.tensor([0.6, 0.3, 0.05, 0.05]))
    params = SamplingParams(8, 1.0, 0.8)
    gen = make_generator(0)
    seen = {sample_next(logits, params, gen) for _ in range(300)}
    assert seen == {0, 1}
    # A tiny top_p still keeps the single most likely token.
    assert {sample_next(logits, SamplingParams(8, 1.0, 0.01), gen) for _ in range(50)} == {0}


def test_min_p_drops_unlikely_tokens():
    # Token 2 has ~1% of token 0's probability: min_p 0.1 never picks it.
    logits = torch.tensor([5.0, 4.9, 0.4])
    params = SamplingParams(8, 1.0, 1.0, min_p=0.1)
    gen = make_generator(3)
    assert {sample_next(logits, params, gen) for _ in range(300)} == {0, 1}


def test_repetition_penalty_only_touches_the_replys_tokens():
    from npcbridge.engine.sampling import penalise_repeats

    logits = torch.tensor([[2.0, 1.9, -1.0, 0.5], [2.0, 1.9, -1.0, 0.5]])
    penalise_repeats(logits, [(SamplingParams(8, 0.0, 1.0, repetition_penalty=1.5), [0, 2, 0]),
                              (SamplingParams(8, 0.0, 1.0), [0])])
    # Positive logits shrink, negative ones grow more negative; untouched tokens stay.
    assert torch.allclose(logits[0], torch.tensor([2.0 / 1.5, 1.9, -1.5, 0.5]))
    assert int(logits[0].argmax()) == 1  # the repeated token lost its lead
    assert torch.equal(logits[1], torch.tensor([2.0, 1.9, -1.0, 0.5]))  # penalty 1.0: unchanged


def test_sentence_end_tokens_of_the_embedded_tokenizer(loaded_model):
    from npcbridge.engine.sentence_ends import sentence_end_ids

    tok = loaded_model.tokenizer
    ends = sentence_end_ids(tok)
    ids = lambda text: tok(text, add_special_tokens=False)["input_ids"]  # noqa: E731
    assert ids("Hello.")[-1] in ends and ids("Really?")[-1] in ends and ids('"Go!"')[-1] in ends
    assert ids("Hello,")[-1] not in ends and ids(" forge")[-1] not in ends


def test_no_repeat_ngram_bans_only_what_would_repeat_the_reply():
    from npcbridge.engine.sampling import penalise_repeats, repeated_ngram_bans

    # Reply so far: 1 2 3 9 1 2 -> "1 2 3" exists, so 3 is banned after "1 2"; nothing else.
    assert repeated_ngram_bans([1, 2, 3, 9, 1, 2], 3) == {3}
    assert repeated_ngram_bans([1, 2, 3, 9, 1, 2], 4) == set()  # "9 1 2 ?" never seen
    assert repeated_ngram_bans([1, 2], 3) == set()
    logits = torch.zeros(1, 10)
    penalise_repeats(logits, [(SamplingParams(8, 0.0, 1.0, no_repeat_ngram=3), [1, 2, 3, 9, 1, 2])])
    assert logits[0, 3] == float("-inf") and int((logits[0] == float("-inf")).sum()) == 1
