#!/usr/bin/env bash
# The libvirt lab: examples/libvirt-lab's network and VMs applied through libvirt's C API
# to the test driver, served by an unprivileged libvirtd on 127.0.0.1:16510 so that virsh,
# a second process, shows what Continuum did. Then a vCPU change made behind Continuum's
# back is detected and corrected. Everything lives in /tmp/continuum-libvirt-lab.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
swift build --product continuum
continuum="$PWD/.build/debug/continuum"
lab=/tmp/continuum-libvirt-lab
pkill -f "libvirtd --listen --config $lab" 2>/dev/null || true
rm -rf "$lab" && mkdir -p "$lab"/{home,run,cfg,cache,seeds}
cat > "$lab/cfg/libvirtd.conf" <<CONF
listen_tls = 0
listen_tcp = 1
tcp_port = "16510"
listen_addr = "127.0.0.1"
auth_tcp = "none"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_dir = "$lab/run"
CONF
env_vars=(PATH=/usr/sbin:/usr/bin HOME="$lab/home" XDG_RUNTIME_DIR="$lab/run" XDG_CONFIG_HOME="$lab/cfg" XDG_CACHE_HOME="$lab/cache")
if [ "$(id -u)" = 0 ]; then
  # libvirtd as root wants the QEMU driver's user; unprivileged it serves the test driver.
  chmod 0755 "$lab" && chown -R 65534:65534 "$lab"
  setpriv --reuid=65534 --regid=65534 --clear-groups env -i "${env_vars[@]}" /usr/sbin/libvirtd --listen --config "$lab/cfg/libvirtd.conf" >"$lab/libvirtd.log" 2>&1 &
else
  env -i "${env_vars[@]}" /usr/sbin/libvirtd --listen --config "$lab/cfg/libvirtd.conf" >"$lab/libvirtd.log" 2>&1 &
fi
daemon=$!
uri=test+tcp://127.0.0.1:16510/default
for _ in $(seq 1 50); do virsh -q -c "$uri" list >/dev/null 2>&1 && break; sleep 0.2; done
# The test driver forgets everything when its last client leaves: hold a connection open.
virsh -q -c "$uri" event --loop --all >/dev/null 2>&1 &
holder=$!
trap 'kill $holder $daemon 2>/dev/null || true' EXIT
virsh -q -c "$uri" vol-create-as default-pool debian-12 2G --format qcow2 >/dev/null   # the base image
export CONTINUUM_STATE="$lab/state.db"
export CONTINUUM_CONFIG="$PWD/examples/operator/libvirt-lab.yaml"   # the operator's connection to the lab's libvirtd

echo "==> continuum apply examples/libvirt-lab --auto-approve"
time "$continuum" apply examples/libvirt-lab --auto-approve
echo
echo "==> what libvirtd has now (virsh, a second process)"
virsh -c "$uri" list --all
virsh -c "$uri" net-list --all
virsh -c "$uri" vol-list default-pool
virsh -c "$uri" dumpxml lab-web-1 | sed -n '1,40p'
echo
echo "==> continuum plan examples/libvirt-lab --detailed-exitcode"
"$continuum" plan examples/libvirt-lab --detailed-exitcode
echo "(exit 0: libvirt matches the spec)"
echo
echo "==> someone runs: virsh setvcpus lab-web-1 1 --live"
virsh -q -c "$uri" setvcpus lab-web-1 1 --live
echo "==> continuum apply examples/libvirt-lab --auto-approve (drift is corrected)"
"$continuum" apply examples/libvirt-lab --auto-approve
virsh -c "$uri" dominfo lab-web-1 | grep "CPU(s)"
