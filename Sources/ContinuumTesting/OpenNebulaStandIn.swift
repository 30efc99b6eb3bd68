import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The OpenNebula stand-in (`scripts/opennebula_standin.py`, Python's `xmlrpc.server`
/// following the XML-RPC API reference) on a free loopback port: the front-end the
/// opennebula provider's tests talk to, as no `oned` can run here. VM states move on
/// polls, not time, and the tests steer faults through its `standin.*` methods.
public final class OpenNebulaStandIn: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The log it writes, for a failing test's message.
    public let log: URL
    private let process: SpawnedProcess

    /// The stand-in script.
    public static var script: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/opennebula_standin.py").path
    }

    /// Starts it under `directory` with `arguments` (`--session`, `--image`, `--template`,
    /// `--failing-image`, `--readonly-session`, `--vm-quota`, `--hot-resize`), waiting
    /// until it answers.
    public init(in directory: URL, arguments: [String]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log = directory.appendingPathComponent("opennebula-standin.log")
        let python = FileManager.default.isExecutableFile(atPath: SushyEmulator.python) ? SushyEmulator.python : "/usr/bin/python3"
        // Port 0: the kernel picks a free port and the stand-in names it in its log, so that
        // it never takes a port another test peer picked at random (whose check would then
        // find the stand-in answering instead of itself).
        let process = try SpawnedProcess([python, Self.script, "--port", "0"] + arguments, log: log)
        let announced = AnnouncedPort.wait(for: process, log: log) { line in
            line.hasPrefix("standin: listening on 127.0.0.1:") ? Int(line.split(separator: ":").last ?? "") : nil
        }
        if let announced {
            self.process = process
            self.port = announced
            return
        }
        process.stop()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw FixtureError(message: "the OpenNebula stand-in did not start on loopback:\n\(output.suffix(2000))")
    }

    /// The XML-RPC endpoint a provider's `endpoint` names.
    public var endpoint: String { "http://127.0.0.1:\(port)/RPC2" }

    /// Posts an XML-RPC `methodCall` document and returns the response's bytes.
    public func post(_ body: String) async throws -> Data {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml")
        // Not pooled: stand-ins come and go, and a later one may take a port an earlier one
        // had, where a kept connection would meet a reset.
        request.headers.add(name: "Connection", value: "close")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Data(bytes.readableBytesView)
    }

    /// Kills it (SIGKILL, by its process id).
    public func stop() {
        process.stop()
    }
}
