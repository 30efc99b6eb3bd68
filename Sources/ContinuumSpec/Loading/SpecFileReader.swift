#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads spec files without trusting them: a link is never followed, nothing but a regular
/// file is opened for reading, and no read goes past the per-file limit whatever `stat`
/// says (files under `/proc` say 0 bytes and never end).
///
/// A path is first looked at with `lstat` (`status(of:limit:)`), which follows no link and
/// reads nothing; that stamp is what the load cache compares, so an unchanged file costs
/// one `lstat`. A file that has to be read is opened with
/// `O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC` (a link fails with `ELOOP`, a FIFO opens
/// without waiting for a writer), `fstat` must say it is a regular file, and at most
/// `limit + 1` bytes are read from it (`contents(of:limit:)`).
enum SpecFileReader {
    /// The stamp of the file at `path`, not following a link; or why it is refused: a link,
    /// not a regular file, over `limit` bytes, or gone.
    static func status(of path: String, limit: Int) -> Result<FileStamp, SpecFileError> {
        var status = stat()
        guard lstat(path, &status) == 0 else { return .failure(.unreadable(code: errno)) }
        if let refusal = SpecFileError.refusal(of: status, limit: limit) { return .failure(refusal) }
        return .success(FileStamp(status))
    }

    /// The bytes of the regular file at `path` and its stamp as `fstat` gave it when it was
    /// opened.
    ///
    /// - Throws: `SpecFileError` when `path` is a link, not a regular file, or unreadable,
    ///   or holds more than `limit` bytes (found by `fstat`, or by reading `limit + 1`).
    static func contents(of path: String, limit: Int) throws(SpecFileError) -> (bytes: [UInt8], stamp: FileStamp) {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw code == ELOOP ? .symbolicLink : .unreadable(code: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(code: errno) }
        if let refusal = SpecFileError.refusal(of: status, limit: limit) { throw refusal }
        let stamp = FileStamp(status)
        // Room for what stat says and one byte more, so that one more read sees the end;
        // grown (up to limit + 1) only for a file longer than stat said.
        var bytes = [UInt8](repeating: 0, count: min(max(stamp.size, 0), limit) + 1)
        var count = 0
        while count <= limit {
            if count == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: min(max(count, 4096), limit + 1 - count)))
            }
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + count, buffer.count - count)
            }
            if got > 0 {
                count += got
            } else if got == 0 {
                break
            } else if errno != EINTR {
                throw .unreadable(code: errno)
            }
        }
        if count > limit { throw .grewPastLimit(limit: limit) }
        bytes.removeLast(bytes.count - count)
        return (bytes, stamp)
    }
}
