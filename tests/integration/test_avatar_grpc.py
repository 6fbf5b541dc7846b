"""Avatars over real gRPC: the built-in model, a studio StyleGAN2 checkpoint,
bad input, and the CLI."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
import torch
from npcbridge.avatar.generator import StyleGenerator
from npcbridge.testing import running_host
from PIL import Image


@pytest.fixture(scope="module")
def host():
    with running_host(moderation_classifier=False) as h:
        yield h


@pytest.fixture(scope="module")
def client(host):
    with host.client() as c:
        yield c


def test_capability_and_model_are_reported(client) -> None:
    info = client.info()
    assert info.capabilities.avatars
    assert any(m.kind == "avatar" for m in info.models)
    assert info.limits.max_avatar_count == 16


def test_list_attributes(client) -> None:
    attrs = client.list_attributes()
    assert attrs["species"] == ["human", "elf", "dwarf", "orc"]
    assert {"skin_tone", "hair_style", "hair_color", "eye_color", "facial_hair", "accessory"} <= set(attrs)


def test_expressions_render_one_identity_with_rig_weights(client) -> None:
    expressions = client.list_expressions()
    assert list(expressions) == ["neutral", "happy", "sad", "angry", "afraid", "surprised", "disgusted"]
    assert expressions["neutral"] == {} and expressions["surprised"]["jawOpen"] > 0.5
    faces = {e: client.avatar_list(attributes={"species": "elf"}, seed=21, expression=e)[0]
             for e in ("neutral", "happy", "angry")}
    assert len({a.png for a in faces.values()}) == 3  # each expression its own portrait
    assert len({tuple(a.latent) for a in faces.values()}) == 1  # of one identity
    assert {a.spec.attributes["hair_color"] for a in faces.values()} == {faces["neutral"].spec.attributes["hair_color"]}
    assert [a.spec.expression for a in faces.values()] == ["neutral", "happy", "angry"]
    assert faces["happy"].spec.morph_targets["mouthSmileLeft"] == pytest.approx(0.9)
    assert faces["angry"].spec.morph_targets["browDownLeft"] == pytest.approx(0.9)
    assert faces["neutral"].spec.morph_targets["earPoint"] == faces["angry"].spec.morph_targets["earPoint"] == 1.0


def test_generate_streams_progress_then_avatars(client) -> None:
    events = list(client.generate_avatars(attributes={"species": "dwarf"}, count=3, seed=40))
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds == ["progress", "progress", "avatar", "progress", "avatar", "progress", "avatar"]
    avatars = [e.avatar for e in events if e.WhichOneof("event") == "avatar"]
    assert [a.seed for a in avatars] == [40, 41, 42]
    for a in avatars:
        assert a.spec.attributes["species"] == "dwarf"
        assert set(a.spec.colors) == {"skin", "hair", "eyes"} and "jawOpen" in a.spec.morph_targets
        image = Image.open(io.BytesIO(a.png))
        assert image.size == (a.width, a.height) and a.width >= 64
    assert events[-2].progress.completed == 3 and events[-2].progress.total == 3


def test_same_request_and_seed_give_identical_bytes(client) -> None:
    request = {"description": "a red-haired elf with green eyes", "seed": 7, "count": 2}
    first, second = client.avatar_list(**request), client.avatar_list(**request)
    assert [a.png for a in first] == [a.png for a in second] and [a.id for a in first] == [a.id for a in second]
    assert first[0].spec.attributes["hair_color"] == "red" and first[0].spec.attributes["eye_color"] == "green"


def test_concurrent_requests_equal_one_by_one(client) -> None:
    seeds = list(range(100, 112))
    alone = [client.avatar_list(seed=s)[0].png for s in seeds]
    with ThreadPoolExecutor(12) as pool:
        together = list(pool.map(lambda s: client.avatar_list(seed=s)[0].png, seeds))
    assert together == alone


@pytest.mark.parametrize(("request_", "needle"), [
    ({"attributes": {"wings": "two"}}, "valid attributes: species, skin_tone"),
    ({"attributes": {"hair_color": "plaid"}}, "valid values: black, brown, blonde, red, white, blue"),
    ({"count": 17}, "ask for 1 to 16"),
    ({"truncation": 2.0}, "use a value in [0, 1]"),
    ({"expression": "smug"}, "valid expressions: neutral, happy, sad, angry, afraid, surprised, disgusted"),
])
def test_bad_input_is_invalid_argument_and_the_host_keeps_serving(client, request_, needle) -> None:
    with pytest.raises(grpc.RpcError) as err:
        client.avatar_list(**request_)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and needle in err.value.details()
    assert len(client.avatar_list(seed=1)) == 1


def test_avatars_can_be_switched_off() -> None:
    with running_host(avatars=False, moderation=False) as h, h.client() as c:
        assert not c.info().capabilities.avatars
        with pytest.raises(grpc.RpcError) as err:
            c.list_attributes()
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_studio_stylegan2_checkpoint_is_served(tmp_path: Path) -> None:
    torch.manual_seed(3)
    g_ema = StyleGenerator(32, 32, 2, {4: 32, 8: 32, 16: 16, 32: 8})
    path = tmp_path / "studio-faces.pt"
    torch.save({"g_ema": g_ema.state_dict(), "args": argparse.Namespace(size=32)}, path)
    with running_host(avatar_model=str(path), moderation=False) as h, h.client() as c:
        assert c.list_attributes() == {} and c.list_expressions() == {}
        with pytest.raises(grpc.RpcError) as err:
            c.avatar_list(expression="happy")
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "renders no expressions" in err.value.details()
        a = c.avatar_list(seed=5, count=2)
        assert [x.seed for x in a] == [5, 6] and a[0].width == 32 and len(a[0].latent) == 32
        assert Image.open(io.BytesIO(a[0].png)).size == (32, 32)
        assert c.avatar_list(seed=5)[0].png == a[0].png
        with pytest.raises(grpc.RpcError) as err:
            c.avatar_list(attributes={"species": "elf"})
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "takes no attributes" in err.value.details()


def test_cli_writes_reproducible_pngs(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "npcbridge.cli", "avatar", *args], capture_output=True,
                              text=True, timeout=120, check=False)

    done = run("--describe", "a bearded dwarf", "--seed", "7", "-o", str(tmp_path / "a.png"),
               "--spec", str(tmp_path / "a.json"))
    assert done.returncode == 0, done.stderr
    assert run("--describe", "a bearded dwarf", "--seed", "7", "-o", str(tmp_path / "b.png")).returncode == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert '"species": "dwarf"' in (tmp_path / "a.json").read_text()
    many = run("--attr", "species=orc", "--count", "2", "--seed", "1", "-o", str(tmp_path / "orc.png"))
    assert many.returncode == 0 and (tmp_path / "orc-0.png").exists() and (tmp_path / "orc-1.png").exists()
    bad = run("--attr", "species=dragon")
    assert bad.returncode == 1 and "valid values" in bad.stderr
    grid = run("--count", "2", "--seed", "3", "--expression", "all", "--montage", str(tmp_path / "grid.png"),
               "--spec", str(tmp_path / "grid.json"))
    assert grid.returncode == 0, grid.stderr
    sheet = Image.open(tmp_path / "grid.png")
    assert sheet.width > 7 * 128 and 2 * 128 < sheet.height < 3 * 128  # 2 rows x 7 expressions
    assert (tmp_path / "grid.json").read_text().count('"expression": "disgusted"') == 2
    bad = run("--expression", "smug")
    assert bad.returncode == 1 and "valid expressions" in bad.stderr
