import Foundation

/// Writes bytes to a file descriptor as they come (standard output, or a file created for
/// a saved plan), with `write(2)` retried on interruption and short writes; what would
/// otherwise be held whole in memory (a plan of 100,000 resources) is streamed instead.
struct StreamedOutput {
    /// Why a write failed: the path (or "standard output") and the system's reason.
    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String { "\(path): error: cannot write: \(String(cString: strerror(code))); check the directory exists, is writable and has room" }
    }

    let descriptor: Int32
    let path: String

    /// Standard output.
    static let standardOutput = StreamedOutput(descriptor: STDOUT_FILENO, path: "standard output")

    /// Writes `bytes` whole.
    /// - Throws: `WriteError`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = Glibc.write(descriptor, base, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, code: errno)
            }
            left -= written
            base += written
        }
    }

    /// Writes `text` as UTF-8.
    /// - Throws: `WriteError`.
    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Creates the file at `path` through a temporary file next to it, hands `body` an
    /// output to it, and moves it into place only when `body` succeeded: a failed or
    /// interrupted write never leaves a truncated file under `path`.
    /// - Throws: `WriteError`, or what `body` throws.
    static func replacingFile(at path: String, _ body: (StreamedOutput) throws -> Void) throws {
        let temporary = path + ".partial-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw WriteError(path: path, code: errno) }
        do {
            try body(StreamedOutput(descriptor: descriptor, path: path))
            guard fsync(descriptor) == 0 else { throw WriteError(path: path, code: errno) }
            close(descriptor)
            guard rename(temporary, path) == 0 else { throw WriteError(path: path, code: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
    }
}

/// Collects small pieces of text into chunks of about 64 KiB before writing them.
struct BufferedText {
    let output: StreamedOutput
    private var buffer = ""

    init(_ output: StreamedOutput) {
        self.output = output
        buffer.reserveCapacity(1 << 17)
    }

    mutating func append(_ text: String) throws {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        try output.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
