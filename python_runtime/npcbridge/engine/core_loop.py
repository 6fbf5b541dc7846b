"""The engine core's main loop, in a thread (tests) or in its own process (serving).

The loop connects two ZeroMQ PUSH/PULL pipes the front end has bound: requests
and aborts come in, token outputs go out after every step. It blocks on the
socket only when nothing is running, so new requests join between steps. The
same code runs in both modes; only where it runs differs (vLLM's engine-core
layout: the model process never parses text or speaks gRPC).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq

from npcbridge.engine.core_config import CoreConfig, config_from_json
from npcbridge.engine.messages import (
    AbortRequest,
    AddRequest,
    Failed,
    Ready,
    Shutdown,
    decode_to_core,
    encode,
)

log = logging.getLogger(__name__)

STATS_INTERVAL_S = 0.25


def build_core(config: CoreConfig, loaded: Any = None) -> tuple[Any, Ready]:
    """The core ``config.backend`` names, its model loaded (``loaded``: already in memory, torch only)."""
    if config.backend == "openvino":
        from npcbridge.engine.openvino_build import build_openvino_core

        return build_openvino_core(config)
    return build_torch_core(config, loaded)


def build_torch_core(config: CoreConfig, loaded: Any = None) -> tuple[Any, Ready]:
    """Load the model (unless ``loaded`` is given) and size the cache within the budgets."""
    import torch

    from npcbridge.engine.decoder import BatchedDecoder
    from npcbridge.engine.engine_core import EngineCore
    from npcbridge.engine.grammar import GrammarCompiler
    from npcbridge.engine.lora_bank import LoraBank
    from npcbridge.engine.runners import make_runner
    from npcbridge.engine.sentence_ends import sentence_end_ids

    if loaded is None:
        from npcbridge.models.loader import load_causal_lm

        loaded = load_causal_lm(config.model, config.cache_dir, config.device, config.dtype, config.tuning)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    eos = loaded.model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    if loaded.tokenizer.eos_token_id is not None:
        eos_ids.add(loaded.tokenizer.eos_token_id)
    slot_len = min(config.max_context_tokens, loaded.context_length)
    dtype = loaded.dtype_name
    runner, plan = make_runner(loaded.model, config.max_batch, slot_len, config.kv_cache_mb,
                               config.prefix_cache_mb)
    # Per-row LoRA needs the batched decoder over the transformers modules.
    adapters = LoraBank(loaded.model, config.adapter_cache_mb) if isinstance(runner, BatchedDecoder) else None
    core = EngineCore(runner, eos_ids, config.max_queue, config.step_tokens, plan.prefix_cache_tokens,
                      sentence_end_ids(loaded.tokenizer), GrammarCompiler(loaded.tokenizer), adapters)
    ready = Ready(loaded.name, str(loaded.device), dtype, loaded.context_length, sorted(eos_ids),
                  plan.slots, plan.slot_len, plan.batched)
    log.info("engine core: %s on %s (%s), %d slots x %d tokens, prefix cache %d tokens, %s",
             loaded.name, loaded.device, dtype, plan.slots, plan.slot_len,
             plan.prefix_cache_tokens, "batched" if plan.batched else "unbatched")
    return core, ready


def run_core(config: CoreConfig, requests_addr: str, outputs_addr: str, loaded: Any = None,
             orphaned: Callable[[], bool] = lambda: False) -> None:
    """Build the core and serve the two pipes until :class:`Shutdown`, a crash, or
    ``orphaned()`` turning true while idle."""
    ctx = zmq.Context()
    inbox = ctx.socket(zmq.PULL)
    inbox.connect(requests_addr)
    outbox = ctx.socket(zmq.PUSH)
    outbox.connect(outputs_addr)
    try:
        try:
            core, ready = build_core(config, loaded)
        except Exception as exc:  # reported to the front end, which fails start-up with it
            log.exception("engine core could not start")
            outbox.send(encode(Failed(f"cannot start the dialogue engine: {exc}")))
            return
        outbox.send(encode(ready))
        try:
            with _no_grad(config):
                _serve(core, inbox, outbox, orphaned)
        except Exception as exc:
            log.exception("engine core crashed")
            outbox.send(encode(Failed(f"the dialogue engine crashed: {exc}")))
    finally:
        inbox.close(linger=0)
        outbox.close(linger=1000)
        ctx.term()


def _no_grad(config: CoreConfig) -> Any:
    """torch's inference mode around the torch core's steps; nothing for other backends."""
    if config.backend == "openvino":
        return contextlib.nullcontext()
    import torch

    return torch.inference_mode()


def _serve(core: Any, inbox: zmq.Socket, outbox: zmq.Socket, orphaned: Callable[[], bool]) -> None:
    last_stats = 0.0
    while True:
        if not core.has_work() and not inbox.poll(1000) and orphaned():  # idle: block on the pipe
            log.warning("the host process is gone; engine core exits")
            return
        while inbox.poll(0):
            message = decode_to_core(inbox.recv())
            if isinstance(message, Shutdown):
                outbox.send(encode(core.abort_all("cancelled")))
                return
            if isinstance(message, AddRequest):
                core.add(message)
            elif isinstance(message, AbortRequest):
                core.abort(message.request_id)
        outputs = core.step() if core.has_work() else core.take_outputs()
        if outputs:
            outbox.send(encode(outputs))
        now = time.monotonic()
        if now - last_stats >= STATS_INTERVAL_S:
            last_stats = now
            outbox.send(encode(core.stats()))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the engine process: ``python -m npcbridge.engine.core_loop CONFIG REQ OUT LEVEL``."""
    # The host stops the engine (Shutdown, or a kill after a timeout); a Ctrl+C meant for the
    # host's terminal must not kill it half-way (its own session already keeps it out of the
    # terminal's process group; this covers a parent that starts it differently).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config_json, requests_addr, outputs_addr, log_level = (argv or sys.argv[1:])[:4]
    config = config_from_json(config_json)
    logging.basicConfig(level=log_level.upper(), format=f"%(asctime)s engine[{os.getpid()}] %(levelname)s %(message)s")
    parent = os.getppid()

    def orphaned() -> bool:
        return os.getppid() != parent

    # If the host is killed outright it cannot send Shutdown: notice being re-parented.
    run_core(config, requests_addr, outputs_addr, orphaned=orphaned)
    if orphaned():  # nobody else is left to remove the pipes' private folder
        _remove_pipe_dir(requests_addr)


def _remove_pipe_dir(address: str) -> None:
    folder = Path(address.removeprefix("ipc://")).parent
    if address.startswith("ipc://") and folder.name.startswith("npcbridge-engine-"):
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
