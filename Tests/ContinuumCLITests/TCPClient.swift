import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
private let systemConnect = Glibc.connect
#elseif canImport(Darwin)
import Darwin
private let systemConnect = Darwin.connect
#endif

/// Bare TCP connections to a controller under test, through the socket API: many of them,
/// sending nothing, and a wait (on a thread of its own) until the server has closed them.
enum TCPClient {
    /// Connects to 127.0.0.1:`port`; the kernel accepts into the listener's backlog whatever the server does.
    static func connect(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw CLIRunnerError(message: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw CLIRunnerError(message: "connect to port \(port): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Waits until the server has closed `count` of `descriptors` (end of stream or reset);
    /// returns those it closed. Blocks a Dispatch thread, not the caller's.
    static func waitUntilClosedByServer(_ descriptors: [Int32], count: Int) async -> Set<Int32> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var closed: Set<Int32> = []
                var buffer = [UInt8](repeating: 0, count: 512)
                while closed.count < count {
                    var polls = descriptors.filter { !closed.contains($0) }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                    guard poll(&polls, nfds_t(polls.count), -1) > 0 else { continue }
                    for entry in polls where entry.revents != 0 {
                        if recv(entry.fd, &buffer, buffer.count, 0) <= 0 { closed.insert(entry.fd) }
                    }
                }
                continuation.resume(returning: closed)
            }
        }
    }
}
