/// Validates one collection's definition against the workspace and compiles it: every
/// table, stream, column and attribute reference resolved, expressions type-checked,
/// computed attributes ordered and checked for cycles.
struct CollectionCompiler {
    let definitions: Definitions
    let tables: [String: Table]
    let streamLoads: [StreamLoad]
    let source: String
    var diagnostics: [Diagnostic] = []

    init(definitions: Definitions, tables: [String: Table], streamLoads: [StreamLoad], source: String) {
        self.definitions = definitions
        self.tables = tables
        self.streamLoads = streamLoads
        self.source = source
    }

    mutating func compile(_ c: CollectionDefinition) -> CollectionModel? {
        let tableNames = definitions.tables.map(\.name.value)
        guard tableNames.contains(c.table.value) else {
            error(c.table.location, "unknown table '\(c.table.value)'", hint: didYouMean(c.table.value, tableNames))
            return nil
        }
        guard let table = tables[c.table.value] else { return nil } // file problem already reported
        guard let keyColumn = column(c.key, in: table, role: "key") else { return nil }

        // Streams and identity links.
        let streamNames = definitions.streams.map(\.name.value)
        var links: [LinkModel] = []
        var linkedStreams = Set<String>()
        for link in c.streams {
            guard let si = streamNames.firstIndex(of: link.stream.value) else {
                error(link.stream.location, "unknown stream '\(link.stream.value)'", hint: didYouMean(link.stream.value, streamNames))
                continue
            }
            if !linkedStreams.insert(link.stream.value).inserted {
                error(link.stream.location, "stream '\(link.stream.value)' is associated with collection '\(c.name.value)' twice")
            }
            var pairs: [(String, Int)] = []
            for p in link.match {
                if let col = column(p.profile, in: table, role: "profile") {
                    pairs.append((p.event.value, col))
                    if !streamLoads[si].events.isEmpty, !streamLoads[si].events.contains(where: { $0.identity(p.event.value) != nil }) {
                        let seen = Set(streamLoads[si].events.prefix(2000).flatMap { $0.fields.map(\.key) })
                        warning(p.event.location, "no event of stream '\(link.stream.value)' has the identity field '\(p.event.value)'",
                                hint: didYouMean(p.event.value, seen.sorted()))
                    }
                }
            }
            links.append(LinkModel(stream: si, pairs: pairs))
        }

        // Names unique within the collection (attributes and segments share one namespace).
        var firstUse: [String: SourceLocation] = [:]
        for n in c.attributes.map(\.name) + c.segments.map(\.name) {
            if !isIdentifier(n.value) {
                error(n.location, "name '\(n.value)' is not a plain identifier", hint: "use letters, digits and '_', starting with a letter or '_'")
            }
            if let first = firstUse[n.value] {
                error(n.location, "name '\(n.value)' is already used in collection '\(c.name.value)' (line \(first.line))", hint: "names must be unique within a collection")
            } else {
                firstUse[n.value] = n.location
            }
        }

        // Event types and fields seen in the associated streams, for hints.
        let linkedIndexes = links.map(\.stream)
        var seenTypes = Set<String>()
        for si in linkedIndexes { for e in streamLoads[si].events { seenTypes.insert(e.type) } }
        let identityFields = Set(c.streams.flatMap { $0.match.map(\.event.value) })

        // Non-computed attributes first: they fix the types computed ones read.
        var types: [String: ValueType] = [:]
        var sources: [AttributeSource?] = []
        var attrTypes: [ValueType] = []
        for a in c.attributes {
            var source: AttributeSource?
            var type = ValueType.any
            switch a.kind {
            case .known(let col):
                if let ci = column(col, in: table, role: "") {
                    source = .column(ci)
                    type = table.types[ci].valueType
                }
            case .eventAggregate(let agg):
                for t in agg.events where !seenTypes.isEmpty && !seenTypes.contains(t.value) {
                    warning(t.location, "no '\(t.value)' events in the streams of collection '\(c.name.value)'", hint: didYouMean(t.value, seenTypes.sorted()))
                }
                var scopeNames: [String: ValueType] = ["type": .string, "event_id": .string, "timestamp": .timestamp]
                for f in identityFields { scopeNames[f] = .any }
                let scope = ExpressionScope(names: scopeNames, openPrefixes: ["properties."])
                var fieldType = ValueType.any
                if let f = agg.field {
                    if let t = scope.type(of: f.value) { fieldType = t } else {
                        error(f.location, "unknown event field '\(f.value)'",
                              hint: "name timestamp, type, event_id, an identity field or properties.NAME")
                    }
                }
                var cond: CompiledExpression?
                if let w = agg.condition { cond = compileExpression(w, scope: scope, expectBoolean: true, what: "where condition") }
                source = .events(EventAggregateModel(
                    function: agg.function.value, field: agg.field.map { FieldPath($0.value) },
                    types: agg.events.isEmpty ? nil : Set(agg.events.map(\.value)),
                    condition: cond, conditionPaths: cond?.inputs.map(FieldPath.init) ?? [],
                    window: window(agg.timeframe.value)))
                type = agg.function.value.resultType(fieldType: fieldType)
            case .tableAggregate(let agg):
                guard tableNames.contains(agg.table.value), let rt = tables[agg.table.value] else {
                    if !tableNames.contains(agg.table.value) {
                        error(agg.table.location, "unknown table '\(agg.table.value)'", hint: didYouMean(agg.table.value, tableNames))
                    }
                    break
                }
                let rowCol = column(agg.rowColumn, in: rt, role: "row")
                let profCol = column(agg.profileColumn, in: table, role: "profile")
                var fieldCol: Int?
                var fieldType = ValueType.any
                if let f = agg.field, let fc = column(f, in: rt, role: "") {
                    fieldCol = fc
                    fieldType = rt.types[fc].valueType
                }
                let tsName = definitions.tables.first { $0.name.value == agg.table.value }?.timestamp?.value
                let tsCol = tsName.flatMap { rt.columnIndex($0) }
                if case .window = agg.timeframe.value, tsName == nil {
                    error(agg.timeframe.location, "timeframe '\(agg.timeframe.value)' needs a timestamp on table '\(agg.table.value)'",
                          hint: "add 'timestamp: COLUMN' to the table, or use all_time")
                }
                var scopeNames: [String: ValueType] = [:]
                for (i, col) in rt.columns.enumerated() { scopeNames[col] = rt.types[i].valueType }
                var cond: CompiledExpression?
                if let w = agg.condition {
                    cond = compileExpression(w, scope: ExpressionScope(names: scopeNames), expectBoolean: true, what: "where condition")
                }
                if let rowCol, let profCol, agg.field == nil || fieldCol != nil {
                    source = .table(TableAggregateModel(
                        function: agg.function.value, table: agg.table.value, rowColumn: rowCol, profileColumn: profCol,
                        fieldColumn: fieldCol, condition: cond, conditionColumns: cond?.inputs.compactMap { rt.columnIndex($0) } ?? [],
                        timestampColumn: tsCol, window: window(agg.timeframe.value)))
                }
                type = agg.function.value.resultType(fieldType: fieldType)
            case .computed:
                break
            }
            sources.append(source)
            attrTypes.append(type)
            if case .computed = a.kind {} else { types[a.name.value] = type }
        }

        // Computed attributes: order by dependencies, report cycles, then compile in order.
        let names = c.attributes.map(\.name.value)
        var deps: [Int: [Int]] = [:]
        for (i, a) in c.attributes.enumerated() {
            guard case .computed(let expr) = a.kind else { continue }
            let referenced = referencedNames(expr.value, among: names)
            deps[i] = referenced.compactMap { n in names.firstIndex(of: n) }.filter { if case .computed = c.attributes[$0].kind { return true } else { return false } }
        }
        var order: [Int] = []
        var state = [Int](repeating: 0, count: names.count) // 0 new, 1 visiting, 2 done
        var inCycle = Set<Int>()
        func visit(_ i: Int, _ path: [Int]) {
            if state[i] == 2 { return }
            if state[i] == 1 {
                let cycle = Array(path[path.firstIndex(of: i)!...]) + [i]
                if !inCycle.contains(i) {
                    for k in cycle { inCycle.insert(k) }
                    let a = c.attributes[i]
                    error(a.name.location, "computed attributes form a cycle: " + cycle.map { names[$0] }.joined(separator: " → "),
                          hint: "an attribute cannot depend on itself, directly or through others")
                }
                return
            }
            state[i] = 1
            for d in deps[i] ?? [] { visit(d, path + [i]) }
            state[i] = 2
            order.append(i)
        }
        for i in names.indices { visit(i, []) }

        for i in order {
            guard case .computed(let expr) = c.attributes[i].kind, !inCycle.contains(i) else { continue }
            let available = types.filter { $0.key != names[i] }
            if let compiled = compileExpression(expr, scope: ExpressionScope(names: available), expectBoolean: false, what: "expression") {
                sources[i] = .computed(compiled, inputs: compiled.inputs.compactMap { names.firstIndex(of: $0) })
                attrTypes[i] = compiled.type
                types[names[i]] = compiled.type
            } else {
                types[names[i]] = .any
            }
        }

        // Segments.
        var segments: [SegmentModel] = []
        for s in c.segments {
            if let compiled = compileExpression(s.condition, scope: ExpressionScope(names: types), expectBoolean: true, what: "condition") {
                segments.append(SegmentModel(name: s.name.value, description: s.description, condition: compiled,
                                             inputs: compiled.inputs.compactMap { names.firstIndex(of: $0) }))
            }
        }

        var attributes: [AttributeModel] = []
        for (i, a) in c.attributes.enumerated() {
            guard let src = sources[i] else { continue }
            attributes.append(AttributeModel(name: a.name.value, type: attrTypes[i], source: src, pii: a.pii, definition: a))
        }
        // Indexes above refer to definition order; rebuild them if any attribute was dropped.
        guard attributes.count == c.attributes.count else {
            return nil
        }
        return CollectionModel(name: c.name.value, definition: c, table: table, keyColumn: keyColumn, links: links,
                               attributes: attributes, segments: segments, evaluationOrder: order.filter { !inCycle.contains($0) },
                               rowsByKey: table.text.enumerated().reduce(into: [:]) { m, r in if m[r.element[keyColumn]] == nil { m[r.element[keyColumn]] = r.offset } })
    }

