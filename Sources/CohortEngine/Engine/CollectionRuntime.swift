/// The live state of one collection: every profile's attribute values and memberships, the
/// inputs each aggregate holds, and the indexes that route an event to what it touches.
final class CollectionRuntime {
    let model: CollectionModel
    let index: Int
    let attributeCount: Int
    let segmentCount: Int
    let rowCount: Int

    /// values[row * attributeCount + attribute]
    var values: [Value]
    /// members[row * segmentCount + segment]
    var members: [Bool]
    /// The incremental state of each aggregate slot over all rows.
    let columns: [AggregateColumn]
    /// When each (row, slot) next needs an expiry check; Int64.max when none is scheduled.
    var scheduled: [Int64]
    /// Each row's applied events, newest first, as a linked list through `historyLinks`
    /// (event index in the engine's store, next link or -1): what an all-time min, max,
    /// first or last is rebuilt from when a retracted duplicate took its answer.
    var historyHead: [Int32]
    var historyLinks: [(event: Int32, next: Int32)] = []

    /// slot → attribute index, for aggregates (event or table), and the slot's function
    /// and window (nil for all_time), resolved once.
    let slotAttribute: [Int]
    let slotFunction: [AggregateFunction]
    let slotWindow: [Int64?]
    /// attribute → slot, or -1.
    let attributeSlot: [Int]
    /// Per slot: its event aggregate's definition (nil for a table aggregate), held by
    /// reference so the per-event path does not copy it; and the cause its window's changes name.
    let eventSlots: [EventAggregateModel?]
    let windowCauses: [ActivationCause]
    /// Event-aggregate slots by event type, and those counting every type.
    let slotsByType: [String: [Int]]
    let slotsForAnyType: [Int]
    /// Identity routing per stream: linking keys in order, each with its index text → rows.
    let routes: [Int: [(field: String, rows: [String: [Int]])]]
    /// Computed attributes in evaluation order: which attribute, its expression and inputs
    /// (kept as parallel arrays so the hot loop borrows instead of copying tuples).
    let computedAttribute: [Int]
    let computedExpression: [CompiledExpression]
    let computedInputs: [[Int]]
    /// Segment conditions and their inputs, by segment.
    let conditionExpression: [CompiledExpression]
    let conditionInputs: [[Int]]
    /// Segment names and profile keys, for activation records.
    let segmentNames: [String]
    let keys: [String]
    /// Whether any segment or eagerly kept computed attribute reads the clock, and whether one
    /// reads current_timestamp() (which changes with every clock move, not only at midnight):
    /// what the engine must re-evaluate for every profile as the clock moves.
    let readsDate: Bool
    let readsTimestamp: Bool
    /// Per computed attribute (in `computed` order): lazy when it depends on the clock (itself
    /// or through an input) and no segment reads it, directly or through other attributes.
    /// A lazy attribute is not re-evaluated for every profile as the clock moves; it is
    /// brought up to the clock when read or when its profile propagates (`LiveEngine.refreshLazy`).
    /// Its dependents are lazy too, so nothing eager ever reads a lazy value.
    let computedLazy: [Bool]
    let attributeLazy: [Bool]
    let hasLazy: Bool
    /// Whether a lazy attribute depends on current_timestamp() (then it is stale as soon as
    /// the clock moves, else when the day changes).
    let lazyReadsTimestamp: Bool
    /// Per row: the clock at which its lazy attributes were last evaluated.
    var lazyAt: [Int64]
    /// Per computed attribute (in `computed` order) and per segment: does it read the clock?
    let computedReadsClock: [Bool]
    let conditionReadsClock: [Bool]
    /// Which attributes each computed attribute and each segment reads, as bit sets of
    /// `maskWords` words (computedMasks[k * maskWords + w]), so propagation tests a
    /// dependency with one AND per word.
    let maskWords: Int
    let computedMasks: [UInt64]
    let conditionMasks: [UInt64]

    var slotCount: Int { slotAttribute.count }

