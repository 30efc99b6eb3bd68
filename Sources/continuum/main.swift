#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ContinuumCLI

// Everything Continuum creates (state, sim world, Git cache, secrets, seeds) is the
// controller's own: no group or other bits, whatever the inherited umask says.
umask(0o077)
await ContinuumCommand.runAsRoot()
