#!/usr/bin/env python3
"""A stand-in for an OpenNebula front-end's XML-RPC API, for tests and the opennebula lab.

No oned can run where Continuum is tested (it is packaged neither in Debian nor on PyPI),
so this server answers the subset of the API that Continuum's opennebula provider calls,
following OpenNebula's published reference ("XML-RPC API", api.rst, and the XSD schemas
vm.xsd and vnet.xsd):

- every method takes the session string first and answers the triple
  [success, result or error message, error code] with the documented codes
  (AUTHENTICATION 0x100, AUTHORIZATION 0x200, NO_EXISTS 0x400, ACTION 0x800,
  XML_RPC_API 0x1000, INTERNAL 0x2000, ALLOCATE 0x4000, LOCKED 0x8000);
- parameters are checked against the documented signatures (a wrong type or count is an
  XML-RPC fault, as xmlrpc-c answers);
- templates are accepted in both forms the reference allows: the attribute syntax
  (NAME = "value", DISK = [ IMAGE = "x" ]) and XML with a TEMPLATE root;
- VMs move through their states over *polls*, not wall time: each one.vm.info of a VM,
  and each pool listing that includes it, counts as a poll, and every --polls-per-step
  polls (default 1) a pending transition advances by one step
  (PENDING -> PROLOG -> BOOT -> RUNNING; SHUTDOWN_POWEROFF -> POWEROFF; BOOT_POWEROFF ->
  RUNNING; EPILOG -> DONE), so tests never depend on the machine's speed;
- wrong-state actions fail with ACTION, locked VMs with LOCKED, images listed with
  --failing-image go to PROLOG_FAILURE with USER_TEMPLATE/ERROR set.

Test control (never part of OpenNebula's API), unauthenticated, on the same port:
standin.fault(method, code, message, count), standin.drop(method, count) (the call takes
effect and its reply is lost: the connection closes without an answer), standin.calls(),
standin.reset_calls(), standin.max_in_flight(), standin.delay(milliseconds),
standin.freeze_after(method, count) (a kill point: once that call has taken effect, its
reply and every later call wait; standin.frozen() says so; standin.thaw() drops them, as
their client was killed),
standin.vm_set(id, attribute, value), standin.vm_state(id, state,
lcm_state), standin.vm_lock(id, level), standin.fail_image(name), standin.vm_template(id),
standin.hold_boot(flag) (new VMs stay in PROLOG until standin.vm_state moves them),
standin.add_image(name), standin.template_add(id, attribute, value or [[key, value], ...]).

It is a stand-in built from the documentation: a real front-end has a scheduler, hosts,
datastores, ACLs and drivers behind these answers, and its messages differ in wording.
"""

import argparse
import base64
import re
import socketserver
import sys
import threading
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer
import xmlrpc.client

AUTHENTICATION, AUTHORIZATION, NO_EXISTS, ACTION, XML_RPC_API, INTERNAL, ALLOCATE, LOCKED = (
    0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000)

STATE_NAMES = {0: "INIT", 1: "PENDING", 2: "HOLD", 3: "ACTIVE", 4: "STOPPED", 5: "SUSPENDED", 6: "DONE", 8: "POWEROFF", 9: "UNDEPLOYED"}
LCM_NAMES = {0: "LCM_INIT", 1: "PROLOG", 2: "BOOT", 3: "RUNNING", 9: "PROLOG_RESUME", 11: "EPILOG", 16: "UNKNOWN", 18: "SHUTDOWN_POWEROFF",
             20: "BOOT_POWEROFF", 21: "BOOT_SUSPENDED", 22: "BOOT_STOPPED", 31: "PROLOG_UNDEPLOY", 32: "BOOT_UNDEPLOY", 36: "BOOT_FAILURE",
             39: "PROLOG_FAILURE"}
# How `resume` brings a VM back from each state it is allowed in.
RESUME_STEPS = {8: [(3, 20), (3, 3)], 5: [(3, 21), (3, 3)], 4: [(3, 9), (3, 22), (3, 3)], 9: [(3, 31), (3, 32), (3, 3)]}
# The VM template attributes OpenNebula keeps in TEMPLATE; others go to USER_TEMPLATE.
VM_TEMPLATE_KEYS = {"NAME", "CPU", "VCPU", "MEMORY", "DISK", "NIC", "CONTEXT", "OS", "GRAPHICS", "FEATURES", "RAW", "INPUT",
                    "NIC_DEFAULT", "CPU_MODEL", "VIDEO", "TOPOLOGY", "MEMORY_UNIT_COST", "VMID", "TEMPLATE_ID", "AUTOMATIC_REQUIREMENTS"}
