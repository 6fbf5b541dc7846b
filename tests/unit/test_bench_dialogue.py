"""The dialogue benchmark's parts on small inputs (the figures themselves come from
``npcbridge bench dialogue``, never from a timed test)."""

from __future__ import annotations

from typer.testing import CliRunner

from npcbridge.bench import baselines
from npcbridge.bench.dialogue import measure_sessions, pct
from npcbridge.cli import app
from npcbridge.models.loader import load_causal_lm
from npcbridge.testing.host import running_host


def test_baselines_run_on_a_tiny_model(tiny_model_dir, tmp_path):
    loaded = load_causal_lm(str(tiny_model_dir), tmp_path, device="cpu")
    prompts = [[1, 2, 3, 4], [5, 6, 7]]
    seq = baselines.sequential_generate(loaded, prompts, 6)
    assert seq["tokens"] > 0 and seq["tokens_per_second"] > 0
    ceiling = baselines.decode_ceiling(loaded, batch=4, context=16, steps=2)
    assert ceiling["tokens_per_second"] > 0 and ceiling["step_ms"] > 0
    batch = baselines.transformers_generate_batch(loaded, prompts, 6)
    assert batch["tokens"] > 0
    assert baselines.llama_cpp_single_stream(None, [1], 4) is None


def test_concurrent_sessions_are_measured_through_grpc():
    with running_host() as host:
        characters = [host.client().upsert_character(name=n, persona="x") for n in ("A", "B")]
        run = measure_sessions(host, characters, 4, 16, rounds=2)
    summary = run.summary()
    assert run.sessions == 4 and len(run.ttft_ms) == 8 and run.tokens > 0
    assert summary["ttft_p99_ms"] >= summary["ttft_p50_ms"] > 0
    assert run.steady_seconds >= 0 and summary["steady_tokens_per_second"] >= 0


def test_percentiles():
    assert pct([], 0.5) == 0.0
    assert pct([3.0, 1.0, 2.0], 0.5) == 2.0 and pct(list(range(100)), 0.99) == 99


def test_sessions_option_is_checked():
    result = CliRunner().invoke(app, ["bench", "dialogue", "--sessions", "eight"])
    assert result.exit_code != 0 and "--sessions" in result.output


def test_open_loop_arrivals_are_measured_and_the_sustained_rate_found():
    from rich.console import Console

    from npcbridge.bench.open_loop import sweep_rates

    with running_host() as host:
        result = sweep_rates(Console(quiet=True), host, [4.0, 8.0], seconds=1.0, max_tokens=8)
    first = result["rates"][0]
    assert first["calls"] >= 1 and first["errors"] == 0 and first["ttft_p99_ms"] >= first["ttft_p50_ms"] > 0
    assert result["sustained_rate"] == 8.0  # the scripted host answers at once
