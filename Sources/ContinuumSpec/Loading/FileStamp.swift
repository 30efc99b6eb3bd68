#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says of a file, as Git's index keeps it: when size, inode, modification
/// and change times are all the same as when the file was last hashed, its content is
/// taken to be the same without reading it. A file modified close to when it was hashed
/// is "racy" (file times are kept at the kernel's coarse clock, a few milliseconds) and is
/// hashed again, as Git does.
struct FileStamp: Sendable, Hashable {
    var size: Int
    var inode: UInt64
    var device: UInt64
    var modified: Int64
    var changed: Int64

    /// The stamp of the file `status` describes.
    init(_ status: stat) {
        size = Int(status.st_size)
        inode = UInt64(status.st_ino)
        device = UInt64(status.st_dev)
        #if canImport(Darwin)
        modified = Self.nanoseconds(status.st_mtimespec)
        changed = Self.nanoseconds(status.st_ctimespec)
        #else
        modified = Self.nanoseconds(status.st_mtim)
        changed = Self.nanoseconds(status.st_ctim)
        #endif
    }

    /// Whether the file was modified or changed so close to `hashedAt` (nanoseconds of
    /// wall-clock time) that a later write could leave the same times.
    func isRacy(hashedAt: Int64) -> Bool {
        max(modified, changed) >= hashedAt - Self.racyWindow
    }

    /// Wider than any kernel's coarse clock tick.
    static let racyWindow: Int64 = 50_000_000

    /// The wall-clock time now, in nanoseconds, as file times are kept.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return nanoseconds(time)
    }

    private static func nanoseconds(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
