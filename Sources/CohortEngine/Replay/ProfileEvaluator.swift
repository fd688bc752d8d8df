/// Evaluates the profiles of one collection from scratch at any clock: it gathers, once,
/// each profile's matching events and table rows per attribute, then computes attributes,
/// computed attributes and segments for a given `now`.
struct ProfileEvaluator {
    let model: CollectionModel
    /// For each merged event index, whether it matched a profile of this collection.
    private(set) var matchedEvents: [Bool]
    /// inputs[row][attribute]: the aggregate inputs of that profile (empty for non-aggregates).
    private var inputs: [[[AggregateInput]]]
    /// Events kept unfiltered for `where` conditions that read the clock: [row][attribute] → event indexes.
    private var clockFiltered: [[[Int]]]
    private let events: [Event]
    private let tables: [String: Table]
    private let readsClock: Bool
    /// Whether some `where` condition reads the clock, so aggregates too change at midnight.
    private let whereReadsClock: Bool
    /// Aggregate attributes that some segment reads, directly or through computed attributes.
    private let relevantAggregates: [Int]
    /// Computed attributes in evaluation order, and segment conditions, unpacked once.
    private let computed: [(attribute: Int, expression: CompiledExpression, inputs: [Int])]
    private let conditions: [(expression: CompiledExpression, inputs: [Int])]

    init(model: CollectionModel, workspace: Workspace, events: [Event], until: Int64?) {
        self.model = model
        self.events = events
        self.tables = workspace.tables
        let rowCount = model.table.rows.count
        matchedEvents = Array(repeating: false, count: events.count)

        // Identity indexes: profile column text → rows.
        var indexes: [Int: [String: [Int]]] = [:]
        for link in model.links {
            for (_, col) in link.pairs where indexes[col] == nil {
                var idx: [String: [Int]] = [:]
                for (r, cells) in model.table.text.enumerated() where !cells[col].isEmpty { idx[cells[col], default: []].append(r) }
                indexes[col] = idx
            }
        }
        var linksByStream: [Int: [LinkModel]] = [:]
        for l in model.links { linksByStream[l.stream, default: []].append(l) }

        // Each profile's events, in merged order.
        var profileEvents = [[Int]](repeating: [], count: rowCount)
        for (ei, e) in events.enumerated() {
            guard let links = linksByStream[e.stream] else { continue }
            for link in links {
                for (field, col) in link.pairs {
                    guard let id = e.identity(field), let rows = indexes[col]?[id] else { continue }
                    for r in rows { profileEvents[r].append(ei) }
                    matchedEvents[ei] = true
                    break
                }
            }
        }

        // Related-table indexes: row column text → rows, per (table, column).
        var tableIndexes: [String: [String: [Int]]] = [:]
        var clockReading = false
        var whereClock = false
        inputs = Array(repeating: Array(repeating: [], count: model.attributes.count), count: rowCount)
        clockFiltered = Array(repeating: Array(repeating: [], count: model.attributes.count), count: rowCount)
        for (ai, attr) in model.attributes.enumerated() {
            switch attr.source {
            case .column:
                break
            case .computed(let expr, _):
                if expr.readsClock { clockReading = true }
            case .events(let agg):
                let condReadsClock = agg.condition?.readsClock ?? false
                if condReadsClock { clockReading = true; whereClock = true }
                for row in 0..<rowCount {
                    var list: [AggregateInput] = []
                    for ei in profileEvents[row] {
                        let e = events[ei]
                        if let types = agg.types, !types.contains(e.type) { continue }
                        if let cond = agg.condition {
                            if condReadsClock { clockFiltered[row][ai].append(ei); continue }
                            let rowValues = agg.conditionPaths.map { e.value(at: $0) }
                            guard case .bool(true) = cond.evaluate(rowValues, now: 0) else { continue }
                        }
                        let v: Value = agg.field.map { e.value(at: $0) } ?? .bool(true)
                        list.append(AggregateInput(timestamp: e.timestamp, tieID: e.id, tieRow: ei, value: v))
                    }
                    inputs[row][ai] = list
                }
            case .table(let agg):
                guard let table = workspace.tables[agg.table] else { continue }
                let cacheKey = "\(agg.table)\u{0}\(agg.rowColumn)"
                if tableIndexes[cacheKey] == nil {
                    var idx: [String: [Int]] = [:]
                    for (r, cells) in table.text.enumerated() where !cells[agg.rowColumn].isEmpty { idx[cells[agg.rowColumn], default: []].append(r) }
                    tableIndexes[cacheKey] = idx
                }
                let idx = tableIndexes[cacheKey]!
                if agg.condition?.readsClock ?? false { clockReading = true; whereClock = true }
                for row in 0..<rowCount {
                    let keyText = model.table.text[row][agg.profileColumn]
                    guard !keyText.isEmpty, let related = idx[keyText] else { continue }
                    var list: [AggregateInput] = []
                    for tr in related {
                        let cells = table.rows[tr]
                        if let cond = agg.condition, !cond.readsClock {
                            let vals = agg.conditionColumns.map { cells[$0] }
                            guard case .bool(true) = cond.evaluate(vals, now: until ?? 0) else { continue }
                        }
                        var ts: Int64?
                        if let tc = agg.timestampColumn {
                            switch cells[tc] {
                            case .timestamp(let t): ts = t
                            case .date(let d): ts = Int64(d) * CivilTime.microsPerDay
                            default: ts = nil
                            }
                        }
                        let v: Value = agg.fieldColumn.map { cells[$0] } ?? .bool(true)
                        list.append(AggregateInput(timestamp: ts, tieID: "", tieRow: tr, value: v))
                    }
                    inputs[row][ai] = list
                }
            }
        }
        for s in model.segments where s.condition.readsClock { clockReading = true }
        readsClock = clockReading
        computed = model.evaluationOrder.compactMap { ai in
            if case .computed(let e, let ins) = model.attributes[ai].source { return (ai, e, ins) }
            return nil
        }
        conditions = model.segments.map { ($0.condition, $0.inputs) }
        var relevant = Set<Int>()
        var stack = model.segments.flatMap(\.inputs)
        while let ai = stack.popLast() {
            guard relevant.insert(ai).inserted else { continue }
            if case .computed(_, let ins) = model.attributes[ai].source { stack += ins }
        }
        relevantAggregates = relevant.sorted().filter {
            switch model.attributes[$0].source {
            case .events, .table: return true
            default: return false
            }
        }
        whereReadsClock = whereClock
    }

