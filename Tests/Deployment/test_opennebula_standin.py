"""The OpenNebula stand-in (scripts/opennebula_standin.py) checked with the official client,
pyone (PyPI), which binds every reply to OpenNebula's XSD schemas: if the stand-in answers
what pyone cannot read, or with the wrong error codes, the stand-in is wrong, and so would be
every Swift test that relies on it. Not a real front-end: no oned can run here."""
import pathlib
import socket
import subprocess
import sys
import time

import pyone
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SESSION = "oneadmin:standin-pw"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def endpoint(tmp_path):
    port = free_port()
    log = open(tmp_path / "standin.log", "w")
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "opennebula_standin.py"), "--port", str(port),
                                "--session", SESSION, "--readonly-session", "viewer:view-pw", "--image", "debian-12",
                                "--template", "7:debian-12-template:debian-12-tpl", "--failing-image", "broken"],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "standin.log").read_text()
            assert time.monotonic() < deadline, "the stand-in did not listen"
            time.sleep(0.05)
    yield "http://127.0.0.1:%d/RPC2" % port
    process.kill()
    process.wait()
    log.close()


def until(one, vm_id, state, lcm):
    """Polls one.vm.info until the VM is in (state, lcm); the stand-in moves on polls."""
    for _ in range(50):
        vm = one.vm.info(vm_id)
        if (vm.STATE, vm.LCM_STATE) == (state, lcm):
            return vm
    raise AssertionError("VM %d never reached %d/%d" % (vm_id, state, lcm))


def test_a_vm_goes_pending_prolog_boot_running_with_its_nic_and_user_template(endpoint):
    one = pyone.OneServer(endpoint, session=SESSION)
    assert one.system.version() == "6.10.0"
    vnet = one.vn.allocate({"TEMPLATE": {"NAME": "edge", "VN_MAD": "bridge", "AR": {"TYPE": "IP4", "IP": "10.20.0.2", "SIZE": "250"}}}, -1)
    vm_id = one.vm.allocate('NAME = "web-1"\nCPU = "2"\nVCPU = "2"\nMEMORY = "4096"\nDISK = [ IMAGE = "debian-12" ]\n'
                            'NIC = [ NETWORK_ID = "%d" ]\nCONTEXT = [ NETWORK = "YES", USER_DATA = "I2Nsb3VkLWNvbmZpZwo=" ]\n'
                            'CONTINUUM_ID = "VirtualMachine/web-1"' % vnet, False)
    states = []
    for _ in range(4):
        vm = one.vm.info(vm_id)
        states.append((vm.STATE, vm.LCM_STATE))
    assert states == [(1, 0), (3, 1), (3, 2), (3, 3)]
    assert vm.TEMPLATE["NIC"]["IP"] == "10.20.0.2" and vm.TEMPLATE["NIC"]["NETWORK"] == "edge"
    assert vm.TEMPLATE["CONTEXT"]["NETWORK"] == "YES"
    assert vm.USER_TEMPLATE["CONTINUUM_ID"] == "VirtualMachine/web-1"
    pool = one.vmpool.infoextended(-3, -1, -1, -1)
    assert [v.ID for v in pool.VM] == [vm_id]
    nets = one.vnpool.info(-3, -1, -1)
    assert nets.VNET[0].NAME == "edge" and nets.VNET[0].AR_POOL.AR[0].IP == "10.20.0.2"


def test_power_resize_and_terminate_through_the_documented_actions(endpoint):
    one = pyone.OneServer(endpoint, session=SESSION)
    vm_id = one.template.instantiate(7, "from-template", False, 'MEMORY = "1024"', False)
    until(one, vm_id, 3, 3)
    with pytest.raises(pyone.OneActionException):
        one.vm.resize(vm_id, 'VCPU = "4"\nCPU = "4"', False)  # running: the hypervisor needs it off
    one.vm.action("poweroff", vm_id)
    until(one, vm_id, 8, 0)
    one.vm.resize(vm_id, 'VCPU = "4"\nCPU = "4"\nMEMORY = "2048"', False)
    one.vm.action("resume", vm_id)
    vm = until(one, vm_id, 3, 3)
    assert vm.TEMPLATE["VCPU"] == "4" and vm.TEMPLATE["MEMORY"] == "2048" and vm.TEMPLATE["TEMPLATE_ID"] == "7"
    with pytest.raises(pyone.OneActionException):
        one.vm.action("resume", vm_id)  # wrong state
    one.vm.action("terminate-hard", vm_id)
    until(one, vm_id, 6, 0)
    assert not one.vmpool.infoextended(-3, -1, -1, -1).VM


def test_the_documented_error_codes_reach_pyone_as_its_exceptions(endpoint):
    one = pyone.OneServer(endpoint, session=SESSION)
    with pytest.raises(pyone.OneNoExistsException):
        one.vm.info(99)
    with pytest.raises(pyone.OneAuthenticationException):
        pyone.OneServer(endpoint, session="oneadmin:wrong").vm.info(0)
    with pytest.raises(pyone.OneAuthorizationException):
        pyone.OneServer(endpoint, session="viewer:view-pw").vn.allocate('NAME = "x"\nVN_MAD = "bridge"', -1)
    with pytest.raises(pyone.OneException, match="Error getting image"):
        one.vm.allocate('NAME = "x"\nCPU = "1"\nMEMORY = "64"\nDISK = [ IMAGE = "nope" ]', False)
    vm_id = one.vm.allocate('NAME = "locked"\nCPU = "1"\nMEMORY = "64"', False)
    one.vm.lock(vm_id, 4)
    with pytest.raises(pyone.OneException, match="locked"):
        one.vm.action("terminate-hard", vm_id)


def test_a_failing_image_ends_in_prolog_failure_with_its_error(endpoint):
    one = pyone.OneServer(endpoint, session=SESSION)
    vm_id = one.vm.allocate('NAME = "bad"\nCPU = "1"\nMEMORY = "64"\nDISK = [ IMAGE = "broken" ]', False)
    vm = until(one, vm_id, 3, 39)
    assert "no space left on device" in vm.USER_TEMPLATE["ERROR"]


def test_a_value_with_a_cdata_end_and_custom_disk_attributes_read_back_through_pyone(endpoint):
    one = pyone.OneServer(endpoint, session=SESSION)
    hostile = "x]]><NIC><NETWORK_ID>0</NETWORK_ID></NIC>"
    vm_id = one.vm.allocate('<TEMPLATE><NAME>web-2</NAME><CPU>1</CPU><MEMORY>512</MEMORY><DISK><IMAGE>debian-12</IMAGE></DISK>'
                            '<DISK><TYPE>fs</TYPE><SIZE>954</SIZE><CONTINUUM_DISK>YES</CONTINUUM_DISK></DISK>'
                            '<NOTE>%s</NOTE></TEMPLATE>' % hostile.replace("<", "&lt;").replace(">", "&gt;"), False)
    vm = one.vm.info(vm_id)
    assert vm.USER_TEMPLATE["NOTE"] == hostile
    disks = vm.TEMPLATE["DISK"]
    assert [disk.get("CONTINUUM_DISK") for disk in disks] == [None, "YES"]
    assert "NIC" not in vm.TEMPLATE
