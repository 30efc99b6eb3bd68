import Foundation

/// Looks processes up in `/proc`, for tests that check what a process left running.
public enum ProcessTable {
    /// Whether process `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let state = stat.split(separator: ")").last?.split(separator: " ").first else { return false }
        return state != "Z" && state != "X"
    }
}
