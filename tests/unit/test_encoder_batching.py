"""The sentence encoder coalesces calls made at the same moment from many threads
(every NPC's input check, turn plan and reply check) into few forward passes."""

from __future__ import annotations

import threading

import numpy as np

from npcbridge.moderation.service import shared_encoder


def test_concurrent_calls_share_forward_passes_and_get_their_own_vectors():
    encoder = shared_encoder("cpu")
    texts = [f"Hello traveller {i}, what news from the {['north', 'south', 'road'][i % 3]}?" for i in range(32)]
    alone = encoder.encode(texts)
    encoder._recent.clear()  # measure the coalescing, not the memory of recent lines
    forwards = []
    real = encoder._encode_now
    encoder._encode_now = lambda batch: forwards.append(len(batch)) or real(batch)
    try:
        out: list[np.ndarray | None] = [None] * len(texts)
        gate = threading.Barrier(len(texts))

        def call(i: int) -> None:
            gate.wait()
            out[i] = encoder.encode([texts[i]])

        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(texts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        del encoder._encode_now
    assert sum(forwards) == len(texts) and len(forwards) < len(texts) / 4, forwards
    for i, vector in enumerate(out):
        assert vector.shape == (1, 384) and np.allclose(vector[0], alone[i], atol=1e-5)


def test_a_line_encoded_again_costs_no_forward_pass():
    encoder = shared_encoder("cpu")
    line = "Do you have any rope for sale, merchant?"
    first = encoder.encode([line])
    forwards = []
    real = encoder._encode_now
    encoder._encode_now = lambda batch: forwards.append(list(batch)) or real(batch)
    try:
        again = encoder.encode([line, "A brand new line about dragons.", line])
    finally:
        del encoder._encode_now
    assert forwards == [["A brand new line about dragons."]]  # the known line is not encoded again
    assert np.array_equal(again[0], first[0]) and np.array_equal(again[2], first[0])
