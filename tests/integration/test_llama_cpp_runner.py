"""The llama.cpp runner (optional extra) against the fp32 torch reference: the GGUF written
back from transformers weights, the quantised model's closeness, batch behaviour, and
serving through gRPC. Skipped where llama-cpp-python is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

pytest.importorskip("llama_cpp")

from npcbridge.engine.decoder import RowInput  # noqa: E402
from npcbridge.engine.llama_cpp_runner import LlamaCppRunner  # noqa: E402
from npcbridge.engine.runners import make_runner  # noqa: E402
from npcbridge.config import default_cache_dir  # noqa: E402
from npcbridge.models.gguf_export import quantize_gguf, write_gguf  # noqa: E402
from npcbridge.models.loader import prepare  # noqa: E402
from npcbridge.testing import running_host  # noqa: E402

LINES = ["What do you sell?", "Tell me a story about a dragon.", "Where is the nearest inn?",
         "Sing me a song of the sea.", "Can you fix my sword?", "Who rules this town?",
         "I want to buy a horse.", "Have you seen a thief pass by?"]
CONTINUATION = 24


QUANT = "q8_0"  # what the host writes the tuned model as (Settings.gguf_quant)


def tuned_dir() -> Path:
    return Path(prepare("smollm2-135m-instruct", default_cache_dir(), tuning=True))


@pytest.fixture(scope="module")
def ggufs(loaded_model, tmp_path_factory) -> dict[str, Path]:
    """The served (tuned) model as f32 GGUF and quantised as the host writes it."""
    folder = tmp_path_factory.mktemp("gguf")
    f32, quantised = folder / "tuned-f32.gguf", folder / f"tuned-{QUANT}.gguf"
    write_gguf(loaded_model.model, tuned_dir(), f32)
    quantize_gguf(f32, quantised, QUANT)
    return {"f32": f32, "quantised": quantised}


@pytest.fixture(scope="module")
def sequences(loaded_model) -> list[list[int]]:
    """Prompts plus the fp32 model's own greedy continuation (teacher forcing for both runners)."""
    tok = loaded_model.tokenizer
    runner, _ = make_runner(loaded_model.model, 1, 512, 256, 0)
    out = []
    for line in LINES:
        ids = tok(tok.apply_chat_template([{"role": "system", "content": "You are Greta, a dwarven smith."},
                                           {"role": "user", "content": line}], tokenize=False,
                                          add_generation_prompt=True), add_special_tokens=False)["input_ids"]
        prompt = len(ids)
        logits = runner.forward([RowInput(0, ids, 0, True)])[0]
        for _ in range(CONTINUATION):
            ids.append(int(logits.argmax()))
            logits = runner.forward([RowInput(0, ids[-1:], len(ids) - 1, True)])[0]
        out.append((prompt, ids))
    return out


def position_logits(runner, ids: list[int], prompt: int) -> torch.Tensor:
    """Logits after every token from the prompt's last one on (one token a step)."""
    rows = [runner.forward([RowInput(0, ids[:prompt], 0, True)])[0]]
    for pos in range(prompt, len(ids) - 1):
        rows.append(runner.forward([RowInput(0, [ids[pos]], pos, True)])[0])
    return torch.stack(rows)


def closeness(reference, other, sequences) -> tuple[float, float]:
    """(top-1 agreement, mean cosine) of ``other``'s logits with ``reference``'s over all positions."""
    agree, cos, n = 0, 0.0, 0
    for prompt, ids in sequences:
        a, b = position_logits(reference, ids, prompt), position_logits(other, ids, prompt)
        agree += int((a.argmax(-1) == b.argmax(-1)).sum())
        cos += float(torch.nn.functional.cosine_similarity(a, b, dim=-1).sum())
        n += a.shape[0]
    return agree / n, cos / n


def test_gguf_written_back_gives_the_torch_models_logits(loaded_model, ggufs, sequences):
    reference, _ = make_runner(loaded_model.model, 1, 512, 256, 0)
    agree, cos = closeness(reference, LlamaCppRunner(str(ggufs["f32"]), 1, 512, 256), sequences[:3])
    assert agree == 1.0 and cos > 0.9999, (agree, cos)


