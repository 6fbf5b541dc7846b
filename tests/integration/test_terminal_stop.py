"""Ctrl+C as a terminal sends it: SIGINT to the whole foreground process group.

The host runs `npcbridge serve` with the embedded model in its own engine process,
started in a session of its own (as a shell starts a job), and the signal goes to
the group, so the engine process receives it too unless it keeps out of the way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from npcbridge.testing import free_port
from npcbridge.transport.client import HostClient

pytestmark = pytest.mark.model


def launch_in_terminal(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """Start `npcbridge serve` as a terminal job (its own session); returns it and its address."""
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # where the engine's pipe folder goes
    proc = subprocess.Popen(
        [sys.executable, "-m", "npcbridge.cli", "serve", "--port", str(port), "--db", str(tmp_path / "s.db"),
         "--no-avatars", "--http-port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    return proc, f"127.0.0.1:{port}"


def engine_processes(proc: subprocess.Popen) -> list[psutil.Process]:
    return [c for c in psutil.Process(proc.pid).children(recursive=True) if "core_loop" in " ".join(c.cmdline())]


def start_in_terminal(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str, int]:
    """Start the host as a terminal job and wait until it serves; returns it, its address
    and its engine's pid."""
    proc, address = launch_in_terminal(tmp_path, *args)
    with HostClient(address) as client:
        try:
            client.wait_serving(240)
        except TimeoutError:
            proc.kill()
            raise AssertionError(proc.stdout.read()) from None
    engines = engine_processes(proc)
    assert len(engines) == 1, engines
    return proc, address, engines[0].pid


def ctrl_c(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # the whole group, as the terminal does


def engine_gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:  # exited, not yet reaped
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def assert_all_gone(proc: subprocess.Popen, engine_pid: int, tmp_path: Path) -> None:
    assert engine_gone(engine_pid), "the engine process outlived its host"
    assert not list(tmp_path.glob("npcbridge-engine-*")), "the engine's temporary folder was left behind"
    assert "Traceback" not in proc.stdout.read()


def test_ctrl_c_stops_host_and_engine_within_seconds(tmp_path):
    proc, _, engine_pid = start_in_terminal(tmp_path)
    started = time.monotonic()
    ctrl_c(proc)
    assert proc.wait(timeout=30) == 0
    elapsed = time.monotonic() - started
    assert_all_gone(proc, engine_pid, tmp_path)
    assert elapsed < 15, f"the host took {elapsed:.1f}s to stop"


def test_ctrl_c_while_the_model_loads(tmp_path):
    proc, _ = launch_in_terminal(tmp_path)
    deadline = time.monotonic() + 60
    engines: list[psutil.Process] = []
    while not engines and time.monotonic() < deadline:  # the engine process exists: it is loading
        engines = engine_processes(proc)
        time.sleep(0.05)
    assert engines, "the engine process never started"
    ctrl_c(proc)
    assert proc.wait(timeout=30) == 0
    assert_all_gone(proc, engines[0].pid, tmp_path)


def test_second_ctrl_c_exits_at_once_while_replies_stream(tmp_path):
    # A long grace period, so the first Ctrl+C waits for the replies in flight. One slot
    # and the plain model decoding greedily without the n-gram ban: eight replies
    # that run to their token limit one after the other, far longer than this test waits.
    proc, address, engine_pid = start_in_terminal(
        tmp_path, "--grace-period", "120", "--no-tuning", "--default-no-repeat-ngram", "0",
        "--sentence-stop", "0", "--max-batch", "1")
    first_text = threading.Event()

    def talk() -> None:
        with HostClient(address) as client:
            character = client.upsert_character(name="Greta", persona="A smith who tells very long stories.")
            session = client.create_session(character.id)
            try:
                for event in client.say(session.id, "Tell me the whole history of the world.", max_tokens=512,
                                        temperature=0.0):
                    if event.WhichOneof("event") == "text_delta":
                        first_text.set()
            except Exception:  # the host goes away under the stream: that is the point
                pass

    for _ in range(8):
        threading.Thread(target=talk, daemon=True).start()
    assert first_text.wait(120)
    ctrl_c(proc)
    time.sleep(2.0)
    assert proc.poll() is None, "the first Ctrl+C should wait for the replies in flight"
    started = time.monotonic()
    ctrl_c(proc)  # ...the second one does not
    assert proc.wait(timeout=10) == 130
    assert time.monotonic() - started < 5
    assert_all_gone(proc, engine_pid, tmp_path)
