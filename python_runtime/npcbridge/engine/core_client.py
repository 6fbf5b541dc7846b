"""The front end's handle on the engine core: start it, feed it, route its outputs.

In ``process`` mode the core runs in a spawned process; if it dies, every
request in flight ends with an error, readiness drops (health NOT_SERVING), a
new process starts and readiness returns once it has loaded the model. In
``thread`` mode (tests, benchmarks over an already loaded model) the same loop
runs in a thread. Both talk over the same two ZeroMQ pipes.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import Any

import zmq
import zmq.asyncio

from npcbridge import metrics
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.core_loop import run_core
from npcbridge.engine.messages import (
    AbortRequest,
    AddRequest,
    Failed,
    Ready,
    RequestOutput,
    Shutdown,
    Stats,
    decode_from_core,
    encode,
)
from npcbridge.engine.process_launch import EngineLaunch, ipc_launch
from npcbridge.errors import ModelLoadError

log = logging.getLogger(__name__)

MAX_QUICK_RESTARTS = 3
STOP_TIMEOUT_S = 10.0  # for the engine to finish after Shutdown before it is killed
SEND_TIMEOUT_S = 1.0  # a Shutdown nobody receives (the engine is gone) must not hang the stop


class EngineDown(Exception):
    """Put into a request's queue when the core died under it."""


