import ArgumentParser
import Testing

@testable import ContinuumCLI

/// `CONTINUUM_*` variables as the controller's options: flag > variable > default.
@Suite struct EnvironmentArgumentsTests {
    /// Parses `arguments` with `environment` the way the executable does.
    private func controller(_ arguments: [String], _ environment: [String: String]) throws -> ControllerCommand {
        let merged = try EnvironmentArguments.merged(["controller"] + arguments, environment: environment)
        let command = try ContinuumCommand.parseAsRoot(merged)
        return try #require(command as? ControllerCommand)
    }

    @Test func variablesGiveTheOptionsTheCommandLineLeavesOut() throws {
        let command = try controller([], [
            "CONTINUUM_REPO": "git://127.0.0.1/specs", "CONTINUUM_BRANCH": "prod", "CONTINUUM_PATH": "fleet",
            "CONTINUUM_INTERVAL": "30s", "CONTINUUM_DRIFT_INTERVAL": "10m", "CONTINUUM_MAX_DESTROY": "3",
            "CONTINUUM_PARALLELISM": "4", "CONTINUUM_LOG_FORMAT": "json", "CONTINUUM_CACHE_DIR": "/var/cache/continuum",
            "CONTINUUM_SELF_HEAL": "false", "CONTINUUM_PRUNE": "false",
        ])
        #expect(command.source.repo == "git://127.0.0.1/specs")
        #expect(command.source.branch == "prod")
        #expect(command.source.path == "fleet")
        #expect(command.interval == "30s")
        #expect(command.driftInterval == "10m")
        #expect(command.maxDestroy == 3)
        #expect(command.parallelism == 4)
        #expect(command.logFormat == "json")
        #expect(command.cacheDir == "/var/cache/continuum")
        #expect(command.noSelfHeal)
        #expect(command.noPrune)
    }

    @Test func theCommandLineWinsOverTheVariable() throws {
        let environment = ["CONTINUUM_REPO": "git://from-env/specs", "CONTINUUM_INTERVAL": "30s", "CONTINUUM_LOG_FORMAT": "json"]
        let command = try controller(["--repo", "git://from-flag/specs", "--interval=2m"], environment)
        #expect(command.source.repo == "git://from-flag/specs")
        #expect(command.interval == "2m")
        #expect(command.logFormat == "json")
    }

    @Test func withoutVariablesTheDefaultsStand() throws {
        let command = try controller(["--repo", "git://h/specs"], ["CONTINUUM_INTERVAL": "", "HOME": "/root"])
        #expect(command.interval == "1m")
        #expect(command.driftInterval == "5m")
        #expect(command.logFormat == "text")
        #expect(command.listen == "127.0.0.1:8080")
        #expect(!command.noSelfHeal)
        #expect(!command.noPrune)
        #expect(command.maxDestroy == nil)
    }

    @Test func trueKeepsTheDefaultOfANegatedFlag() throws {
        let command = try controller(["--repo", "git://h/specs"], ["CONTINUUM_SELF_HEAL": "true", "CONTINUUM_PRUNE": "1"])
        #expect(!command.noSelfHeal)
        #expect(!command.noPrune)
    }

    @Test func aRepositoryOnlyFromTheEnvironmentIsEnough() throws {
        #expect(throws: (any Error).self) { try controller([], [:]) }
        #expect(try controller([], ["CONTINUUM_REPO": "file:///srv/specs"]).source.repo == "file:///srv/specs")
    }

    @Test func aVariableWithABadValueIsReportedByItsOption() throws {
        #expect(throws: (any Error).self) { try controller(["--repo", "git://h/specs"], ["CONTINUUM_INTERVAL": "soon"]) }
        let error = #expect(throws: EnvironmentArgumentError.self) {
            try EnvironmentArguments.merged(["controller"], environment: ["CONTINUUM_SELF_HEAL": "maybe"])
        }
        #expect(error?.description.contains("CONTINUUM_SELF_HEAL") == true)
        #expect(error?.description.contains("--no-self-heal") == true)
    }

    @Test func anErrorAboutAnOptionFromTheEnvironmentNamesTheVariable() {
        let arguments = ["controller", "--listen", "127.0.0.1:9"]
        let environment = ["CONTINUUM_INTERVAL": "soon", "CONTINUUM_DRIFT_INTERVAL": "1m", "CONTINUUM_LISTEN": "127.0.0.1:1"]
        let notes = EnvironmentArguments.notes(
            for: "--interval 'soon' is not a duration; write it like 30s, 1m, 5m or 1h30m", arguments: arguments, environment: environment)
        #expect(notes == ["note: --interval was given by $CONTINUUM_INTERVAL"])
        // --listen came from the command line, not the environment: no note.
        #expect(EnvironmentArguments.notes(for: "--listen '127.0.0.1:9' is refused", arguments: arguments, environment: environment).isEmpty)
    }

    @Test func otherSubcommandsAreLeftAlone() throws {
        let arguments = ["plan", "examples/quickstart"]
        #expect(try EnvironmentArguments.merged(arguments, environment: ["CONTINUUM_REPO": "x", "CONTINUUM_INTERVAL": "1s"]) == arguments)
        #expect(try EnvironmentArguments.merged([], environment: ["CONTINUUM_REPO": "x"]).isEmpty)
    }

    @Test(arguments: [
        ("--repo", "CONTINUUM_REPO"), ("--drift-interval", "CONTINUUM_DRIFT_INTERVAL"),
        ("--api-write-token-file", "CONTINUUM_API_WRITE_TOKEN_FILE"), ("--http-max-connections", "CONTINUUM_HTTP_MAX_CONNECTIONS"),
    ])
    func variableNamesFollowTheOptions(option: String, variable: String) {
        #expect(EnvironmentArguments.variable(for: option) == variable)
    }

    /// Every option the table names exists on the controller: each one, given through its
    /// variable, parses.
    @Test func everyEntryIsAControllerOption() throws {
        let entries = try #require(EnvironmentArguments.entries["controller"])
        let values: [String: String] = [
            "--repo": "git://h/specs", "--path": "specs", "--commit": "0123456789abcdef", "--max-destroy": "1", "--parallelism": "2", "--max-concurrent-plans": "3", "--plan-refresh-max-age": "30s",
            "--http-max-connections": "8", "--listen": "127.0.0.1:0", "--webhook-listen": "127.0.0.1:0",
            "--interval": "1m", "--drift-interval": "1m", "--lock-lease": "1m", "--lock-renew": "2s", "--lock-renew-deadline": "10s", "--http-idle-timeout": "1m",
            "--http-header-timeout": "1m", "--log-format": "json", "--log-level": "debug",
        ]
        for entry in entries {
            var environment = ["CONTINUUM_REPO": "git://h/specs", "CONTINUUM_WEBHOOK_SECRET_FILE": "/dev/null", "CONTINUUM_GIT_KNOWN_HOSTS": "/dev/null"]
            environment[entry.variable] = switch entry.form {
            case .negatedFlag: "false"
            case .flag: "true"
            case .value: values[entry.option] ?? "/some/file"
            }
            let merged = try EnvironmentArguments.merged(["controller"], environment: environment)
            #expect(merged.contains { $0 == entry.option || $0.hasPrefix(entry.option + "=") }, "\(entry.variable)")
            #expect(throws: Never.self, "\(entry.variable)") { _ = try ContinuumCommand.parseAsRoot(merged) }
        }
    }
}
