import HeapModule

/// The live engine: each event updates only the aggregates it touches, windows expire
/// through a time-ordered heap as the clock moves, computed attributes and segments are
/// re-evaluated only when an input changed, and every membership change becomes an
/// activation naming its cause. Its state at any clock equals a batch recomputation over
/// the same events (see `Replay` and the exactness tests).
public final class LiveEngine {
    public let workspace: Workspace
    /// The clock: the largest valid event timestamp seen, or where `advance(to:)` moved it.
    public private(set) var clock: Int64?
    /// Membership changes, in the order they happened (when `recordActivations`).
    public private(set) var activations: [Activation] = []
    public var recordActivations: Bool
    /// Called for every membership change as it happens.
    public var onActivation: ((Activation) -> Void)?
    /// Called whenever one attribute of one profile changes value after the engine started,
    /// with what caused it (the console's "what this event changed", flashes and trends).
    public var onAttributeChange: ((AttributeChange) -> Void)?
    /// Per-stream accounting of what `apply` saw.
    public private(set) var streamStats: [StreamStats]
    /// Events applied to at least one profile.
    public private(set) var applied = 0

    let runtimes: [CollectionRuntime]
    /// Whether some collection has a condition reading current_date() / current_timestamp().
    private let anyDateReader: Bool
    private let anyTimestampReader: Bool
    private let streamNames: [String]
    private var timers = Heap<EngineTimer>()
    /// Table-row inputs waiting for the clock to reach their timestamp.
    private var pendingRows: [AggregateInput] = []
    /// Kept events per stream by id (the earliest timestamp, then the earlier line), for
    /// duplicate handling and retraction.
    private var kept: [[String: Event]]
    /// Scratch: attributes changed in the current propagation.
    private var dirty: [Bool] = []
    /// The day (since the epoch) whose midnight date-reading conditions were last re-evaluated at.
    private var midnightsHandled: Int64 = 0
    private var dirtyList: [Int] = []
    private var scratchRow: [Value] = []
    /// What the changes being made right now are attributed to.
    private var changeCause: ActivationCause = .tables
    /// True while `start` evaluates every profile for the first time (no change reports).
    private var starting = false

    /// `startAt`, when known (the first event's instant), lets table rows already in the past
    /// at that instant go straight into their aggregates instead of through the timer heap;
    /// the state is the same, the start much faster on large tables.
    public init(workspace: Workspace, recordActivations: Bool = false, startAt: Int64? = nil) {
        self.workspace = workspace
        self.recordActivations = recordActivations
        runtimes = workspace.collections.enumerated().map { CollectionRuntime(model: $1, index: $0) }
        streamStats = workspace.streams.map { StreamStats(name: $0.name.value) }
        streamNames = workspace.streams.map(\.name.value)
        anyDateReader = runtimes.contains { $0.readsDate }
        anyTimestampReader = runtimes.contains { $0.readsTimestamp }
        kept = Array(repeating: [:], count: workspace.streams.count)
        loadTables(startAt: startAt)
    }

    // MARK: Reading state

    /// The state of every collection at the clock, in the shape `ProfileWriter` prints.
    public func snapshot() -> [CollectionState] {
        runtimes.map { rt in
            CollectionState(model: rt.model,
                             values: (0..<rt.rowCount).map { r in Array(rt.values[(r * rt.attributeCount)..<((r + 1) * rt.attributeCount)]) },
                             members: (0..<rt.rowCount).map { r in Array(rt.members[(r * rt.segmentCount)..<((r + 1) * rt.segmentCount)]) },
                             typeWarnings: finalTypeWarnings(rt))
        }
    }

    /// One attribute of one profile.
    public func value(collection: Int, row: Int, attribute: Int) -> Value { runtimes[collection].value(row, attribute) }

    /// Whether a profile is in a segment.
    public func isMember(collection: Int, row: Int, segment: Int) -> Bool {
        let rt = runtimes[collection]
        return rt.members[row * rt.segmentCount + segment]
    }

    // MARK: Events

