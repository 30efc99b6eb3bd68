import ArgumentParser
import Foundation

/// The controller's options read from `CONTINUUM_*` environment variables, for a container
/// or a 12-factor deployment: `CONTINUUM_REPO` is `--repo`, `CONTINUUM_DRIFT_INTERVAL` is
/// `--drift-interval`, and so on (the option's name in capitals, `-` as `_`);
/// `CONTINUUM_SELF_HEAL=false` and `CONTINUUM_PRUNE=false` are `--no-self-heal` and
/// `--no-prune`.
///
/// This is the one place the environment becomes arguments: before parsing, each variable
/// that is set (and not empty) for an option the command line does not give is inserted as
/// that option, right after the subcommand's name. So an option on the command line wins
/// over its variable, and the variable over the option's default. Values are checked by
/// the command like any argument, and errors name the option.
///
/// `--state`, `--secrets-dir`, `--sim-world` and `--config` are not here: every command
/// reads their variables (`CONTINUUM_STATE`, `CONTINUUM_SECRETS_DIR`,
/// `CONTINUUM_SIM_WORLD`, `CONTINUUM_CONFIG`) when it resolves them, with the same
/// precedence.
enum EnvironmentArguments {
    /// How a variable becomes an argument.
    enum Form: Sendable, Equatable {
        /// `--option VALUE`.
        case value
        /// `--flag` when the variable is false: it turns on a `--no-…` flag.
        case negatedFlag
        /// `--flag` when the variable is true.
        case flag
    }

    /// One option that a variable can give.
    struct Entry: Sendable, Equatable {
        /// The option, with its dashes: `--repo`.
        var option: String
        /// The variable: `CONTINUUM_REPO`.
        var variable: String
        /// How the variable's value becomes arguments.
        var form: Form

        /// `--option VALUE` from `CONTINUUM_OPTION`.
        static func value(_ option: String) -> Entry {
            Entry(option: option, variable: EnvironmentArguments.variable(for: option), form: .value)
        }

        /// `--flag` when `CONTINUUM_FLAG` is true.
        static func flag(_ option: String) -> Entry {
            Entry(option: option, variable: EnvironmentArguments.variable(for: option), form: .flag)
        }

        /// `--no-NAME` when `CONTINUUM_NAME` is false.
        static func negated(_ option: String, variable name: String) -> Entry {
            Entry(option: option, variable: EnvironmentArguments.variable(for: name), form: .negatedFlag)
        }
    }

    /// The subcommands that read their options from the environment, with the options.
    static let entries: [String: [Entry]] = [
        "controller": [
            .value("--repo"), .value("--branch"), .value("--tag"), .value("--commit"), .value("--path"),
            .value("--git-ssh-key"), .value("--git-known-hosts"), .value("--git-token-file"), .value("--verify-signatures"),
            .value("--interval"), .value("--drift-interval"),
            .negated("--no-self-heal", variable: "--self-heal"), .negated("--no-prune", variable: "--prune"),
            .value("--max-destroy"), .value("--parallelism"), .value("--max-concurrent-plans"), .value("--plan-refresh-max-age"), .flag("--require-reviewed-plan"), .value("--lock-lease"),
            .value("--lock-renew"), .value("--lock-renew-deadline"),
            .value("--listen"), .value("--webhook-listen"), .value("--webhook-secret-file"),
            .value("--api-token-file"), .value("--api-write-token-file"),
            .value("--http-idle-timeout"), .value("--http-header-timeout"), .value("--http-max-connections"),
            .value("--cache-dir"), .value("--log-format"), .value("--log-level"),
        ],
    ]

    /// `CONTINUUM_` and the option's name in capitals, dashes as underscores.
    static func variable(for option: String) -> String {
        let name = option.drop(while: { $0 == "-" })
        return "CONTINUUM_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `arguments` (without the executable's name) with the options the environment gives
    /// inserted after the subcommand's name, those the arguments give left out.
    ///
    /// - Parameters:
    ///   - arguments: the command line after the executable's name, `["controller", "--repo", "…"]`.
    ///   - environment: the process environment.
    /// - Returns: the arguments to parse; unchanged for subcommands that read no variables.
    /// - Throws: `EnvironmentArgumentError` when a boolean variable is neither true nor false.
    static func merged(_ arguments: [String], environment: [String: String]) throws(EnvironmentArgumentError) -> [String] {
        guard let subcommand = arguments.first else { return arguments }
        let inserted = try insertions(arguments, environment: environment).flatMap(\.arguments)
        return [subcommand] + inserted + arguments.dropFirst()
    }

    /// The entries whose variables `merged` turns into arguments, with those arguments.
    static func insertions(_ arguments: [String], environment: [String: String]) throws(EnvironmentArgumentError) -> [(entry: Entry, arguments: [String])] {
        guard let subcommand = arguments.first, let entries = entries[subcommand] else { return [] }
        let given = arguments.dropFirst().prefix(while: { $0 != "--" })
        var insertions: [(entry: Entry, arguments: [String])] = []
        for entry in entries {
            guard let value = environment[entry.variable], !value.isEmpty else { continue }
            if given.contains(where: { $0 == entry.option || $0.hasPrefix(entry.option + "=") }) { continue }
            switch entry.form {
            case .value:
                insertions.append((entry, ["\(entry.option)=\(value)"]))
            case .negatedFlag, .flag:
                let on: Bool
                switch value.lowercased() {
                case "true", "1", "yes", "on": on = true
                case "false", "0", "no", "off": on = false
                default: throw EnvironmentArgumentError(variable: entry.variable, value: value, option: entry.option)
                }
                if on == (entry.form == .flag) { insertions.append((entry, [entry.option])) }
            }
        }
        return insertions
    }

    /// Notes naming the variables behind the options an error message names, so that a bad
    /// `CONTINUUM_INTERVAL` is not mistaken for a bad `--interval` on the command line.
    static func notes(for message: String, arguments: [String], environment: [String: String]) -> [String] {
        let insertions = (try? insertions(arguments, environment: environment)) ?? []
        return insertions.filter { message.contains($0.entry.option) }.map { "note: \($0.entry.option) was given by $\($0.entry.variable)" }
    }
}
