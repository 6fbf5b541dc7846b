"""A fleet on 127.0.0.1 for tests and benchmarks: N ``npcbridge serve`` replicas (real
processes) sharing a real ``redis-server``, behind a real HAProxy configured by
:class:`~npcbridge.fleet.balancer.Balancer`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from npcbridge.fleet.balancer import Balancer
from npcbridge.testing.host import free_port
from npcbridge.testing.redis_server import RedisServer
from npcbridge.transport.client import HostClient


def start_host_process(log: Path, port: int, args: list[str]) -> subprocess.Popen[str]:
    """``npcbridge serve`` on 127.0.0.1:``port`` in a process of its own (no avatars, no
    HTTP face), its output in ``log``; wait for it with ``HostClient.wait_serving``."""
    return subprocess.Popen(
        [sys.executable, "-m", "npcbridge.cli", "serve", "--port", str(port), "--no-avatars", "--http-port", "0",
         *args], stdout=open(log, "w"), stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "200"})


class Fleet:
    """``replicas`` hosts + Redis + HAProxy in ``directory``; ``serve_args`` go to every
    replica (e.g. ``--backend scripted --script FILE``)."""

    def __init__(self, directory: Path, replicas: int, serve_args: list[str], check_interval_ms: int = 500,
                 drain_delay_s: float = 1.5) -> None:
        if not self.available():
            raise RuntimeError(self.missing())
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.redis = RedisServer(self.directory / "redis")
        self.ports = [free_port() for _ in range(replicas)]
        self.serve_args = serve_args
        self.drain_delay_s = drain_delay_s
        self.balancer = Balancer(f"127.0.0.1:{free_port()}", [f"127.0.0.1:{p}" for p in self.ports],
                                 check_interval_ms, str(self.directory / "haproxy.sock"))
        self.replicas: list[subprocess.Popen[str] | None] = []
        self.haproxy: subprocess.Popen[str] | None = None

    @staticmethod
    def missing() -> str:
        """What a fleet needs that this machine lacks ("" when nothing)."""
        absent = [name for name in ("redis-server", "haproxy") if shutil.which(name) is None]
        return f"needs Debian packages: {' '.join(absent)}" if absent else ""

    @staticmethod
    def available() -> bool:
        return not Fleet.missing()

    @property
    def address(self) -> str:
        """Where games connect: the balancer."""
        return self.balancer.listen

    def start(self, timeout_s: float = 240.0) -> Fleet:
        self.redis.start()
        self.replicas = [self._start_replica(i) for i in range(len(self.ports))]
        for i, port in enumerate(self.ports):
            with HostClient(f"127.0.0.1:{port}") as client:
                try:
                    client.wait_serving(timeout_s)
                except TimeoutError:
                    raise RuntimeError(f"replica r{i + 1} did not serve: {self.log(i)[-3000:]}") from None
        config = self.directory / "haproxy.cfg"
        config.write_text(self.balancer.haproxy())
        self.haproxy = subprocess.Popen(["haproxy", "-f", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=open(self.directory / "haproxy.log", "w"), text=True)
        self.wait_states({f"r{i + 1}": "UP" for i in range(len(self.ports))})
        return self

    def _start_replica(self, i: int) -> subprocess.Popen[str]:
        return start_host_process(self.directory / f"r{i + 1}.log", self.ports[i], [
            "--store", self.redis.url, "--replica-id", f"r{i + 1}", "--drain-delay", str(self.drain_delay_s),
            *self.serve_args])

    def log(self, i: int) -> str:
        return (self.directory / f"r{i + 1}.log").read_text()

    def states(self) -> dict[str, str]:
        """Each replica's state in HAProxy (UP, DOWN, ...), from its admin socket."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.balancer.stats_socket)
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        rows = [line.split(",") for line in data.decode().splitlines() if line and not line.startswith("#")]
        return {r[1]: r[17].split()[0] for r in rows if r[0] == "npc_hosts" and r[1].startswith("r")}

    def wait_states(self, wanted: dict[str, str], timeout_s: float = 20.0) -> float:
        """Wait until HAProxy reports ``wanted``; returns the seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            try:
                states = self.states()
                if all(states.get(k) == v for k, v in wanted.items()):
                    return time.monotonic() - start
            except OSError:
                pass  # HAProxy still starting
            time.sleep(0.05)
        raise TimeoutError(f"HAProxy states {self.states()} never became {wanted}")

    def kill(self, i: int) -> None:
        """SIGKILL replica ``i`` (and its engine process, if any): a crash, not a stop."""
        proc = self.replicas[i]
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.replicas[i] = None

    def terminate(self, i: int) -> subprocess.Popen[str] | None:
        """SIGTERM replica ``i`` (graceful drain); returns the process to wait on."""
        proc = self.replicas[i]
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
        return proc

    def stop(self) -> None:
        for i, proc in enumerate(self.replicas):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                self.replicas[i] = None
        if self.haproxy is not None:
            self.haproxy.terminate()
            self.haproxy.wait()
            self.haproxy = None
        self.redis.stop()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
