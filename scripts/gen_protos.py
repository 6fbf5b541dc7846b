"""Regenerate everything that mirrors the contract in protos/ (one script for it).

    python scripts/gen_protos.py            # rewrite every generated file
    python scripts/gen_protos.py --check    # exit 1 when a committed file is stale

What it writes:
- the Python gRPC stubs in python_runtime/npcbridge/_proto (grpcio-tools; their
  ``npcbridge.v1.x_pb2`` imports are rewritten to relative ones);
- the Unity package's C# data classes (unity_plugin/Runtime/Client/Contract.g.cs);
- the C++ client's plain structs (native_client/include/npcbridge/contract.hpp) and
  their proto <-> struct conversions, UTF-8 checks and JSON (native_client/src/contract_convert_*.cpp);
- the Unreal plugin's USTRUCTs/UENUMs (Public/NpcBridgeContract.h) and their
  conversions to and from the C++ structs (Private/NpcBridgeContractConvert.h).
The C++ protobuf/gRPC classes themselves are made by protoc when CMake builds.
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
sys.path.insert(0, str(ROOT / "scripts"))
PROTO_ROOT = ROOT / "protos"
OUT_DIR = ROOT / "python_runtime" / "npcbridge" / "_proto"
UNREAL = "unreal_plugin/NpcBridge/Source/NpcBridge"


def mirrors(proto_root: Path = PROTO_ROOT) -> dict[str, str]:
    """Every generated mirror of the contract: repository path -> content."""
    from contractgen import cpp, csharp, unreal
    from contractgen.model import load

    contract = load(proto_root)
    return {
        "unity_plugin/Runtime/Client/Contract.g.cs": csharp.generate(contract),
        "native_client/include/npcbridge/contract.hpp": cpp.header(contract),
        "native_client/include/npcbridge/contract_json.hpp": cpp.json_header(contract),
        "native_client/src/contract_convert.hpp": cpp.convert_header(contract),
        **{f"native_client/src/contract_convert_{name}.cpp": text for name, text in cpp.sources(contract).items()},
        f"{UNREAL}/Public/NpcBridgeContract.h": unreal.header(contract),
        f"{UNREAL}/Private/NpcBridgeContractConvert.h": unreal.convert(contract),
    }
_IMPORT = re.compile(r"^from npcbridge\.v1 import (\w+) as (\w+)$", re.MULTILINE)


def generate(out_dir: Path, proto_root: Path = PROTO_ROOT) -> list[Path]:
    """Run protoc on every .proto under ``proto_root`` and write the Python stubs to out_dir."""
    from grpc_tools import protoc  # dev dependency: only this script needs it

    protos = sorted(str(p.relative_to(proto_root)) for p in proto_root.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        args = ["protoc", f"-I{proto_root}", f"-I{include}", f"--python_out={tmp}",
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
    generated = mirrors()
    if not args.check:
        shutil.rmtree(OUT_DIR, ignore_errors=True)
        for path in generate(OUT_DIR):
            print(path.relative_to(ROOT))
        for rel, text in generated.items():
            (ROOT / rel).write_text(text, encoding="utf-8")
            print(rel)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        stale = [str(OUT_DIR.relative_to(ROOT) / p.relative_to(tmp)) for p in fresh
                 if not (OUT_DIR / p.relative_to(tmp)).exists()
                 or not filecmp.cmp(p, OUT_DIR / p.relative_to(tmp), shallow=False)]
    stale += [rel for rel, text in generated.items()
              if not (ROOT / rel).exists() or (ROOT / rel).read_text(encoding="utf-8") != text]
    if stale:
        print("stale generated files (run python scripts/gen_protos.py):", *stale, sep="\n  ")
        return 1
    print("generated files are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
