/// What a Git source tracks: the tip of a branch, a tag, or one fixed commit.
public enum GitReference: Sendable, Hashable, CustomStringConvertible {
    /// The tip of a branch (Flux's default: `main`).
    case branch(String)
    /// A tag.
    case tag(String)
    /// One commit, by its full or abbreviated SHA.
    case commit(String)

    public var description: String {
        switch self {
        case .branch(let name): "branch \(name)"
        case .tag(let name): "tag \(name)"
        case .commit(let sha): "commit \(sha)"
        }
    }
}
