"""Device and dtype choice: CUDA with bf16 when present, CPU with fp32 otherwise."""

from __future__ import annotations

import torch

from npcbridge.errors import ConfigError

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def select_device(preference: str = "auto") -> torch.device:
    """Resolve ``auto``/``cpu``/``cuda``/``cuda:N`` to a device that exists here."""
    if preference == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(preference)
    except RuntimeError as exc:
        raise ConfigError(f"unknown device {preference!r}: use auto, cpu, cuda or cuda:N") from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {preference!r} asked for, but CUDA is not available; use --device cpu")
        index = device.index or 0
        if index >= torch.cuda.device_count():
            raise ConfigError(f"device {preference!r} does not exist: {torch.cuda.device_count()} CUDA device(s)")
        return torch.device("cuda", index)
    return device


def select_dtype(preference: str, device: torch.device) -> torch.dtype:
    """``auto`` is bf16 on CUDA (when supported) and fp32 on CPU."""
    if preference != "auto":
        return _DTYPES[preference]
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    """"torch.bfloat16" -> "bfloat16"."""
    return str(dtype).removeprefix("torch.")
