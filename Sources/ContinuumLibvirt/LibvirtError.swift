import CLibvirt
import ContinuumProvider

/// A failed libvirt call: what was being done, libvirt's error code and message.
public struct LibvirtError: Error, Sendable, CustomStringConvertible {
    /// What Continuum was doing (`define the domain web-1`).
    public var operation: String
    /// libvirt's `virErrorNumber`, 0 when it set none.
    public var code: Int32
    /// libvirt's message.
    public var message: String

    public var description: String { "cannot \(operation): \(message)" }

    /// The error libvirt recorded for this thread's last call. It is copied before
    /// `operation` is evaluated: any libvirt call (even reading a name) clears it.
    static func last(_ operation: @autoclosure () -> String) -> LibvirtError {
        guard let error = virGetLastError() else { return LibvirtError(operation: operation(), code: 0, message: "libvirt gave no reason") }
        let code = error.pointee.code
        let message = error.pointee.message.map { String(cString: $0) } ?? "error \(code)"
        return LibvirtError(operation: operation(), code: code, message: message)
    }

    /// Whether the object asked for does not exist.
    var isNotFound: Bool {
        [VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK, VIR_ERR_NO_STORAGE_VOL, VIR_ERR_NO_DOMAIN_METADATA].map { Int32($0.rawValue) }.contains(code)
    }

    /// Whether the connection itself failed (the next call opens a new one).
    var isConnectionLost: Bool {
        [VIR_ERR_NO_CONNECT, VIR_ERR_RPC, VIR_ERR_SYSTEM_ERROR, VIR_ERR_OPERATION_TIMEOUT].map { Int32($0.rawValue) }.contains(code)
    }

    /// The provider error it means, with a remedy.
    func providerError(_ provider: String) -> ProviderError {
        if isConnectionLost {
            return ProviderError(.unavailable, provider: provider, message: description, remedy: "check spec.config.uri and that libvirtd runs and is reachable")
        }
        if isNotFound {
            return ProviderError(.notFound, provider: provider, message: description, remedy: "it is gone from the hypervisor")
        }
        if code == Int32(VIR_ERR_NO_SUPPORT.rawValue) || code == Int32(VIR_ERR_CONFIG_UNSUPPORTED.rawValue) {
            return ProviderError(.invalidRequest, provider: provider, message: description, remedy: "this hypervisor or libvirt driver cannot do it; see libvirt's message")
        }
        return ProviderError(.invalidRequest, provider: provider, message: description, remedy: "see libvirt's message; fix the spec or the host")
    }
}
