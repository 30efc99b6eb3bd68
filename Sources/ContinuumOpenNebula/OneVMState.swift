/// A VM's `STATE` and `LCM_STATE`, with the names OpenNebula's documentation gives them
/// (vm_states) and what Continuum makes of them.
struct OneVMState: Sendable, Hashable, CustomStringConvertible {
    var state: Int
    var lcmState: Int

    static let stateNames = [
        0: "INIT", 1: "PENDING", 2: "HOLD", 3: "ACTIVE", 4: "STOPPED", 5: "SUSPENDED", 6: "DONE", 8: "POWEROFF", 9: "UNDEPLOYED",
        10: "CLONING", 11: "CLONING_FAILURE",
    ]

    static let lcmNames = [
        0: "LCM_INIT", 1: "PROLOG", 2: "BOOT", 3: "RUNNING", 4: "MIGRATE", 5: "SAVE_STOP", 6: "SAVE_SUSPEND", 7: "SAVE_MIGRATE",
        8: "PROLOG_MIGRATE", 9: "PROLOG_RESUME", 10: "EPILOG_STOP", 11: "EPILOG", 12: "SHUTDOWN", 15: "CLEANUP_RESUBMIT", 16: "UNKNOWN",
        17: "HOTPLUG", 18: "SHUTDOWN_POWEROFF", 19: "BOOT_UNKNOWN", 20: "BOOT_POWEROFF", 21: "BOOT_SUSPENDED", 22: "BOOT_STOPPED",
        23: "CLEANUP_DELETE", 24: "HOTPLUG_SNAPSHOT", 25: "HOTPLUG_NIC", 26: "HOTPLUG_SAVEAS", 27: "HOTPLUG_SAVEAS_POWEROFF",
        28: "HOTPLUG_SAVEAS_SUSPENDED", 29: "SHUTDOWN_UNDEPLOY", 30: "EPILOG_UNDEPLOY", 31: "PROLOG_UNDEPLOY", 32: "BOOT_UNDEPLOY",
        33: "HOTPLUG_PROLOG_POWEROFF", 34: "HOTPLUG_EPILOG_POWEROFF", 35: "BOOT_MIGRATE", 36: "BOOT_FAILURE", 37: "BOOT_MIGRATE_FAILURE",
        38: "PROLOG_MIGRATE_FAILURE", 39: "PROLOG_FAILURE", 40: "EPILOG_FAILURE", 41: "EPILOG_STOP_FAILURE", 42: "EPILOG_UNDEPLOY_FAILURE",
        43: "PROLOG_MIGRATE_POWEROFF", 44: "PROLOG_MIGRATE_POWEROFF_FAILURE", 45: "PROLOG_MIGRATE_SUSPEND", 46: "PROLOG_MIGRATE_SUSPEND_FAILURE",
        47: "BOOT_UNDEPLOY_FAILURE", 48: "BOOT_STOPPED_FAILURE", 49: "PROLOG_RESUME_FAILURE", 50: "PROLOG_UNDEPLOY_FAILURE",
        51: "DISK_SNAPSHOT_POWEROFF", 52: "DISK_SNAPSHOT_REVERT_POWEROFF", 53: "DISK_SNAPSHOT_DELETE_POWEROFF", 54: "DISK_SNAPSHOT_SUSPENDED",
        55: "DISK_SNAPSHOT_REVERT_SUSPENDED", 56: "DISK_SNAPSHOT_DELETE_SUSPENDED", 57: "DISK_SNAPSHOT", 58: "DISK_SNAPSHOT_REVERT",
        59: "DISK_SNAPSHOT_DELETE", 60: "PROLOG_MIGRATE_UNKNOWN", 61: "PROLOG_MIGRATE_UNKNOWN_FAILURE", 62: "DISK_RESIZE",
        63: "DISK_RESIZE_POWEROFF", 64: "DISK_RESIZE_UNDEPLOYED", 65: "HOTPLUG_NIC_POWEROFF", 66: "HOTPLUG_RESIZE", 67: "HOTPLUG_SAVEAS_UNDEPLOYED",
        68: "HOTPLUG_SAVEAS_STOPPED", 69: "BACKUP", 70: "BACKUP_POWEROFF",
    ]

    /// `STATE=3` (ACTIVE) and `LCM_STATE=3` (RUNNING): what a create waits for.
    var isRunning: Bool { state == 3 && lcmState == 3 }
    /// `STATE=8` (POWEROFF).
    var isPoweredOff: Bool { state == 8 }
    /// Not running and not meant to until resumed: POWEROFF, STOPPED, SUSPENDED or
    /// UNDEPLOYED (`STATE` 8, 4, 5, 9), all of which `resume` brings back.
    var isOff: Bool { [4, 5, 8, 9].contains(state) }
    /// `LCM_STATE=16` (UNKNOWN): the host lost track of it.
    var isUnknown: Bool { state == 3 && lcmState == 16 }
    /// `spec.power` as observed: `off` while off (`isOff`), `failed` in a FAILURE state,
    /// `unknown` in UNKNOWN (neither is a spec value, so such a VM always shows drift), else `on`.
    var power: String { isFailure ? "failed" : isUnknown ? "unknown" : isOff ? "off" : "on" }
    /// `STATE=6` (DONE): terminated.
    var isDone: Bool { state == 6 }
    /// A state the VM does not leave by itself: CLONING_FAILURE, or an LCM state whose name
    /// ends in FAILURE (BOOT_FAILURE, PROLOG_FAILURE, ...).
    var isFailure: Bool { state == 11 || (state == 3 && (Self.lcmNames[lcmState] ?? "").hasSuffix("FAILURE")) }

    /// `RUNNING`, `POWEROFF`, `PENDING`, `PROLOG_FAILURE`: the LCM state's name while ACTIVE, else the state's.
    var description: String {
        state == 3 ? Self.lcmNames[lcmState] ?? "ACTIVE/\(lcmState)" : Self.stateNames[state] ?? "STATE \(state)"
    }
}