# (method, parameter types after the session; optional trailing types)
SIGNATURES = {
    "one.system.version": ([], []),
    "one.vm.allocate": ([str, bool], []),
    "one.vm.info": ([int], [bool]),
    "one.vm.action": ([str, int], []),
    "one.vm.resize": ([int, str, bool], []),
    "one.vm.diskresize": ([int, int, str], []),
    "one.vm.update": ([int, str, int], []),
    "one.vm.updateconf": ([int, str], [int]),
    "one.vm.attachnic": ([int, str], []),
    "one.vm.detachnic": ([int, int], []),
    "one.vm.lock": ([int, int], [bool]),
    "one.vm.unlock": ([int], []),
    "one.vmpool.info": ([int, int, int, int], [str]),
    "one.vmpool.infoextended": ([int, int, int, int], [str]),
    "one.template.instantiate": ([int, str, bool, str, bool], []),
    "one.template.info": ([int], [bool, bool]),
    "one.vn.allocate": ([str, int], []),
    "one.vn.info": ([int], [bool]),
    "one.vn.update": ([int, str, int], []),
    "one.vn.delete": ([int], []),
    "one.vnpool.info": ([int, int, int], []),
}
MUTATING = {"one.vm.allocate", "one.vm.action", "one.vm.resize", "one.vm.diskresize", "one.vm.update", "one.vm.updateconf",
            "one.vm.attachnic", "one.vm.detachnic", "one.vm.lock", "one.vm.unlock", "one.template.instantiate",
            "one.vn.allocate", "one.vn.update", "one.vn.delete"}


