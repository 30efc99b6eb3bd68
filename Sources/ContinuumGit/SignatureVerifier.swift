import CLibGit2
import Foundation

/// Checks a commit's OpenPGP signature against a keyring with `gpgv`, GnuPG's verify-only
/// tool that trusts exactly the keys it is given (as git's own `verify-commit` runs gpg).
/// libgit2 extracts the signature and the signed bytes. An unsigned commit, a bad
/// signature or a key not in the keyring is an error that names the commit.
struct SignatureVerifier {
    let keyringPath: String

    func verify(_ oid: UnsafePointer<git_oid>, sha: String, repository: OpaquePointer) throws(GitError) {
        var signature = git_buf()
        var signed = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signed)
        }
        var id = oid.pointee
        let status = git_commit_extract_signature(&signature, &signed, repository, &id, nil)
        guard status == 0 else {
            throw GitError(operation: "use commit \(sha.prefix(12))", message: "the commit is not signed, and --verify-signatures requires signed commits",
                remedy: "sign commits (git commit -S) with a key in the keyring", commit: sha)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-gpgv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let signatureFile = directory.appendingPathComponent("commit.sig")
        let dataFile = directory.appendingPathComponent("commit.data")
        let keyring = directory.appendingPathComponent("keyring.gpg")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Data(bytes: signature.ptr, count: signature.size).write(to: signatureFile)
            try Data(bytes: signed.ptr, count: signed.size).write(to: dataFile)
            try Self.binaryKeyring(at: keyringPath).write(to: keyring)
        } catch let error as GitError {
            throw error
        } catch {
            throw GitError(operation: "verify commit \(sha.prefix(12))", message: error.localizedDescription, remedy: "check the temporary directory", commit: sha)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gpgv")
        process.arguments = ["--homedir", directory.path, "--keyring", keyring.path, signatureFile.path, dataFile.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw GitError(operation: "verify commit \(sha.prefix(12))", message: "cannot run gpgv: \(error.localizedDescription)",
                remedy: "install gpgv (apt install gpgv)", commit: sha)
        }
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = output.split(separator: "\n").last { $0.contains("BAD signature") || $0.contains("public key") || $0.contains("Can't check") }
                .map { String($0.replacingOccurrences(of: "gpgv: ", with: "")) } ?? "the signature does not verify"
            throw GitError(operation: "use commit \(sha.prefix(12))", message: "its signature is not from a trusted key: \(reason)",
                remedy: "sign with a key in the --verify-signatures keyring, or add the signer's public key to it", commit: sha)
        }
    }

    /// The keyring as binary OpenPGP packets: an ASCII-armored export is de-armored.
    static func binaryKeyring(at path: String) throws(GitError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GitError(operation: "read the keyring \(path)", message: "cannot read the file", remedy: "check --verify-signatures and its permissions")
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----") else { return data }
        var keys = Data()
        var body: [String] = []
        var inBlock = false
        var inHeaders = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK") {
                inBlock = true
                inHeaders = true
                body = []
            } else if line.hasPrefix("-----END PGP PUBLIC KEY BLOCK") {
                guard let decoded = Data(base64Encoded: body.joined()) else {
                    throw GitError(operation: "read the keyring \(path)", message: "the armored key block is not valid base64", remedy: "export it again with gpg --export --armor")
                }
                keys.append(decoded)
                inBlock = false
            } else if inBlock {
                if inHeaders {
                    if line.isEmpty { inHeaders = false } else if !line.contains(":") { inHeaders = false; body.append(line) }
                } else if !line.hasPrefix("=") {
                    body.append(line)
                }
            }
        }
        return keys
    }
}
