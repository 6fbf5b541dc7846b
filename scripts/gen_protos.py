"""Regenerate the Python gRPC stubs from protos/ (one script for the contract).

    python scripts/gen_protos.py            # rewrite python_runtime/npcbridge/_proto
    python scripts/gen_protos.py --check    # exit 1 when committed stubs drift

The generated modules import each other as ``npcbridge.v1.x_pb2``; they live
inside the ``npcbridge._proto`` package, so those imports are rewritten to
relative ones. Everything else is grpcio-tools' output, untouched.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = ROOT / "protos"
OUT_DIR = ROOT / "python_runtime" / "npcbridge" / "_proto"
_IMPORT = re.compile(r"^from npcbridge\.v1 import (\w+) as (\w+)$", re.MULTILINE)


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on every .proto under protos/ and write the stubs to out_dir."""
    from grpc_tools import protoc  # dev dependency: only this script needs it

    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        args = ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={tmp}",
                f"--pyi_out={tmp}", f"--grpc_python_out={tmp}", *protos]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed; see the messages above")
        written = []
        for src in sorted(Path(tmp).rglob("*.py*")):
            rel = src.relative_to(Path(tmp) / "npcbridge" / "v1")
            dst = out_dir / "v1" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(_IMPORT.sub(r"from . import \1 as \2", src.read_text()))
            written.append(dst)
    for pkg in (out_dir, out_dir / "v1"):
        init = pkg / "__init__.py"
        init.write_text('"""Generated gRPC stubs; regenerate with scripts/gen_protos.py."""\n')
        written.append(init)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when stubs are stale")
    args = parser.parse_args()
    if not args.check:
        shutil.rmtree(OUT_DIR, ignore_errors=True)
        for path in generate(OUT_DIR):
            print(path.relative_to(ROOT))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        stale = [p.relative_to(tmp) for p in fresh
                 if not (OUT_DIR / p.relative_to(tmp)).exists()
                 or not filecmp.cmp(p, OUT_DIR / p.relative_to(tmp), shallow=False)]
    if stale:
        print("stale stubs (run python scripts/gen_protos.py):", *stale, sep="\n  ")
        return 1
    print("stubs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
