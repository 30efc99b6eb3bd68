import Foundation

/// Closes every descriptor from a number on in a spawned child: glibc's
/// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later, which the Swift Glibc module
/// does not export, so it is found at run time), or on an older C library one close action
/// per descriptor open in this process now (`/proc/self/fd`).
enum DescriptorCloser {
    /// The C function's type.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// The function, or nil where the C library lacks it.
    static let closeFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Adds to `actions` the closing of every descriptor numbered `first` or more.
    static func closeAll(from first: Int32, in actions: inout posix_spawn_file_actions_t) {
        if let closeFrom, closeFrom(&actions, first) == 0 { return }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor >= first {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }
}
