import Foundation

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which the Swift
/// Glibc module does not export: found at run time, absent on an older C library.
enum DescriptorCloser {
    /// The C function's type.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// The function, or nil where the C library lacks it.
    static let closeFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
