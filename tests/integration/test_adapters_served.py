"""Characters with their own LoRA adapters on a real host (gRPC, the engine in its own
process): an adapter named by a character is served and changes the reply; unknown names
are NOT_FOUND, bad names INVALID_ARGUMENT; a malformed adapter fails its Say with
FAILED_PRECONDITION and the host keeps serving; ListAdapters shows what is loaded."""

from __future__ import annotations

import json
import time
from pathlib import Path

import grpc
import pytest
from npcbridge.bench.adapters import random_adapter
from npcbridge.testing import running_host

@pytest.fixture
def adapter_host(tiny_model_dir: Path, tmp_path: Path):
    adapters = tmp_path / "adapters"
    # Large random factors on every projection: enough to change a tiny model's greedy reply.
    random_adapter(str(tiny_model_dir), adapters / "quartermaster", rank=4, seed=1, scale=0.5)
    random_adapter(str(tiny_model_dir), adapters / "monk", rank=4, seed=2, scale=0.5)
    broken = adapters / "broken"
    broken.mkdir()
    (broken / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4}))
    (broken / "adapter_model.safetensors").write_bytes(b"not a tensor file")
    with running_host(backend="transformers", model=str(tiny_model_dir), tuning=False, moderation=False,
                      avatars=False, adapters_dir=str(adapters), max_context_tokens=512) as host:
        yield host


def reply(client, session_id: str) -> str:
    deltas, _ = client.say_text(session_id, "What do you sell?", max_tokens=12, temperature=0.0)
    return "".join(deltas)


def test_characters_speak_with_their_adapters(adapter_host) -> None:
    client = adapter_host.client()
    names = {a.name: a for a in client.list_adapters()}
    assert set(names) == {"quartermaster", "monk", "broken"} and names["monk"].rank == 4
    assert not any(a.loaded for a in names.values())
    plain = client.upsert_character(name="Magda", persona="A quartermaster.")
    tuned = client.upsert_character(name="Magda", persona="A quartermaster.", adapter="quartermaster")
    assert tuned.adapter == "quartermaster" and client.get_character(tuned.id).adapter == "quartermaster"
    base_reply = reply(client, client.create_session(plain.id, "p1").id)
    adapter_reply = reply(client, client.create_session(tuned.id, "p1").id)
    assert adapter_reply != base_reply  # same prompt, same greedy decoding: only the adapter differs
    assert reply(client, client.create_session(tuned.id, "p2").id) == adapter_reply
    assert reply(client, client.create_session(plain.id, "p2").id) == base_reply  # no adapter K/V reused
    deadline = time.monotonic() + 10  # the engine reports what it holds about every second
    while {a.name for a in client.list_adapters() if a.loaded} != {"quartermaster"}:
        assert time.monotonic() < deadline, "the adapter in use never showed as loaded"
        time.sleep(0.2)


def test_unknown_bad_and_broken_adapters_fail_clearly_and_the_host_keeps_serving(adapter_host) -> None:
    client = adapter_host.client()
    with pytest.raises(grpc.RpcError) as missing:
        client.upsert_character(name="Nobody", adapter="no-such-adapter")
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND and "ListAdapters" in missing.value.details()
    with pytest.raises(grpc.RpcError) as path:
        client.upsert_character(name="Sneaky", adapter="../../etc")
    assert path.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    broken = client.upsert_character(name="Broken", adapter="broken")
    with pytest.raises(grpc.RpcError) as failed:
        reply(client, client.create_session(broken.id, "p").id)
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "broken" in failed.value.details() and "unreadable" in failed.value.details()
    fine = client.upsert_character(name="Brother Ash", adapter="monk")
    assert reply(client, client.create_session(fine.id, "p").id)
    assert len(client.list_characters()) == 2  # nothing stored was lost; the refused one was never stored
