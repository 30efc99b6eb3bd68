import Foundation

/// Whether a spawned peer itself listens on a loopback port, read from `/proc`: a
/// connection that succeeds proves only that something listens there, and with ports
/// picked at random that may be another test's peer (which then answers, say, 401).
enum ListeningSocket {
    /// Whether a process of the process group `group` (a `SpawnedProcess` leads its own)
    /// holds a socket listening on `port`.
    static func isOwned(port: Int, byGroup group: pid_t) -> Bool {
        isOwned(port: port, byAnyOf: members(of: group))
    }

    /// Whether one of `processes` holds a socket listening on `port`.
    static func isOwned(port: Int, byAnyOf processes: [pid_t]) -> Bool {
        let inodes = listeningInodes(port: port)
        guard !inodes.isEmpty else { return false }
        return processes.contains { pid in
            let directory = "/proc/\(pid)/fd"
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return false }
            return descriptors.contains { descriptor in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(descriptor)"),
                    target.hasPrefix("socket:["), target.hasSuffix("]")
                else { return false }
                return inodes.contains(String(target.dropFirst(8).dropLast()))
            }
        }
    }

    /// The inodes of the sockets in state LISTEN on `port`, IPv4 and IPv6.
    private static func listeningInodes(port: Int) -> Set<String> {
        let suffix = ":" + String(format: "%04X", port)
        var inodes = Set<String>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = contents(of: table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[3] == "0A", fields[1].hasSuffix(suffix) else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        return inodes
    }

    /// The processes whose process group is `group`.
    private static func members(of group: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [group] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let stat = contents(of: "/proc/\(pid)/stat"),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "pid (comm)": state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && pid_t(fields[2]) == group ? pid : nil
        }
    }

    /// A `/proc` file read to its end: they report no size, and reading by size stops at a page.
    private static func contents(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
    }
}
