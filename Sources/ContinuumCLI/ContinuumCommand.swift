public import ArgumentParser
import Foundation

/// `continuum`: the command-line entry point.
public struct ContinuumCommand: AsyncParsableCommand {
    /// The command's name, help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "continuum",
        abstract: "A declarative GitOps reconciler for VMs, bare-metal nodes and Kubernetes clusters.",
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, DestroyCommand.self, GraphCommand.self, StateCommand.self, SimCommand.self,
            ControllerCommand.self, ReconcileCommand.self, StatusCommand.self, HistoryCommand.self, ApproveCommand.self, SuspendCommand.self, ResumeCommand.self, RollbackCommand.self,
        ]
    )

    /// Creates the command (argument parsing does this).
    public init() {}
}

extension ContinuumCommand {
    /// Parses the process arguments (with the options `CONTINUUM_*` variables give, see
    /// `EnvironmentArguments`), runs the chosen subcommand and exits with its code.
    /// (The executable calls this rather than `main()`, which on Linux needs `@main` on the root.)
    public static func runAsRoot(_ arguments: [String]? = nil) async -> Never {
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        do {
            var command = try parseAsRoot(EnvironmentArguments.merged(given, environment: environment))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit()
        } catch {
            if exitCode(for: error) != .success {
                for note in EnvironmentArguments.notes(for: fullMessage(for: error), arguments: given, environment: environment) {
                    FileHandle.standardError.write(Data((note + "\n").utf8))
                }
            }
            exit(withError: error)
        }
    }
}
