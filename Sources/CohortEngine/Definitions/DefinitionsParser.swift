import Yams

/// Reads cohort.yaml into `Definitions`, keeping the position of every node and reporting
/// every structural problem it finds (not only the first) as a positioned diagnostic.
public struct DefinitionsParser {
    public let file: String
    public let source: String
    private(set) var diagnostics: [Diagnostic] = []

    public init(file: String = "cohort.yaml", source: String) {
        self.file = file
        self.source = source
    }

    /// Parses the source; definitions are as complete as the errors allow.
    public static func parse(file: String = "cohort.yaml", source: String) -> (Definitions, [Diagnostic]) {
        var p = DefinitionsParser(file: file, source: source)
        let defs = p.run()
        return (defs, p.diagnostics)
    }

    private mutating func run() -> Definitions {
        var defs = Definitions()
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: source) else {
                error(at: .unknown, "cohort.yaml is empty", hint: "define tables, streams and collections (see SPEC §2)")
                return defs
            }
            root = r
        } catch let e as YamlError {
            report(e)
            return defs
        } catch {
            self.error(at: .unknown, "cannot read YAML: \(error)")
            return defs
        }
        guard let top = mapping(root, "the top level") else { return defs }
        checkKeys(top, allowed: ["tables", "streams", "collections", "destinations"], in: "the top level")
        if let tables = top["tables"], let m = mapping(tables, "tables") {
            for (k, v) in m { if let t = table(k, v) { defs.tables.append(t) } }
        } else if top["tables"] == nil {
            error(at: location(root), "missing 'tables'", hint: "declare the customer-360 table under 'tables:'")
        }
        if let streams = top["streams"], let m = mapping(streams, "streams") {
            for (k, v) in m { if let s = stream(k, v) { defs.streams.append(s) } }
        }
        if let cols = top["collections"], let m = mapping(cols, "collections") {
            for (k, v) in m { if let c = collection(k, v) { defs.collections.append(c) } }
        } else if top["collections"] == nil {
            error(at: location(root), "missing 'collections'", hint: "a workspace needs at least one collection")
        }
        if let dests = top["destinations"], let seq = sequence(dests, "destinations") {
            for d in seq { if let dd = destination(d) { defs.destinations.append(dd) } }
        }
        return defs
    }

    // MARK: Sections

    private mutating func table(_ key: Node, _ node: Node) -> TableDefinition? {
        guard let name = name(key, what: "table"), let m = mapping(node, "table '\(name.value)'") else { return nil }
        checkKeys(m, allowed: ["file", "key", "timestamp", "description"], in: "table '\(name.value)'")
        guard let file = requiredString(m, "file", in: "table '\(name.value)'", at: location(node)) else { return nil }
        return TableDefinition(name: name, file: file, key: optionalString(m, "key"), timestamp: optionalString(m, "timestamp"))
    }

    private mutating func stream(_ key: Node, _ node: Node) -> StreamDefinition? {
        guard let name = name(key, what: "stream"), let m = mapping(node, "stream '\(name.value)'") else { return nil }
        checkKeys(m, allowed: ["file", "description", "mode"], in: "stream '\(name.value)'")
        var mode = StreamMode.active
        if let modeText = optionalString(m, "mode") {
            if let md = StreamMode(rawValue: modeText.value) { mode = md } else {
                error(at: modeText.location, "unknown stream mode '\(modeText.value)'", hint: "use active, drop or reject")
            }
        }
        return StreamDefinition(name: name, file: optionalString(m, "file"), description: optionalString(m, "description")?.value, mode: mode)
    }

    private mutating func collection(_ key: Node, _ node: Node) -> CollectionDefinition? {
        guard let name = name(key, what: "collection"), let m = mapping(node, "collection '\(name.value)'") else { return nil }
        let ctx = "collection '\(name.value)'"
        checkKeys(m, allowed: ["table", "key", "description", "streams", "attributes", "segments"], in: ctx)
        guard let table = requiredString(m, "table", in: ctx, at: location(node)),
              let keyCol = requiredString(m, "key", in: ctx, at: location(node)) else { return nil }
        var links: [StreamLink] = []
        if let s = m["streams"], let seq = sequence(s, "\(ctx) streams") {
            for item in seq {
                guard let im = mapping(item, "a stream of \(ctx)") else { continue }
                checkKeys(im, allowed: ["stream", "match"], in: "a stream of \(ctx)")
                guard let st = requiredString(im, "stream", in: "a stream of \(ctx)", at: location(item)) else { continue }
                guard let matchNode = im["match"] else {
                    error(at: location(item), "stream '\(st.value)' of \(ctx) has no 'match'", hint: "add match: { event: FIELD, profile: COLUMN }")
                    continue
                }
                var pairs: [MatchPair] = []
                let matchNodes: [Node] = matchNode.sequence.map { Array($0) } ?? [matchNode]
                for mn in matchNodes {
                    guard let mm = mapping(mn, "a match of stream '\(st.value)'") else { continue }
                    checkKeys(mm, allowed: ["event", "profile"], in: "a match")
                    if let ev = requiredString(mm, "event", in: "a match", at: location(mn)),
                       let pr = requiredString(mm, "profile", in: "a match", at: location(mn)) {
                        pairs.append(MatchPair(event: ev, profile: pr))
                    }
                }
                if matchNodes.isEmpty { error(at: location(matchNode), "stream '\(st.value)' has an empty match list") }
                links.append(StreamLink(stream: st, match: pairs))
            }
        }
        var attributes: [AttributeDefinition] = []
        if let a = m["attributes"], let seq = sequence(a, "\(ctx) attributes") {
            for item in seq { if let attr = attribute(item, ctx: ctx) { attributes.append(attr) } }
        }
        var segments: [SegmentDefinition] = []
        if let s = m["segments"], let seq = sequence(s, "\(ctx) segments") {
            for item in seq {
                guard let sm = mapping(item, "a segment of \(ctx)") else { continue }
                checkKeys(sm, allowed: ["name", "description", "condition"], in: "a segment")
                guard let n = requiredString(sm, "name", in: "a segment of \(ctx)", at: location(item)) else { continue }
                guard let cond = expressionString(sm, "condition") else {
                    error(at: n.location, "segment '\(n.value)' has no 'condition'", hint: "add condition: \"SPARK SQL BOOLEAN\"")
                    continue
                }
                segments.append(SegmentDefinition(name: n, description: optionalString(sm, "description")?.value, condition: cond))
            }
        }
        return CollectionDefinition(name: name, table: table, key: keyCol, description: optionalString(m, "description")?.value,
                                    streams: links, attributes: attributes, segments: segments)
    }

    static let attributeKeys = ["name", "description", "column", "function", "field", "events", "where", "timeframe",
                                "table", "match", "expression", "pii"]

    private mutating func attribute(_ node: Node, ctx: String) -> AttributeDefinition? {
        guard let m = mapping(node, "an attribute of \(ctx)") else { return nil }
        checkKeys(m, allowed: Self.attributeKeys, in: "an attribute")
        guard let name = requiredString(m, "name", in: "an attribute of \(ctx)", at: location(node)) else { return nil }
        var pii = false
        if let p = optionalString(m, "pii") {
            switch p.value.lowercased() {
            case "true", "yes": pii = true
            case "false", "no": pii = false
            default: error(at: p.location, "'pii' must be true or false")
            }
        }
        let description = optionalString(m, "description")?.value
        let column = optionalString(m, "column")
        let expression = expressionString(m, "expression")
        let functionText = optionalString(m, "function")
        let kinds = [column != nil, expression != nil, functionText != nil].filter { $0 }.count
        if kinds > 1 {
            error(at: name.location, "attribute '\(name.value)' mixes 'column', 'function' and 'expression'", hint: "give exactly one of them")
            return nil
        }
        if let column {
            for k in ["field", "events", "where", "timeframe", "table", "match"] where m[k] != nil {
                error(at: keyLocation(m, k), "'\(k)' does not apply to a known attribute (one with 'column')")
            }
            return AttributeDefinition(name: name, kind: .known(column: column), pii: pii, description: description)
        }
        if let expression {
            for k in ["field", "events", "where", "timeframe", "table", "match"] where m[k] != nil {
                error(at: keyLocation(m, k), "'\(k)' does not apply to a computed attribute (one with 'expression')")
            }
            return AttributeDefinition(name: name, kind: .computed(expression: expression), pii: pii, description: description)
        }
        guard let functionText else {
            error(at: name.location, "attribute '\(name.value)' has no 'column', 'function' or 'expression'",
                  hint: "a known attribute names a column, an aggregate a function, a computed attribute an expression")
            return nil
        }
        guard let function = AggregateFunction(rawValue: functionText.value) else {
            error(at: functionText.location, "unknown function '\(functionText.value)'",
                  hint: suggestion(for: functionText.value, among: AggregateFunction.allCases.map(\.rawValue)).map { "did you mean '\($0)'?" }
                    ?? "use one of " + AggregateFunction.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        let fn = Located(function, at: functionText.location)
        let field = optionalString(m, "field")
        if function == .count, let field {
            error(at: field.location, "'count' counts events and takes no 'field'", hint: "use count_distinct to count distinct values of a field")
        } else if function != .count, field == nil {
            error(at: functionText.location, "'\(function.rawValue)' needs a 'field'")
        }
        var timeframe = Located(Timeframe.allTime, at: name.location)
        if let tf = optionalString(m, "timeframe") {
            if let t = Timeframe.parse(tf.value) { timeframe = Located(t, at: tf.location) } else {
                error(at: tf.location, "invalid timeframe '\(tf.value)'", hint: "use all_time, Nd (days) or Nh (hours), such as 30d or 24h")
            }
        }
        let condition = expressionString(m, "where")
        if let tableName = optionalString(m, "table") {
            if m["events"] != nil { error(at: keyLocation(m, "events"), "'events' does not apply to a table aggregate") }
            guard let matchNode = m["match"], let mm = mapping(matchNode, "match") else {
                error(at: tableName.location, "table aggregate '\(name.value)' needs match: { row: COLUMN, profile: COLUMN }")
                return nil
            }
            checkKeys(mm, allowed: ["row", "profile"], in: "a table match")
            guard let row = requiredString(mm, "row", in: "match", at: location(matchNode)),
                  let prof = requiredString(mm, "profile", in: "match", at: location(matchNode)) else { return nil }
            let agg = TableAggregate(function: fn, field: field, table: tableName, rowColumn: row, profileColumn: prof,
                                     condition: condition, timeframe: timeframe)
            return AttributeDefinition(name: name, kind: .tableAggregate(agg), pii: pii, description: description)
        }
        if m["match"] != nil { error(at: keyLocation(m, "match"), "'match' applies only to a table aggregate (one with 'table')") }
        var events: [Located<String>] = []
        if let ev = m["events"] {
            if let seq = ev.sequence {
                for item in seq { if let s = scalarString(item, "an event type") { events.append(s) } }
            } else if let s = scalarString(ev, "events") {
                events.append(s)
            }
        }
        let agg = EventAggregate(function: fn, field: field, events: events, condition: condition, timeframe: timeframe)
        return AttributeDefinition(name: name, kind: .eventAggregate(agg), pii: pii, description: description)
    }

    private mutating func destination(_ node: Node) -> DestinationDefinition? {
        guard let m = mapping(node, "a destination") else { return nil }
        checkKeys(m, allowed: ["name", "url", "segments", "on"], in: "a destination")
        guard let name = requiredString(m, "name", in: "a destination", at: location(node)),
              let url = requiredString(m, "url", in: "destination '\(name.value)'", at: location(node)) else { return nil }
        var segments: [Located<String>] = []
        if let s = m["segments"] {
            for item in s.sequence.map({ Array($0) }) ?? [s] { if let v = scalarString(item, "a segment") { segments.append(v) } }
        }
        var enter = true, exit = true
        if let on = m["on"] {
            enter = false; exit = false
            for item in on.sequence.map({ Array($0) }) ?? [on] {
                guard let v = scalarString(item, "on") else { continue }
                switch v.value {
                case "enter": enter = true
                case "exit": exit = true
                default: error(at: v.location, "unknown activation '\(v.value)'", hint: "use enter or exit")
                }
            }
        }
        return DestinationDefinition(name: name, url: url, segments: segments, onEnter: enter, onExit: exit)
    }

    // MARK: Node helpers

    private func location(_ node: Node) -> SourceLocation { node.sourceLocation }

    private func keyLocation(_ m: Node.Mapping, _ key: String) -> SourceLocation {
        for (k, _) in m where k.string == key { return location(k) }
        return m.mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? .unknown
    }

    private mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        if let s = node.scalar, s.string.isEmpty || s.tag == Tag(.null) { return nil }
        error(at: location(node), "\(what) must be a mapping of keys to values")
        return nil
    }

    private mutating func sequence(_ node: Node, _ what: String) -> Node.Sequence? {
        if let s = node.sequence { return s }
        if let s = node.scalar, s.string.isEmpty || s.tag == Tag(.null) { return nil }
        error(at: location(node), "\(what) must be a list (items starting with '- ')")
        return nil
    }

    private mutating func name(_ key: Node, what: String) -> Located<String>? {
        guard let s = scalarString(key, "a \(what) name") else { return nil }
        return s
    }

    private mutating func scalarString(_ node: Node, _ what: String) -> Located<String>? {
        guard let s = node.scalar else {
            error(at: location(node), "\(what) must be a single value, not a list or mapping")
            return nil
        }
        return Located(s.string, at: location(node))
    }

    private mutating func optionalString(_ m: Node.Mapping, _ key: String) -> Located<String>? {
        guard let n = m[key] else { return nil }
        return scalarString(n, "'\(key)'")
    }

    private mutating func requiredString(_ m: Node.Mapping, _ key: String, in ctx: String, at loc: SourceLocation) -> Located<String>? {
        guard let n = m[key] else {
            error(at: loc, "\(ctx) has no '\(key)'")
            return nil
        }
        guard let s = scalarString(n, "'\(key)'") else { return nil }
        if s.value.isEmpty {
            error(at: s.location, "'\(key)' of \(ctx) is empty")
            return nil
        }
        return s
    }

    /// An expression's text with the position of its first character (after an opening
    /// quote; for block scalars, the first character of the first content line).
    private mutating func expressionString(_ m: Node.Mapping, _ key: String) -> Located<String>? {
        guard let n = m[key], let s = n.scalar else {
            if let n = m[key] { error(at: location(n), "'\(key)' must be an expression string") }
            return nil
        }
        var loc = location(n)
        switch s.style {
        case .singleQuoted, .doubleQuoted:
            loc.column += 1
        case .literal, .folded:
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
            var l = loc.line // 1-based line of the indicator; content starts below it
            while l < lines.count, lines[l].allSatisfy({ $0 == " " }) { l += 1 }
            if l < lines.count {
                let text = lines[l]
                loc = SourceLocation(line: l + 1, column: text.prefix(while: { $0 == " " }).count + 1)
            }
        default:
            break
        }
        return Located(s.string, at: loc)
    }

    private mutating func checkKeys(_ m: Node.Mapping, allowed: [String], in ctx: String) {
        for (k, _) in m {
            guard let key = k.string else { continue }
            if !allowed.contains(key) {
                error(at: location(k), "unknown key '\(key)' in \(ctx)",
                      hint: suggestion(for: key, among: allowed).map { "did you mean '\($0)'?" } ?? "expected one of " + allowed.joined(separator: ", "))
            }
        }
    }

    private mutating func error(at loc: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: file, line: loc.line, column: loc.column, message: message, hint: hint))
    }

    private mutating func report(_ e: YamlError) {
        diagnostics.append(YAMLDiagnostics.diagnostic(for: e, file: file, duplicateHint: "names must be unique"))
    }
}
