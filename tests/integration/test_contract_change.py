"""One new field in a .proto and one run of the generator is all it takes: the field
reaches the Python stubs, the C++ structs with their conversions and JSON, the C#
data classes and the Unreal USTRUCT. Builds the native library and the C# from a
temporary copy of the contract with ``string mood = 99;`` added to Character."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELD = "  // How the character feels right now.\n  string mood = 99;\n"


def _gen_protos():
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> Path:
    """A copy of what the generator reads and writes, regenerated after adding the field."""
    tmp = tmp_path_factory.mktemp("contract-change")
    shutil.copytree(ROOT / "protos", tmp / "protos")
    dialogue = tmp / "protos" / "npcbridge" / "v1" / "dialogue.proto"
    text = dialogue.read_text()
    anchor = "  repeated string deflections = 9;\n"
    assert anchor in text
    dialogue.write_text(text.replace(anchor, anchor + FIELD))
    for part in ("native_client", "unity_plugin/Runtime/Client", "unity_plugin/Runtime/Native"):
        shutil.copytree(ROOT / part, tmp / part, ignore=shutil.ignore_patterns("build*", "*.meta"))
    (tmp / "unreal_plugin/NpcBridge/Source/NpcBridge/Public").mkdir(parents=True)
    (tmp / "unreal_plugin/NpcBridge/Source/NpcBridge/Private").mkdir(parents=True)
    gen = _gen_protos()
    for rel, content in gen.mirrors(tmp / "protos").items():
        (tmp / rel).write_text(content, encoding="utf-8")
    gen.generate(tmp / "python_proto", tmp / "protos")
    return tmp


def test_python_stubs_have_the_field(changed):
    pb2 = changed / "python_proto" / "v1" / "dialogue_pb2.py"
    assert b"mood" in pb2.read_bytes()


def test_unreal_struct_and_conversions_have_the_field(changed):
    unreal = changed / "unreal_plugin/NpcBridge/Source/NpcBridge"
    header = (unreal / "Public/NpcBridgeContract.h").read_text()
    convert = (unreal / "Private/NpcBridgeContractConvert.h").read_text()
    character = header[header.index("struct NPCBRIDGE_API FNpcCharacter\n"):]
    character = character[:character.index("};")]
    assert 'ToolTip = "How the character feels right now.")) FString Mood;' in character
    assert "Out.Mood = FNpcBridgeConvert::Str(In.mood);" in convert
    assert "Out.mood = FNpcBridgeConvert::Utf8(In.Mood);" in convert


def _run(args: list[str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


CPP_MAIN = r"""
#include <cstdio>
#include "npcbridge/contract_json.hpp"
int main() {
  npcbridge::Character c;
  c.name = "Wren";
  c.mood = "grim";
  const std::string json = npcbridge::ToJson(c);  // through the generated ToProto
  npcbridge::Character back;
  npcbridge::Status s = npcbridge::FromJson(json, &back);
  std::printf("%s\n%s\n", json.c_str(), s.ok() && back.mood == "grim" ? "ROUND TRIP OK" : "ROUND TRIP FAILED");
  return 0;
}
"""


@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("protoc") is None,
                    reason="needs the native build's Debian packages (scripts/test.sh installs them)")
def test_cpp_builds_and_carries_the_field(changed):
    build = changed / "native_client" / "build-contract"
    _run(["cmake", "-S", "native_client", "-B", str(build), "-DNPCB_BUILD_TESTS=OFF",
          "-DCMAKE_BUILD_TYPE=Release"], changed)
    _run(["cmake", "--build", str(build), "--target", "npcbridge", "-j", str(os.cpu_count() or 2)], changed)
    (changed / "main.cpp").write_text(CPP_MAIN)
    _run(["g++", "-std=c++17", "main.cpp", f"-I{changed / 'native_client/include'}", f"-L{build}", "-lnpcbridge",
          f"-Wl,-rpath,{build}", "-o", "mood"], changed)
    out = _run([str(changed / "mood")], changed)
    assert '"mood":"grim"' in out and "ROUND TRIP OK" in out


CS_MAIN = """
using System;
namespace NpcBridge {
  static class MoodCheck {
    static void Main() {
      var c = Json.Parse<Character>("{\\"name\\": \\"Wren\\", \\"mood\\": \\"grim\\"}");
      Console.WriteLine(c.Mood == "grim" ? "PARSED OK" : "PARSE FAILED");
      Console.WriteLine(Json.Write(new Character { Name = "Wren", Mood = "calm" }));
    }
  }
}
"""


@pytest.mark.skipif(shutil.which("mcs") is None or shutil.which("mono") is None,
                    reason="needs Mono (scripts/test.sh installs it)")
def test_csharp_compiles_with_mcs_and_carries_the_field(changed):
    (changed / "MoodCheck.cs").write_text(CS_MAIN)
    sources = sorted(str(p) for p in (changed / "unity_plugin/Runtime").rglob("*.cs"))
    _run(["mcs", "-langversion:7.2", "-nologo", "-out:mood.exe", "-r:System.Runtime.Serialization", "-r:System.Net.Http",
          "MoodCheck.cs", *sources], changed)
    out = _run(["mono", str(changed / "mood.exe")], changed)
    assert "PARSED OK" in out and '"mood":"calm"' in out


def test_python_mirror_check_flags_the_new_field(changed):
    """The hand-written Character dataclass does not have it yet: the mirror test says so."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from contractgen.model import load

    from npcbridge.dialogue.types import Character

    message = load(changed / "protos").message("Character")
    assert message.python == "npcbridge.dialogue.types.Character"
    fields = {f.name for f in dataclasses.fields(Character)}
    assert [f.name for f in message.fields if f.name not in fields] == ["mood"]