    // MARK: Helpers

    func window(_ t: Timeframe) -> Int64? {
        if case .window(let micros, _) = t { return micros }
        return nil
    }

    mutating func column(_ col: Located<String>, in table: Table, role: String) -> Int? {
        if let i = table.columnIndex(col.value) { return i }
        error(col.location, "\(role.isEmpty ? "" : role + " ")column '\(col.value)' is not in table '\(table.name)'",
              hint: didYouMean(col.value, table.columns))
        return nil
    }

    /// Compiles an expression, mapping its error position into cohort.yaml.
    mutating func compileExpression(_ text: Located<String>, scope: ExpressionScope, expectBoolean: Bool, what: String) -> CompiledExpression? {
        switch ExpressionCompiler.compile(text.value, scope: scope) {
        case .success(let compiled):
            if what == "where condition", compiled.readsClock {
                // An event's or row's membership in an aggregate is decided when it arrives.
                error(text.location, "a where condition cannot read the clock (current_date() or current_timestamp())",
                      hint: "use a timeframe for recency, or compare dates in a computed attribute")
                return nil
            }
            if expectBoolean, compiled.type != .boolean, compiled.type != .any, compiled.type != .null {
                error(text.location, "\(what) must be boolean, but is \(compiled.type)", hint: "compare it, as in '… > 0'")
                return nil
            }
            return compiled
        case .failure(let e):
            error(yamlLocation(of: e, in: text), e.message, hint: e.hint)
            return nil
        }
    }