    /// Every attribute value and segment membership of profile `row` at clock `now`.
    func evaluate(row: Int, now: Int64, typeWarnings: inout [Int]) -> ([Value], [Bool]) {
        var values = aggregates(row: row, now: now, typeWarnings: &typeWarnings)
        let members = derive(&values, now: now)
        return (values, members)
    }

    /// Known attributes and aggregates of profile `row` at `now`; computed attributes null.
    func aggregates(row: Int, now: Int64, typeWarnings: inout [Int]) -> [Value] {
        model.attributes.indices.map { aggregate($0, row: row, now: now, typeWarnings: &typeWarnings[$0]) }
    }

    /// The value of known or aggregate attribute `ai` of profile `row` at `now` (null for computed ones).
    func aggregate(_ ai: Int, row: Int, now: Int64, typeWarnings: inout Int) -> Value {
        switch model.attributes[ai].source {
        case .column(let c):
            return model.table.rows[row][c]
        case .events(let agg):
            var list = inputs[row][ai].filter { inWindow($0.timestamp, agg.window, now: now) }
            if let cond = agg.condition, cond.readsClock {
                for ei in clockFiltered[row][ai] {
                    let e = events[ei]
                    guard inWindow(e.timestamp, agg.window, now: now),
                          case .bool(true) = cond.evaluate(agg.conditionPaths.map { e.value(at: $0) }, now: now) else { continue }
                    list.append(AggregateInput(timestamp: e.timestamp, tieID: e.id, tieRow: ei, value: agg.field.map { e.value(at: $0) } ?? .bool(true)))
                }
            }
            return Aggregate.compute(agg.function, list, typeWarnings: &typeWarnings)
        case .table(let agg):
            var list = inputs[row][ai].filter { i in
                guard let ts = i.timestamp else { return agg.window == nil }
                return inWindow(ts, agg.window, now: now)
            }
            if let cond = agg.condition, cond.readsClock, let table = tables[agg.table] {
                list = list.filter { i in
                    let cells = table.rows[i.tieRow]
                    if case .bool(true) = cond.evaluate(agg.conditionColumns.map { cells[$0] }, now: now) { return true }
                    return false
                }
            }
            return Aggregate.compute(agg.function, list, typeWarnings: &typeWarnings)
        case .computed:
            return .null
        }
    }

