import CYaml

/// Builds `YAMLNode` trees straight from libyaml's parse events, in one pass: no
/// intermediate node tree is composed and walked again (Yams' `Parser` composes its own
/// `Node`s, with tags and a resolver, that were then converted). It keeps what the loader
/// needs: each node's text, style and place, aliases followed (every expansion counted
/// against the node budget and the depth limit), duplicate keys refused, libyaml's own
/// errors with their positions.
final class YAMLEventReader {
    /// A problem, at a place in the file.
    struct Failure: Error {
        var location: SourceLocation
        var message: String
    }

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let file: String
    private let limits: LoaderLimits
    private let text: String
    private let maximumNodes: Int
    private var remaining: Int
    /// Anchored nodes, with how many nodes they hold and how deep they go.
    private var anchors: [String: (node: YAMLNode, count: Int, height: Int)] = [:]

    init(file: String, text: String, limits: LoaderLimits, maximumNodes: Int) {
        self.parser = .allocate(capacity: 1)
        self.parser.initialize(to: yaml_parser_t())
        self.file = file
        self.text = text
        self.limits = limits
        self.maximumNodes = maximumNodes
        self.remaining = maximumNodes
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deinitialize(count: 1)
        parser.deallocate()
    }

    /// The documents of `bytes` (valid UTF-8, the same as `text`), null ones left out.
    func documents(of bytes: [UInt8]) throws(Failure) -> [YAMLNode] {
        var documents: [YAMLNode] = []
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(Failure) in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var event = try next()
            defer { yaml_event_delete(&event) }
            guard event.type == YAML_STREAM_START_EVENT else { throw unexpected(event) }
            while true {
                yaml_event_delete(&event)
                event = try next()
                if event.type == YAML_STREAM_END_EVENT { break }
                guard event.type == YAML_DOCUMENT_START_EVENT else { throw unexpected(event) }
                yaml_event_delete(&event)
                event = try next()
                let root = try node(from: &event, depth: 0)
                yaml_event_delete(&event)
                event = try next()
                guard event.type == YAML_DOCUMENT_END_EVENT else { throw unexpected(event) }
                if !root.node.isNull { documents.append(root.node) }
            }
        }
        return documents
    }

    /// The node that starts with `event` (whose fields it takes over), with its node count
    /// and height.
    private func node(from event: inout yaml_event_t, depth: Int) throws(Failure) -> (node: YAMLNode, count: Int, height: Int) {
        let location = self.location(event.start_mark)
        try count(1, at: location, depth: depth)
        switch event.type {
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let style: YAMLNode.ScalarStyle =
                switch scalar.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: .quoted
                case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: .block
                default: .plain
                }
            let result = (YAMLNode(.scalar(value, style), at: location), 1, 1)
            register(scalar.anchor, result)
            return result
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor)
            guard let anchored = anchors[name] else {
                throw Failure(location: location, message: "invalid YAML: alias to an undefined anchor; define the anchor (&name) before using it (*name)")
            }
            // The expansion's nodes beyond the alias itself, and its depth from here.
            try count(anchored.count - 1, at: location, depth: depth + anchored.height - 1)
            return anchored
        case YAML_SEQUENCE_START_EVENT:
            let anchor = Self.string(event.data.sequence_start.anchor)
            var items: [YAMLNode] = []
            var total = 1, height = 0
            while true {
                yaml_event_delete(&event)
                event = try next()
                if event.type == YAML_SEQUENCE_END_EVENT { break }
                let item = try node(from: &event, depth: depth + 1)
                items.append(item.node)
                total += item.count
                height = max(height, item.height)
            }
            let result = (YAMLNode(.sequence(items), at: location), total, height + 1)
            if !anchor.isEmpty { anchors[anchor] = result }
            return result
        case YAML_MAPPING_START_EVENT:
            let anchor = Self.string(event.data.mapping_start.anchor)
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var total = 1, height = 0
            var keys = KeyIndex()
            var keyLocations: [SourceLocation] = []
            var duplicate: (key: String, first: SourceLocation)?
            while true {
                yaml_event_delete(&event)
                event = try next()
                if event.type == YAML_MAPPING_END_EVENT { break }
                let key = try node(from: &event, depth: depth + 1)
                yaml_event_delete(&event)
                event = try next()
                let value = try node(from: &event, depth: depth + 1)
                if case .scalar(let text, _) = key.node.content {
                    if let first = keys.position(of: text) {
                        if duplicate.map({ text < $0.key }) ?? true { duplicate = (text, keyLocations[first]) }
                    } else {
                        keys.append(text)
                        keyLocations.append(key.node.location)
                    }
                }
                pairs.append((key.node, value.node))
                total += key.count + value.count
                height = max(height, key.height, value.height)
            }
            if let duplicate {
                let at = YAMLDocumentReader.secondOccurrence(of: duplicate.key, after: duplicate.first, in: text) ?? duplicate.first
                throw Failure(location: at, message: "duplicate key '\(duplicate.key)'; each key may appear once in a mapping")
            }
            let result = (YAMLNode(.mapping(pairs), at: location), total, height + 1)
            if !anchor.isEmpty { anchors[anchor] = result }
            return result
        default:
            throw unexpected(event)
        }
    }

    private func register(_ anchor: UnsafeMutablePointer<yaml_char_t>?, _ node: (node: YAMLNode, count: Int, height: Int)) {
        guard anchor != nil else { return }
        anchors[Self.string(anchor)] = node
    }

    /// Counts `nodes` more against the budget, at a depth checked against the limit.
    private func count(_ nodes: Int, at location: SourceLocation, depth: Int) throws(Failure) {
        remaining -= nodes
        if remaining < 0 {
            throw Failure(location: location,
                message: "document expands to more than \(maximumNodes) nodes (YAML aliases repeated too often?); aliases are followed, so keep anchors small")
        }
        if depth > limits.maximumDepth {
            throw Failure(location: location, message: "nesting deeper than \(limits.maximumDepth) levels; flatten the structure")
        }
    }

    private func next() throws(Failure) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parseFailure() }
        return event
    }

    /// libyaml's error, as the loader words it.
    private func parseFailure() -> Failure {
        let state = parser.pointee
        let start = SourceLocation(file: file, line: 1, column: 1)
        let problem = state.problem.map { String(cString: $0) } ?? "unknown error"
        switch state.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            let detail = state.context.map { " " + String(cString: $0) } ?? ""
            let message = problem.contains("Maximum nesting level") ? "invalid YAML: nesting too deep; flatten the structure" : "invalid YAML: \(problem)\(detail)"
            return Failure(location: location(state.problem_mark), message: message)
        case YAML_READER_ERROR:
            return Failure(location: start, message: "cannot read YAML: \(problem)")
        default:
            return Failure(location: start, message: "cannot parse YAML: \(problem)")
        }
    }

    private func unexpected(_ event: yaml_event_t) -> Failure {
        Failure(location: location(event.start_mark), message: "cannot parse YAML: unexpected event \(event.type.rawValue)")
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}
