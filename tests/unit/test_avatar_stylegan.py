"""StyleGAN2 building blocks and the stylegan2-pytorch (rosinality) checkpoint loader."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from npcbridge.avatar.checkpoint import load_rosinality, rosinality_config
from npcbridge.avatar.generator import StyleGenerator
from npcbridge.avatar.stylegan import ModulatedConv2d, Upsample, upfirdn2d
from npcbridge.errors import ModelLoadError

SMALL = {4: 32, 8: 32, 16: 16, 32: 8}


def _reference_modconv(conv: ModulatedConv2d, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """The paper's formulation: a per-sample modulated, demodulated weight, as a grouped conv."""
    b, cin, h, w = x.shape
    s = conv.modulation(style)
    weight = conv.scale * conv.weight * s.view(b, 1, cin, 1, 1)
    if conv.demodulate:
        weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8).view(b, -1, 1, 1, 1)
    cout, k = weight.shape[1], weight.shape[-1]
    if conv.upsample:
        wt = weight.transpose(1, 2).reshape(b * cin, cout, k, k)
        out = F.conv_transpose2d(x.reshape(1, b * cin, h, w), wt, stride=2, groups=b)
        return conv.blur(out.view(b, cout, out.shape[-2], out.shape[-1]))
    out = F.conv2d(x.reshape(1, b * cin, h, w), weight.view(b * cout, cin, k, k), padding=k // 2, groups=b)
    return out.view(b, cout, h, w)


@pytest.mark.parametrize("upsample", [False, True])
@pytest.mark.parametrize("demodulate", [False, True])
def test_activation_modulation_equals_weight_modulation(upsample: bool, demodulate: bool) -> None:
    torch.manual_seed(0)
    conv = ModulatedConv2d(6, 5, 3, 16, demodulate=demodulate, upsample=upsample)
    x, style = torch.randn(3, 6, 8, 8), torch.randn(3, 16)
    torch.testing.assert_close(conv(x, style), _reference_modconv(conv, x, style), rtol=1e-4, atol=1e-5)


def test_upsample_doubles_and_keeps_a_flat_image_flat() -> None:
    out = Upsample()(torch.ones(1, 2, 8, 8))
    assert out.shape == (1, 2, 16, 16)
    torch.testing.assert_close(out[..., 2:-2, 2:-2], torch.ones(1, 2, 12, 12))
    assert upfirdn2d(torch.ones(1, 1, 5, 5), torch.ones(2, 2) / 4, pad=(1, 0)).shape == (1, 1, 5, 5)


def _studio_checkpoint(path: Path, seed: int = 0) -> StyleGenerator:
    torch.manual_seed(seed)
    g_ema = StyleGenerator(32, 24, 3, SMALL).eval()
    torch.save({"g_ema": g_ema.state_dict(), "g": g_ema.state_dict(), "args": argparse.Namespace(size=32)}, path)
    return g_ema


def test_rosinality_checkpoint_round_trips(tmp_path: Path) -> None:
    made = _studio_checkpoint(tmp_path / "550000.pt")
    # The layout's key names, as stylegan2-pytorch writes them.
    keys = set(made.state_dict())
    assert {"style.1.weight", "style.3.bias", "input.input", "conv1.conv.weight", "conv1.conv.modulation.weight",
            "conv1.noise.weight", "conv1.activate.bias", "to_rgb1.conv.weight", "to_rgb1.bias",
            "convs.0.conv.blur.kernel", "convs.5.activate.bias", "to_rgbs.2.upsample.kernel",
            "noises.noise_6"} <= keys
    loaded = load_rosinality(tmp_path / "550000.pt")
    assert rosinality_config(made.state_dict()) == {"size": 32, "style_dim": 24, "n_mlp": 3, "channels": SMALL}
    z = torch.randn(2, 24)
    with torch.no_grad():
        torch.testing.assert_close(loaded(z), made(z))
        w_avg = loaded.mean_latent(256)
        assert loaded(z, truncation=0.0, truncation_latent=w_avg).std(0).max() < 1e-5  # psi 0: the mean face


def test_bare_state_dict_loads_too(tmp_path: Path) -> None:
    torch.manual_seed(1)
    gen = StyleGenerator(16, 8, 2, {4: 8, 8: 8, 16: 4})
    torch.save(gen.state_dict(), tmp_path / "bare.pt")
    assert load_rosinality(tmp_path / "bare.pt").size == 16


def test_bad_checkpoints_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_rosinality(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError, match="cannot read"):
        load_rosinality(tmp_path / "junk.pt")
    torch.save({"d": {"x": torch.zeros(1)}}, tmp_path / "disc.pt")
    with pytest.raises(ModelLoadError, match="g_ema"):
        load_rosinality(tmp_path / "disc.pt")
    state = _studio_checkpoint(tmp_path / "ok.pt").state_dict()
    del state["conv1.noise.weight"]
    torch.save({"g_ema": state}, tmp_path / "broken.pt")
    with pytest.raises(ModelLoadError, match="do not fit"):
        load_rosinality(tmp_path / "broken.pt")
