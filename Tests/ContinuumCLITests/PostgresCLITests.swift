import ContinuumTesting
import Foundation
import Testing

/// `--state postgres://…` end to end: the same commands on a PostgreSQL state, the password
/// from `PGPASSWORD` or `--state-password-file` and never printed.
@Suite("continuum with the state in PostgreSQL")
struct PostgresCLITests {
    static let password = "correct horse battery staple"

    @Test func theQuickstartAppliesAndConvergesOnPostgreSQL() throws {
        let server = try PostgresServer.shared()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = server.url(try server.createDatabase(), user: PostgresServer.passwordUser)
        let environment = ["PGPASSWORD": Self.password]
        let apply = try CLIRunner.run(["apply", CLITests.quickstart.path, "--auto-approve", "--state", state], in: directory.url, environment: environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 8 added, 0 changed, 0 replaced, 0 destroyed."))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".continuum/state.db").path), "no SQLite file was made")
        let plan = try CLIRunner.run(["plan", CLITests.quickstart.path, "--detailed-exitcode", "--state", state], in: directory.url, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        try directory.write("db-password", Self.password + "\n")
        let list = try CLIRunner.run(["state", "list", "--state", state, "--state-password-file", directory.url.appendingPathComponent("db-password").path], in: directory.url)
        #expect(list.stdout.contains("8 resources at serial"), "\(list.stderr)")
        let show = try CLIRunner.run(["state", "show", "VirtualMachine/web-1", "--state", state], in: directory.url, environment: environment)
        #expect(show.stdout.contains("created"), "the resource's events come from PostgreSQL too: \(show.stdout)\(show.stderr)")
        for run in [apply, plan, list, show] { #expect(!(run.stdout + run.stderr).contains(Self.password)) }
    }

    @Test func aWrongPasswordIsOneLineWithTheRemedyAndIsNeverPrinted() throws {
        let server = try PostgresServer.shared()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = server.url(try server.createDatabase(), user: PostgresServer.passwordUser)
        let wrong = "not-the-password-4711"
        try directory.write("db-password", wrong)
        let list = try CLIRunner.run(["state", "list", "--state", state, "--state-password-file", directory.url.appendingPathComponent("db-password").path], in: directory.url)
        #expect(list.status == 1)
        #expect(list.stderr.contains("authentication failed for user \(PostgresServer.passwordUser)"))
        #expect(list.stderr.contains("check the password in PGPASSWORD or --state-password-file"))
        #expect(list.stderr.split(separator: "\n").count == 1)
        #expect(!(list.stdout + list.stderr).contains(wrong))
    }
}
