import Foundation

/// A real OpenPGP signing key made with `gpg` in a home directory of its own, for tests of
/// `--verify-signatures`: its armored public key, and a `gpg` wrapper git can sign with.
public struct GPGKey: Sendable {
    /// The key's GnuPG home directory.
    public let home: URL
    /// The armored public key (`gpg --export --armor`), usable as a keyring.
    public let publicKeyFile: URL
    /// A script running `gpg` with this home, for `git -c gpg.program=...`.
    public let program: URL
    /// The key's user id's email address.
    public let email: String

    /// Generates an Ed25519 signing key without a passphrase under `parent/name`.
    public init(in parent: URL, name: String) throws {
        home = parent.appendingPathComponent("gnupg-\(name)")
        email = "\(name)@continuum.invalid"
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        program = parent.appendingPathComponent("gpg-\(name).sh")
        try Data("#!/bin/sh\nGNUPGHOME='\(home.path)' exec gpg \"$@\"\n".utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        _ = try GitFixture.run(
            [program.path, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "Continuum \(name) <\(email)>", "ed25519", "sign", "never"],
            in: parent)
        publicKeyFile = parent.appendingPathComponent("\(name).asc")
        let armored = try GitFixture.run([program.path, "--armor", "--export", email], in: parent)
        try Data(armored.utf8).write(to: publicKeyFile)
    }

    /// Stops the gpg-agent the key's home started.
    public func stopAgent() {
        _ = try? GitFixture.run(["env", "GNUPGHOME=\(home.path)", "gpgconf", "--kill", "all"], in: home)
    }
}
