import Foundation

/// Where the CLI writes: standard output and error, and whether colour is wanted.
enum Terminal {
    /// Writes to standard output.
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Colour only on a TTY, and never with `NO_COLOR` set (https://no-color.org).
    static var wantsColour: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }
}