    /// Where an expression error's line and column fall in cohort.yaml.
    func yamlLocation(of e: ExpressionError, in text: Located<String>) -> SourceLocation {
        if e.line <= 1 { return SourceLocation(line: text.location.line, column: text.location.column + e.column - 1) }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let l = text.location.line + e.line - 1
        let indent = l - 1 < lines.count ? lines[l - 1].prefix(while: { $0 == " " }).count : 0
        return SourceLocation(line: l, column: indent + e.column)
    }

    /// The attribute names an expression reads, found by the expression compiler itself with
    /// every attribute typed `any` (so order does not matter yet); none when it does not
    /// compile, in which case its real compilation reports the error.
    func referencedNames(_ text: String, among names: [String]) -> [String] {
        let scope = ExpressionScope(names: Dictionary(names.map { ($0, ValueType.any) }, uniquingKeysWith: { a, _ in a }))
        guard case .success(let compiled) = ExpressionCompiler.compile(text, scope: scope) else { return [] }
        return compiled.inputs
    }

    func isIdentifier(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || (f.properties.isAlphabetic && f.isASCII) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    func didYouMean(_ name: String, _ candidates: [String]) -> String? {
        suggestion(for: name, among: candidates).map { "did you mean '\($0)'?" }
    }

    mutating func error(_ loc: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: "cohort.yaml", line: loc.line, column: loc.column, message: message, hint: hint))
    }

    mutating func warning(_ loc: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: "cohort.yaml", line: loc.line, column: loc.column, severity: .warning, message: message, hint: hint))
    }
}
