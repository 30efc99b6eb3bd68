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

# The controller: the same fleet from a local Git repository, converged unattended.
demo=.continuum/controller-demo
rm -rf "$demo" && mkdir -p "$demo"
git init -q -b main "$demo/repo"
cp -r examples/quickstart "$demo/repo/specs"
git -C "$demo/repo" add -A
git -C "$demo/repo" -c user.name=quickstart -c user.email=quickstart@continuum.invalid commit -q -m "the quickstart fleet"
port=8080
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then port=18080; fi   # 8080 taken: use another
server="http://127.0.0.1:$port"
echo
echo "==> continuum controller --repo file://$PWD/$demo/repo --path specs --listen 127.0.0.1:$port"
"$continuum" controller --repo "file://$PWD/$demo/repo" --path specs --interval 10s --listen "127.0.0.1:$port" \
  --state "$demo/state.db" --sim-world "$demo/sim.db" --cache-dir "$demo/git" >"$demo/controller.log" 2>&1 &
controller=$!
trap 'kill -TERM $controller 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if "$continuum" status --server "$server" 2>/dev/null | grep -q "^Phase: Ready"; then break; fi
  sleep 0.5
done
echo "status:  $server/api/v1/status   (continuum status --server $server)"
echo "metrics: $server/metrics"
echo
"$continuum" status --server "$server"
echo
curl -s "$server/metrics" | grep -E '^continuum_(reconcile_total|resources|git_fetch_total)'
kill -TERM "$controller"
wait "$controller"
trap - EXIT
echo "(SIGTERM: the controller stopped cleanly; its log is in $demo/controller.log)"
