#!/usr/bin/env bash
# The quickstart: builds Continuum and runs it on examples/quickstart, a small sovereign
# fleet on the embedded simulated cloud. Needs nothing but Swift on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
swift build --product continuum
continuum=".build/debug/continuum"

echo "==> continuum validate examples/quickstart"
"$continuum" validate examples/quickstart
echo
echo "==> continuum plan examples/quickstart --detailed-exitcode"
status=0
"$continuum" plan examples/quickstart --detailed-exitcode || status=$?
case "$status" in
  0) echo "(exit 0: no changes)" ;;
  2) echo "(exit 2: the plan has changes)" ;;
  *) exit "$status" ;;
esac
