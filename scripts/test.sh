#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, builds, runs the deployment tests
# (the Helm chart, the install guide's values table, the container image and the OpenNebula
# stand-in checked with pyone, with pytest)
# and then `swift test`, whose summary closes the output. Either failing fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

# Python tools the tests run (from PyPI), in a venv inside .build/.
source scripts/python-env.sh

swift build --build-tests

deployment=0
"$CONTINUUM_PYTHON" -m pytest -q -rs -p no:cacheprovider Tests/Deployment || deployment=$?
if [ "$deployment" -ne 0 ]; then
  echo "test.sh: the deployment tests (Tests/Deployment) failed with status $deployment; swift test runs next" >&2
fi

swift test --skip-build
exit "$deployment"