class CoreClient:
    """Owns the core (thread or process) and one output queue per request."""

    def __init__(self, config: CoreConfig, mode: str = "process", loaded: Any = None,
                 log_level: str = "info", launch: EngineLaunch | None = None) -> None:
        """``launch``: an engine process already started on its pipes (``npcbridge serve``
        starts it before loading the front end); this client adopts it."""
        self.config = config
        self.mode = mode
        self._loaded = loaded
        self._log_level = log_level
        self.ready_info: Ready | None = None
        self.stats = Stats(0, 0, 0, 0, 0)
        self.failed: str | None = None
        self.on_ready_change: Callable[[bool], None] | None = None
        self._queues: dict[str, asyncio.Queue[RequestOutput | EngineDown]] = {}
        self._worker: subprocess.Popen[bytes] | threading.Thread | None = None
        self._ready_event = asyncio.Event()
        self._stopping = False
        self._restarts = 0  # consecutive deaths without a successful restart
        self._tasks: list[asyncio.Task[None]] = []
        # Pipes at fixed ipc:// paths, or (Windows) loopback TCP ports bound on launch.
        self._pipes = launch or ipc_launch() or EngineLaunch()
        self._pipes.adopted = True

    @property
    def ready(self) -> bool:
        return self.ready_info is not None and self._ready_event.is_set()

    @property
    def pid(self) -> int | None:
        worker = self._worker
        return worker.pid if isinstance(worker, subprocess.Popen) else None

    def _bind(self) -> None:
        self._ctx = zmq.asyncio.Context()
        self._to_core = self._ctx.socket(zmq.PUSH)
        self._from_core = self._ctx.socket(zmq.PULL)
        pipes = self._pipes
        if pipes.requests_addr:  # ipc in a private directory: only this user can reach the pipes
            self._to_core.bind(pipes.requests_addr)
            self._from_core.bind(pipes.outputs_addr)
        else:  # Windows: loopback TCP
            pipes.requests_addr = f"tcp://127.0.0.1:{self._to_core.bind_to_random_port('tcp://127.0.0.1')}"
            pipes.outputs_addr = f"tcp://127.0.0.1:{self._from_core.bind_to_random_port('tcp://127.0.0.1')}"

    def launch(self) -> None:
        """Start the core; it loads its model while the caller does other work."""
        self._bind()
        self._tasks.append(asyncio.create_task(self._read(), name="npcbridge-engine-reader"))
        self._spawn()

    async def start(self) -> Ready:
        """Start the core and wait until its model is loaded; raises ModelLoadError."""
        self.launch()
        return await self.wait_ready()

    def _spawn(self) -> None:
        self._ready_event.clear()
        pipes = self._pipes
        args = (self.config, pipes.requests_addr, pipes.outputs_addr)
        if self.mode == "process":
            early = pipes.process if pipes.process is not None and self._worker is None else None
            self._worker = early or pipes.spawn(self.config, self._log_level)
            self._tasks.append(asyncio.create_task(self._watch(self._worker), name="npcbridge-engine-watch"))
        else:
            self._worker = threading.Thread(target=run_core, args=(*args, self._loaded),
                                            name="npcbridge-engine", daemon=True)
            self._worker.start()

    async def wait_ready(self) -> Ready:
        """Wait until the core has loaded its model; raises ModelLoadError."""
        await self._ready_event.wait()
        if self.failed is not None or self.ready_info is None:
            raise ModelLoadError(self.failed or "the dialogue engine did not start")
        return self.ready_info

    async def _read(self) -> None:
        while True:
            message = decode_from_core(await self._from_core.recv())
            if isinstance(message, list):
                for output in message:
                    queue = self._queues.get(output.request_id)
                    if queue is not None:
                        queue.put_nowait(output)
            elif isinstance(message, Stats):
                self.stats = message
                metrics.QUEUE_DEPTH.set(message.waiting)
                metrics.ENGINE_RUNNING.set(message.running)
                if message.prefix_prompt_tokens:
                    metrics.PREFIX_HIT_RATIO.set(message.prefix_hit_tokens / message.prefix_prompt_tokens)
            elif isinstance(message, Ready):
                self.ready_info, self.failed = message, None
                self._ready_event.set()
                self._notify(True)
            elif isinstance(message, Failed):
                self._core_lost(message.message)
                if self.ready_info is None:  # start-up failure: no restart
                    self.failed = message.message
                    self._ready_event.set()
                elif self.mode == "thread":  # no process to restart: stay down and say why
                    self.failed = message.message

    async def _watch(self, process: subprocess.Popen[bytes]) -> None:
        code = await asyncio.to_thread(process.wait)
        if self._stopping or process is not self._worker:
            return
        if self.ready_info is None:
            self.failed = self.failed or (
                f"the dialogue engine process exited during start-up (exit code {code}); see the host log")
            self._ready_event.set()
            return
        reason = (f"the dialogue engine process exited unexpectedly (exit code {code}); "
                  "the host is restarting it, retry in a few seconds")
        log.error(reason)
        metrics.ENGINE_RESTARTS.inc()
        self._core_lost(reason)
        self._restarts += 1
        if self._restarts > MAX_QUICK_RESTARTS:
            self.failed = f"{reason}; it failed {self._restarts} times, giving up"
            log.error(self.failed)
            return
        self._spawn()
        await self._ready_event.wait()
        if self.ready:
            self._restarts = 0

    def _core_lost(self, reason: str) -> None:
        """Every request in flight ends now; readiness drops until a core is back."""
        self._ready_event.clear()
        self._notify(False)
        for queue in self._queues.values():
            queue.put_nowait(EngineDown(reason))

    def _notify(self, ready: bool) -> None:
        if self.on_ready_change is not None:
            self.on_ready_change(ready)

    def submit(self, request: AddRequest) -> asyncio.Queue[RequestOutput | EngineDown]:
        """Send a request; its outputs arrive on the returned queue."""
        queue: asyncio.Queue[RequestOutput | EngineDown] = asyncio.Queue()
        self._queues[request.request_id] = queue
        self._to_core.send(encode(request))
        return queue

    def release(self, request_id: str) -> None:
        """Forget a finished request's queue."""
        self._queues.pop(request_id, None)

    def abort(self, request_id: str) -> None:
        """Ask the core to drop a request (its final output still arrives)."""
        if request_id in self._queues:
            self._to_core.send(encode(AbortRequest(request_id)))

    def kill(self) -> None:
        """Kill the engine process (tests of crash recovery)."""
        worker = self._worker
        if isinstance(worker, subprocess.Popen):
            worker.kill()

    async def _send_shutdown(self) -> bool:
        try:
            await asyncio.wait_for(self._to_core.send(encode(Shutdown())), SEND_TIMEOUT_S)
            return True
        except TimeoutError:
            return False

    async def stop(self) -> None:
        """Cancel what runs, stop the core, close the pipes; every wait is bounded.
        A second call (the host stopping while the engine still starts) does nothing."""
        if self._stopping:
            return
        self._stopping = True
        worker = self._worker
        if isinstance(worker, subprocess.Popen):
            if worker.poll() is None:
                sent = await self._send_shutdown()
                try:
                    await asyncio.to_thread(worker.wait, STOP_TIMEOUT_S if sent else 0.5)
                except subprocess.TimeoutExpired:
                    log.warning("the dialogue engine did not stop in time; killing it")
                    worker.kill()
                    await asyncio.to_thread(worker.wait, 5)
        elif worker is not None and worker.is_alive():
            if await self._send_shutdown():
                await asyncio.to_thread(worker.join, STOP_TIMEOUT_S)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._to_core.close(linger=0)
        self._from_core.close(linger=0)
        self._ctx.term()
        shutil.rmtree(self._pipes.dir, ignore_errors=True)

    def terminate(self) -> None:
        """Stop at once, without waiting for anything (a second Ctrl+C): kill the engine
        process and remove the pipes' folder."""
        self._stopping = True
        worker = self._worker
        if isinstance(worker, subprocess.Popen) and worker.poll() is None:
            worker.kill()
        shutil.rmtree(self._pipes.dir, ignore_errors=True)
