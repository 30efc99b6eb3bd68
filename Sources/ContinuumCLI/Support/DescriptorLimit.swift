#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files (`RLIMIT_NOFILE`) next to what the HTTP listeners may
/// hold: their connection caps are meant to keep the rest of the process (Git, SQLite,
/// provider connections and programs) in descriptors, so the caps and a reserve must fit.
enum DescriptorLimit {
    /// Descriptors kept for everything but HTTP connections.
    static let reserve = 128

    /// Makes room for `connections` HTTP connections and the reserve: raises the soft limit
    /// (up to the hard one) when they do not fit under it, as the Go runtime does.
    /// - Returns: a warning when they still do not fit, nil when they do.
    static func accommodate(connections: Int) -> String? {
        let needed = connections + reserve
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        let infinity = rlim_t.max  // RLIM_INFINITY, which Swift does not import on Linux
        #else
        let resource = RLIMIT_NOFILE
        let infinity = RLIM_INFINITY
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur == infinity || limit.rlim_cur >= rlim_t(needed) { return nil }
        var raised = limit
        raised.rlim_cur = limit.rlim_max == infinity ? rlim_t(needed) : min(limit.rlim_max, rlim_t(needed))
        var available = limit.rlim_cur
        if raised.rlim_cur > available, setrlimit(resource, &raised) == 0 { available = raised.rlim_cur }
        guard available < rlim_t(needed) else { return nil }
        return "the open-file limit is \(available) but the HTTP listeners may hold \(connections) connections and the rest of the controller needs about "
            + "\(reserve) more: a flood of connections could leave Git and the state store without descriptors; lower --http-max-connections or raise the limit (ulimit -n)"
    }
}