    /// One attribute of one profile taking a new value.
    public struct AttributeChange: Sendable {
        public let collection: Int
        public let row: Int
        public let attribute: Int
        public let old: Value
        public let new: Value
        public let at: Int64
        public let cause: ActivationCause
    }

    /// Number of profiles in a collection.
    public func profileCount(collection: Int) -> Int { runtimes[collection].rowCount }

    /// What applying one event did.
    public enum Outcome: Sendable, Equatable {
        case applied(profiles: Int)
        case duplicate
        case unmatched
    }

    /// Applies one valid event, replay-style: the clock first moves to the event's timestamp
    /// if that is later. Out-of-order events update every window they still fall in.
    @discardableResult
    public func apply(_ event: Event) -> Outcome {
        streamStats[event.stream].lines += 1
        let old = kept[event.stream][event.id]
        if let old, (event.timestamp, event.line) >= (old.timestamp, old.line) {
            // A duplicate does not move the clock (SPEC §4).
            streamStats[event.stream].duplicate += 1
            return .duplicate
        }
        if clock == nil { start(at: event.timestamp) }
        if event.timestamp > clock! { moveClock(to: event.timestamp, including: false) }
        let now = clock!
        defer { moveClock(to: now, including: true) }
        let cause = ActivationCause.event(stream: streamNames[event.stream], eventID: event.id)

        if let old {
            // The new copy is the earliest: it replaces the one applied before, which
            // becomes the duplicate.
            streamStats[event.stream].duplicate += 1
            let oldRows = route(old)
            if oldRows.isEmpty { streamStats[event.stream].unmatched -= 1 } else { applied -= 1 }
            for (c, rows) in oldRows { for row in rows { touch(c, row, with: old, insert: false, now: now, cause: cause) } }
        } else {
            streamStats[event.stream].valid += 1
        }
        kept[event.stream][event.id] = event

        let routed = route(event)
        guard !routed.isEmpty else {
            streamStats[event.stream].unmatched += 1
            return .unmatched
        }
        applied += 1
        var profiles = 0
        for (c, rows) in routed {
            for row in rows { touch(c, row, with: event, insert: true, now: now, cause: cause) }
            profiles += rows.count
        }
        return .applied(profiles: profiles)
    }

    /// Counts a quarantined line against its stream.
    public func quarantined(stream: Int) {
        streamStats[stream].lines += 1
        streamStats[stream].quarantined += 1
    }

    /// The profiles (collection, row) an event belongs to by identity matching.
    public func profiles(of event: Event) -> [(collection: Int, row: Int)] {
        route(event).flatMap { c, rows in rows.map { (collection: c, row: $0) } }
    }

    /// The collections and rows an event belongs to.
    private func route(_ event: Event) -> [(Int, [Int])] {
        var out: [(Int, [Int])] = []
        for rt in runtimes {
            let rows = rt.rows(for: event)
            if !rows.isEmpty { out.append((rt.index, rows)) }
        }
        return out
    }

    /// Inserts (or removes) an event's contributions to one profile, then propagates.
    private func touch(_ c: Int, _ row: Int, with event: Event, insert: Bool, now: Int64, cause: ActivationCause) {
        let rt = runtimes[c]
        var changed: [Int] = []
        changeCause = cause
        func visit(_ slot: Int) {
            let ai = rt.slotAttribute[slot]
            guard case .events(let agg) = rt.model.attributes[ai].source else { return }
            if let cond = agg.condition {
                scratchRow.removeAll(keepingCapacity: true)
                for p in agg.conditionPaths { scratchRow.append(event.value(at: p)) }
                guard case .bool(true) = cond.evaluate(scratchRow, now: now) else { return }
            }
            guard event.timestamp <= now, agg.window.map({ event.timestamp > now - $0 }) ?? true else { return }
            let input = AggregateInput(timestamp: event.timestamp, tieID: event.id, tieRow: event.stream,
                                       value: agg.field.map { event.value(at: $0) } ?? .bool(true))
            let e = row * rt.slotCount + slot
            if insert {
                insertSorted(input, into: &rt.entries[e])
            } else {
                guard let i = rt.entries[e].firstIndex(where: { $0.tieID == event.id && $0.tieRow == event.stream }) else { return }
                rt.entries[e].remove(at: i)
            }
            if recompute(rt, row, slot, now: now) { changed.append(ai) }
            schedule(rt, row, slot)
        }
        if let slots = rt.slotsByType[event.type] { for s in slots { visit(s) } }
        for s in rt.slotsForAnyType { visit(s) }
        if !changed.isEmpty { propagate(rt, row, changed: changed, now: now, cause: cause) }
    }

