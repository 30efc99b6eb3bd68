public import ContinuumGit
public import ContinuumState

/// Why an operator's control (`continuum rollback`'s pin) was not taken.
public enum ControlError: Error, CustomStringConvertible {
    /// The state could not be written.
    case state(StateError)
    /// The repository could not be fetched, or it has no such commit.
    case source(GitError)
    /// The commit is not on the tracked reference (a pull request's unmerged head, another
    /// branch): pinning it would apply what nobody merged.
    case notOnTrackedReference(commit: String, reference: String)
    /// What was given is not a commit's SHA.
    case notACommit(String)

    public var description: String {
        switch self {
        case .state(let error): "\(error)"
        case .source(let error): "\(error)"
        case .notACommit(let text): "\(text) is not a commit: give its SHA, at least 7 hexadecimal digits"
        case .notOnTrackedReference(let commit, let reference):
            "commit \(commit) is not on \(reference): only a commit the tracked reference has reached can be pinned; merge it first, or pick a commit from `continuum history`"
        }
    }

    /// Whether the request was at fault (the commit), rather than the state or the remote.
    public var isRequestError: Bool {
        switch self {
        case .notOnTrackedReference, .notACommit: true
        case .source(let error): error.operation.hasPrefix("find ")
        case .state: false
        }
    }
}
