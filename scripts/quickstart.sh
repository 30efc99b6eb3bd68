#!/usr/bin/env bash
# The quickstart: builds Continuum and applies examples/quickstart, a small sovereign
# fleet, on the embedded simulated cloud; then shows that a second plan has nothing to do.
# Needs nothing but Swift on Debian 12. State and the simulated world live in .continuum/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
swift build --product continuum
continuum=".build/debug/continuum"

echo "==> continuum validate examples/quickstart"
"$continuum" validate examples/quickstart
echo
echo "==> continuum apply examples/quickstart --auto-approve"
"$continuum" apply examples/quickstart --auto-approve
echo
echo "==> continuum plan examples/quickstart --detailed-exitcode"
"$continuum" plan examples/quickstart --detailed-exitcode
echo "(exit 0: the simulated cloud matches the spec)"
