"""The npcbridge command line, run as a newcomer would: separate processes."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from npcbridge.testing import free_port
from npcbridge.transport.client import HostClient

SCRIPT = ("replies:\n  - pattern: hello\n    reply: Hello from the script.\n"
          "  - pattern: markup\n    reply: '[bold]not markup[/bold] and [red]'\n"
          "  - pattern: wave\n    reply: There you go.\n    emotion: happy\n"
          "    actions: [{name: wave, arguments: {}}]\n"
          "default: 'You said: {text}'\n")


def npcbridge(*args: str) -> list[str]:
    return [sys.executable, "-m", "npcbridge.cli", *args]


def start_serve(*args: str, port: int) -> subprocess.Popen:
    http = () if "--http-port" in args else ("--http-port", "0")  # tests never collide on 8080
    proc = subprocess.Popen(npcbridge("serve", "--port", str(port), *http, *args), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    with HostClient(f"127.0.0.1:{port}") as client:
        try:
            client.wait_serving(180)
        except TimeoutError:
            proc.kill()
            raise AssertionError(proc.stdout.read()) from None
    return proc


def stop_serve(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


@pytest.fixture
def scripted_serve(tmp_path: Path):
    script = tmp_path / "npc.yaml"
    script.write_text(SCRIPT)
    port = free_port()
    proc = start_serve("--backend", "scripted", "--script", str(script), "--db", str(tmp_path / "x.db"), port=port)
    yield f"127.0.0.1:{port}"
    stop_serve(proc)


def test_info_and_chat(scripted_serve):
    info = subprocess.run(npcbridge("info", "--address", scripted_serve), capture_output=True, text=True,
                          timeout=60)
    assert info.returncode == 0, info.stderr
    assert "1.0.0" in info.stdout and "max_text_chars" in info.stdout and "SERVING" in info.stdout
    chat = subprocess.run(npcbridge("chat", "Greta", "--persona", "A smith.", "--address", scripted_serve),
                          input="hello there\nwhat now\n", capture_output=True, text=True, timeout=60)
    assert chat.returncode == 0, chat.stderr
    assert "Hello from the script." in chat.stdout and "You said: what now" in chat.stdout
    acting = subprocess.run(npcbridge("chat", "Bram", "--persona", "A guard.", "--action", "wave: wave at the player | "
                                      "Wave at me!", "--address", scripted_serve),
                            input="wave please\n", capture_output=True, text=True, timeout=60)
    assert acting.returncode == 0, acting.stderr
    assert "[happy]" in acting.stdout and "-> wave {}" in acting.stdout, acting.stdout
    missing = subprocess.run(npcbridge("chat", "Nobody", "--address", scripted_serve), capture_output=True,
                             text=True, timeout=60, input="")
    assert missing.returncode == 1 and "create it with --persona" in missing.stderr


def test_chat_shows_notices_and_markup_escaped_and_takes_knowledge(scripted_serve, tmp_path: Path):
    persona = tmp_path / "greta.txt"
    persona.write_text("A gruff smith.\nShe hates [brackets].\n")
    chat = subprocess.run(
        npcbridge("chat", "Greta", "--persona-file", str(persona), "--knowledge", "Iron costs 5 gold.",
                  "--knowledge", "The mine is closed.", "--address", scripted_serve),
        input="markup please\nyou little sh1t\n", capture_output=True, text=True, timeout=60)
    assert chat.returncode == 0, chat.stderr
    # Host text that looks like rich markup is printed as it is.
    assert "[bold]not markup[/bold] and [red]" in chat.stdout
    # The input filter's notice is shown, on its own line, with what it did.
    notice = next(line for line in chat.stdout.splitlines() if "moderation:" in line)
    assert "player" in notice and ("mask" in notice or "block" in notice), chat.stdout
    with HostClient(scripted_serve) as client:
        greta = next(c for c in client.list_characters() if c.name == "Greta")
        assert list(greta.knowledge) == ["Iron costs 5 gold.", "The mine is closed."]
        assert "[brackets]" in greta.persona
    both = subprocess.run(npcbridge("chat", "Greta", "--persona", "x", "--persona-file", str(persona),
                                    "--address", scripted_serve), capture_output=True, text=True, timeout=60)
    assert both.returncode != 0 and "not both" in both.stdout + both.stderr


def test_info_against_no_host_is_a_clear_error():
    done = subprocess.run(npcbridge("info", "--address", f"127.0.0.1:{free_port()}"), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "UNAVAILABLE" in done.stderr


def test_serve_refuses_public_bind_without_token():
    done = subprocess.run(npcbridge("serve", "--host", "0.0.0.0", "--backend", "scripted", "--script", "x.yaml"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "--auth-token" in done.stderr


def test_models_list():
    done = subprocess.run(npcbridge("models", "list"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "smollm2-135m-instruct" in done.stdout


@pytest.mark.model
def test_restart_on_the_same_database_keeps_history(tmp_path: Path):
    """The real CLI with the embedded model: serve, talk, SIGTERM, serve again."""
    db = tmp_path / "npc.db"
    port = free_port()
    proc = start_serve("--db", str(db), port=port)
    with HostClient(f"127.0.0.1:{port}") as client:
        character = client.upsert_character(name="Greta", persona="A dwarven smith.")
        session = client.create_session(character.id)
        _, first = client.say_text(session.id, "Hello!", max_tokens=12, temperature=0.0)
    out = stop_serve(proc)
    assert "serving" in out.lower()
    proc = start_serve("--db", str(db), port=port)
    try:
        with HostClient(f"127.0.0.1:{port}") as client:
            restored = client.get_session(session.id)
            assert [t.text for t in restored.turns] == ["Hello!", first.text]
            assert client.get_character(character.id).persona == "A dwarven smith."
            _, second = client.say_text(session.id, "And again?", max_tokens=8, temperature=0.0)
            assert len(client.get_session(session.id).turns) == 4
    finally:
        stop_serve(proc)


def test_knowledge_add_search_and_list(scripted_serve, tmp_path: Path):
    lore = tmp_path / "lore"
    (lore / "places").mkdir(parents=True)
    (lore / "places" / "inn.md").write_text("The Golden Goose is an inn. A room costs three silver.\n")
    (lore / "wolves.txt").write_text("Thornwood wolves fear the smell of burning juniper.\n")
    added = subprocess.run(npcbridge("knowledge", "add", "vale", str(lore), "--address", scripted_serve),
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    assert "2 documents" in added.stdout
    found = subprocess.run(npcbridge("knowledge", "search", "vale", "what scares wolves", "-k", "1",
                                     "--address", scripted_serve), capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and "wolves" in found.stdout and "juniper" in found.stdout, found.stdout
    listed = subprocess.run(npcbridge("knowledge", "list", "--address", scripted_serve), capture_output=True,
                            text=True, timeout=60)
    assert "vale" in listed.stdout
    missing = subprocess.run(npcbridge("knowledge", "search", "nowhere", "x", "--address", scripted_serve),
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "NOT_FOUND" in missing.stdout


def test_serve_speaks_http_beside_grpc_and_names_a_busy_port(tmp_path: Path):
    import socket

    import httpx

    script = tmp_path / "npc.yaml"
    script.write_text(SCRIPT)
    port, http_port = free_port(), free_port()
    proc = start_serve("--backend", "scripted", "--script", str(script), "--http-port", str(http_port), port=port)
    try:
        assert httpx.get(f"http://127.0.0.1:{http_port}/healthz", timeout=10).json() == {"status": "SERVING"}
        info = httpx.post(f"http://127.0.0.1:{http_port}/v1/Runtime/GetServerInfo", json={}, timeout=10)
        assert info.json()["apiVersion"] == "1.0.0"
    finally:
        out = stop_serve(proc)
    assert f"http://127.0.0.1:{http_port}" in out
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        done = subprocess.run(npcbridge("serve", "--backend", "scripted", "--script", str(script), "--port",
                                        str(free_port()), "--http-port", str(busy.getsockname()[1])),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "cannot bind the HTTP port" in done.stdout + done.stderr and "--http-port 0" in done.stdout + done.stderr
