import ContinuumCLI

await ContinuumCommand.runAsRoot()