    // MARK: The clock

    /// Moves the clock forward to `t`, expiring windows and revealing table rows in time
    /// order, each change stamped with its exact instant.
    public func advance(to t: Int64) { moveClock(to: t, including: true) }

    /// Moves the clock to `t`, handling timers and midnights before `t` (and at `t` when
    /// `including`). An event at `t` is applied between the two halves, so an event and a
    /// window edge at the same instant make one change, not an exit and an enter.
    private func moveClock(to t: Int64, including: Bool) {
        guard let current = clock else { start(at: t); return }
        guard t >= current else { return }
        while true {
            let nextTimer = timers.min?.time ?? Int64.max
            let nextMidnight = anyDateReader ? (midnightsHandled + 1) * CivilTime.microsPerDay : Int64.max
            let next = min(nextTimer, nextMidnight)
            if including ? next > t : next >= t { break }
            clock = next
            if nextTimer == next { fireTimers(at: next) }
            if nextMidnight == next {
                midnightsHandled += 1
                reevaluateClockReaders(now: next, timestampOnly: false)
            }
        }
        clock = t
        if t > current, anyTimestampReader { reevaluateClockReaders(now: t, timestampOnly: true) }
    }

    /// Handles every timer due at exactly `t`.
    private func fireTimers(at t: Int64) {
        // Group per profile so one propagation covers every slot that changed at t.
        var touched: [Int: [Int: [Int]]] = [:] // collection → row → changed attributes
        var causes: [Int: [Int: Int]] = [:]     // collection → row → attribute named as cause
        while let top = timers.min, top.time == t {
            _ = timers.popMin()
            let c = Int(top.collection), row = Int(top.row), slot = Int(top.slot)
            let rt = runtimes[c]
            let e = row * rt.slotCount + slot
            switch top.kind {
            case .expiry:
                guard rt.scheduled[e] == t else { continue } // stale
                rt.scheduled[e] = Int64.max
            case .tableRow:
                insertSorted(pendingRows[Int(top.payload)], into: &rt.entries[e])
            }
            let ai = rt.slotAttribute[slot]
            changeCause = .window(attribute: rt.model.attributes[ai].name)
            if recompute(rt, row, slot, now: t) {
                touched[c, default: [:]][row, default: []].append(ai)
                causes[c, default: [:]][row] = causes[c]?[row] ?? ai
            }
            schedule(rt, row, slot)
        }
        for c in touched.keys.sorted() {
            let rt = runtimes[c]
            for row in touched[c]!.keys.sorted() {
                let cause = ActivationCause.window(attribute: rt.model.attributes[causes[c]![row]!].name)
                propagate(rt, row, changed: touched[c]![row]!, now: t, cause: cause)
            }
        }
    }

    /// Re-evaluates computed attributes and segments that read the clock, for every profile.
    private func reevaluateClockReaders(now: Int64, timestampOnly: Bool) {
        for rt in runtimes where timestampOnly ? rt.readsTimestamp : rt.readsDate {
            for row in 0..<rt.rowCount { propagate(rt, row, changed: [], now: now, cause: .clock, clockMoved: true) }
        }
    }

    /// The clock's first value: table rows up to it become visible and every profile is
    /// evaluated; memberships that hold from table data enter now.
    private func start(at t: Int64) {
        starting = true
        defer { starting = false }
        clock = t
        midnightsHandled = CivilTime.day(ofMicros: t)
        while let top = timers.min, top.time <= t {
            _ = timers.popMin()
            let rt = runtimes[Int(top.collection)]
            insertSorted(pendingRows[Int(top.payload)], into: &rt.entries[Int(top.row) * rt.slotCount + Int(top.slot)])
        }
        for rt in runtimes {
            for row in 0..<rt.rowCount {
                for slot in 0..<rt.slotCount {
                    _ = recompute(rt, row, slot, now: t)
                    schedule(rt, row, slot)
                }
                propagate(rt, row, changed: Array(0..<rt.attributeCount), now: t, cause: .tables, initial: true)
            }
        }
    }