@pytest.mark.parametrize("kind", ["llama", "qwen2"])
def test_random_llama_and_qwen2_shapes_write_exactly(kind, embedded_dir, tmp_path):
    """Both architectures the runner writes (Qwen2: q/k/v biases, no rotary permutation), with a
    vocabulary padded past the tokenizer's, as the random shapes of `models random` have."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, Qwen2Config

    tokenizer = AutoTokenizer.from_pretrained(embedded_dir)
    torch.manual_seed(0)
    config_class = LlamaConfig if kind == "llama" else Qwen2Config
    config = config_class(vocab_size=len(tokenizer) + 64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                          tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id)
    model = AutoModelForCausalLM.from_config(config).eval()
    out = tmp_path / f"{kind}.gguf"
    write_gguf(model, embedded_dir, out)
    ids = [list(range(100, 140))]
    reference, _ = make_runner(model, 1, 256, 64, 0)
    agree, cos = closeness(reference, LlamaCppRunner(str(out), 1, 256, 64), [(20, ids[0])])
    assert agree == 1.0 and cos > 0.9999, (agree, cos)


def test_quantised_runner_stays_close_to_fp32(loaded_model, ggufs, sequences):
    reference, _ = make_runner(loaded_model.model, 1, 512, 256, 0)
    agree, cos = closeness(reference, LlamaCppRunner(str(ggufs["quantised"]), 1, 512, 256), sequences)
    # Measured 0.958 / 0.9988 over 8 prompts x 24 positions (closing note of issue 16).
    assert agree >= 0.90 and cos >= 0.995, (agree, cos)


def test_batched_steps_agree_with_single_ones(ggufs, sequences):
    """Not batch-invariant: llama.cpp picks kernels by batch size, so a row's logits move a little
    with its neighbours (measured: 7 of 8 top tokens equal, cosine >= 0.997). Stated, not hidden."""
    alone = LlamaCppRunner(str(ggufs["quantised"]), 8, 512, 512)
    together = LlamaCppRunner(str(ggufs["quantised"]), 8, 512, 512)
    rows = [RowInput(i, ids, 0, True) for i, (_, ids) in enumerate(sequences)]
    batch = together.forward(rows)
    single = torch.stack([alone.forward([RowInput(0, ids, 0, True)])[0] for _, ids in sequences])
    agree = float((batch.argmax(-1) == single.argmax(-1)).float().mean())
    assert agree >= 0.75 and float(torch.nn.functional.cosine_similarity(batch, single, dim=-1).min()) > 0.99


def test_host_serves_the_tuned_model_on_llama_cpp():
    with running_host(backend="transformers", device="cpu", runner="llama.cpp", engine_process=True,
                      moderation=False, avatars=False, max_batch=4) as host:
        client = host.client()
        dialogue = next(m for m in client.info().models if m.kind == "dialogue")
        assert dialogue.dtype == f"gguf-{QUANT}" and dialogue.device == "cpu"
        npc = client.upsert_character(name="Greta", persona="A gruff dwarven blacksmith.")
        sessions = [client.create_session(npc.id, f"p{i}").id for i in range(2)]
        for session_id in sessions:
            deltas, completed = client.say_text(session_id, "What do you sell?", max_tokens=24)
            assert completed.text.strip() and completed.usage.completion_tokens > 0
        assert client.health() == "SERVING"


def shipped_gguf() -> str:
    from npcbridge.models.registry import resolve_model

    source = resolve_model("smollm2-135m-instruct")
    return str(Path(source.location) / str(source.gguf_file))


def chat(tokenizer, system: str, line: str) -> list[int]:
    text = tokenizer.apply_chat_template([{"role": "system", "content": system}, {"role": "user", "content": line}],
                                         tokenize=False, add_generation_prompt=True)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def test_a_prompt_takes_the_cells_another_slot_holds_and_gets_the_same_logits(loaded_model):
    system = "You are Greta, a gruff dwarven blacksmith in Ironhold. Iron bars cost 5 gold each."
    first, second = (chat(loaded_model.tokenizer, system, line) for line in ("Hello!", "What do you sell?"))
    sharing = LlamaCppRunner(shipped_gguf(), 2, 512, 256)
    sharing.forward([RowInput(0, first, 0, True)])
    shared = sharing.forward([RowInput(1, second, 0, True)])[0]
    common = next(i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
    assert sharing.shared_tokens == common > 20
    alone = LlamaCppRunner(shipped_gguf(), 2, 512, 256).forward([RowInput(0, second, 0, True)])[0]
    assert shared.argmax() == alone.argmax()
    assert float(torch.nn.functional.cosine_similarity(shared, alone, dim=0)) > 0.999


def test_npcs_arriving_together_share_their_characters_prompt_on_llama_cpp(loaded_model):
    from npcbridge.dialogue.types import SamplingParams
    from npcbridge.engine.engine_core import EngineCore
    from npcbridge.engine.messages import AddRequest

    tok = loaded_model.tokenizer
    lore = " You live in Ironhold, by the river. Iron bars cost 5 gold each. The mine closed last winter."
    systems = ["You are Greta, a gruff dwarven blacksmith." + lore, "You are Aelar, an elven ranger." + lore]
    prompts = {f"npc{i}": chat(tok, systems[i % 2], f"Hello, I am traveller {i}.") for i in range(8)}
    # A step budget that takes every prompt at once: without the hold, none would share.
    runner = LlamaCppRunner(shipped_gguf(), 8, 512, 1024)
    core = EngineCore(runner, {tok.eos_token_id}, 16, 1024, 0)
    for rid, prompt in prompts.items():
        core.add(AddRequest(rid, prompt, SamplingParams(4, 0.0, 1.0)))
    replies: dict[str, list[int]] = {rid: [] for rid in prompts}
    while core.has_work():
        for out in core.step():
            assert out.error is None, out.error
            replies[out.request_id] += out.tokens
    assert all(replies.values())
    opening = min(next(i for i, (a, b) in enumerate(zip(prompts["npc0"], prompts["npc2"], strict=False)) if a != b),
                  next(i for i, (a, b) in enumerate(zip(prompts["npc1"], prompts["npc3"], strict=False)) if a != b))
    assert runner.shared_tokens >= 6 * opening  # two characters computed once each, six NPCs copied
