#!/usr/bin/env bash
# Compile the Unity package's engine-independent C# with Mono's mcs (C# 7.2) and
# run its NUnit tests under Mono against the real host, once over each transport
# (the managed HTTP one and gRPC through the native library). Needs
# scripts/build_native.sh first; installs mono-devel and nunit-console when
# missing. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/apt_need.sh mono-devel nunit-console

out=unity_plugin/build
rm -rf "$out" && mkdir -p "$out"
nunit=$(ls -d /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll | head -1)
set -e
# Runtime/Components and Editor use UnityEngine: Unity compiles those, not CI.
mcs -langversion:7.2 -nologo -target:library -out:"$out/NpcBridge.Runtime.dll" \
  -r:System.Runtime.Serialization -r:System.Net.Http unity_plugin/Runtime/Native/*.cs unity_plugin/Runtime/Client/*.cs
mcs -langversion:7.2 -nologo -target:library -out:"$out/NpcBridge.Tests.dll" -r:"$out/NpcBridge.Runtime.dll" \
  -r:"$nunit" -r:System.Runtime.Serialization -r:System.Net.Http unity_plugin/Tests/Editor/*.cs
set +e
cp -L unity_plugin/Plugins/Linux/x86_64/libnpcbridge.so "$out/"

(cd "$out" && LD_LIBRARY_PATH="$PWD" nunit-console -nologo -labels NpcBridge.Tests.dll -xml=TestResult.xml)
code=$?
python3 - "$out/TestResult.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
total = int(root.get("total", 0))
failed = int(root.get("failures", 0)) + int(root.get("errors", 0))
skipped = int(root.get("not-run", 0))
print(f"NUnit: {total - failed} passed, {failed} failed, {skipped} skipped")
PY
exit $code