    /// Fills in computed attributes (in dependency order) and returns segment memberships.
    func derive(_ values: inout [Value], now: Int64) -> [Bool] {
        var row: [Value] = []
        for c in computed {
            row.removeAll(keepingCapacity: true)
            for i in c.inputs { row.append(values[i]) }
            values[c.attribute] = c.expression.evaluate(row, now: now)
        }
        var members = [Bool](repeating: false, count: conditions.count)
        for (s, c) in conditions.enumerated() {
            row.removeAll(keepingCapacity: true)
            for i in c.inputs { row.append(values[i]) }
            if case .bool(true) = c.expression.evaluate(row, now: now) { members[s] = true }
        }
        return members
    }

    /// The membership changes of profile `row` between the clock's first value and `end`.
    ///
    /// Only attributes that some segment reads (directly or through computed attributes)
    /// are followed, and an aggregate is recomputed only at the instants its own inputs
    /// enter or leave its window; clock-reading expressions are re-evaluated at midnights.
    func timeline(row: Int, from start: Int64, to end: Int64) -> [Activation] {
        guard !model.segments.isEmpty else { return [] }
        // Instant → aggregate attributes that may change then.
        var changes: [Int64: [Int]] = [:]
        for ai in relevantAggregates {
            var points = Set<Int64>()
            let window: Int64?
            switch model.attributes[ai].source {
            case .events(let agg):
                window = agg.window
                for ei in clockFiltered[row][ai] { add(events[ei].timestamp, window, to: &points, start, end) }
            case .table(let agg): window = agg.window
            default: continue
            }
            for i in inputs[row][ai] { if let ts = i.timestamp { add(ts, window, to: &points, start, end) } }
            if whereReadsClock { forEachMidnight(start, end) { points.insert($0) } }
            for t in points { changes[t, default: []].append(ai) }
        }
        if readsClock { forEachMidnight(start, end) { if changes[$0] == nil { changes[$0] = [] } } }

        var scratch = [Int](repeating: 0, count: model.attributes.count)
        var (values, current) = evaluate(row: row, now: start, typeWarnings: &scratch)
        var out: [Activation] = []
        let key = model.key(ofRow: row)
        for (s, member) in current.enumerated() where member {
            out.append(Activation(collection: model.name, segment: model.segments[s].name, key: key, change: .enter, at: start))
        }
        for t in changes.keys.sorted() {
            for ai in changes[t]! { values[ai] = aggregate(ai, row: row, now: t, typeWarnings: &scratch[ai]) }
            let next = derive(&values, now: t)
            for s in next.indices where next[s] != current[s] {
                out.append(Activation(collection: model.name, segment: model.segments[s].name, key: key, change: next[s] ? .enter : .exit, at: t))
            }
            current = next
        }
        return out
    }

    private func forEachMidnight(_ start: Int64, _ end: Int64, _ body: (Int64) -> Void) {
        var day = CivilTime.day(ofMicros: start) + 1
        while day * CivilTime.microsPerDay <= end {
            body(day * CivilTime.microsPerDay)
            day += 1
        }
    }

    private func add(_ ts: Int64, _ window: Int64?, to points: inout Set<Int64>, _ start: Int64, _ end: Int64) {
        if ts > start, ts <= end { points.insert(ts) }
        if let w = window, ts + w > start, ts + w <= end { points.insert(ts + w) }
    }

    private func inWindow(_ ts: Int64?, _ window: Int64?, now: Int64) -> Bool {
        guard let ts else { return window == nil }
        guard ts <= now else { return false }
        if let w = window { return ts > now - w }
        return true
    }
}
