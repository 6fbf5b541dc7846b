"""Start the engine process: its pipes' folder, its addresses and the process itself.

``npcbridge serve`` calls :func:`launch_early` right after reading its settings,
before it imports torch, the moderation models and gRPC: the engine imports and
loads its model on one core while the front end loads on the other, which is
what makes a restart quick. The process connects to pipes the front end binds
later (ZeroMQ retries the connection), and :class:`~npcbridge.engine.core_client.CoreClient`
adopts it. This module imports nothing heavy for that reason.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

import zmq

from npcbridge.engine.core_config import CoreConfig, config_to_json

log = logging.getLogger(__name__)


@dataclass
class EngineLaunch:
    """A private folder and the two pipe addresses for it, and the process once spawned."""

    dir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="npcbridge-engine-"))
    requests_addr: str = ""
    outputs_addr: str = ""
    process: subprocess.Popen[bytes] | None = None
    adopted: bool = False  # a CoreClient owns it now (and cleans up after it)

    def spawn(self, config: CoreConfig, log_level: str) -> subprocess.Popen[bytes]:
        """Start ``python -m npcbridge.engine.core_loop`` on these pipes."""
        # A fresh interpreter (not multiprocessing): nothing of the caller's main module is re-run.
        # Its own session (process group on Windows): a Ctrl+C in the host's terminal reaches the
        # whole foreground group, and the host, not the terminal, must decide when the engine stops.
        detach: dict[str, Any] = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
                                  if sys.platform == "win32" else {"start_new_session": True})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "npcbridge.engine.core_loop", config_to_json(config),
             self.requests_addr, self.outputs_addr, log_level], **detach)
        return self.process

    def discard(self) -> None:
        """Kill a launch no client adopted (the host failed before it got that far)."""
        if self.adopted:
            return
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


def ipc_launch() -> EngineLaunch | None:
    """Pipes at fixed ``ipc://`` paths, known before they are bound; None where ZeroMQ has
    no ipc transport (Windows binds loopback TCP to random ports when the client starts)."""
    if not zmq.has("ipc"):
        return None
    launch = EngineLaunch()
    launch.requests_addr = f"ipc://{launch.dir}/requests"
    launch.outputs_addr = f"ipc://{launch.dir}/outputs"
    return launch


def launch_early(settings: Any) -> EngineLaunch | None:
    """Spawn the engine process of a configuration that serves a transformers model in its
    own process and needs no first-run conversion (the front end converts it first); else None."""
    from npcbridge.models.registry import is_converted

    if settings.backend not in ("openvino", "transformers") or not settings.engine_process:
        return None
    try:
        if not is_converted(settings.model, settings.cache_dir):
            return None
    except Exception:  # a model that does not resolve: the front end reports it as it loads
        return None
    launch = ipc_launch()
    if launch is not None:
        process = launch.spawn(CoreConfig.from_settings(settings), settings.log_level)
        log.debug("engine process %d started early", process.pid)
    return launch
