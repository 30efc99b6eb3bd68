#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, builds, runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

# Python tools the tests run (from PyPI), in a venv inside .build/.
source scripts/python-env.sh

swift build --build-tests
swift test --skip-build