    // MARK: Aggregates

    /// Loads known attributes and queues table-aggregate rows by timestamp.
    private func loadTables(startAt: Int64?) {
        // Related-table rows by linking value, built once per (table, column).
        var indexes: [String: [String: [Int]]] = [:]
        for rt in runtimes {
            var unsorted = Set<Int>()
            for (ai, a) in rt.model.attributes.enumerated() {
                if case .column(let col) = a.source {
                    for row in 0..<rt.rowCount { rt.values[row * rt.attributeCount + ai] = rt.model.table.rows[row][col] }
                }
            }
            for (slot, ai) in rt.slotAttribute.enumerated() {
                guard case .table(let agg) = rt.model.attributes[ai].source, let table = workspace.tables[agg.table] else { continue }
                let indexKey = agg.table + "\u{0}" + String(agg.rowColumn)
                let index: [String: [Int]]
                if let cached = indexes[indexKey] {
                    index = cached
                } else {
                    var built: [String: [Int]] = [:]
                    for (r, cells) in table.text.enumerated() where !cells[agg.rowColumn].isEmpty { built[cells[agg.rowColumn], default: []].append(r) }
                    indexes[indexKey] = built
                    index = built
                }
                for row in 0..<rt.rowCount {
                    let keyText = rt.model.table.text[row][agg.profileColumn]
                    guard !keyText.isEmpty, let related = index[keyText] else { continue }
                    for tr in related {
                        let cells = table.rows[tr]
                        if let cond = agg.condition {
                            guard case .bool(true) = cond.evaluate(agg.conditionColumns.map { cells[$0] }, now: 0) else { continue }
                        }
                        var ts: Int64?
                        if let tc = agg.timestampColumn {
                            switch cells[tc] {
                            case .timestamp(let t): ts = t
                            case .date(let d): ts = Int64(d) * CivilTime.microsPerDay
                            default: ts = nil
                            }
                        }
                        let input = AggregateInput(timestamp: ts, tieID: "", tieRow: tr, value: agg.fieldColumn.map { cells[$0] } ?? .bool(true))
                        if let ts, let s = startAt, ts <= s {
                            // Already visible when the clock starts: no timer needed.
                            let e = row * rt.slotCount + slot
                            rt.entries[e].append(input)
                            unsorted.insert(e)
                        } else if let ts {
                            timers.insert(EngineTimer(time: ts, kind: .tableRow, collection: Int32(rt.index), row: Int32(row), slot: Int32(slot), payload: Int32(pendingRows.count)))
                            pendingRows.append(input)
                        } else if agg.window == nil {
                            rt.entries[row * rt.slotCount + slot].append(input)
                        }
                    }
                }
            }
            for e in unsorted { rt.entries[e].sort { $0.precedes($1) } }
        }
    }

    /// Inserts keeping (timestamp, id, stream/row) order; arrivals are usually at the end.
    private func insertSorted(_ input: AggregateInput, into list: inout [AggregateInput]) {
        var i = list.count
        while i > 0, input.precedes(list[i - 1]) { i -= 1 }
        list.insert(input, at: i)
    }

    /// Drops entries that left the window and recomputes the slot; true when the value changed.
    private func recompute(_ rt: CollectionRuntime, _ row: Int, _ slot: Int, now: Int64) -> Bool {
        let e = row * rt.slotCount + slot
        if let w = rt.slotWindow[slot] {
            var drop = 0
            while drop < rt.entries[e].count, let ts = rt.entries[e][drop].timestamp, ts <= now - w { drop += 1 }
            if drop > 0 { rt.entries[e].removeFirst(drop) }
        }
        var warnings = 0
        let v = Aggregate.compute(rt.slotFunction[slot], rt.entries[e], typeWarnings: &warnings)
        rt.slotWarnings[e] = warnings
        let at = row * rt.attributeCount + rt.slotAttribute[slot]
        if rt.values[at] == v { return false }
        if let report = onAttributeChange, !starting {
            report(AttributeChange(collection: rt.index, row: row, attribute: rt.slotAttribute[slot], old: rt.values[at], new: v, at: now, cause: changeCause))
        }
        rt.values[at] = v
        return true
    }

