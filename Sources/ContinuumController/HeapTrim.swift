#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory a reconcile freed back to the system. A reconcile of 100,000
/// resources allocates and frees gigabytes (the state decoded, the plan, the load), and
/// glibc's allocator keeps freed pages in its arenas, so the controller's resident set
/// stayed at its high-water mark between reconciles; glibc's `malloc_trim` returns the free
/// pages. It is looked up at run time (Swift's Glibc module does not import `malloc.h`);
/// without it (another C library) nothing is done.
enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    static func afterReconcile() {
        _ = trim?(0)
    }
}
