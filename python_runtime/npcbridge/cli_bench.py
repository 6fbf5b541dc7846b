"""``npcbridge bench``: benchmarks, each a ratio against a baseline measured in the same run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from npcbridge.cli_common import console, fail, setup_logging, write_figures
from npcbridge.cli_finetune import bench_adapters

bench_app = typer.Typer(help="Benchmarks (ratios against baselines measured in the same run).",
                        no_args_is_help=True)
bench_app.command("adapters")(bench_adapters)


@bench_app.command("fleet")
def bench_fleet(
    replicas: Annotated[int, typer.Option(help="Host replicas behind HAProxy.")] = 3,
    sessions: Annotated[int, typer.Option(help="Sessions (of 8 characters) saying a line at once.")] = 48,
    rounds: Annotated[int, typer.Option(help="Bursts per side.")] = 2,
    max_tokens: Annotated[int, typer.Option(help="Most tokens per reply.")] = 64,
    scripted: Annotated[bool, typer.Option(help="Scripted replies instead of the embedded model: plumbing only.")] = False,
    says: Annotated[int, typer.Option(help="Says one at a time for the SQLite vs Redis latency; 0 = skip.")] = 200,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Replicas + Redis + HAProxy vs one host, same run; what a Redis store adds per Say."""
    import json

    from npcbridge.bench.fleet import run_fleet_bench
    from npcbridge.testing.fleet import Fleet

    if not Fleet.available():
        raise fail(Exception(Fleet.missing()))
    setup_logging("warning")
    result = run_fleet_bench(console, replicas, sessions, rounds, max_tokens, scripted, says)
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))


@bench_app.command("dialogue")
def bench_dialogue(
    sessions: Annotated[str, typer.Option(help="Concurrent session counts, comma-separated.")] = "1,8,32",
    model: Annotated[str, typer.Option(help="Model to measure.")] = "smollm2-135m-instruct",
    max_tokens: Annotated[int, typer.Option(help="Tokens per reply.")] = 64,
    repeats: Annotated[int, typer.Option(help="Single-session replies for the idle TTFT.")] = 5,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda.")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto, float32, bfloat16.")] = "auto",
    gguf_quant: Annotated[str, typer.Option(help="openvino/llama.cpp: q8_0, q4_1 or q4_0 for a non-GGUF model.")] = "q8_0",
    backend: Annotated[str, typer.Option(help="openvino, llama.cpp, vllm or transformers.")] = "openvino",
    realistic: Annotated[bool, typer.Option(
        help="As a game meets it: moderation on, no warm-up (characters created just before), "
             "everyday lines with replies of natural length at the default sampling.")] = False,
    moderation: Annotated[bool, typer.Option(
        help="With --realistic: moderation as served (on by default); --no-moderation gives the cost pair.")] = True,
    rate: Annotated[str, typer.Option(
        help="Also open-loop load: Say calls arriving at these rates a second (Poisson, new sessions of 8 "
             "characters), e.g. 0.5,1,2; reports the highest rate with TTFT p99 <= 2 s.")] = "",
    rate_seconds: Annotated[float, typer.Option(help="How long each --rate runs.")] = 20.0,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """N NPC sessions at once through gRPC vs sequential generate, generate_batch and the decode ceiling."""
    from npcbridge.bench.dialogue import run_dialogue_bench

    counts = _session_counts(sessions)
    setup_logging("warning")
    try:
        rates = sorted({float(x) for x in rate.split(",") if x.strip()})
    except ValueError:
        raise typer.BadParameter(f"--rate {rate!r}: use calls a second such as 0.5,1,2") from None
    if any(r <= 0 for r in rates):
        raise typer.BadParameter("--rate needs positive calls a second such as 0.5,1,2")
    run_dialogue_bench(console, model, counts, max_tokens, repeats, device, dtype, json_out, realistic,
                       rates, rate_seconds, gguf_quant, moderation, backend)