    /// `restoring`: the per-row state (values, members, schedule, histories, lazy clocks and
    /// every column's accumulators) is left empty for a checkpoint to fill (`EngineCheckpoint`).
    init(model: CollectionModel, index: Int, restoring: Bool = false) {
        self.model = model
        self.index = index
        attributeCount = model.attributes.count
        segmentCount = model.segments.count
        rowCount = model.table.rows.count
        let stateRows = restoring ? 0 : rowCount
        values = Array(repeating: .null, count: stateRows * attributeCount)
        members = Array(repeating: false, count: stateRows * segmentCount)

        var slotAttribute: [Int] = []
        var slotFunction: [AggregateFunction] = []
        var slotWindow: [Int64?] = []
        var attributeSlot = [Int](repeating: -1, count: model.attributes.count)
        var byType: [String: [Int]] = [:]
        var anyType: [Int] = []
        for (ai, a) in model.attributes.enumerated() {
            switch a.source {
            case .events(let agg):
                attributeSlot[ai] = slotAttribute.count
                if let types = agg.types {
                    for t in types.sorted() { byType[t, default: []].append(slotAttribute.count) }
                } else {
                    anyType.append(slotAttribute.count)
                }
                slotAttribute.append(ai)
                slotFunction.append(agg.function)
                slotWindow.append(agg.window)
            case .table(let agg):
                attributeSlot[ai] = slotAttribute.count
                slotAttribute.append(ai)
                slotFunction.append(agg.function)
                slotWindow.append(agg.window)
            default:
                break
            }
        }
        self.slotAttribute = slotAttribute
        self.slotFunction = slotFunction
        self.slotWindow = slotWindow
        self.attributeSlot = attributeSlot
        eventSlots = slotAttribute.map { ai in
            if case .events(let agg) = model.attributes[ai].source { return agg } else { return nil }
        }
        windowCauses = slotAttribute.map { .window(attribute: model.attributes[$0].name) }
        slotsByType = byType
        slotsForAnyType = anyType
        columns = zip(slotFunction, slotWindow).map { AggregateColumn(function: $0, window: $1, rows: stateRows) }
        scheduled = Array(repeating: Int64.max, count: stateRows * slotAttribute.count)
        historyHead = Array(repeating: -1, count: stateRows)

        var routes: [Int: [(String, [String: [Int]])]] = [:]
        var columnIndexes: [Int: [String: [Int]]] = [:]
        for link in model.links {
            var keys: [(String, [String: [Int]])] = []
            for (field, col) in link.pairs {
                if columnIndexes[col] == nil {
                    var idx: [String: [Int]] = [:]
                    for (r, cells) in model.table.text.enumerated() where !cells[col].isEmpty { idx[cells[col], default: []].append(r) }
                    columnIndexes[col] = idx
                }
                keys.append((field, columnIndexes[col]!))
            }
            routes[link.stream, default: []] += keys
        }
        self.routes = routes.mapValues { $0.map { (field: $0.0, rows: $0.1) } }

        var attrs: [Int] = [], exprs: [CompiledExpression] = [], ins: [[Int]] = []
        for ai in model.evaluationOrder {
            if case .computed(let e, let i) = model.attributes[ai].source { attrs.append(ai); exprs.append(e); ins.append(i) }
        }
        computedAttribute = attrs
        computedExpression = exprs
        computedInputs = ins
        conditionExpression = model.segments.map(\.condition)
        conditionInputs = model.segments.map(\.inputs)
        segmentNames = model.segments.map(\.name)
        keys = model.table.text.map { $0[model.keyColumn] }
        computedReadsClock = exprs.map(\.readsClock)
        conditionReadsClock = conditionExpression.map(\.readsClock)
        let words = max(1, (attributeCount + 63) / 64)
        func masks(_ inputs: [[Int]]) -> [UInt64] {
            var out = [UInt64](repeating: 0, count: inputs.count * words)
            for (k, list) in inputs.enumerated() { for i in list { out[k * words + i / 64] |= 1 << UInt64(i % 64) } }
            return out
        }
        maskWords = words
        computedMasks = masks(ins)
        conditionMasks = masks(conditionInputs)
        // What depends on the clock, and what a segment reads, through computed attributes.
        var onClock = [Bool](repeating: false, count: attributeCount)
        var onTimestamp = [Bool](repeating: false, count: attributeCount)
        for k in attrs.indices {
            onClock[attrs[k]] = exprs[k].readsClock || ins[k].contains { onClock[$0] }
            onTimestamp[attrs[k]] = exprs[k].readsTimestamp || ins[k].contains { onTimestamp[$0] }
        }
        var readBySegment = [Bool](repeating: false, count: attributeCount)
        for inputs in conditionInputs { for i in inputs { readBySegment[i] = true } }
        for k in attrs.indices.reversed() where readBySegment[attrs[k]] { for i in ins[k] { readBySegment[i] = true } }
        let lazy = attrs.map { onClock[$0] && !readBySegment[$0] }
        computedLazy = lazy
        var byAttribute = [Bool](repeating: false, count: attributeCount)
        for (k, ai) in attrs.enumerated() where lazy[k] { byAttribute[ai] = true }
        attributeLazy = byAttribute
        hasLazy = lazy.contains(true)
        lazyReadsTimestamp = attrs.indices.contains { lazy[$0] && onTimestamp[attrs[$0]] }
        lazyAt = Array(repeating: Int64.min, count: lazy.contains(true) ? stateRows : 0)
        let eagerReaders = attrs.indices.filter { !lazy[$0] }.map { exprs[$0] } + conditionExpression
        readsDate = eagerReaders.contains { $0.readsClock }
        readsTimestamp = eagerReaders.contains { $0.readsTimestamp }
    }

    /// The rows an event's identity matches: the first linking key whose value matches any
    /// profile decides (SPEC §3).
    func rows(for event: Event) -> [Int] {
        guard let keys = routes[event.stream] else { return [] }
        for key in keys {
            if let id = event.identity(key.field), let rows = key.rows[id] { return rows }
        }
        return []
    }

    @inline(__always) func value(_ row: Int, _ attribute: Int) -> Value { values[row * attributeCount + attribute] }
}
