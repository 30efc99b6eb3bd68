import CLibvirt
import Dispatch
import Synchronization

/// One open libvirt connection. libvirt's calls block (on a remote host, for a network
/// round trip), so they run on a serial queue of the connection's own, never on the Swift
/// concurrency pool; `run` hands a block the connection there and resumes with its result.
/// Every libvirt call made through `Session` is counted (`calls`).
final class LibvirtConnection: Sendable {
    /// The URI it was opened with.
    let uri: String
    private let pointer: Pointer
    private let queue: DispatchQueue
    private let counter = CallCounter()

    /// Opens the connection.
    init(uri: String) throws(LibvirtError) {
        LibvirtConnection.silenceDefaultErrorOutput
        guard let opened = virConnectOpen(uri) else { throw LibvirtError.last("connect to \(uri)") }
        self.uri = uri
        self.pointer = Pointer(opened)
        self.queue = DispatchQueue(label: "continuum.libvirt.\(uri)")
    }

    deinit { virConnectClose(pointer.value) }

    /// The libvirt calls made so far.
    var calls: Int { counter.count.load(ordering: .relaxed) }

    /// Whether the connection still works (a remote one may have dropped).
    var isAlive: Bool { virConnectIsAlive(pointer.value) == 1 }

    /// Runs `body` with the connection on the connection's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (Session) throws(LibvirtError) -> T) async throws(LibvirtError) -> T {
        let pointer = self.pointer
        let counter = self.counter
        let result: Result<T, LibvirtError> = await withCheckedContinuation { continuation in
            queue.async {
                let session = Session(connection: pointer.value, counter: counter)
                do throws(LibvirtError) {
                    continuation.resume(returning: .success(try body(session)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// libvirt prints every error to standard error unless told otherwise; Continuum
    /// reports them itself, with what it was doing.
    private static let silenceDefaultErrorOutput: Void = {
        virSetErrorFunc(nil) { _, _ in }
    }()
}

/// A C pointer that is only used on the connection's queue (or for close once unused).
struct Pointer: @unchecked Sendable {
    let value: virConnectPtr
    init(_ value: virConnectPtr) { self.value = value }
}
