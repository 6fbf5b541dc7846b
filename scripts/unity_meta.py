"""Write the .meta files Unity needs for every file and folder of the UPM
package (immutable git-URL packages cannot generate their own). GUIDs are
derived from the path, so rerunning changes nothing.

    python scripts/unity_meta.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "unity_plugin"
SKIP = {"build", "Plugins"}  # Plugins/: built libraries, not part of the package


def guid(rel: str) -> str:
    return hashlib.md5(f"com.npcbridge.unity/{rel}".encode()).hexdigest()


def main() -> None:
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT).as_posix()
        parts = rel.split("/")
        # Folders ending in "~" (Samples~) are not imported; neither are .meta files themselves.
        if path.suffix == ".meta" or parts[0] in SKIP or any(p.endswith("~") for p in parts):
            continue
        meta = path.with_name(path.name + ".meta")
        if meta.exists():
            continue
        body = f"fileFormatVersion: 2\nguid: {guid(rel)}\n"
        body += "folderAsset: yes\nDefaultImporter:\n  externalObjects: {}\n" if path.is_dir() else ""
        meta.write_text(body)


if __name__ == "__main__":
    main()
