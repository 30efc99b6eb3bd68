#!/usr/bin/env bash
# The OpenNebula lab: examples/opennebula-lab's network and VMs on an OpenNebula front-end,
# here the stand-in (scripts/opennebula_standin.py, built from OpenNebula's XML-RPC API
# reference, NOT a real oned) on 127.0.0.1:2633. Applies, shows the front-end's own view
# through the official pyone client, powers a VM off behind Continuum's back and lets the
# next apply put it right. State lives in .continuum/opennebula-lab/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
source scripts/python-env.sh
swift build --product continuum
continuum=".build/debug/continuum"
lab=.continuum/opennebula-lab
rm -rf "$lab" && mkdir -p "$lab/secrets/one" && chmod 0700 "$lab/secrets"

session="oneadmin:$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
printf '%s\n' "$session" > "$lab/secrets/one/session" && chmod 0600 "$lab/secrets/one/session"
# The stand-in takes its accepted session on the command line: a lab-only shortcut (its
# process list shows it); a real front-end has its users in its own database.
"$CONTINUUM_PYTHON" scripts/opennebula_standin.py --port 2633 --session "$session" \
  --image debian-12 --template 7:debian-12-edge:debian-12 --polls-per-step 2 >"$lab/standin.log" 2>&1 &
standin=$!
trap 'kill $standin 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if "$CONTINUUM_PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', 2633), 1).close()" 2>/dev/null; then break; fi
  sleep 0.1
done

show() {
  ONE_SESSION_FILE="$lab/secrets/one/session" "$CONTINUUM_PYTHON" - <<'PY'
import os, pyone
session = open(os.environ["ONE_SESSION_FILE"]).read().strip()
one = pyone.OneServer("http://127.0.0.1:2633/RPC2", session=session)
names = {0: "INIT", 1: "PENDING", 3: "ACTIVE", 6: "DONE", 8: "POWEROFF"}
for vnet in one.vnpool.info(-3, -1, -1).VNET:
    print(f"  VNET {vnet.ID} {vnet.NAME}: VN_MAD={vnet.VN_MAD} VLAN_ID={vnet.VLAN_ID} AR={vnet.AR_POOL.AR[0].IP}+{vnet.AR_POOL.AR[0].SIZE}")
for vm in one.vmpool.infoextended(-3, -1, -1, -1).VM:
    nic = vm.TEMPLATE.get("NIC", {})
    print(f"  VM {vm.ID} {vm.NAME}: STATE={names.get(vm.STATE, vm.STATE)} LCM_STATE={vm.LCM_STATE} VCPU={vm.TEMPLATE.get('VCPU')} "
          f"MEMORY={vm.TEMPLATE.get('MEMORY')} IP={nic.get('IP') if isinstance(nic, dict) else '?'} CONTINUUM_ID={vm.USER_TEMPLATE.get('CONTINUUM_ID')}")
PY
}

export CONTINUUM_STATE="$lab/state.db"
export CONTINUUM_CONFIG="$PWD/examples/operator/opennebula-lab.yaml"   # the operator's connection: endpoint, templates, session
echo "==> continuum apply examples/opennebula-lab --auto-approve"
time "$continuum" apply examples/opennebula-lab --auto-approve
echo
echo "==> the front-end's own view (pyone)"
show
echo
echo "==> continuum plan examples/opennebula-lab --detailed-exitcode"
"$continuum" plan examples/opennebula-lab --detailed-exitcode
echo "(exit 0: the front-end matches the spec)"
echo
echo "==> someone powers web-2 off on the front-end"
ONE_SESSION_FILE="$lab/secrets/one/session" "$CONTINUUM_PYTHON" - <<'PY'
import os, pyone
one = pyone.OneServer("http://127.0.0.1:2633/RPC2", session=open(os.environ["ONE_SESSION_FILE"]).read().strip())
vm = next(vm for vm in one.vmpool.infoextended(-3, -1, -1, -1).VM if vm.NAME == "web-2")
one.vm.action("poweroff", vm.ID)
for _ in range(20):
    if one.vm.info(vm.ID).STATE == 8:
        break
PY
echo "==> continuum apply examples/opennebula-lab --auto-approve (drift is corrected)"
"$continuum" apply examples/opennebula-lab --auto-approve
show