@bench_app.command("engines")
def bench_engines(
    sessions: Annotated[str, typer.Option(help="NPC counts speaking at once, comma-separated.")] = "1,32",
    model: Annotated[str, typer.Option(help="Model to measure.")] = "smollm2-135m-instruct",
    max_tokens: Annotated[int, typer.Option(help="Tokens a reply in the plain (greedy, fixed-length) runs.")] = 64,
    llama_server: Annotated[str, typer.Option(help="The llama-server binary [PATH, then the build cache].")] = "",
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """The host (default and tuned, OpenVINO and llama.cpp) against llama-server -np N and OpenVINO bare."""
    from npcbridge.bench.engines import run_engines_bench

    setup_logging("warning")
    run_engines_bench(console, model, _session_counts(sessions), max_tokens, llama_server, json_out)


def _session_counts(sessions: str) -> list[int]:
    """``--sessions 1,8,32`` as sorted positive counts."""
    try:
        counts = sorted({int(x) for x in sessions.split(",") if x.strip()})
    except ValueError:
        raise typer.BadParameter(f"--sessions {sessions!r}: use counts such as 1,8,32") from None
    if not counts or counts[0] < 1:
        raise typer.BadParameter("--sessions needs positive counts such as 1,8,32")
    return counts


@bench_app.command("faces")
def bench_faces(
    sessions: Annotated[str, typer.Option(help="Concurrent session counts, comma-separated.")] = "1,32",
    max_tokens: Annotated[int, typer.Option(help="Tokens per reply.")] = 48,
    rounds: Annotated[int, typer.Option(help="Rounds per face and count (medians are reported).")] = 3,
    scripted: Annotated[bool, typer.Option(help="Scripted engine: measure the transports alone.")] = False,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Say over gRPC, HTTP+SSE and WebSocket on one host: TTFT and events/s, same run."""
    from npcbridge.bench.faces import run_faces_bench

    counts = _session_counts(sessions)
    setup_logging("warning")
    write_figures(json_out, run_faces_bench(console, counts, max_tokens, rounds, scripted))


@bench_app.command("avatars")
def bench_avatars(
    count: Annotated[int, typer.Option(help="Avatars per batched request (and concurrent requests).")] = 16,
    repeats: Annotated[int, typer.Option(help="Measurements per path.")] = 3,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda.")] = "auto",
    model: Annotated[str, typer.Option(help="builtin or a checkpoint file.")] = "builtin",
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Portraits/s batched beside one at a time, through gRPC, with the raw forward as ceiling."""
    from npcbridge.bench.avatar import run_avatar_bench

    setup_logging("warning")
    run_avatar_bench(console, count, repeats, device, model, json_out)


@bench_app.command("client")
def bench_client(
    native_bench: Annotated[Path, typer.Option(help="The native bench binary.")] = Path(
        "native_client/build/npcbridge_bench"),
    trips: Annotated[int, typer.Option(help="Unary round trips per client.")] = 300,
    streams: Annotated[int, typer.Option(help="Say streams per client.")] = 10,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Round-trip latency and streaming events/s of the C++ client beside the Python client."""
    from npcbridge.bench.client import run_client_bench

    setup_logging("warning")
    try:
        run_client_bench(console, native_bench, trips, streams, json_out)
    except FileNotFoundError as exc:
        raise fail(exc) from None


@bench_app.command("moderation")
def bench_moderation(
    seconds: Annotated[float, typer.Option(help="Time per measurement.")] = 2.0,
) -> None:
    """Texts/s of the lexicon path and the full pipeline, beside peers; streaming filter delay."""
    from npcbridge.bench.moderation import run_moderation_bench

    setup_logging("warning")
    run_moderation_bench(console, seconds)


@bench_app.command("voice")
def bench_voice(
    model: Annotated[str, typer.Option(help="Dialogue model.")] = "smollm2-135m-instruct",
    rounds: Annotated[int, typer.Option(help="Turns of one session (8 sessions: a quarter as many rounds).")] = 8,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Say -> first audio at 1 and 8 sessions, synthesis speed, viseme fit, round-trip WER."""
    from npcbridge.bench.voice import run_voice_bench

    setup_logging("warning")
    run_voice_bench(console, model, rounds, json_out)
