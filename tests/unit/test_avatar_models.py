"""The built-in avatar model: determinism, batching, PNG output and the spec."""

from __future__ import annotations

import io

import pytest
import torch
from npcbridge.avatar.attributes import ATTRIBUTE_NAMES, complete_attributes
from npcbridge.avatar.models import AvatarJob, BuiltinAvatarModel, fixed_size_passes
from npcbridge.avatar.shape import LATENT_DIM, shape_from_latent
from PIL import Image

ARKIT = {"jawOpen", "browInnerUp", "cheekPuff", "mouthSmileLeft", "mouthSmileRight", "eyeWideLeft", "eyeWideRight"}


@pytest.fixture(scope="module")
def model() -> BuiltinAvatarModel:
    return BuiltinAvatarModel.load(None, torch.device("cpu"), torch.float32, pass_size=8)


def job(seed: int, truncation: float = 0.8, **pinned: str) -> AvatarJob:
    return AvatarJob(seed, tuple(sorted(complete_attributes(pinned, seed).items())), truncation)


def test_same_job_gives_byte_identical_png(model: BuiltinAvatarModel) -> None:
    a, b = model.generate([job(7)])[0], model.generate([job(7)])[0]
    assert a.png == b.png and a.id == b.id and a.latent == b.latent
    assert model.generate([job(8)])[0].png != a.png


def test_batched_equals_one_by_one(model: BuiltinAvatarModel) -> None:
    jobs = [job(s) for s in range(11)]  # two passes: 8 + a padded 3
    batched = model.generate(jobs)
    single = [model.generate([j])[0] for j in jobs]
    assert [r.png for r in batched] == [r.png for r in single]
    shuffled = model.generate(jobs[::-1])
    assert [r.png for r in shuffled] == [r.png for r in batched[::-1]]


def test_png_is_valid_and_sized(model: BuiltinAvatarModel) -> None:
    result = model.generate([job(3)])[0]
    image = Image.open(io.BytesIO(result.png))
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.size == (result.width, result.height) == (model.size, model.size)
    assert model.size >= 64


def test_spec_echoes_attributes_colours_and_morph_targets(model: BuiltinAvatarModel) -> None:
    result = model.generate([job(5, species="elf", hair_color="red")])[0]
    assert result.attributes["species"] == "elf" and result.attributes["hair_color"] == "red"
    assert set(result.attributes) == set(ATTRIBUTE_NAMES)
    assert result.colors["hair"] == "#b0361f"
    assert ARKIT <= set(result.morph_targets)
    assert all(0.0 <= v <= 1.0 for v in result.morph_targets.values())
    assert result.morph_targets["earPoint"] == 1.0  # elves
    assert len(result.latent) == LATENT_DIM


def test_truncation_scales_the_latent_toward_the_average_face(model: BuiltinAvatarModel) -> None:
    full, none = model.generate([job(4, 1.0), job(4, 0.0)])
    assert all(v == 0.0 for v in none.latent)
    assert all(v == 0.5 for v in shape_from_latent(none.latent).values())
    assert full.latent != none.latent and full.id != none.id


def test_fixed_size_passes_pads_and_trims() -> None:
    calls: list[int] = []

    def fn(x: torch.Tensor) -> torch.Tensor:
        calls.append(x.shape[0])
        return x * 2

    out = fixed_size_passes(fn, [torch.arange(5.0)], 4)
    assert calls == [4, 4] and out.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