class Failure(Exception):
    """An OpenNebula error triple."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# Templates: an ordered list of (NAME, value), value a string or a list of (KEY, string).

def parse_template(text):
    """Reads a template in either documented form."""
    text = text.strip()
    if text.startswith("<"):
        try:
            root = ET.fromstring(text)
        except ET.ParseError as error:
            raise Failure(INTERNAL, "Parse error: %s" % error)
        entries = []
        for child in root:
            if len(child):
                entries.append((child.tag.upper(), [(sub.tag.upper(), sub.text or "") for sub in child]))
            else:
                entries.append((child.tag.upper(), child.text or ""))
        return entries
    return parse_attributes(text)


TOKEN = re.compile(r'\s*(?:(#[^\n]*)|("(?:[^"\\]|\\.)*")|([\[\],=])|([^\s\[\],="]+)|(\n))', re.S)


def parse_attributes(text):
    tokens = []
    for match in TOKEN.finditer(text):
        comment, quoted, punct, word, newline = match.groups()
        if comment or newline:
            continue
        if quoted is not None:
            tokens.append(("s", re.sub(r'\\(.)', r'\1', quoted[1:-1])))
        elif punct:
            tokens.append(("p", punct))
        elif word:
            tokens.append(("s", word))
    entries, position = [], 0

    def expect(kind, value=None):
        nonlocal position
        if position >= len(tokens) or tokens[position][0] != kind or (value and tokens[position][1] != value):
            raise Failure(INTERNAL, "Parse error: syntax error near token %d" % position)
        position += 1
        return tokens[position - 1][1]

    while position < len(tokens):
        name = expect("s").upper()
        expect("p", "=")
        if position < len(tokens) and tokens[position] == ("p", "["):
            position += 1
            vector = []
            while tokens[position] != ("p", "]"):
                key = expect("s").upper()
                expect("p", "=")
                vector.append((key, expect("s")))
                if tokens[position] == ("p", ","):
                    position += 1
            position += 1
            entries.append((name, vector))
        else:
            entries.append((name, expect("s")))
    return entries


def single(entries, name, default=None):
    for key, value in entries:
        if key == name and isinstance(value, str):
            return value
    return default


def vectors(entries, name):
    return [value for key, value in entries if key == name and isinstance(value, list)]


def merge(base, extra, replace=False):
    """Merges `extra` into `base`: replaced names are dropped from base first."""
    if replace:
        return list(extra)
    names = {key for key, _ in extra}
    return [(k, v) for k, v in base if k not in names] + list(extra)


def cdata(text):
    """A CDATA section of `text`; a `]]>` in it is split across two sections, as oned does."""
    return "<![CDATA[%s]]>" % text.replace("]]>", "]]]]><![CDATA[>")


def template_xml(entries):
    out = []
    for key, value in entries:
        if isinstance(value, list):
            out.append("<%s>%s</%s>" % (key, "".join("<%s>%s</%s>" % (k, cdata(v), k) for k, v in value), key))
        else:
            out.append("<%s>%s</%s>" % (key, cdata(value), key))
    return "".join(out)


class VM:
    def __init__(self, vmid, name, uid, uname, template, user_template):
        self.id, self.name, self.uid, self.uname = vmid, name, uid, uname
        self.template, self.user_template = template, user_template
        self.state, self.lcm = 1, 0
        self.pending = []  # the (state, lcm) steps still to come, one per poll
        self.stime = int(time.time())
        self.etime = 0
        self.lock = 0
        self.last_poll = 0
        self.polls = 0


class VNet:
    def __init__(self, vnid, name, uid, uname, template):
        self.id, self.name, self.uid, self.uname = vnid, name, uid, uname
        self.template = template
        self.leases = {}  # ip -> vm id
        self.lock = 0


class World:
    def __init__(self, users, readonly, images, templates, failing_images, vm_quota, hot_resize, polls_per_step=1):
        self.lock = threading.RLock()
        self.polls_per_step = polls_per_step
        self.users = users            # session -> (uid, name)
        self.readonly = readonly      # sessions that may read only
        self.images = set(images)
        self.templates = templates    # id -> (name, entries)
        self.failing_images = set(failing_images)
        self.vm_quota = vm_quota
        self.hot_resize = hot_resize
        self.vms, self.vnets = {}, {}
        self.next_vm, self.next_vnet = 0, 0
        self.calls = {}
        self.faults = []              # [method, code, message, count]
        self.delay = 0.0              # seconds each one.* request takes
        self.freeze_at = None         # (method, count): the kill point
        self.frozen = False
        self.thaw = threading.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self.flight = threading.Lock()
        self.drops = {}               # method -> count
        self.hold_boot = False        # new VMs stay in PROLOG (standin.hold_boot)
        self.local = threading.local()  # per request: whether it met the kill point

    # ---- dispatch ----

    def call(self, method, params):
        with self.lock:
            if self.frozen:
                # Arrived after the kill point froze the front-end: never processed.
                self.local.frozen = True
                return [False, "frozen", INTERNAL]
            result = self.dispatch(method, params)
            if self.freeze_at and self.freeze_at[0] == method and self.calls.get(method, 0) >= self.freeze_at[1]:
                # The kill point, decided under the lock that dispatches: no later call
                # slips in between this one taking effect and the freeze.
                self.freeze_at = None
                self.thaw.clear()
                self.frozen = True
                self.local.frozen = True
            return result

    def dispatch(self, method, params):
        with self.lock:
            self.calls[method] = self.calls.get(method, 0) + 1
            required, optional = SIGNATURES[method]
            if not params or type(params[0]) is not str:
                raise xmlrpc.client.Fault(-501, "Type error: the session string is missing")
            session, args = params[0], list(params[1:])
            if not (len(required) <= len(args) <= len(required) + len(optional)):
                raise xmlrpc.client.Fault(-501, "Type error: %s takes %d to %d parameters after the session, got %d" % (
                    method, len(required), len(required) + len(optional), len(args)))
            for index, (value, kind) in enumerate(zip(args, required + optional)):
                if type(value) is not kind:
                    raise xmlrpc.client.Fault(-501, "Type error: parameter %d of %s: expected %s, got %s" % (
                        index + 2, method, kind.__name__, type(value).__name__))
            try:
                for fault in self.faults:
                    if fault[0] == method and fault[3] > 0:
                        fault[3] -= 1
                        raise Failure(fault[1], fault[2])
                if session not in self.users:
                    raise Failure(AUTHENTICATION, "[%s] User couldn't be authenticated, aborting call." % method)
                uid, uname = self.users[session]
                if session in self.readonly and method in MUTATING:
                    raise Failure(AUTHORIZATION, "[%s] User [%d] : Not authorized to perform MANAGE/CREATE on this object." % (method, uid))
                handler = getattr(self, "m_" + method.replace("one.", "").replace(".", "_"))
                return [True, handler(uid, uname, *args), 0]
            except Failure as failure:
                return [False, failure.message, failure.code]

    def enter(self):
        with self.flight:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self):
        with self.flight:
            self.in_flight -= 1

    def met_freeze(self):
        """Whether this request reached the kill point or came after it (see `call`)."""
        frozen = getattr(self.local, "frozen", False)
        self.local.frozen = False
        return frozen

    def wait_if_frozen(self):
        """Waits while frozen; False when a thaw came after this request waited (its client is gone)."""
        if not self.frozen:
            return True
        self.thaw.wait()
        return False

    def consume_drop(self, method):
        with self.lock:
            if self.drops.get(method, 0) > 0:
                self.drops[method] -= 1
                return True
            return False

    # ---- helpers ----

    def vm(self, method, vmid, manage=False):
        vm = self.vms.get(vmid)
        if vm is None:
            raise Failure(NO_EXISTS, "[%s] Error getting virtual machine [%d]." % (method, vmid))
        if manage and vm.lock:
            raise Failure(LOCKED, "[%s] The virtual machine [%d] is locked." % (method, vmid))
        return vm

    def vnet(self, method, vnid):
        vnet = self.vnets.get(vnid)
        if vnet is None:
            raise Failure(NO_EXISTS, "[%s] Error getting virtual network [%d]." % (method, vnid))
        return vnet

    def poll(self, vm):
        """An observation: the VM shows its state, then moves one step on."""
        vm.last_poll = int(time.time())
        vm.polls += 1
        if vm.pending and vm.polls >= self.polls_per_step:
            vm.polls = 0
            vm.state, vm.lcm = vm.pending.pop(0)
            if vm.state == 6:
                self.release(vm)
                vm.etime = int(time.time())

    def release(self, vm):
        for vnet in self.vnets.values():
            for ip in [ip for ip, owner in vnet.leases.items() if owner == vm.id]:
                del vnet.leases[ip]

    def wrong_state(self, method, action, vm):
        name = LCM_NAMES.get(vm.lcm, str(vm.lcm)) if vm.state == 3 else STATE_NAMES.get(vm.state, str(vm.state))
        raise Failure(ACTION, '[%s] Error performing action "%s": This action is not available for state %s' % (method, action, name))

    def lease(self, method, vnid, vmid):
        vnet = self.vnet(method, vnid)
        ranges = vectors(vnet.template, "AR")
        if not ranges:
            raise Failure(ALLOCATE, "[%s] Cannot get IP/MAC lease from virtual network %d." % (method, vnid))
        start = [int(part) for part in dict(ranges[0]).get("IP", "0.0.0.0").split(".")]
        base = (start[0] << 24) | (start[1] << 16) | (start[2] << 8) | start[3]
        for offset in range(int(dict(ranges[0]).get("SIZE", "1"))):
            value = base + offset
            ip = ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))
            if ip not in vnet.leases:
                vnet.leases[ip] = vmid
                return vnet, ip
        raise Failure(ALLOCATE, "[%s] Cannot get IP/MAC lease from virtual network %d: no free addresses." % (method, vnid))

    def nic(self, method, vm, vector, index):
        values = dict(vector)
        if "NETWORK_ID" not in values:
            raise Failure(ALLOCATE, "[%s] Error allocating a new virtual machine. NIC without NETWORK_ID." % method)
        vnet, ip = self.lease(method, int(values["NETWORK_ID"]), vm)
        mac = "02:00:%02x:%02x:%02x:%02x" % tuple(int(part) for part in ip.split("."))
        return [("NETWORK", vnet.name), ("NETWORK_ID", str(vnet.id)), ("NETWORK_UNAME", vnet.uname), ("IP", ip), ("MAC", mac),
                ("NIC_ID", str(index)), ("BRIDGE", single(vnet.template, "BRIDGE", "br0"))]

    # ---- one.system ----

    def m_system_version(self, uid, uname):
        return "6.10.0"

    # ---- one.vm ----

    def m_vm_allocate(self, uid, uname, text, hold):
        return self.create_vm("one.vm.allocate", uid, uname, parse_template(text), hold)

    def m_template_instantiate(self, uid, uname, template_id, name, hold, extra, persistent):
        if template_id not in self.templates:
            raise Failure(NO_EXISTS, "[one.template.instantiate] Error getting template [%d]." % template_id)
        base = list(self.templates[template_id][1])
        entries = merge(base, parse_template(extra) if extra.strip() else [])
        if name:
            entries = merge(entries, [("NAME", name)])
        entries = merge(entries, [("TEMPLATE_ID", str(template_id))])
        return self.create_vm("one.template.instantiate", uid, uname, entries, hold)

    def m_template_info(self, uid, uname, template_id, extended=False, decrypt=False):
        if template_id not in self.templates:
            raise Failure(NO_EXISTS, "[one.template.info] Error getting template [%d]." % template_id)
        name, entries = self.templates[template_id]
        return ("<VMTEMPLATE><ID>%d</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>%s</NAME>"
                "<LOCK/><PERMISSIONS>%s</PERMISSIONS><REGTIME>0</REGTIME><TEMPLATE>%s</TEMPLATE></VMTEMPLATE>") % (
                    template_id, escape(name), permissions(), template_xml(entries))

    def create_vm(self, method, uid, uname, entries, hold):
        owned = [vm for vm in self.vms.values() if vm.uid == uid and vm.state != 6]
        if self.vm_quota is not None and len(owned) >= self.vm_quota:
            raise Failure(ALLOCATE, "[%s] Error allocating a new virtual machine. User [%d] : limit of %d VMs reached (VMS quota)." % (
                method, uid, self.vm_quota))
        for key in ("CPU", "MEMORY"):
            if single(entries, key) is None:
                raise Failure(ALLOCATE, "[%s] Error allocating a new virtual machine template. No %s in template." % (method, key))
        failing = False
        disks = []
        for index, disk in enumerate(vectors(entries, "DISK")):
            values = dict(disk)
            if "IMAGE" in values and values["IMAGE"] not in self.images:
                raise Failure(ALLOCATE, '[%s] Error allocating a new virtual machine. Error getting image named "%s".' % (method, values["IMAGE"]))
            failing = failing or values.get("IMAGE") in self.failing_images
            disk = [(k, v) for k, v in disk if k != "DISK_ID"] + [("DISK_ID", str(index))]
            if "IMAGE" in values and "SIZE" not in values:
                disk.append(("SIZE", "2252"))
            disks.append(disk)
        vmid = self.next_vm
        self.next_vm += 1
        nics = [self.nic(method, vmid, nic, index) for index, nic in enumerate(vectors(entries, "NIC"))]
        name = single(entries, "NAME") or "one-%d" % vmid
        template, user_template = [], []
        for key, value in entries:
            if key in ("DISK", "NIC", "NAME"):
                continue
            (template if key in VM_TEMPLATE_KEYS else user_template).append((key, value))
        template = [("DISK", d) for d in disks] + [("NIC", n) for n in nics] + template + [("VMID", str(vmid))]
        vm = VM(vmid, name, uid, uname, template, user_template)
        if hold:
            vm.state = 2
        elif failing:
            vm.pending = [(3, 1), (3, 39)]
            vm.user_template.append(("ERROR", "Wed Nov 30 04:00:00 2026 : Error executing image transfer script: Error copying image: no space left on device"))
        elif self.hold_boot:
            vm.pending = [(3, 1)]
        else:
            vm.pending = [(3, 1), (3, 2), (3, 3)]
        self.vms[vmid] = vm
        return vmid

    def m_vm_info(self, uid, uname, vmid, decrypt=False):
        vm = self.vm("one.vm.info", vmid)
        xml = vm_xml(vm)
        self.poll(vm)
        return xml

    def m_vm_action(self, uid, uname, action, vmid):
        vm = self.vm("one.vm.action", vmid, manage=True)
        running, off = (vm.state, vm.lcm) == (3, 3), vm.state == 8
        if action in ("terminate-hard", "terminate"):
            if vm.state == 6:
                self.wrong_state("one.vm.action", action, vm)
            vm.pending = [(3, 11), (6, 0)]
        elif action in ("poweroff", "poweroff-hard"):
            if not running:
                self.wrong_state("one.vm.action", action, vm)
            vm.pending = [(3, 18), (8, 0)]
        elif action == "resume":
            if vm.state not in RESUME_STEPS and (vm.state, vm.lcm) != (3, 16):
                self.wrong_state("one.vm.action", action, vm)
            vm.pending = list(RESUME_STEPS.get(vm.state, [(3, 3)]))
        elif action in ("reboot", "reboot-hard"):
            if not running:
                self.wrong_state("one.vm.action", action, vm)
        else:
            raise Failure(ACTION, '[one.vm.action] Error performing action "%s": unknown or unsupported by this stand-in' % action)
        return vmid

    def m_vm_resize(self, uid, uname, vmid, text, enforce):
        vm = self.vm("one.vm.resize", vmid, manage=True)
        if not (vm.state == 8 or (self.hot_resize and (vm.state, vm.lcm) == (3, 3))):
            self.wrong_state("one.vm.resize", "resize", vm)
        changes = [(k, v) for k, v in parse_template(text) if k in ("CPU", "VCPU", "MEMORY")]
        vm.template = merge(vm.template, changes)
        return vmid

    def m_vm_diskresize(self, uid, uname, vmid, disk_id, size):
        vm = self.vm("one.vm.diskresize", vmid, manage=True)
        if not ((vm.state, vm.lcm) == (3, 3) or vm.state == 8):
            self.wrong_state("one.vm.diskresize", "disk-resize", vm)
        for index, (key, value) in enumerate(vm.template):
            if key == "DISK" and dict(value).get("DISK_ID") == str(disk_id):
                if int(size) <= int(dict(value).get("SIZE", "0")):
                    raise Failure(ACTION, "[one.vm.diskresize] New size has to be bigger than current one")
                vm.template[index] = ("DISK", [(k, v) for k, v in value if k != "SIZE"] + [("SIZE", size)])
                return vmid
        raise Failure(ACTION, "[one.vm.diskresize] VM disk does not exist")

    def m_vm_update(self, uid, uname, vmid, text, kind):
        vm = self.vm("one.vm.update", vmid, manage=True)
        vm.user_template = merge(vm.user_template, parse_template(text), replace=(kind == 0))
        return vmid

    def m_vm_updateconf(self, uid, uname, vmid, text, kind=0):
        vm = self.vm("one.vm.updateconf", vmid, manage=True)
        sections = ("CONTEXT", "OS", "FEATURES", "INPUT", "GRAPHICS", "VIDEO", "RAW", "CPU_MODEL")
        changes = [(k, v) for k, v in parse_template(text) if k in sections]
        if kind == 1:
            vm.template = merge(vm.template, changes)
        else:
            # Replace (the default, and the only behaviour before 6.8): a section left out is removed.
            vm.template = [(k, v) for k, v in vm.template if k not in sections] + changes
        return vmid

    def m_vm_attachnic(self, uid, uname, vmid, text):
        vm = self.vm("one.vm.attachnic", vmid, manage=True)
        if not ((vm.state, vm.lcm) == (3, 3) or vm.state == 8):
            self.wrong_state("one.vm.attachnic", "attach-nic", vm)
        nics = vectors(parse_template(text), "NIC")
        used = [int(dict(v)["NIC_ID"]) for k, v in vm.template if k == "NIC"]
        for nic in nics:
            vm.template.append(("NIC", self.nic("one.vm.attachnic", vmid, nic, max(used + [-1]) + 1)))
        return vmid

    def m_vm_detachnic(self, uid, uname, vmid, nic_id):
        vm = self.vm("one.vm.detachnic", vmid, manage=True)
        if not ((vm.state, vm.lcm) == (3, 3) or vm.state == 8):
            self.wrong_state("one.vm.detachnic", "detach-nic", vm)
        for key, value in list(vm.template):
            if key == "NIC" and dict(value).get("NIC_ID") == str(nic_id):
                vnet = self.vnets.get(int(dict(value)["NETWORK_ID"]))
                if vnet:
                    vnet.leases.pop(dict(value).get("IP"), None)
                vm.template.remove((key, value))
                return vmid
        raise Failure(ACTION, "[one.vm.detachnic] NIC %d does not exist" % nic_id)

    def m_vm_lock(self, uid, uname, vmid, level, test=False):
        vm = self.vm("one.vm.lock", vmid)
        if vm.lock:
            raise Failure(ACTION, "[one.vm.lock] Error locking virtual machine [%d]: already locked." % vmid)
        vm.lock = level
        return vmid

    def m_vm_unlock(self, uid, uname, vmid):
        self.vm("one.vm.unlock", vmid).lock = 0
        return vmid

    def pool(self, method, uid, who, start, end, state, filter=""):
        if who < -4:
            raise Failure(XML_RPC_API, "[%s] Incorrect filter_flag." % method)
        vms = []
        for vm in sorted(self.vms.values(), key=lambda vm: vm.id):
            if who in (-3, -1) and vm.uid != uid or who >= 0 and vm.uid != who:
                continue
            if start >= 0 and vm.id < start or end >= 0 and vm.id > end:
                continue
            if state == -1 and vm.state == 6 or state >= 0 and vm.state != state:
                continue
            if filter:
                key, _, value = filter.partition("=")
                attribute = key.split(".")[-1]
                found = single(vm.user_template, attribute) or single(vm.template, attribute) or (vm.name if attribute == "NAME" else None)
                if found != value:
                    continue
            vms.append(vm)
        xml = "<VM_POOL>" + "".join(vm_xml(vm) for vm in vms) + "</VM_POOL>"
        for vm in vms:
            self.poll(vm)
        return xml

    def m_vmpool_infoextended(self, uid, uname, who, start, end, state, filter=""):
        return self.pool("one.vmpool.infoextended", uid, who, start, end, state, filter)

    def m_vmpool_info(self, uid, uname, who, start, end, state, filter=""):
        return self.pool("one.vmpool.info", uid, who, start, end, state, filter)

    # ---- one.vn ----

    def m_vn_allocate(self, uid, uname, text, cluster):
        entries = parse_template(text)
        name = single(entries, "NAME")
        if not name:
            raise Failure(ALLOCATE, "[one.vn.allocate] No NAME in template.")
        if any(v.name == name and v.uid == uid for v in self.vnets.values()):
            taken = next(v.id for v in self.vnets.values() if v.name == name and v.uid == uid)
            raise Failure(ALLOCATE, "[one.vn.allocate] Error allocating a new virtual network. NAME is already taken by NET %d." % taken)
        if not single(entries, "VN_MAD"):
            raise Failure(ALLOCATE, "[one.vn.allocate] Error allocating a new virtual network. No VN_MAD in template.")
        vnid = self.next_vnet
        self.next_vnet += 1
        template = [(k, v) for k, v in entries if k != "NAME"]
        self.vnets[vnid] = VNet(vnid, name, uid, uname, template)
        return vnid

    def m_vn_info(self, uid, uname, vnid, decrypt=False):
        return vnet_xml(self.vnet("one.vn.info", vnid))

    def m_vn_update(self, uid, uname, vnid, text, kind):
        vnet = self.vnet("one.vn.update", vnid)
        vnet.template = merge(vnet.template, parse_template(text), replace=(kind == 0))
        return vnid

    def m_vn_delete(self, uid, uname, vnid):
        vnet = self.vnet("one.vn.delete", vnid)
        if vnet.leases:
            raise Failure(ACTION, "[one.vn.delete] Cannot delete virtual network %d: it has %d leases in use." % (vnid, len(vnet.leases)))
        del self.vnets[vnid]
        return vnid

    def m_vnpool_info(self, uid, uname, who, start, end):
        nets = [v for v in sorted(self.vnets.values(), key=lambda v: v.id)
                if not (who in (-3, -1) and v.uid != uid or who >= 0 and v.uid != who)
                and not (start >= 0 and v.id < start or end >= 0 and v.id > end)]
        return "<VNET_POOL>" + "".join(vnet_xml(v) for v in nets) + "</VNET_POOL>"

    # ---- test control ----

    def control(self, name, args):
        with self.lock:
            if name == "fault":
                method, code, message, count = args
                self.faults.append([method, code, message, count])
            elif name == "drop":
                method, count = args
                self.drops[method] = count
            elif name == "calls":
                return dict(self.calls)
            elif name == "reset_calls":
                self.calls = {}
                with self.flight:
                    self.max_in_flight = 0
            elif name == "freeze_after":
                self.freeze_at = (args[0], args[1])
            elif name == "frozen":
                return self.frozen
            elif name == "thaw":
                self.frozen = False
                self.thaw.set()
            elif name == "max_in_flight":
                return self.max_in_flight
            elif name == "delay":
                self.delay = args[0] / 1000.0
            elif name == "vm_set":
                vmid, key, value = args
                vm = self.vms[vmid]
                vm.template = merge(vm.template, [(key, value)])
            elif name == "vm_state":
                vmid, state, lcm = args
                vm = self.vms[vmid]
                vm.state, vm.lcm, vm.pending = state, lcm, []
            elif name == "vm_lock":
                vmid, level = args
                self.vms[vmid].lock = level
            elif name == "hold_boot":
                self.hold_boot = bool(args[0])
            elif name == "add_image":
                self.images.add(args[0])
            elif name == "template_add":
                template_id, key, value = args
                value = [tuple(pair) for pair in value] if isinstance(value, list) else value
                self.templates[template_id][1].append((key.upper(), value))
            elif name == "fail_image":
                self.images.add(args[0])
                self.failing_images.add(args[0])
            elif name == "vm_template":
                vm = self.vms[args[0]]
                return template_xml(vm.template)
            elif name == "vms":
                return [[vm.id, vm.name, vm.state, vm.lcm] for vm in sorted(self.vms.values(), key=lambda vm: vm.id)]
            else:
                raise xmlrpc.client.Fault(-32601, "unknown control method standin.%s" % name)
            return True


def permissions():
    return ("<OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M>"
            "<GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A>")


def vm_xml(vm):
    """A VM document in vm.xsd's element order."""
    lock = "<LOCK><LOCKED>%d</LOCKED><OWNER>0</OWNER><TIME>0</TIME><REQ_ID>-1</REQ_ID></LOCK>" % vm.lock if vm.lock else ""
    return ("<VM><ID>%d</ID><UID>%d</UID><GID>1</GID><UNAME>%s</UNAME><GNAME>users</GNAME><NAME>%s</NAME>"
            "<PERMISSIONS>%s</PERMISSIONS><LAST_POLL>%d</LAST_POLL><STATE>%d</STATE><LCM_STATE>%d</LCM_STATE>"
            "<PREV_STATE>%d</PREV_STATE><PREV_LCM_STATE>%d</PREV_LCM_STATE><RESCHED>0</RESCHED><STIME>%d</STIME><ETIME>%d</ETIME>"
            "<DEPLOY_ID>%s</DEPLOY_ID>%s<MONITORING/><SCHED_ACTIONS/><TEMPLATE>%s</TEMPLATE><USER_TEMPLATE>%s</USER_TEMPLATE>"
            "<HISTORY_RECORDS/><BACKUPS><BACKUP_CONFIG/><BACKUP_IDS/></BACKUPS></VM>") % (
                vm.id, vm.uid, escape(vm.uname), escape(vm.name), permissions(), vm.last_poll, vm.state, vm.lcm, vm.state, vm.lcm,
                vm.stime, vm.etime, "one-%d" % vm.id if vm.state in (3, 8) else "", lock, template_xml(vm.template),
                template_xml(vm.user_template))


