import ContinuumApply
import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a stop signal: the apply starts nothing new, lets the
/// operations in flight finish and records them, then exits non-zero.
final class SignalTrap {
    let stop = StopSignal()
    private let sources: [any DispatchSourceSignal]

    init() {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [stop] in
                if !stop.isStopped { Terminal.error("\nStopping: no new operations start; waiting for those in flight to finish and be recorded.\n") }
                stop.stop()
            }
            source.resume()
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
