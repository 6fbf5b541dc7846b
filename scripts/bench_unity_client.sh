#!/usr/bin/env bash
# The Unity package's C# client, HTTP transport vs native gRPC, against one real host
# (scripted replies, no token delay: the transports are what is measured): unary round-trip
# p50/mean and Say text events/s. Needs scripts/build_native.sh first and Mono.
#   scripts/bench_unity_client.sh [ROUND_TRIPS] [SAY_STREAMS]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${NPCBRIDGE_PYTHON:-.venv/bin/python}
out=unity_plugin/build/bench
mkdir -p "$out"
mcs -langversion:7.2 -nologo -target:library -out:"$out/NpcBridge.Runtime.dll" -r:System.Runtime.Serialization \
  -r:System.Net.Http unity_plugin/Runtime/Native/*.cs unity_plugin/Runtime/Client/*.cs
mcs -langversion:7.2 -nologo -out:"$out/ClientBench.exe" -r:"$out/NpcBridge.Runtime.dll" -r:System.Net.Http \
  "unity_plugin/Tests~/Bench/ClientBench.cs"
cp -L unity_plugin/Plugins/Linux/x86_64/libnpcbridge.so "$out/"
script=$(mktemp --suffix=.yaml)
story=$(python3 -c 'print(" ".join(f"word{i}" for i in range(400)))')
printf 'replies:\n  - pattern: "story"\n    reply: "%s."\ndefault: "ok"\n' "$story" > "$script"
ports=$("$PY" -c 'from npcbridge.testing import free_port; print(free_port(), free_port())')
read -r grpc_port http_port <<< "$ports"
NPCBRIDGE_MODERATION_CLASSIFIER=false "$PY" -m npcbridge.cli serve --backend scripted --script "$script" \
  --port "$grpc_port" --http-port "$http_port" --db :memory: --log-level warning --no-avatars &
host=$!
trap 'kill $host 2>/dev/null; rm -f "$script"' EXIT
"$PY" -c "import sys; from npcbridge.transport.client import HostClient; HostClient(sys.argv[1]).wait_serving(120)" \
  "127.0.0.1:$grpc_port"
(cd "$out" && LD_LIBRARY_PATH="$PWD" mono ClientBench.exe "127.0.0.1:$grpc_port" "http://127.0.0.1:$http_port" "${1:-300}" "${2:-5}")
