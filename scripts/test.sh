#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, builds, runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

# Python tools the tests run (from PyPI), in a venv inside .build/ so nothing system-wide changes.
python_env=.build/test-python
if [ ! -x "$python_env/bin/python3" ]; then python3 -m venv "$python_env"; fi
"$python_env/bin/pip" install --quiet --disable-pip-version-check prometheus-client
export CONTINUUM_PYTHON="$PWD/$python_env/bin/python3"

swift build --build-tests
swift test --skip-build
