"""llama.cpp's own ``llama-server`` as a child process: found, started on a free
loopback port, waited for, watched, and stopped.

The host never builds llama.cpp itself at run time: the binary comes from PATH (a
Homebrew or package-manager install, the fast path on a Mac), from
``--llama-server PATH``, or from the per-machine cache that
``scripts/build_llama_server.sh`` fills (explicit AVX2/AVX-512 flags, never
``-march=native``, which can emit instructions a VM advertises but does not run).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from npcbridge.errors import ModelLoadError

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0
CACHED_BINARY = Path.home() / ".cache" / "npcbridge" / "bin" / "llama-server"


def find_llama_server(configured: str = "") -> str:
    """The llama-server binary to run; raises ModelLoadError saying where it looked."""
    candidates = [configured] if configured else [shutil.which("llama-server") or "", str(CACHED_BINARY)]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return candidate
    where = configured or f"PATH or {CACHED_BINARY}"
    raise ModelLoadError(f"llama-server not found in {where}: install llama.cpp (brew install llama.cpp, or your "
                         "package manager), build it with scripts/build_llama_server.sh, or pass --llama-server PATH")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerOptions:
    """How one llama-server is started."""

    binary: str
    model: Path
    slots: int
    slot_tokens: int
    threads: int = 0


class LlamaServerProcess:
    """One running llama-server; ``url`` is its base address once :meth:`start` returns."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def command(self, port: int) -> list[str]:
        o = self.options
        # -c is the whole context shared by the slots: each slot gets slot_tokens.
        command = [o.binary, "-m", str(o.model), "--host", "127.0.0.1", "--port", str(port),
                   "-np", str(o.slots), "-c", str(o.slots * o.slot_tokens), "--metrics"]
        if o.threads > 0:
            command += ["-t", str(o.threads)]
        return command

    async def start(self) -> None:
        """Start it and wait until ``/health`` answers ok; raises ModelLoadError with its log tail."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"npcbridge-llama-server-{port}.log"
        with open(log_path, "wb") as log_file:
            self.process = subprocess.Popen(self.command(port), stdout=log_file, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                    raise ModelLoadError(f"llama-server exited at start (code {self.process.returncode}): "
                                         + " | ".join(tail))
                try:
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        log.info("llama-server %d ready at %s (log: %s)", self.process.pid, self.url, log_path)
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        self.kill()
        raise ModelLoadError(f"llama-server did not become ready in {START_TIMEOUT_S:.0f} s (log: {log_path})")

    async def wait(self) -> int:
        """Wait for the process to exit; its exit code."""
        assert self.process is not None
        return await asyncio.to_thread(self.process.wait)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    async def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 5)
