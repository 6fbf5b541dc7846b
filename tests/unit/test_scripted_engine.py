from pathlib import Path

import pytest

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.interface import ChatMessage, GenerationRequest
from npcbridge.engine.scripted import ScriptedEngine
from npcbridge.errors import ConfigError

SCRIPT = {"replies": [{"pattern": "hello", "reply": "Hi, I am {character}."},
                      {"pattern": "echo", "reply": "{text}"}],
          "default": "Hmm."}


def request(text, max_tokens=50, rid="r1"):
    return GenerationRequest(rid, [ChatMessage("system", "You are Greta. A smith."), ChatMessage("user", text)],
                             SamplingParams(max_tokens, 0.0, 1.0))


async def collect(engine, req):
    return [c async for c in engine.generate(req)]


async def test_patterns_and_substitutions():
    engine = ScriptedEngine.from_data(SCRIPT)
    chunks = await collect(engine, request("hello!"))
    assert "".join(c.text for c in chunks) == "Hi, I am Greta."
    assert chunks[-1].finish_reason == "stop" and chunks[-1].completion_tokens == 4
    assert "".join(c.text for c in await collect(engine, request("echo me"))) == "echo me"
    assert "".join(c.text for c in await collect(engine, request("what"))) == "Hmm."


async def test_max_tokens_gives_length():
    chunks = await collect(ScriptedEngine.from_data(SCRIPT), request("hello", max_tokens=2))
    assert "".join(c.text for c in chunks) == "Hi, I "
    assert chunks[-1].finish_reason == "length"


async def test_abort_stops_the_stream():
    engine = ScriptedEngine.from_data({"default": " ".join(["w"] * 100), "token_delay_ms": 1})
    chunks = []
    async for chunk in engine.generate(request("x")):
        chunks.append(chunk)
        if len(chunks) == 3:
            engine.abort("r1")
    assert chunks[-1].finish_reason == "cancelled"
    assert len(chunks) < 10


def test_from_file_yaml_and_json(tmp_path: Path):
    (tmp_path / "s.yaml").write_text("replies:\n  - pattern: hi\n    reply: yo\ndefault: no\n")
    (tmp_path / "s.json").write_text('{"default": "json"}')
    assert ScriptedEngine.from_file(tmp_path / "s.yaml").reply_for([ChatMessage("user", "hi")]) == "yo"
    assert ScriptedEngine.from_file(tmp_path / "s.json").reply_for([ChatMessage("user", "x")]) == "json"
    (tmp_path / "bad.yaml").write_text("replies:\n  - reply: no pattern\n")
    with pytest.raises(ConfigError, match="pattern"):
        ScriptedEngine.from_file(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError, match="cannot read"):
        ScriptedEngine.from_file(tmp_path / "missing.yaml")
