import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The real Redfish emulator from OpenStack (`sushy-emulator`, PyPI `sushy-tools`) on a
/// free loopback port, with its fake driver serving `systems` machines, all powered off:
/// the BMC the Redfish provider's tests talk to. Optionally Basic auth (a bcrypt htpasswd
/// file) and HTTPS (a self-signed certificate for 127.0.0.1, in `certificate`).
/// scripts/test.sh installs sushy-tools into the venv that `CONTINUUM_PYTHON` points at.
public final class SushyEmulator: Sendable {
    /// The `uuid` of each system; its path is `/redfish/v1/Systems/<uuid>`.
    public let systems: [String]
    /// The port it listens on.
    public let port: Int
    /// The PEM certificate it serves, when it speaks HTTPS.
    public let certificate: URL?
    /// The log it writes (requests and errors), for a failing test's message.
    public let log: URL
    private let login: (username: String, password: String)?
    private let process: SpawnedProcess

    /// Writes its configuration under `directory` and starts it, waiting until it answers.
    public init(in directory: URL, systems count: Int = 2, login: (username: String, password: String)? = nil, https: Bool = false) throws {
        let base = directory.appendingPathComponent("sushy")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let python = Self.python
        let emulator = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("sushy-emulator").path
        guard FileManager.default.isExecutableFile(atPath: emulator) else {
            throw FixtureError(message: "\(emulator) is missing: run the tests with scripts/test.sh, which installs sushy-tools from PyPI")
        }
        systems = (0..<count).map { _ in UUID().uuidString.lowercased() }
        self.login = login
        let systemsLiteral = systems.enumerated().map { index, uuid in
            "{'uuid': '\(uuid)', 'name': 'node-\(index)', 'power_state': 'Off', 'nics': [{'mac': '52:54:00:00:00:\(String(format: "%02x", index))', 'ip': '10.0.0.\(index + 10)'}]}"
        }.joined(separator: ", ")
        var settings = """
            SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'
            SUSHY_EMULATOR_FAKE_DRIVER = True
            SUSHY_EMULATOR_STATE_DIR = '\(base.appendingPathComponent("state").path)'
            SUSHY_EMULATOR_FAKE_SYSTEMS = [\(systemsLiteral)]

            """
        if let login {
            let hash = try GitFixture.run([python, "-c", "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())", login.password], in: base)
            let passwords = base.appendingPathComponent("htpasswd")
            try Data("\(login.username):\(hash.trimmingCharacters(in: .whitespacesAndNewlines))\n".utf8).write(to: passwords)
            settings += "SUSHY_EMULATOR_AUTH_FILE = '\(passwords.path)'\n"
        }
        if https {
            let key = base.appendingPathComponent("key.pem"), certificate = base.appendingPathComponent("certificate.pem")
            _ = try GitFixture.run([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path,
            ], in: base)
            settings += "SUSHY_EMULATOR_SSL_CERT = '\(certificate.path)'\nSUSHY_EMULATOR_SSL_KEY = '\(key.path)'\n"
            self.certificate = certificate
        } else {
            self.certificate = nil
        }
        log = base.appendingPathComponent("emulator.log")
        let config = base.appendingPathComponent("emulator.conf")
        if let started = try SpawnedProcess.listening(log: log, { port in
            try Data((settings + "SUSHY_EMULATOR_LISTEN_PORT = \(port)\n").utf8).write(to: config)
            return [emulator, "--config", config.path]
        }) {
            (process, port) = started
            return
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw FixtureError(message: "sushy-emulator did not start on loopback:\n\(output.suffix(2000))")
    }

    /// The Python of the test venv (scripts/test.sh sets `CONTINUUM_PYTHON`), else the one
    /// scripts/test.sh would make.
    public static var python: String {
        if let python = ProcessInfo.processInfo.environment["CONTINUUM_PYTHON"] { return python }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/test-python/bin/python3").path
    }

    /// The base URL a provider's `endpoint` names.
    public var endpoint: String { "\(certificate == nil ? "http" : "https")://127.0.0.1:\(port)" }

    /// The path of system `index`.
    public func systemPath(_ index: Int) -> String { "/redfish/v1/Systems/\(systems[index])" }

    /// The emulator's own view of a resource: a GET of `path`, as a JSON object (plain
    /// HTTP only).
    public func get(_ path: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: endpoint + path)
        if let login {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(login.username):\(login.password)".utf8).base64EncodedString())
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok, let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw FixtureError(message: "GET \(path): \(response.status)")
        }
        return object
    }

    /// The power state the emulator reports for system `index` (`On` or `Off`).
    public func powerState(_ index: Int) async throws -> String? {
        try await get(systemPath(index))["PowerState"] as? String
    }

    /// The emulator's virtual CD of system `index`.
    public func cd(_ index: Int) async throws -> [String: Any] {
        try await get(systemPath(index) + "/VirtualMedia/Cd")
    }

    /// The system's `Boot` object.
    public func boot(_ index: Int) async throws -> [String: Any] {
        try await get(systemPath(index))["Boot"] as? [String: Any] ?? [:]
    }

    /// Stops the emulator.
    public func stop() { process.stop() }
}