def vnet_xml(vnet):
    """A VNET document in vnet.xsd's element order."""
    ranges = "".join(
        "<AR><AR_ID>%d</AR_ID><IP>%s</IP><MAC>02:00:00:00:00:00</MAC><SIZE>%s</SIZE><TYPE>%s</TYPE><USED_LEASES>%d</USED_LEASES></AR>" % (
            index, dict(ar).get("IP", ""), dict(ar).get("SIZE", "0"), dict(ar).get("TYPE", "IP4"), len(vnet.leases))
        for index, ar in enumerate(vectors(vnet.template, "AR")))
    other = [(k, v) for k, v in vnet.template if k != "AR"]
    return ("<VNET><ID>%d</ID><UID>%d</UID><GID>1</GID><UNAME>%s</UNAME><GNAME>users</GNAME><NAME>%s</NAME>"
            "<PERMISSIONS>%s</PERMISSIONS><CLUSTERS><ID>0</ID></CLUSTERS><BRIDGE>%s</BRIDGE><BRIDGE_TYPE>linux</BRIDGE_TYPE>"
            "<STATE>1</STATE><PREV_STATE>0</PREV_STATE><PARENT_NETWORK_ID/><VN_MAD>%s</VN_MAD><PHYDEV>%s</PHYDEV><VLAN_ID>%s</VLAN_ID>"
            "<OUTER_VLAN_ID/><VLAN_ID_AUTOMATIC>0</VLAN_ID_AUTOMATIC><OUTER_VLAN_ID_AUTOMATIC>0</OUTER_VLAN_ID_AUTOMATIC>"
            "<USED_LEASES>%d</USED_LEASES><VROUTERS/><UPDATED_VMS/><OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS/>"
            "<TEMPLATE>%s</TEMPLATE><AR_POOL>%s</AR_POOL></VNET>") % (
                vnet.id, vnet.uid, escape(vnet.uname), escape(vnet.name), permissions(), escape(single(vnet.template, "BRIDGE", "onebr%d" % vnet.id)),
                escape(single(vnet.template, "VN_MAD", "")), escape(single(vnet.template, "PHYDEV", "")),
                escape(single(vnet.template, "VLAN_ID", "")), len(vnet.leases), template_xml(other), ranges)


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)

    def do_POST(self):
        if not self.is_rpc_path_valid():
            self.report_404()
            return
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        try:
            method = xmlrpc.client.loads(body)[1] or ""
        except Exception:
            method = ""
        world = self.server.world
        if method.startswith("one.") and not world.wait_if_frozen():
            # Frozen for a kill point, then thawed: its client was killed; never processed.
            self.close_connection = True
            return
        world.enter()
        try:
            if world.delay and method.startswith("one."):
                time.sleep(world.delay)  # a slow front-end, so that requests overlap
            response = self.server._marshaled_dispatch(body, getattr(self, "_dispatch", None), self.path)
        finally:
            world.leave()
        if method.startswith("one.") and world.met_freeze():
            # The kill point: this call took effect; its reply waits, and so does every
            # later call, until the test has killed the client and thaws.
            world.wait_if_frozen()
            self.close_connection = True
            return
        if self.server.world.consume_drop(method):
            # The call took effect; its reply is lost.
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-type", "text/xml")
        self.send_header("Content-length", str(len(response)))
        self.end_headers()
        self.wfile.write(response)

    def log_message(self, format, *args):
        sys.stderr.write("standin: %s\n" % (format % args))


class Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True

    def __init__(self, address, world):
        self.world = world
        SimpleXMLRPCServer.__init__(self, address, requestHandler=Handler, logRequests=False, allow_none=False)

    def _dispatch(self, method, params):
        if method.startswith("standin."):
            return self.world.control(method[len("standin."):], list(params))
        if method not in SIGNATURES:
            raise xmlrpc.client.Fault(-506, "Method %s not defined" % method)
        return self.world.call(method, list(params))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=2633)
    parser.add_argument("--session", action="append", default=[], help="user:password that authenticates (repeatable)")
    parser.add_argument("--readonly-session", action="append", default=[], help="user:password that may only read")
    parser.add_argument("--image", action="append", default=[], help="an image name VMs may use")
    parser.add_argument("--failing-image", action="append", default=[], help="an image whose VMs go to PROLOG_FAILURE")
    parser.add_argument("--template", action="append", default=[], help="ID:NAME:IMAGE, a VM template of that image")
    parser.add_argument("--vm-quota", type=int, default=None)
    parser.add_argument("--polls-per-step", type=int, default=1, help="polls a VM takes for each step of a transition")
    parser.add_argument("--hot-resize", action="store_true", help="resize running VMs (else only POWEROFF ones)")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    users = {}
    for index, session in enumerate(args.session + args.readonly_session):
        users[session] = (index, session.split(":", 1)[0])
    templates = {}
    for text in args.template:
        number, name, image = text.split(":", 2)
        templates[int(number)] = (name, [("CPU", "1"), ("VCPU", "1"), ("MEMORY", "512"), ("DISK", [("IMAGE", image)]),
                                         ("OS", [("ARCH", "x86_64")]), ("CPU_MODEL", [("MODEL", "host-passthrough")])])
    images = args.image + args.failing_image + [text.split(":", 2)[2] for text in args.template]
    world = World(users, set(args.readonly_session), images, templates, args.failing_image, args.vm_quota, args.hot_resize, args.polls_per_step)
    server = Server(("127.0.0.1", args.port), world)
    if args.tls_cert:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    sys.stderr.write("standin: listening on 127.0.0.1:%d\n" % server.server_address[1])
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
