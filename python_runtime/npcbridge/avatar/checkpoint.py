"""Checkpoint files: the built-in model's own format, and studio StyleGAN2
checkpoints in the ``stylegan2-pytorch`` (rosinality) layout.

Both load with ``torch.load(weights_only=True)``: a checkpoint cannot run code.
"""

from __future__ import annotations

import argparse
import re
from importlib import resources
from pathlib import Path

import torch

from npcbridge.avatar.attributes import ATTRIBUTE_NAMES, ATTRIBUTES
from npcbridge.avatar.classifier import AttributeClassifier
from npcbridge.avatar.decoder import PortraitDecoder
from npcbridge.avatar.generator import ConditionalGenerator, StyleGenerator
from npcbridge.avatar.shape import FACE_PARAMS
from npcbridge.errors import ModelLoadError

FORMAT = "npcbridge-avatar-v1"


def builtin_path(name: str) -> Path:
    """A file shipped in ``npcbridge/avatar/data``."""
    return Path(str(resources.files("npcbridge.avatar") / "data" / name))


def _half(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # fp16 on disk halves the size; weights are cast back to fp32 on load.
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def _load(path: Path) -> dict:
    if not path.is_file():
        raise ModelLoadError(f"avatar checkpoint {path} does not exist")
    try:
        # rosinality's training script stores its argparse options beside the weights.
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a bad file
        raise ModelLoadError(f"cannot read avatar checkpoint {path}: {exc}") from exc


def save_generator(gen: ConditionalGenerator | PortraitDecoder, path: Path) -> None:
    """Write the built-in format: config, vocabulary and fp16 weights."""
    torch.save({"format": FORMAT, "config": gen.config(), "attributes": {k: list(v) for k, v in ATTRIBUTES.items()},
                "face_params": list(FACE_PARAMS), "state_dict": _half(gen.state_dict())}, path)


def load_generator(path: Path) -> ConditionalGenerator | PortraitDecoder:
    """Load a built-in-format generator (fp32, eval mode)."""
    return _builtin_from(_load(path), path)


def load_any_generator(path: Path) -> ConditionalGenerator | PortraitDecoder | StyleGenerator:
    """One read of ``path``: a built-in-format generator, else a stylegan2-pytorch one."""
    ckpt = _load(path)
    if isinstance(ckpt, dict) and ckpt.get("format") == FORMAT:
        return _builtin_from(ckpt, path)
    return _rosinality_from(ckpt, path)


def _builtin_from(ckpt: dict, path: Path) -> ConditionalGenerator | PortraitDecoder:
    if ckpt.get("format") != FORMAT:
        raise ModelLoadError(f"{path} is not an npcbridge avatar checkpoint (format {ckpt.get('format')!r})")
    if list(ckpt["attributes"]) != list(ATTRIBUTE_NAMES) or list(ckpt["face_params"]) != list(FACE_PARAMS):
        raise ModelLoadError(f"{path} was trained for a different attribute vocabulary; retrain it with "
                             "`npcbridge avatar train`")
    cfg = dict(ckpt["config"])
    cfg["channels"] = {int(k): int(v) for k, v in cfg["channels"].items()}
    arch = cfg.pop("arch", "stylegan2")
    gen: ConditionalGenerator | PortraitDecoder = PortraitDecoder(**cfg) if arch == "decoder" else \
        ConditionalGenerator(**cfg)
    gen.load_state_dict({k: v.float() for k, v in ckpt["state_dict"].items()})
    return gen.eval()


def save_classifier(clf: AttributeClassifier, path: Path) -> None:
    torch.save({"format": FORMAT + "-classifier", "config": clf.config(), "state_dict": _half(clf.state_dict())},
               path)


def load_classifier(path: Path) -> AttributeClassifier:
    ckpt = _load(path)
    clf = AttributeClassifier(**ckpt["config"])
    clf.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()})
    return clf.eval()


def rosinality_config(state: dict[str, torch.Tensor]) -> dict[str, object]:
    """Infer ``size``, ``style_dim``, ``n_mlp`` and channel widths from ``g_ema`` weights."""
    try:
        mlp = sorted(int(m.group(1)) for k in state if (m := re.fullmatch(r"style\.(\d+)\.weight", k)))
        style_dim = int(state["style.1.weight"].shape[0])
        n_rgbs = len({m.group(1) for k in state if (m := re.fullmatch(r"to_rgbs\.(\d+)\.conv\.weight", k))})
        channels = {4: int(state["input.input"].shape[1])}
        for i in range(n_rgbs):
            channels[2 ** (i + 3)] = int(state[f"convs.{2 * i}.conv.weight"].shape[1])
    except KeyError as exc:
        raise ModelLoadError(f"not a stylegan2-pytorch generator: missing {exc}") from exc
    return {"size": 2 ** (n_rgbs + 2), "style_dim": style_dim, "n_mlp": len(mlp), "channels": channels}


def load_rosinality(path: Path) -> StyleGenerator:
    """Load the ``g_ema`` generator of a ``stylegan2-pytorch`` checkpoint
    (``{"g_ema": state_dict, ...}``, or a bare state dict)."""
    return _rosinality_from(_load(path), path)


def _rosinality_from(ckpt: object, path: Path) -> StyleGenerator:
    state = ckpt.get("g_ema", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or "input.input" not in state:
        raise ModelLoadError(f"{path} has no stylegan2-pytorch `g_ema` generator weights")
    cfg = rosinality_config(state)
    gen = StyleGenerator(**cfg)  # type: ignore[arg-type]
    try:
        gen.load_state_dict({k: v.float() for k, v in state.items()})
    except RuntimeError as exc:
        raise ModelLoadError(f"{path}: weights do not fit a StyleGAN2 generator of {cfg}: {exc}") from exc
    return gen.eval()