    /// Schedules the next expiry of a windowed slot: when its oldest entry leaves.
    private func schedule(_ rt: CollectionRuntime, _ row: Int, _ slot: Int) {
        let e = row * rt.slotCount + slot
        guard let w = rt.slotWindow[slot], let oldest = rt.entries[e].first?.timestamp else {
            rt.scheduled[e] = Int64.max
            return
        }
        let due = oldest + w
        if rt.scheduled[e] == due { return }
        rt.scheduled[e] = due
        timers.insert(EngineTimer(time: due, kind: .expiry, collection: Int32(rt.index), row: Int32(row), slot: Int32(slot), payload: 0))
    }

    // MARK: Propagation

    /// Recomputes the computed attributes downstream of `changed` (in dependency order) and
    /// the segments that read anything that changed; records membership changes.
    private func propagate(_ rt: CollectionRuntime, _ row: Int, changed: [Int], now: Int64, cause: ActivationCause,
                           clockMoved: Bool = false, initial: Bool = false) {
        if dirty.count < rt.attributeCount { dirty = Array(repeating: false, count: rt.attributeCount) }
        dirtyList.removeAll(keepingCapacity: true)
        for ai in changed where !dirty[ai] { dirty[ai] = true; dirtyList.append(ai) }
        let base = row * rt.attributeCount
        for k in rt.computedAttribute.indices {
            var needed = initial || (clockMoved && rt.computedReadsClock[k])
            if !needed { for i in rt.computedInputs[k] where dirty[i] { needed = true; break } }
            guard needed else { continue }
            scratchRow.removeAll(keepingCapacity: true)
            for i in rt.computedInputs[k] { scratchRow.append(rt.values[base + i]) }
            let v = rt.computedExpression[k].evaluate(scratchRow, now: now)
            let ai = rt.computedAttribute[k]
            if rt.values[base + ai] != v {
                if let report = onAttributeChange, !starting {
                    report(AttributeChange(collection: rt.index, row: row, attribute: ai, old: rt.values[base + ai], new: v, at: now, cause: cause))
                }
                rt.values[base + ai] = v
                if !dirty[ai] { dirty[ai] = true; dirtyList.append(ai) }
            }
        }
        let segBase = row * rt.segmentCount
        for s in rt.conditionExpression.indices {
            var needed = initial || (clockMoved && rt.conditionReadsClock[s])
            if !needed { for i in rt.conditionInputs[s] where dirty[i] { needed = true; break } }
            guard needed else { continue }
            scratchRow.removeAll(keepingCapacity: true)
            for i in rt.conditionInputs[s] { scratchRow.append(rt.values[base + i]) }
            var member = false
            if case .bool(true) = rt.conditionExpression[s].evaluate(scratchRow, now: now) { member = true }
            if member != rt.members[segBase + s] {
                rt.members[segBase + s] = member
                let a = Activation(collection: rt.model.name, segment: rt.segmentNames[s], key: rt.keys[row],
                                   change: member ? .enter : .exit, at: now, cause: cause)
                if recordActivations { activations.append(a) }
                onActivation?(a)
            }
        }
        for ai in dirtyList { dirty[ai] = false }
    }

    /// Values skipped as non-numeric by each attribute's aggregates, over all profiles.
    private func finalTypeWarnings(_ rt: CollectionRuntime) -> [Int] {
        var out = [Int](repeating: 0, count: rt.attributeCount)
        for row in 0..<rt.rowCount {
            for (slot, ai) in rt.slotAttribute.enumerated() { out[ai] += rt.slotWarnings[row * rt.slotCount + slot] }
        }
        return out
    }
}
