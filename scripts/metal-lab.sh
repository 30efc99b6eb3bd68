#!/usr/bin/env bash
# The metal lab: examples/metal-lab's bare-metal nodes provisioned through Redfish,
# against the real sushy-emulator (PyPI sushy-tools) on 127.0.0.1:8000 with Basic auth,
# and an image server on 127.0.0.1:8001. Applies, shows the emulator's own view, powers a
# node off behind Continuum's back and lets the next apply put it right.
# State lives in .continuum/metal-lab/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
source scripts/python-env.sh
swift build --product continuum
continuum=".build/debug/continuum"
lab=.continuum/metal-lab
rm -rf "$lab" && mkdir -p "$lab/images"
echo "a Debian installer image stands here" > "$lab/images/debian-12-netinst.iso"

export LAB_BMC_USER=admin
LAB_BMC_PASSWORD="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
export LAB_BMC_PASSWORD
"$CONTINUUM_PYTHON" - "$lab" <<'PY'
import bcrypt, os, sys
lab = sys.argv[1]
with open(f"{lab}/htpasswd", "w") as f:
    f.write(f"{os.environ['LAB_BMC_USER']}:{bcrypt.hashpw(os.environ['LAB_BMC_PASSWORD'].encode(), bcrypt.gensalt(4)).decode()}\n")
systems = ", ".join(
    f"{{'uuid': '6a1f3a52-2f61-4b1e-9d0a-00000000000{i}', 'name': 'lab-{i}', 'power_state': 'Off', 'nics': [{{'mac': '52:54:00:00:00:0{i}', 'ip': '10.0.0.1{i}'}}]}}"
    for i in (1, 2, 3))
with open(f"{lab}/emulator.conf", "w") as f:
    f.write(f"""SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'
SUSHY_EMULATOR_LISTEN_PORT = 8000
SUSHY_EMULATOR_FAKE_DRIVER = True
SUSHY_EMULATOR_STATE_DIR = '{lab}/emulator-state'
SUSHY_EMULATOR_AUTH_FILE = '{lab}/htpasswd'
SUSHY_EMULATOR_FAKE_SYSTEMS = [{systems}]
""")
PY
bin="$(dirname "$CONTINUUM_PYTHON")"
"$bin/sushy-emulator" --config "$lab/emulator.conf" >"$lab/emulator.log" 2>&1 &
emulator=$!
"$CONTINUUM_PYTHON" -m http.server --bind 127.0.0.1 --directory "$lab/images" 8001 >"$lab/images.log" 2>&1 &
images=$!
trap 'kill $emulator $images 2>/dev/null || true' EXIT
bmc() { curl -sf -u "$LAB_BMC_USER:$LAB_BMC_PASSWORD" "$@"; }
for _ in $(seq 1 100); do
  if bmc -o /dev/null http://127.0.0.1:8000/redfish/v1/ && curl -sf -o /dev/null http://127.0.0.1:8001/; then break; fi
  sleep 0.2
done
show() {
  for i in 1 2 3; do
    system="http://127.0.0.1:8000/redfish/v1/Systems/6a1f3a52-2f61-4b1e-9d0a-00000000000$i"
    "$CONTINUUM_PYTHON" - "$(bmc "$system")" "$(bmc "$system/VirtualMedia/Cd")" <<'PY'
import json, sys
system, cd = json.loads(sys.argv[1]), json.loads(sys.argv[2])
boot = system["Boot"]
print(f"  {system['Id']}: PowerState={system['PowerState']} Boot={boot['BootSourceOverrideTarget']}/{boot['BootSourceOverrideMode']} "
      f"Cd={'inserted ' + cd['Image'] if cd['Inserted'] else 'empty'}")
PY
  done
}

export CONTINUUM_STATE="$lab/state.db"
export CONTINUUM_CONFIG="$PWD/examples/operator/metal-lab.yaml"   # the operator's connection: endpoint and credentials
mkdir -p "$lab/secrets/bmc" && chmod 0700 "$lab/secrets"
printf '%s\n' "$LAB_BMC_PASSWORD" > "$lab/secrets/bmc/password" && chmod 0600 "$lab/secrets/bmc/password"
echo "==> the emulator's systems before"
show
echo
echo "==> continuum apply examples/metal-lab --auto-approve"
time "$continuum" apply examples/metal-lab --auto-approve
echo
echo "==> the emulator's own view after"
show
echo
echo "==> continuum plan examples/metal-lab --detailed-exitcode"
"$continuum" plan examples/metal-lab --detailed-exitcode
echo "(exit 0: the machines match the spec)"
echo
echo "==> someone powers fra-metal-1 off at the BMC"
bmc -o /dev/null -H "Content-Type: application/json" -d '{"ResetType": "ForceOff"}' \
  http://127.0.0.1:8000/redfish/v1/Systems/6a1f3a52-2f61-4b1e-9d0a-000000000001/Actions/ComputerSystem.Reset
for _ in $(seq 1 60); do
  bmc http://127.0.0.1:8000/redfish/v1/Systems/6a1f3a52-2f61-4b1e-9d0a-000000000001 | grep -q '"PowerState": "Off"' && break
  sleep 0.5
done
echo "==> continuum apply examples/metal-lab --auto-approve (drift is corrected)"
"$continuum" apply examples/metal-lab --auto-approve
show
