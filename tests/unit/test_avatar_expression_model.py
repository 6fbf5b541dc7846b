"""The built-in model with expressions: the expression's index reaches the generator as one
more label, identity stays with the seed, and the spec carries the expression's weights
(tiny untrained generators; the shipped one is checked over gRPC and by `eval avatars`)."""

from __future__ import annotations

import io

import pytest
import torch
from npcbridge.avatar.adversarial import LABEL_SIZES
from npcbridge.avatar.attributes import complete_attributes
from npcbridge.avatar.checkpoint import load_generator, save_generator
from npcbridge.avatar.decoder import PortraitDecoder
from npcbridge.avatar.expressions import EXPRESSIONS
from npcbridge.avatar.generator import ConditionalGenerator
from npcbridge.avatar.models import AvatarJob, BuiltinAvatarModel
from npcbridge.avatar.montage import as_array, montage_png
from npcbridge.avatar.shape import LATENT_DIM
from npcbridge.avatar.training import ATTRIBUTE_SIZES
from PIL import Image

TINY = {4: 16, 8: 16, 16: 8}


def tiny_model(label_sizes: list[int]) -> BuiltinAvatarModel:
    """A tiny portrait decoder (the shipped architecture) with expressions; without the
    expression label, a tiny StyleGAN2-style generator like the earlier built-in one."""
    torch.manual_seed(0)
    gen = PortraitDecoder(16, LATENT_DIM, label_sizes, hidden=32, channels=TINY) \
        if len(label_sizes) == len(LABEL_SIZES) else \
        ConditionalGenerator(16, LATENT_DIM, label_sizes, style_dim=32, n_mlp=2, channels=TINY)
    return BuiltinAvatarModel(gen, torch.device("cpu"), torch.float32, pass_size=4)


def job(seed: int, expression: str = "neutral") -> AvatarJob:
    return AvatarJob(seed, tuple(sorted(complete_attributes({}, seed).items())), 0.8, expression)


def test_an_expression_model_renders_each_expression_of_one_identity() -> None:
    model = tiny_model(list(LABEL_SIZES))
    assert model.expressions == EXPRESSIONS and model.name == "npcbridge-portraits-16"
    neutral, happy = model.generate([job(3), job(3, "happy")])
    assert neutral.png != happy.png and neutral.id != happy.id
    assert neutral.latent == happy.latent and neutral.attributes == happy.attributes  # same identity
    assert (neutral.expression, happy.expression) == ("neutral", "happy")
    assert happy.morph_targets["mouthSmileLeft"] == happy.morph_targets["mouthSmileRight"] == 0.9
    assert happy.morph_targets["mouthFrownLeft"] == 0.0 and "earPoint" in happy.morph_targets
    angry = model.generate([job(3, "angry")])[0]
    assert angry.morph_targets["browDownLeft"] == 0.9 and angry.morph_targets["browInnerUp"] == 0.0
    assert all(0.0 <= v <= 1.0 for v in angry.morph_targets.values())
    assert model.generate([job(3, "happy")])[0].png == happy.png  # reproducible


def test_a_model_without_the_expression_label_is_neutral_only() -> None:
    model = tiny_model(ATTRIBUTE_SIZES)
    assert model.expressions == ()
    assert model.generate([job(1)])[0].expression == "neutral"


def test_an_expression_generator_round_trips_its_checkpoint(tmp_path) -> None:
    model = tiny_model(list(LABEL_SIZES))
    save_generator(model.gen, tmp_path / "g.pt")
    again = BuiltinAvatarModel(load_generator(tmp_path / "g.pt"), torch.device("cpu"), torch.float32, pass_size=4)
    assert again.expressions == EXPRESSIONS and isinstance(again.gen, PortraitDecoder)
    a, b = (as_array(m.generate([job(2, "sad")])[0].png).astype(int) for m in (again, model))
    assert abs(a - b).max() <= 4  # weights are stored in fp16
    with pytest.raises(ValueError, match="power of two"):
        PortraitDecoder(24, LATENT_DIM, LABEL_SIZES)


def test_a_montage_lays_portraits_out_in_a_grid() -> None:
    model = tiny_model(list(LABEL_SIZES))
    rows = [[r.png for r in model.generate([job(s, e) for e in ("neutral", "sad", "afraid")])] for s in (1, 2)]
    sheet = Image.open(io.BytesIO(montage_png(rows, ["neutral", "sad", "afraid"], ["a", "b"])))
    assert sheet.width > 3 * 16 and sheet.height > 2 * 16
    first = as_array(rows[0][0])
    assert first.shape == (16, 16, 3)
    with pytest.raises(ValueError, match="at least one portrait"):
        montage_png([])
