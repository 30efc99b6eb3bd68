/// Flattening turns a value tree into leaf paths and values, which is what plans diff.
///
/// Maps recurse by key; lists of maps recurse by element, keyed `[name=x]` when every
/// element has a distinct `name` (node pools), else by index; lists of scalars are one leaf.
extension FieldValue {
    /// The leaves under `path`, in path order.
    public func flattened(at path: FieldPath) -> [(path: FieldPath, value: FieldValue)] {
        var leaves: [(path: FieldPath, value: FieldValue)] = []
        flatten(at: path, into: &leaves)
        return leaves
    }

    private func flatten(at path: FieldPath, into leaves: inout [(path: FieldPath, value: FieldValue)]) {
        switch self {
        case .map(let entries) where !entries.isEmpty:
            for entry in entries { entry.value.flatten(at: path.appending(entry.key), into: &leaves) }
        case .list(let items) where !items.isEmpty && items.allSatisfy({ !$0.isScalar }):
            let names = items.compactMap { item -> String? in
                if case .string(let name)? = item["name"] { name } else { nil }
            }
            let keyedByName = names.count == items.count && Set(names).count == names.count
            for (index, item) in items.enumerated() {
                let elementPath = keyedByName ? FieldPath("\(path.text)[name=\(names[index])]") : path.appending(index: index)
                item.flatten(at: elementPath, into: &leaves)
            }
        default:
            leaves.append((path, self))
        }
    }
}
