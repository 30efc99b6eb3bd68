#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a spec file (or `.continuumignore`) was refused without being read, or not read in
/// full. Each case becomes one diagnostic at the file; none quotes the file's content or
/// where a link points, so nothing outside the repository is echoed.
enum SpecFileError: Error, Sendable, Hashable {
    /// The path is a symbolic link; links are never followed.
    case symbolicLink
    /// The path is something other than a regular file (a FIFO, a socket, a device, a
    /// directory); it is never read, so it cannot block or stream without end.
    case notRegularFile(kind: String)
    /// `stat` says the file is `size` bytes, over the per-file limit.
    case tooLarge(size: Int, limit: Int)
    /// Reading found more bytes than the per-file limit, whatever `stat` said.
    case grewPastLimit(limit: Int)
    /// The file could not be opened or read (`errno`).
    case unreadable(code: Int32)

    /// What is wrong and what to do, for a diagnostic at the file.
    var message: String {
        switch self {
        case .symbolicLink:
            "a symbolic link; spec files and directories must be regular files and directories in the repository, and links are never followed: "
                + "commit the file or directory itself in place of the link, or exclude the path with \(RepositoryScanner.ignoreFileName)"
        case .notRegularFile(let kind):
            "\(kind), not a regular file; it is not read: replace it with a regular file, or exclude the path with \(RepositoryScanner.ignoreFileName)"
        case .tooLarge(let size, let limit):
            "file is \(size) bytes, over the limit of \(limit) bytes; split it into smaller files"
        case .grewPastLimit(let limit):
            "file is larger than the limit of \(limit) bytes (more than its size when it was listed); split it into smaller files"
        case .unreadable(let code) where code == ENOENT:
            "cannot read the file: it no longer exists; check that nothing changes the repository while it is loaded"
        case .unreadable:
            "cannot read the file: \(reason); check that it is readable"
        }
    }

    /// The system's words for an `unreadable` error; the message otherwise.
    var reason: String {
        if case .unreadable(let code) = self { String(cString: strerror(code)) } else { message }
    }

    /// The error for a file whose `lstat` or `fstat` gave `status`, if it is refused.
    static func refusal(of status: stat, limit: Int) -> SpecFileError? {
        let type = status.st_mode & S_IFMT
        switch type {
        case S_IFREG:
            let size = Int(status.st_size)
            return size > limit ? .tooLarge(size: size, limit: limit) : nil
        case S_IFLNK: return .symbolicLink
        default: return .notRegularFile(kind: kind(of: type))
        }
    }

    /// The name of an `S_IFMT` file type that is not a regular file or a link, with its
    /// article.
    static func kind(of type: mode_t) -> String {
        switch type {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "a special file"
        }
    }
}
