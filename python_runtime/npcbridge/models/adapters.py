"""The host's adapters folder: LoRA adapters characters speak with, by name.

A client names an adapter (``Character.adapter``), never a path: the name is one
folder of ``--adapters-dir`` holding a peft LoRA adapter (``adapter_config.json``
and its weights), as ``npcbridge finetune dialogue`` writes one or peft saves one
anywhere else. The engine loads the weights on first use (:mod:`npcbridge.engine.lora_bank`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from npcbridge.errors import InvalidArgument, NotFound

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


@dataclass
class AdapterInfo:
    """One adapter of the folder, as ListAdapters reports it."""

    name: str
    path: Path
    base_model: str = ""
    rank: int = 0
    size_bytes: int = 0
    loaded: bool = False


def check_adapter_name(name: str) -> None:
    """Refuses a name that is not a plain folder name (no paths from clients)."""
    if not _NAME.match(name):
        raise InvalidArgument(f"adapter name {name[:80]!r} is not valid: use 1-64 letters, digits, '_' or '-', "
                              "starting with a letter or digit (the name of a folder in the host's adapters folder)")


class AdapterFolder:
    """Adapters in ``root``, one folder each."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def list(self) -> list[AdapterInfo]:
        """Every folder with an ``adapter_config.json``, by name (an unreadable config still lists, rank 0)."""
        if not self.root.is_dir():
            return []
        return [self._info(d) for d in sorted(self.root.iterdir())
                if d.is_dir() and _NAME.match(d.name) and (d / "adapter_config.json").exists()]

    def listing(self, loaded: set[str]) -> list[AdapterInfo]:
        """:meth:`list`, each marked loaded when its folder is in ``loaded`` (the engine's)."""
        infos = self.list()
        for info in infos:
            info.loaded = str(info.path) in loaded
        return infos

    def resolve(self, name: str) -> AdapterInfo:
        """The adapter called ``name``; NOT_FOUND when the folder has none."""
        check_adapter_name(name)
        folder = self.root / name
        if not (folder / "adapter_config.json").exists():
            raise NotFound(f"no adapter named {name!r} on this host (ListAdapters shows the ones it has; "
                           "`npcbridge finetune dialogue` makes one)")
        return self._info(folder)

    @staticmethod
    def _info(folder: Path) -> AdapterInfo:
        size = sum((folder / w).stat().st_size for w in _WEIGHTS if (folder / w).exists())
        try:
            config = json.loads((folder / "adapter_config.json").read_text())
            return AdapterInfo(folder.name, folder, str(config.get("base_model_name_or_path") or ""),
                               int(config.get("r") or 0), size)
        except (OSError, ValueError, TypeError):
            return AdapterInfo(folder.name, folder, size_bytes=size)


def adapter_path(folder: AdapterFolder | None, name: str) -> str:
    """The folder the engine loads for a character's ``adapter`` ("" for none); NOT_FOUND if unknown."""
    if not name:
        return ""
    if folder is None:
        check_adapter_name(name)
        raise NotFound(f"no adapter named {name!r}: this host serves no adapters")
    return str(folder.resolve(name).path)
