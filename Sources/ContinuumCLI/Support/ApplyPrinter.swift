import ContinuumApply
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import Foundation

/// Prints apply events one a line, as Terraform users know them:
/// `VirtualMachine/web-1: Creating...`, `VirtualMachine/web-1: Creation complete after 2.1s [id=vm-000001]`.
enum ApplyPrinter {
    static func line(for event: ApplyEvent) -> String {
        switch event {
        case .recovered(let id, let how):
            return "\(id): recovered from an interrupted apply (\(how.rawValue))"
        case .started(let id, let operation):
            return "\(id): \(words(operation).doing)..."
        case .retrying(let id, let operation, let attempt, let error):
            return "\(id): \(words(operation).doing)... (attempt \(attempt) failed: \(error); retrying)"
        case .finished(let id, let operation, let elapsed, .succeeded(let providerID)):
            let suffix = providerID.map { " [id=\($0)]" } ?? ""
            return "\(id): \(words(operation).done) after \(seconds(elapsed))\(suffix)"
        case .finished(let id, let operation, let elapsed, .failed(let error)):
            return "\(id): \(words(operation).failed) after \(seconds(elapsed)): \(error)"
        case .skipped(let id, let operation, let reason):
            return "\(id): \(operation) not started: \(reason)"
        }
    }

    private static func words(_ operation: PlanStep.Operation) -> (doing: String, done: String, failed: String) {
        switch operation {
        case .create: ("Creating", "Creation complete", "Creation failed")
        case .update: ("Modifying", "Modifications complete", "Modification failed")
        case .delete: ("Destroying", "Destruction complete", "Destruction failed")
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1fs", duration.timeInterval)
    }
}
