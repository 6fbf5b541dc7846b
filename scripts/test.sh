#!/usr/bin/env bash
# Newcomer command 2: install everything (Debian packages, Python packages, the
# embedded model), build the native client, and run every test suite: pytest,
# the native GoogleTest suite under ctest (plain, then with AddressSanitizer +
# UBSan) and the Unity package's NUnit tests under Mono. Prints each runner's
# summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || { echo "setup failed"; exit 1; }
# shellcheck disable=SC1091
. .venv/bin/activate
export NPCBRIDGE_PYTHON="$PWD/.venv/bin/python"

# The native build's and Mono's packages first: a pytest test builds the C++ and C#
# generated from a changed .proto.
scripts/apt_need.sh cmake g++ libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
  libgtest-dev mono-devel nunit-console chromium chromium-driver redis-server haproxy espeak-ng || { echo "installing Debian packages failed"; exit 1; }

# llama.cpp's llama-server for the llama.cpp backend's tests (built once per machine).
scripts/build_llama_server.sh || { echo "building llama-server failed"; exit 1; }

status=0
echo "== Python tests (pytest)"
python -m pytest "$@" || status=1

echo "== native_client: build and GoogleTest (ctest)"
if scripts/build_native.sh native_client/build; then
  ctest --test-dir native_client/build --output-on-failure || status=1
else
  echo "native_client build failed"; status=1
fi

echo "== native_client under AddressSanitizer + UndefinedBehaviorSanitizer (ctest)"
if scripts/build_native.sh native_client/build-asan -DNPCB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug; then
  ctest --test-dir native_client/build-asan --output-on-failure || status=1
else
  echo "native_client sanitizer build failed"; status=1
fi
# Last, so its "N passed, N failed" line closes the run.
echo "== unity_plugin: C# under Mono, NUnit against the real host"
scripts/test_unity.sh || status=1
exit $status
