#!/usr/bin/env bash
# Build native_client (C++ client core + C API + tests) with CMake.
#   scripts/build_native.sh [BUILD_DIR] [extra cmake args...]
# Default BUILD_DIR: native_client/build. Installs the Debian packages it needs
# when they are missing (apt, as root), then copies the Linux library into the
# engine plugins' ThirdParty folders.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${1:-native_client/build}
shift || true

scripts/apt_need.sh cmake g++ libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libgtest-dev

cmake -S native_client -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD" -j "$(nproc)"

# The Unreal plugin's External module picks the library up from here (only the
# default build: a sanitizer build must not end up in a game).
[ "$BUILD" = native_client/build ] || exit 0
third_party=unreal_plugin/NpcBridge/Source/ThirdParty/NpcBridgeClient
mkdir -p "$third_party/lib/Linux" "$third_party/include"
cp -P "$BUILD"/libnpcbridge.so* "$third_party/lib/Linux/" 2>/dev/null || true
cp -r native_client/include/npcbridge "$third_party/include/"
# Unity's native plugin: one real file (Unity does not follow the soname links).
mkdir -p unity_plugin/Plugins/Linux/x86_64
cp -L "$BUILD/libnpcbridge.so" unity_plugin/Plugins/Linux/x86_64/libnpcbridge.so
