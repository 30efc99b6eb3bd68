import Foundation

/// Which libvirt URIs are safe without the operator's explicit leave: transports and
/// parameters that make libvirt run a program (`ext`, `command=`, `netcat=`), use another
/// socket or key (`socket=`, `keyfile=`), skip host verification (`no_verify=`), or read
/// any host file (`test:///path`) are not.
enum LibvirtURIPolicy {
    static let unsafeParameters = ["command", "socket", "netcat", "keyfile", "no_verify", "pkipath", "known_hosts", "proxy"]

    /// Why `uri` is unsafe, or nil.
    static func problem(with uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased() else {
            return "'\(uri)' is not a libvirt URI"
        }
        let parts = scheme.split(separator: "+", maxSplits: 1).map(String.init)
        if parts.first == "test" { return "the test driver reads a host file of the URI's choosing" }
        if parts.count > 1, parts[1] == "ext" { return "the ext transport runs a program" }
        for item in components.queryItems ?? [] where unsafeParameters.contains(item.name.lowercased()) {
            return "the URI parameter \(item.name)= changes how libvirt connects"
        }
        return nil
    }
}
