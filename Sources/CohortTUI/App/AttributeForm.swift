import CohortEngine
import Foundation

/// The attribute form's state: name, description, kind and the fields of that kind (a column;
/// an aggregate's source, function, event types, field, where condition and timeframe; or an
/// expression), what validation found, and the preview. `Console` routes keys here while the
/// form is open. The same state, in `deletion` mode, is the delete dialog of the Attributes
/// screen.
public struct AttributeForm: Sendable {
    public enum Kind: String, CaseIterable, Sendable { case known, aggregate, computed }

    /// The fields in focus order.
    public enum Focus: Sendable, Hashable {
        case name, description, kind
        case column
        case source, matchRow, matchProfile, function, events, field, condition, timeframe
        case expression
        case pii
        case save, cancel
    }

    /// A column of a table with its inferred type.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
    }

    /// A related table an aggregate can read (one with `timestamp:`).
    public struct SourceTable: Sendable {
        public var name: String
        public var columns: [Column]
        public var timestamp: String?
    }

    /// What is wrong with a field; expressions carry their position.
    public struct Problem: Sendable, Equatable {
        public var message: String
        public var position: ExpressionError?

        init(_ message: String, position: ExpressionError? = nil) {
            self.message = message
            self.position = position
        }

        /// `1:18: error: …` for expressions, else the message.
        public var text: String { position?.description ?? message }
    }

    /// The saved definition being edited.
    public struct Original: Sendable {
        public var name: String
        public var index: Int
    }

    /// Values of the attribute as defined in the form, over every profile now.
    public struct Preview: Sendable {
        /// Profiles with a value (not null, not an empty string or list).
        public var filled: Int
        public var total: Int
        /// A few profiles with a value: key and value.
        public var samples: [(key: String, value: String)]
        /// The most common values and how many profiles hold each.
        public var top: [(value: String, count: Int)]
        /// `min … · max …` when the values are numbers.
        public var range: String?
        /// A histogram of the numbers, eight buckets from min to max (empty otherwise).
        public var buckets: [Double]
        /// Values skipped by a numeric function because they were not numbers.
        public var typeWarnings: Int
        /// How long computing it took.
        public var micros: Int64
        /// Where the values came from ("table customer_360", "replay of 12,345 events").
        public var basis: String
    }

    /// Where the preview stands.
    public enum PreviewState: Sendable {
        /// Nothing to show yet, and why.
        case none(String)
        case ready(Preview)
        /// An aggregate being recomputed in the background since this wall time.
        case computing(since: Int64)
        case failed(String)
    }

    /// What the form knows about the workspace, gathered once when it opens.
    struct Context: Sendable {
        var collection = 0
        var collectionName = ""
        var tableName = ""
        var tableColumns: [Column] = []
        var keyColumn = ""
        var sourceTables: [SourceTable] = []
        /// Types of the collection's other attributes (what an expression may read).
        var attributeTypes: [String: ValueType] = [:]
        /// Attributes that read the edited one, directly or through others (a cycle if read back).
        var dependents: Set<String> = []
        /// Segments that read the edited attribute, directly or through computed attributes.
        var readers: [String] = []
        /// Event types seen in the collection's streams, sorted.
        var eventTypes: [String] = []
        /// Per event type: the `properties.…` paths seen in a sample, with how often.
        var pathCounts: [String: [String: Int]] = [:]
        /// Events sampled for the paths.
        var sampled = 0
        /// Top-level identity fields of the collection's streams.
        var identityFields: [String] = []
        /// Names used in the collection (attributes and segments), except the edited one.
        var takenNames: Set<String> = []
    }

    let context: Context
    /// The background recomputation of aggregate previews.
    let job: AttributePreviewJob

    public var collection: Int { context.collection }
    public var original: Original?
    public var name = TextField()
    public var description = TextField()
    public var kind: Kind = .aggregate
    public var column = TextField()
    /// 0 = events, k = `sourceTables[k - 1]`.
    public var source = 0
    public var function: AggregateFunction = .count
    /// Chosen event types, in the order chosen (empty = every type).
    public var chosenTypes: [String] = []
    /// The highlighted event type in the multi-select.
    public var typeCursor = 0
    public var field = TextField()
    public var condition = TextField()
    public var timeframe = TextField("all_time")
    public var matchRow = TextField()
    public var matchProfile = TextField()
    public var expression = TextField()
    public var pii = false
    public var focus: Focus = .name

    /// Problems by field (shown once the field was touched, or all after a save attempt).
    public private(set) var problems: [Focus: Problem] = [:]
    /// Notes that do not block saving, by field.
    public private(set) var notes: [Focus: String] = [:]
    /// The type the attribute would have, when known.
    public private(set) var resultType: ValueType?
    /// The compiled expression of a computed attribute.
    var compiled: CompiledExpression?
    var touched: Set<Focus> = []
    var showAllProblems = false

    public var preview: PreviewState = .none("")
    /// The definition the preview shows (or is computing).
    var previewedSignature: String?
    /// The definition the preview should show.
    var wantedSignature: String?

    /// Asks before throwing away unsaved changes.
    public var discard: Dialog?
    /// Set when this is the delete dialog rather than the form.
    public var deletion: DeleteRequest?
    /// The definition as the form opened, to tell whether anything changed.
    var initialItem: [YAMLEntryPair] = []

    // MARK: Opening

    /// The form for a new attribute (`editing == nil`) or the attribute at index `editing`.
    init(workspace ws: Workspace, collection c: Int, editing a: Int?) {
        let model = ws.collections[c]
        var ctx = Context()
        ctx.collection = c
        ctx.collectionName = model.name
        ctx.tableName = model.table.name
        ctx.tableColumns = zip(model.table.columns, model.table.types).map { Column(name: $0, type: $1) }
        ctx.keyColumn = model.table.columns[model.keyColumn]
        let editedName = a.map { model.attributes[$0].name }
        var sourceTables: [SourceTable] = []
        var editedTable: String?
        if let a, case .tableAggregate(let t) = model.attributes[a].definition.kind { editedTable = t.table.value }
        for t in ws.definitions.tables where t.name.value != model.table.name || t.name.value == editedTable {
            guard t.timestamp != nil || t.name.value == editedTable, let table = ws.tables[t.name.value] else { continue }
            sourceTables.append(SourceTable(name: t.name.value, columns: zip(table.columns, table.types).map { Column(name: $0, type: $1) },
                                            timestamp: t.timestamp?.value))
        }
        ctx.sourceTables = sourceTables
        var types: [String: ValueType] = [:]
        for m in model.attributes where m.name != editedName { types[m.name] = m.type }
        ctx.attributeTypes = types
        if let editedName {
            let (attrs, segs) = Self.readers(of: editedName, in: model.definition)
            ctx.dependents = attrs
            ctx.readers = segs
        }
        ctx.takenNames = Set(model.attributes.map(\.name) + model.segments.map(\.name)).subtracting(editedName.map { [$0] } ?? [])
        ctx.identityFields = Array(Set(model.definition.streams.flatMap { $0.match.map(\.event.value) })).sorted()
        Self.scanEvents(ws, streams: model.links.map(\.stream), into: &ctx)
        context = ctx
        job = AttributePreviewJob()

        if let a {
            let attr = model.attributes[a]
            let d = attr.definition
            original = Original(name: attr.name, index: a)
            name = TextField(attr.name)
            description = TextField(d.description ?? "")
            pii = attr.pii
            switch d.kind {
            case .known(let col):
                kind = .known
                column = TextField(col.value)
            case .computed(let expr):
                kind = .computed
                expression = TextField(expr.value)
            case .eventAggregate(let e):
                kind = .aggregate
                source = 0
                function = e.function.value
                field = TextField(e.field?.value ?? "")
                chosenTypes = e.events.map(\.value)
                condition = TextField(e.condition?.value ?? "")
                timeframe = TextField(e.timeframe.value.description)
            case .tableAggregate(let t):
                kind = .aggregate
                source = (sourceTables.firstIndex { $0.name == t.table.value } ?? -1) + 1
                function = t.function.value
                field = TextField(t.field?.value ?? "")
                matchRow = TextField(t.rowColumn.value)
                matchProfile = TextField(t.profileColumn.value)
                condition = TextField(t.condition?.value ?? "")
                timeframe = TextField(t.timeframe.value.description)
            }
        }
        if let first = chosenTypes.first, let i = context.eventTypes.firstIndex(of: first) { typeCursor = i }
        initialItem = draftItem(name: name.text)
    }

    /// The delete dialog over the Attributes screen.
    init(deleting request: DeleteRequest, collection c: Int) {
        var ctx = Context()
        ctx.collection = c
        context = ctx
        job = AttributePreviewJob()
        deletion = request
    }

    /// What reads `attribute` in a collection: computed attributes (directly or through
    /// others) and the segments reading any of them.
    static func readers(of attribute: String, in definition: CollectionDefinition) -> (attributes: Set<String>, segments: [String]) {
        var attributes = Set<String>(), segments: [String] = []
        var queue = [attribute], seen: Set<String> = [attribute]
        while let next = queue.popLast() {
            for d in definitionDependents(of: next, in: definition) {
                switch d.kind {
                case .attribute:
                    attributes.insert(d.name)
                    if seen.insert(d.name).inserted { queue.append(d.name) }
                case .segment:
                    if !segments.contains(d.name) { segments.append(d.name) }
                }
            }
        }
        return (attributes, segments.sorted())
    }

    /// Event types of the collection's streams (every event) and the property paths of a
    /// sample of at most `limit` events.
    static func scanEvents(_ ws: Workspace, streams: [Int], into ctx: inout Context, limit: Int = 50_000) {
        var types = Set<String>()
        var total = 0
        for s in streams where ws.streamLoads.indices.contains(s) {
            total += ws.streamLoads[s].events.count
            for e in ws.streamLoads[s].events { types.insert(e.type) }
        }
        ctx.eventTypes = types.sorted()
        guard total > 0 else { return }
        let step = max(1, (total + limit - 1) / limit)
        var counts: [String: [String: Int]] = [:]
        var sampled = 0
        var k = 0
        func add(_ members: [JSONMember], prefix: String, type: String, depth: Int) {
            for m in members {
                let path = prefix + m.key
                counts[type, default: [:]][path, default: 0] += 1
                if depth < 3, case .object(let inner) = m.value { add(inner, prefix: path + ".", type: type, depth: depth + 1) }
            }
        }
        for s in streams where ws.streamLoads.indices.contains(s) {
            for e in ws.streamLoads[s].events {
                defer { k += 1 }
                guard k % step == 0 else { continue }
                sampled += 1
                add(e.properties, prefix: "properties.", type: e.type, depth: 1)
            }
        }
        ctx.pathCounts = counts
        ctx.sampled = sampled
    }

    // MARK: Fields

    /// The source's name: `events` or a table.
    public var sourceName: String { source == 0 ? "events" : context.sourceTables[source - 1].name }
    var sourceTable: SourceTable? { source == 0 ? nil : context.sourceTables[source - 1] }
    /// Choices for Source: events, then the related tables.
    public var sourceNames: [String] { ["events"] + context.sourceTables.map(\.name) }
    public var eventTypes: [String] { context.eventTypes }

    /// Fields in focus order, for Tab and Shift-Tab.
    public var focusOrder: [Focus] {
        var out: [Focus] = [.name, .description, .kind]
        switch kind {
        case .known:
            out.append(.column)
        case .aggregate:
            out.append(.source)
            if source != 0 { out += [.matchRow, .matchProfile] }
            out.append(.function)
            if source == 0 { out.append(.events) }
            if function != .count { out.append(.field) }
            out += [.condition, .timeframe]
        case .computed:
            out.append(.expression)
        }
        return out + [.pii, .save, .cancel]
    }

    mutating func moveFocus(_ step: Int) {
        let order = focusOrder
        let i = order.firstIndex(of: focus) ?? 0
        focus = order[(i + step + order.count) % order.count]
    }

    /// The text field in focus, if the focus is on one.
    var focusedField: TextField? {
        get {
            switch focus {
            case .name: return name
            case .description: return description
            case .column: return column
            case .matchRow: return matchRow
            case .matchProfile: return matchProfile
            case .field: return field
            case .condition: return condition
            case .timeframe: return timeframe
            case .expression: return expression
            default: return nil
            }
        }
        set {
            guard let newValue else { return }
            switch focus {
            case .name: name = newValue
            case .description: description = newValue
            case .column: column = newValue
            case .matchRow: matchRow = newValue
            case .matchProfile: matchProfile = newValue
            case .field: field = newValue
            case .condition: condition = newValue
            case .timeframe: timeframe = newValue
            case .expression: expression = newValue
            default: break
            }
        }
    }

    /// Common timeframes, for Space on the Timeframe field.
    static let timeframes = ["all_time", "1h", "24h", "7d", "30d", "90d", "365d"]

    /// What a field may hold, for suggestions, completion (→ at the end) and Space: columns,
    /// event fields seen, timeframes.
    public func suggestions(for f: Focus) -> [String] {
        switch f {
        case .column, .matchProfile: return context.tableColumns.map(\.name)
        case .matchRow: return sourceTable?.columns.map(\.name) ?? []
        case .timeframe: return Self.timeframes
        case .field:
            if let t = sourceTable { return t.columns.map(\.name) }
            return eventFieldSuggestions
        default: return []
        }
    }

    /// Event fields for Field: the `properties.…` paths seen in the chosen types' events (most
    /// common first), then the event's own timestamp and the identity fields.
    var eventFieldSuggestions: [String] {
        let types = chosenTypes.isEmpty ? context.eventTypes : chosenTypes
        var merged: [String: Int] = [:]
        for t in types { for (p, n) in context.pathCounts[t] ?? [:] { merged[p, default: 0] += n } }
        let paths = merged.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        return paths + ["timestamp"] + context.identityFields + ["type", "event_id"]
    }

    /// The suggestions matching what the focused field holds (prefix first, then substring).
    public func matchingSuggestions(for f: Focus, text: String) -> [String] {
        let all = suggestions(for: f)
        guard !text.isEmpty else { return all }
        let lower = text.lowercased()
        let prefix = all.filter { $0.lowercased().hasPrefix(lower) && $0 != text }
        let inner = all.filter { !$0.lowercased().hasPrefix(lower) && $0.lowercased().contains(lower) }
        return prefix + inner
    }

    /// The first suggestion starting with what the field holds, when it is not already one
    /// (→ or End at the end of the field accepts it).
    public func completion(for f: Focus, text: String) -> String? {
        guard !text.isEmpty else { return nil }
        let all = suggestions(for: f)
        guard !all.contains(text) else { return nil }
        return all.first { $0.hasPrefix(text) } ?? all.first { $0.lowercased().hasPrefix(text.lowercased()) }
    }

    /// The suggestion after `text` (Space): the next in the list, wrapping.
    func nextSuggestion(for f: Focus, text: String, step: Int = 1) -> String? {
        let all = suggestions(for: f)
        guard !all.isEmpty else { return nil }
        if let i = all.firstIndex(of: text) { return all[(i + step + all.count) % all.count] }
        return completion(for: f, text: text) ?? all[step > 0 ? 0 : all.count - 1]
    }

    /// Picks a table source, with the match columns it needs.
    mutating func setSource(_ s: Int) {
        let before = source
        source = s
        guard before != s else { return }
        if let t = sourceTable {
            let names = t.columns.map(\.name)
            if !names.contains(field.text) { field = TextField() }
            if !names.contains(matchRow.text) {
                matchRow = TextField(names.contains(context.keyColumn) ? context.keyColumn : (names.first ?? ""))
            }
            if matchProfile.text.isEmpty { matchProfile = TextField(context.keyColumn) }
        } else if before != 0 {
            field = TextField()
        }
    }

    /// Turns the highlighted event type on or off.
    mutating func toggleType() {
        guard context.eventTypes.indices.contains(typeCursor) else { return }
        let t = context.eventTypes[typeCursor]
        if let i = chosenTypes.firstIndex(of: t) { chosenTypes.remove(at: i) } else { chosenTypes.append(t) }
    }

    // MARK: Validation

    /// Checks every field; fills `problems`, `notes`, `resultType` and, for computed
    /// attributes, `compiled`.
    mutating func validate() {
        var problems: [Focus: Problem] = [:]
        var notes: [Focus: String] = [:]
        compiled = nil
        resultType = nil
        if let e = nameProblem() { problems[.name] = Problem(e) }
        switch kind {
        case .known:
            let c = column.text
            if c.isEmpty {
                problems[.column] = Problem("choose a column of \(context.tableName) (type it, or Space for the next)")
            } else if let col = context.tableColumns.first(where: { $0.name == c }) {
                resultType = col.type.valueType
            } else {
                problems[.column] = Problem("column '\(c)' is not in table '\(context.tableName)'" + didYouMean(c, context.tableColumns.map(\.name)))
            }
        case .computed:
            validateExpression(&problems)
        case .aggregate:
            var fieldType = ValueType.any
            if let t = sourceTable {
                let names = t.columns.map(\.name)
                if matchRow.text.isEmpty {
                    problems[.matchRow] = Problem("name the column of \(t.name) that holds the profile's key")
                } else if !names.contains(matchRow.text) {
                    problems[.matchRow] = Problem("column '\(matchRow.text)' is not in table '\(t.name)'" + didYouMean(matchRow.text, names))
                }
                if matchProfile.text.isEmpty {
                    problems[.matchProfile] = Problem("name the column of \(context.tableName) it must equal")
                } else if !context.tableColumns.contains(where: { $0.name == matchProfile.text }) {
                    problems[.matchProfile] = Problem("column '\(matchProfile.text)' is not in table '\(context.tableName)'"
                                                      + didYouMean(matchProfile.text, context.tableColumns.map(\.name)))
                }
                if function != .count {
                    if field.text.isEmpty {
                        problems[.field] = Problem("\(function.rawValue) needs a field: a column of \(t.name)")
                    } else if let col = t.columns.first(where: { $0.name == field.text }) {
                        fieldType = col.type.valueType
                    } else {
                        problems[.field] = Problem("column '\(field.text)' is not in table '\(t.name)'" + didYouMean(field.text, names))
                    }
                }
                var scope: [String: ValueType] = [:]
                for c in t.columns { scope[c.name] = c.type.valueType }
                validateCondition(ExpressionScope(names: scope), &problems)
            } else {
                if context.eventTypes.isEmpty {
                    notes[.events] = "no events in the streams of \(context.collectionName)"
                } else if let missing = chosenTypes.first(where: { !context.eventTypes.contains($0) }) {
                    notes[.events] = "no '\(missing)' events in the streams of \(context.collectionName)"
                }
                let scope = eventScope
                if function != .count {
                    let f = field.text
                    if f.isEmpty {
                        problems[.field] = Problem("\(function.rawValue) needs a field, as in properties.amount")
                    } else if let t = scope.type(of: f) {
                        fieldType = t
                        if f.hasPrefix("properties."), context.sampled > 0, !eventFieldSuggestions.contains(f) {
                            notes[.field] = "not seen in the sampled \(chosenTypes.isEmpty ? "" : chosenTypes.joined(separator: ", ") + " ")events"
                        }
                    } else {
                        let hint = suggestion(for: f, among: eventFieldSuggestions).map { " — did you mean '\($0)'?" }
                            ?? " — name timestamp, type, event_id, an identity field or properties.NAME"
                        problems[.field] = Problem("unknown event field '\(f)'" + hint)
                    }
                }
                validateCondition(scope, &problems)
            }
            let tf = timeframe.text
            if let t = Timeframe.parse(tf) {
                if case .window = t, let s = sourceTable, s.timestamp == nil {
                    problems[.timeframe] = Problem("timeframe '\(tf)' needs a timestamp on table '\(s.name)' — use all_time")
                }
            } else {
                problems[.timeframe] = Problem(tf.isEmpty ? "a timeframe is required: all_time, Nd (days) or Nh (hours)"
                                                          : "invalid timeframe '\(tf)' — use all_time, Nd (days) or Nh (hours), such as 30d or 24h")
            }
            resultType = function.resultType(fieldType: fieldType)
        }
        self.problems = problems
        self.notes = notes
    }

    /// Event fields a where condition or field may name.
    var eventScope: ExpressionScope {
        var names: [String: ValueType] = ["type": .string, "event_id": .string, "timestamp": .timestamp]
        for f in context.identityFields { names[f] = .any }
        return ExpressionScope(names: names, openPrefixes: ["properties."])
    }

    private mutating func validateCondition(_ scope: ExpressionScope, _ problems: inout [Focus: Problem]) {
        let text = condition.text
        guard !text.trimmingSparkSpaces().isEmpty else { return }
        switch ExpressionCompiler.compile(text, scope: scope) {
        case .failure(let e):
            problems[.condition] = Problem(e.message, position: e)
        case .success(let c):
            if c.readsClock {
                problems[.condition] = Problem("a where condition cannot read the clock — use a timeframe for recency")
            } else if c.type != .boolean, c.type != .any, c.type != .null {
                problems[.condition] = Problem("the where condition must be boolean, but is \(c.type)",
                                               position: ExpressionError(line: 1, column: 1, message: "the where condition must be boolean, but is \(c.type)",
                                                                         hint: "compare it, as in properties.amount > 100"))
            }
        }
    }

    private mutating func validateExpression(_ problems: inout [Focus: Problem]) {
        let text = expression.text
        guard !text.trimmingSparkSpaces().isEmpty else {
            problems[.expression] = Problem("an expression is required, as in coalesce(lifetime_spend, 0) > 1000")
            return
        }
        switch ExpressionCompiler.compile(text, scope: ExpressionScope(names: context.attributeTypes)) {
        case .failure(let e):
            problems[.expression] = Problem(e.message, position: e)
        case .success(let c):
            if let loop = c.inputs.first(where: { context.dependents.contains($0) }) {
                let column = text.range(of: loop).map { text.distance(from: text.startIndex, to: $0.lowerBound) + 1 } ?? 1
                let e = ExpressionError(line: 1, column: column, message: "'\(loop)' reads \(original?.name ?? "this attribute"): that would be a cycle",
                                        hint: "an attribute cannot depend on itself, directly or through others")
                problems[.expression] = Problem(e.message, position: e)
            } else {
                compiled = c
                resultType = c.type
            }
        }
    }

    /// The name's rules, as for segments: present, a plain identifier, not taken.
    func nameProblem() -> String? {
        let n = name.text
        if n.isEmpty { return "a name is required" }
        if !(n.first!.isLetter || n.first == "_") || !n.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }) {
            return "use letters, digits and _, starting with a letter (as in purchases_30d)"
        }
        if context.takenNames.contains(n) { return "'\(n)' is already used in this collection — pick another name" }
        return nil
    }

    private func didYouMean(_ name: String, _ candidates: [String]) -> String {
        suggestion(for: name, among: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }

    /// A problem to show now: its field was touched, or a save was tried.
    public func visibleProblem(_ f: Focus) -> Problem? {
        guard let p = problems[f], showAllProblems || touched.contains(f) else { return nil }
        return p
    }

    /// The first field with a problem, in focus order.
    var firstProblem: (focus: Focus, problem: Problem)? {
        for f in focusOrder { if let p = problems[f] { return (f, p) } }
        return nil
    }

    /// A few words about each function.
    static func explain(_ f: AggregateFunction) -> String {
        switch f {
        case .count: return "number of matching events or rows"
        case .count_distinct: return "number of distinct values"
        case .distinct: return "sorted list of distinct values"
        case .sum: return "total of the numbers"
        case .average: return "mean of the numbers"
        case .min: return "smallest value"
        case .max: return "largest value"
        case .most_frequent: return "most common value (ties: smallest)"
        case .first: return "value of the earliest"
        case .last: return "value of the latest"
        }
    }

    // MARK: The definition

    /// The attribute as cohort.yaml writes it: `name`, `description`, then `column` / `pii`;
    /// `function`, `field`, `events`, `where`, `timeframe`; `function`, `field`, `table`,
    /// `match`, `where`, `timeframe`; or `expression`.
    func draftItem(name: String) -> [YAMLEntryPair] {
        var item = [YAMLEntryPair("name", .string(name))]
        if !description.text.isEmpty { item.append(YAMLEntryPair("description", .string(description.text))) }
        item += definitionPairs
        if pii { item.append(YAMLEntryPair("pii", .bool(true))) }
        return item
    }

    /// The kind's keys (what the values depend on).
    var definitionPairs: [YAMLEntryPair] {
        var item: [YAMLEntryPair] = []
        switch kind {
        case .known:
            item.append(YAMLEntryPair("column", .string(column.text)))
        case .computed:
            item.append(YAMLEntryPair("expression", .string(expression.text)))
        case .aggregate:
            item.append(YAMLEntryPair("function", .string(function.rawValue)))
            if function != .count, !field.text.isEmpty { item.append(YAMLEntryPair("field", .string(field.text))) }
            if let t = sourceTable {
                item.append(YAMLEntryPair("table", .string(t.name)))
                item.append(YAMLEntryPair("match", .map([YAMLEntryPair("row", .string(matchRow.text)), YAMLEntryPair("profile", .string(matchProfile.text))])))
            } else if !chosenTypes.isEmpty {
                item.append(YAMLEntryPair("events", .list(chosenTypes.map { .string($0) })))
            }
            if !condition.text.trimmingSparkSpaces().isEmpty { item.append(YAMLEntryPair("where", .string(condition.text))) }
            item.append(YAMLEntryPair("timeframe", .string(timeframe.text)))
        }
        return item
    }

    /// True when something differs from what the form opened with.
    public var isDirty: Bool { draftItem(name: name.text) != initialItem }

    /// What the preview depends on, when the definition is complete and valid; nil otherwise.
    var previewSignature: String? {
        let fields: Set<Focus> = [.column, .source, .matchRow, .matchProfile, .function, .events, .field, .condition, .timeframe, .expression]
        guard !problems.keys.contains(where: { fields.contains($0) }) else { return nil }
        return "\(kind.rawValue)\u{0}\(definitionPairs)"
    }

    /// Why there is no preview.
    var previewBlocker: String {
        switch kind {
        case .known: return column.text.isEmpty ? "choose a column to see its values" : "fix the column to see its values"
        case .computed: return expression.text.isEmpty ? "type an expression to see its values" : "fix the expression to see its values"
        case .aggregate: return "complete the aggregate to see its values"
        }
    }

    var isComputing: Bool {
        if case .computing = preview { return true }
        return false
    }

    /// The preview, when there is one.
    public var readyPreview: Preview? {
        if case .ready(let p) = preview { return p }
        return nil
    }

    // MARK: Preview

    /// Fill rate, samples and the most common values of `count` profiles' values.
    static func summarize(count: Int, value: (Int) -> Value, key: (Int) -> String, typeWarnings: Int = 0,
                          basis: String, started: Int64) -> Preview {
        var filled = 0
        var samples: [(key: String, value: String)] = []
        var counts: [String: Int] = [:]
        var lo = Double.infinity, hi = -Double.infinity
        var numbers = 0
        for r in 0..<count {
            let v = value(r)
            switch v {
            case .null: continue
            case .list(let items) where items.isEmpty: continue
            case .string(let s) where s.isEmpty: continue
            default: break
            }
            filled += 1
            let text = Format.value(v)
            if samples.count < 5 { samples.append((key(r), text)) }
            counts[text, default: 0] += 1
            if case .string = v {} else if let d = v.numeric {
                numbers += 1
                lo = min(lo, d)
                hi = max(hi, d)
            }
        }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map { (value: $0.key, count: $0.value) }
        var range: String?
        var buckets: [Double] = []
        if numbers > 0, numbers == filled {
            range = "min \(Format.value(AttributeStats.number(lo))) · max \(Format.value(AttributeStats.number(hi)))"
            if hi > lo {
                buckets = [Double](repeating: 0, count: 8)
                for r in 0..<count {
                    let v = value(r)
                    if case .string = v { continue }
                    guard let d = v.numeric else { continue }
                    buckets[min(7, Int((d - lo) / (hi - lo) * 8))] += 1
                }
            }
        }
        return Preview(filled: filled, total: count, samples: samples, top: Array(top), range: range, buckets: buckets,
                       typeWarnings: typeWarnings, micros: CivilTime.wallClockMicros() - started, basis: basis)
    }
}

/// A background recomputation of an aggregate's preview: one at a time, its result handed
/// back under a lock for the form to pick up on the next key or frame.
final class AttributePreviewJob: @unchecked Sendable {
    enum Outcome: Sendable {
        case preview(AttributeForm.Preview)
        case failed(String)
    }

    private let lock = NSLock()
    private var runningSignature: String?
    private var finished: (signature: String, outcome: Outcome)?

    /// The signature being computed, and the last result.
    func poll() -> (running: String?, finished: (signature: String, outcome: Outcome)?) {
        lock.lock()
        defer { lock.unlock() }
        return (runningSignature, finished)
    }

    /// Starts `work` on a background thread unless one is running; false when one is.
    @discardableResult
    func start(signature: String, work: @escaping @Sendable () -> Outcome) -> Bool {
        lock.lock()
        if runningSignature != nil {
            lock.unlock()
            return false
        }
        runningSignature = signature
        lock.unlock()
        let thread = Thread { [self] in
            let outcome = work()
            lock.lock()
            finished = (signature, outcome)
            runningSignature = nil
            lock.unlock()
        }
        thread.stackSize = 16 << 20
        thread.start()
        return true
    }
}
