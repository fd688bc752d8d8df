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
    /// Midnights at which conditions reading `current_date()` were not evaluated, because
    /// one move of the clock crossed more than `midnightsPerMove` of them (see `moveClock`).
    public private(set) var skippedMidnights = 0
    /// How many midnights one move of the clock evaluates one by one: a year, so a
    /// condition with a threshold of up to a year changes at its exact instant even after
    /// a long pause, and one event centuries ahead costs a year of midnights, not centuries.
    public static let midnightsPerMove = 366
    /// When true, only the state at the clock is kept, for runs that watch the end state and
    /// no change as it happens (a replay that records no activations): aggregates take every
    /// event, but windows are trimmed when touched and when read instead of by timers, and
    /// computed attributes and segments are evaluated only when read (`snapshot`, `value`,
    /// `isMember`). The state read is the same; no activation is recorded or reported. Set
    /// before the first event.
    public var defersEvaluation = false

    let runtimes: [CollectionRuntime]
    /// Whether some collection has a condition reading current_date() / current_timestamp().
    private let anyDateReader: Bool
    private let anyTimestampReader: Bool
    private let streamNames: [String]
    private(set) var timers = Heap<EngineTimer>()
    /// Table-row inputs waiting for the clock to reach their timestamp.
    /// Sorted by time (then collection, row, slot, file order); `nextPendingRow` is the
    /// first not yet visible.
    private(set) var pendingRows: [PendingRow] = []
    private(set) var nextPendingRow = 0
    /// Every event applied, in arrival order; `kept` names the copy that counts per stream
    /// and id (the earliest timestamp, then the earlier line), for duplicates and retraction.
    private(set) var store: [Event] = []
    private(set) var kept: [[String: Int32]]
    /// Scratch: attributes changed in the current propagation, as bits.
    private var dirtyBits: [UInt64] = []
    /// The day (since the epoch) whose midnight date-reading conditions were last re-evaluated at.
    private(set) var midnightsHandled: Int64 = 0
    private var scratchRow: [Value] = []
    /// Scratch: attributes one event changed for one profile; timers fired at one instant.
    private var changedScratch: [Int] = []
    /// Deferred evaluation: rows whose aggregates changed since the last read, per
    /// collection, and collections whose clock readers the clock has moved past.
    private(set) var staleRows: [[Int32]]
    private(set) var isStale: [[Bool]]
    private(set) var clockStale: [Bool]
    /// The clock at which deferred evaluation last trimmed every window.
    private(set) var windowsTrimmedAt: Int64?
    private var firedScratch: [(collection: Int32, row: Int32, attribute: Int32, order: Int32)] = []
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
        staleRows = runtimes.map { _ in [] }
        isStale = runtimes.map { Array(repeating: false, count: $0.rowCount) }
        clockStale = runtimes.map { _ in false }
        loadTables(startAt: startAt)
    }

    /// An engine in the state a checkpoint held (`EngineCheckpoint.swift` reads it and says,
    /// for every stored property here, whether it is restored or rebuilt from the workspace).
    /// What the workspace alone determines is derived as `init` derives it.
    init(workspace: Workspace, restoring s: EngineCheckpointState) {
        self.workspace = workspace
        recordActivations = s.recordActivations
        defersEvaluation = s.defersEvaluation
        runtimes = s.runtimes
        streamNames = workspace.streams.map(\.name.value)
        anyDateReader = s.runtimes.contains { $0.readsDate }
        anyTimestampReader = s.runtimes.contains { $0.readsTimestamp }
        clock = s.clock
        streamStats = s.streamStats
        applied = s.applied
        skippedMidnights = s.skippedMidnights
        timers = s.timers
        pendingRows = s.pendingRows
        nextPendingRow = 0
        store = s.store
        kept = s.kept
        midnightsHandled = s.midnightsHandled
        staleRows = s.staleRows
        isStale = s.isStale
        clockStale = s.clockStale
        windowsTrimmedAt = s.windowsTrimmedAt
    }

    // MARK: Reading state

    /// The state of every collection at the clock, in the shape `ProfileWriter` prints.
    public func snapshot() -> [CollectionState] {
        evaluateDeferred()
        if let now = clock {
            for rt in runtimes where rt.hasLazy {
                for row in 0..<rt.rowCount where lazyIsStale(rt, row, now: now) { refreshLazy(rt, row, now: now) }
            }
        }
        return runtimes.map { rt in
            CollectionState(model: rt.model,
                             values: (0..<rt.rowCount).map { r in Array(rt.values[(r * rt.attributeCount)..<((r + 1) * rt.attributeCount)]) },
                             members: (0..<rt.rowCount).map { r in Array(rt.members[(r * rt.segmentCount)..<((r + 1) * rt.segmentCount)]) },
                             typeWarnings: finalTypeWarnings(rt))
        }
    }

    /// One attribute of one profile.
    public func value(collection: Int, row: Int, attribute: Int) -> Value {
        evaluateDeferred()
        let rt = runtimes[collection]
        if rt.attributeLazy[attribute], let now = clock, lazyIsStale(rt, row, now: now) { refreshLazy(rt, row, now: now) }
        return rt.value(row, attribute)
    }

    /// Whether a profile is in a segment.
    public func isMember(collection: Int, row: Int, segment: Int) -> Bool {
        evaluateDeferred()
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
        let oldIndex = kept[event.stream][event.id]
        let old = oldIndex.map { store[Int($0)] }
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

        if old != nil { streamStats[event.stream].duplicate += 1 } else { streamStats[event.stream].valid += 1 }
        let index = Int32(store.count)
        store.append(event)
        kept[event.stream][event.id] = index
        if let old {
            // The new copy is the earliest: it replaces the one applied before, which
            // becomes the duplicate.
            var matched = false
            for rt in runtimes {
                let rows = rt.rows(for: old)
                matched = matched || !rows.isEmpty
                for row in rows { touch(rt.index, row, with: old, insert: false, now: now, cause: cause) }
            }
            if matched { applied -= 1 } else { streamStats[event.stream].unmatched -= 1 }
        }

        var profiles = 0
        for rt in runtimes {
            let rows = rt.rows(for: event)
            for row in rows {
                rt.historyLinks.append((event: index, next: rt.historyHead[row]))
                rt.historyHead[row] = Int32(rt.historyLinks.count - 1)
                touch(rt.index, row, with: event, insert: true, now: now, cause: cause)
            }
            profiles += rows.count
        }
        guard profiles > 0 else {
            streamStats[event.stream].unmatched += 1
            return .unmatched
        }
        applied += 1
        return .applied(profiles: profiles)
    }

    /// Counts a quarantined line against its stream.
    public func quarantined(stream: Int) {
        streamStats[stream].lines += 1
        streamStats[stream].quarantined += 1
    }

    /// The profiles (collection, row) an event belongs to by identity matching.
    public func profiles(of event: Event) -> [(collection: Int, row: Int)] {
        runtimes.flatMap { rt in rt.rows(for: event).map { (collection: rt.index, row: $0) } }
    }

    /// Inserts (or removes) an event's contributions to one profile, then propagates.
    private func touch(_ c: Int, _ row: Int, with event: Event, insert: Bool, now: Int64, cause: ActivationCause) {
        let rt = runtimes[c]
        changedScratch.removeAll(keepingCapacity: true)
        changeCause = cause
        func visit(_ slot: Int) {
            guard let input = eventInput(rt, slot, event, now: now) else { return }
            let column = rt.columns[slot]
            var mayChange = true
            if insert {
                // Deferred, windows are not timed: what left the window goes as the next input comes.
                var trimmed = false
                if defersEvaluation, let w = column.window { trimmed = column.expire(row: row, through: now - w) }
                mayChange = column.insert(input, row: row) || trimmed
            } else {
                switch column.remove(input, row: row) {
                case .unchanged: mayChange = false
                case .changed: break
                case .needsRebuild: rebuild(rt, row, slot, now: now)
                }
            }
            if mayChange, update(rt, row, slot, now: now) { changedScratch.append(rt.slotAttribute[slot]) }
            schedule(rt, row, slot)
        }
        if let slots = rt.slotsByType[event.type] { for s in slots { visit(s) } }
        for s in rt.slotsForAnyType { visit(s) }
        if !changedScratch.isEmpty { propagate(rt, row, changed: changedScratch, now: now, cause: cause) }
    }

    /// What an event contributes to an event-aggregate slot at `now`: nil when its `where`
    /// condition is not true or it is outside the window.
    private func eventInput(_ rt: CollectionRuntime, _ slot: Int, _ event: Event, now: Int64) -> AggregateInput? {
        guard let agg = rt.eventSlots[slot] else { return nil }
        if let cond = agg.condition {
            scratchRow.removeAll(keepingCapacity: true)
            for p in agg.conditionPaths { scratchRow.append(event.value(at: p)) }
            guard case .bool(true) = cond.evaluate(scratchRow, now: now) else { return nil }
        }
        guard event.timestamp <= now, agg.window.map({ event.timestamp > now - $0 }) ?? true else { return nil }
        return AggregateInput(timestamp: event.timestamp, tieID: event.id, tieRow: event.stream,
                              value: agg.field.map { event.value(at: $0) } ?? .bool(true))
    }

    /// Recomputes an all-time slot of one row from the row's kept events (after a retracted
    /// duplicate took an answer that cannot be undone incrementally).
    private func rebuild(_ rt: CollectionRuntime, _ row: Int, _ slot: Int, now: Int64) {
        let column = rt.columns[slot]
        column.reset(row: row)
        guard let agg = rt.eventSlots[slot] else { return }
        var link = rt.historyHead[row]
        while link >= 0 {
            let (index, next) = rt.historyLinks[Int(link)]
            link = next
            let event = store[Int(index)]
            guard kept[event.stream][event.id] == index, agg.types?.contains(event.type) ?? true,
                  let input = eventInput(rt, slot, event, now: now) else { continue }
            column.insert(input, row: row)
        }
    }

    // MARK: The clock

    /// Moves the clock forward to `t`, expiring windows and revealing table rows in time
    /// order, each change stamped with its exact instant.
    public func advance(to t: Int64) { moveClock(to: t, including: true) }

    /// Moves the clock to just before `t`: everything due earlier happens, what is due at
    /// `t` waits for the event at `t` (so a benchmark can time an event's own work apart
    /// from the clock's).
    public func advance(before t: Int64) { moveClock(to: t, including: false) }

    /// Moves the clock to `t`, handling timers and midnights before `t` (and at `t` when
    /// `including`). An event at `t` is applied between the two halves, so an event and a
    /// window edge at the same instant make one change, not an exit and an enter.
    private func moveClock(to t: Int64, including: Bool) {
        guard let current = clock else { start(at: t); return }
        guard t >= current else { return }
        // The day whose midnight is the last at or before t.
        let lastDay = CivilTime.day(ofMicros: t)
        var midnights = 0
        while true {
            if midnights == Self.midnightsPerMove, midnightsHandled + 1 < lastDay {
                // A jump of over a year (an event far in the future): the midnights between
                // are not evaluated one by one; date readers next change at the last one.
                skippedMidnights += Int(lastDay - 1 - midnightsHandled)
                midnightsHandled = lastDay - 1
            }
            let nextTimer = min(timers.min?.time ?? Int64.max, nextPendingRow < pendingRows.count ? pendingRows[nextPendingRow].time : Int64.max)
            // Deferred evaluation needs no midnight one by one: the clock's day is read at the end.
            let nextMidnight = anyDateReader && !defersEvaluation ? (midnightsHandled + 1) * CivilTime.microsPerDay : Int64.max
            let next = min(nextTimer, nextMidnight)
            if including ? next > t : next >= t { break }
            clock = next
            if nextTimer == next { fireTimers(at: next) }
            if nextMidnight == next {
                midnightsHandled += 1
                midnights += 1
                reevaluateClockReaders(now: next, timestampOnly: false)
            }
        }
        clock = t
        if defersEvaluation, anyDateReader, lastDay > midnightsHandled {
            midnightsHandled = lastDay
            reevaluateClockReaders(now: t, timestampOnly: false)
        }
        if t > current, anyTimestampReader { reevaluateClockReaders(now: t, timestampOnly: true) }
    }

    /// Handles every timer due at exactly `t`.
    private func fireTimers(at t: Int64) {
        firedScratch.removeAll(keepingCapacity: true)
        func handled(_ c: Int, _ row: Int, _ slot: Int, mayChange: Bool) {
            let rt = runtimes[c]
            let ai = rt.slotAttribute[slot]
            changeCause = rt.windowCauses[slot]
            if mayChange, update(rt, row, slot, now: t) {
                firedScratch.append((Int32(c), Int32(row), Int32(ai), Int32(firedScratch.count)))
            }
            schedule(rt, row, slot)
        }
        // Table rows appear before windows expire at the same instant.
        while nextPendingRow < pendingRows.count, pendingRows[nextPendingRow].time == t {
            let p = pendingRows[nextPendingRow]
            nextPendingRow += 1
            handled(p.collection, p.row, p.slot, mayChange: runtimes[p.collection].columns[p.slot].insert(p.input, row: p.row))
        }
        releaseRevealedRows()
        while let top = timers.min, top.time == t {
            _ = timers.popMin()
            let c = top.collection, row = top.row, slot = top.slot
            let rt = runtimes[c]
            let e = row * rt.slotCount + slot
            guard rt.scheduled[e] == t else { continue } // stale
            rt.scheduled[e] = Int64.max
            let column = rt.columns[slot]
            handled(c, row, slot, mayChange: column.expire(row: row, through: t - column.window!))
        }
        guard !firedScratch.isEmpty else { return }
        // One propagation per profile covers every slot that changed at t; the cause named
        // is the first attribute that changed for it.
        if firedScratch.count > 1 { firedScratch.sort { ($0.collection, $0.row, $0.order) < ($1.collection, $1.row, $1.order) } }
        var i = 0
        while i < firedScratch.count {
            let first = firedScratch[i]
            var j = i
            changedScratch.removeAll(keepingCapacity: true)
            while j < firedScratch.count, firedScratch[j].collection == first.collection, firedScratch[j].row == first.row {
                changedScratch.append(Int(firedScratch[j].attribute))
                j += 1
            }
            let rt = runtimes[Int(first.collection)]
            let cause = rt.windowCauses[rt.attributeSlot[Int(first.attribute)]]
            propagate(rt, Int(first.row), changed: changedScratch, now: t, cause: cause)
            i = j
        }
    }

    /// Frees the table rows already revealed once they are most of the list.
    private func releaseRevealedRows() {
        guard nextPendingRow >= 4096, nextPendingRow * 2 >= pendingRows.count else { return }
        pendingRows = Array(pendingRows[nextPendingRow...]) // a fresh, smaller buffer
        nextPendingRow = 0
    }

    /// Re-evaluates computed attributes and segments that read the clock, for every profile.
    private func reevaluateClockReaders(now: Int64, timestampOnly: Bool) {
        for rt in runtimes where timestampOnly ? rt.readsTimestamp : rt.readsDate {
            if defersEvaluation && !starting {
                clockStale[rt.index] = true
                continue
            }
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
        while nextPendingRow < pendingRows.count, pendingRows[nextPendingRow].time <= t {
            let p = pendingRows[nextPendingRow]
            nextPendingRow += 1
            runtimes[p.collection].columns[p.slot].insert(p.input, row: p.row)
        }
        releaseRevealedRows()
        for rt in runtimes {
            for row in 0..<rt.rowCount {
                for slot in 0..<rt.slotCount {
                    let column = rt.columns[slot]
                    if let w = column.window { _ = column.expire(row: row, through: t - w) }
                    _ = update(rt, row, slot, now: t)
                    schedule(rt, row, slot)
                }
                propagate(rt, row, changed: Array(0..<rt.attributeCount), now: t, cause: .tables, initial: true)
            }
        }
    }

    // MARK: Aggregates

    /// Loads known attributes and queues table-aggregate rows by timestamp.
    private func loadTables(startAt: Int64?) {
        // Which profile each related-table row belongs to, as (table row, profile row) pairs
        // in table order, built once per (table, row column, collection, profile column).
        var matches: [String: [(tableRow: Int, profileRow: Int)]] = [:]
        var jobs: [(rt: CollectionRuntime, slot: Int, agg: TableAggregateModel, table: Table, matchKey: String)] = []
        for rt in runtimes {
            for (ai, a) in rt.model.attributes.enumerated() {
                if case .column(let col) = a.source {
                    for row in 0..<rt.rowCount { rt.values[row * rt.attributeCount + ai] = rt.model.table.rows[row][col] }
                }
            }
            for (slot, ai) in rt.slotAttribute.enumerated() {
                guard case .table(let agg) = rt.model.attributes[ai].source, let table = workspace.tables[agg.table] else { continue }
                let matchKey = "\(agg.table)\u{0}\(agg.rowColumn)\u{0}\(rt.index)\u{0}\(agg.profileColumn)"
                if matches[matchKey] == nil {
                    var profiles: [String: [Int]] = [:]
                    for (r, cells) in rt.model.table.text.enumerated() where !cells[agg.profileColumn].isEmpty {
                        profiles[cells[agg.profileColumn], default: []].append(r)
                    }
                    var pairs: [(tableRow: Int, profileRow: Int)] = []
                    for (tr, cells) in table.text.enumerated() where !cells[agg.rowColumn].isEmpty {
                        for pr in profiles[cells[agg.rowColumn]] ?? [] { pairs.append((tr, pr)) }
                    }
                    matches[matchKey] = pairs
                }
                jobs.append((rt, slot, agg, table, matchKey))
            }
        }
        // Each table aggregate fills its own column: they load in parallel, on every core.
        let pendingPerJob = Parallel.map(jobs.count) { j -> [PendingRow] in
            let (rt, slot, agg, table, matchKey) = jobs[j]
            var conditionRow: [Value] = []
            var pending: [PendingRow] = []
            for (tr, row) in matches[matchKey]! {
                let cells = table.rows[tr]
                if let cond = agg.condition {
                    conditionRow.removeAll(keepingCapacity: true)
                    for c in agg.conditionColumns { conditionRow.append(cells[c]) }
                    guard cond.holds(conditionRow, now: 0) else { continue }
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
                    rt.columns[slot].insert(input, row: row)
                } else if let ts {
                    pending.append(PendingRow(time: ts, collection: rt.index, row: row, slot: slot, input: input))
                } else if agg.window == nil {
                    rt.columns[slot].insert(input, row: row)
                }
            }
            return pending
        }
        pendingRows = Array(pendingPerJob.joined())
        pendingRows = pendingRows.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            return (x.time, x.collection, x.row, x.slot, a.offset) < (y.time, y.collection, y.row, y.slot, b.offset)
        }.map(\.element)
    }

    /// Takes a slot's current value into the profile's attributes; true when it changed.
    private func update(_ rt: CollectionRuntime, _ row: Int, _ slot: Int, now: Int64) -> Bool {
        let v = rt.columns[slot].value(row)
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
        // Deferred evaluation reads only the state at the clock: windows are trimmed when
        // touched and when read (`evaluateDeferred`), so no timer is needed.
        if defersEvaluation { return }
        let e = row * rt.slotCount + slot
        guard let due = rt.columns[slot].nextExpiry(row: row) else {
            rt.scheduled[e] = Int64.max
            return
        }
        if rt.scheduled[e] == due { return }
        rt.scheduled[e] = due
        timers.insert(EngineTimer(time: due, collection: rt.index, row: row, slot: slot))
    }

    // MARK: Propagation

    /// Recomputes the computed attributes downstream of `changed` (in dependency order) and
    /// the segments that read anything that changed; records membership changes.
    private func propagate(_ rt: CollectionRuntime, _ row: Int, changed: [Int], now: Int64, cause: ActivationCause,
                           clockMoved: Bool = false, initial: Bool = false) {
        if defersEvaluation, !starting, !initial {
            if !isStale[rt.index][row] {
                isStale[rt.index][row] = true
                staleRows[rt.index].append(Int32(row))
            }
            return
        }
        // A profile's inputs changing brings its lazy attributes to the clock first; the clock
        // moving alone leaves them stale until read.
        if rt.hasLazy, !initial, !clockMoved, lazyIsStale(rt, row, now: now) { refreshLazy(rt, row, now: now) }
        let words = rt.maskWords
        if dirtyBits.count < words { dirtyBits = Array(repeating: 0, count: words) }
        for ai in changed { dirtyBits[ai >> 6] |= 1 << UInt64(ai & 63) }
        func reads(_ masks: [UInt64], _ k: Int) -> Bool {
            for w in 0..<words where masks[k * words + w] & dirtyBits[w] != 0 { return true }
            return false
        }
        let base = row * rt.attributeCount
        for k in rt.computedAttribute.indices {
            if clockMoved, rt.computedLazy[k] { continue }
            guard initial || (clockMoved && rt.computedReadsClock[k]) || reads(rt.computedMasks, k) else { continue }
            scratchRow.removeAll(keepingCapacity: true)
            for i in rt.computedInputs[k] { scratchRow.append(rt.values[base + i]) }
            let v = rt.computedExpression[k].evaluate(scratchRow, now: now)
            let ai = rt.computedAttribute[k]
            if rt.values[base + ai] != v {
                if let report = onAttributeChange, !starting {
                    report(AttributeChange(collection: rt.index, row: row, attribute: ai, old: rt.values[base + ai], new: v, at: now, cause: cause))
                }
                rt.values[base + ai] = v
                dirtyBits[ai >> 6] |= 1 << UInt64(ai & 63)
            }
        }
        let segBase = row * rt.segmentCount
        for s in rt.conditionExpression.indices {
            guard initial || (clockMoved && rt.conditionReadsClock[s]) || reads(rt.conditionMasks, s) else { continue }
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
        for w in 0..<words { dirtyBits[w] = 0 }
        if initial, rt.hasLazy { rt.lazyAt[row] = now }
    }

    /// Whether a row's lazy attributes were evaluated at another clock than `now` (another
    /// day, for attributes that read only the date).
    private func lazyIsStale(_ rt: CollectionRuntime, _ row: Int, now: Int64) -> Bool {
        let at = rt.lazyAt[row]
        if rt.lazyReadsTimestamp { return at != now }
        return at == Int64.min || CivilTime.day(ofMicros: at) != CivilTime.day(ofMicros: now)
    }

    /// Brings a row's lazy attributes to the clock, in evaluation order. No change is
    /// reported: the clock moved them, and nothing eager reads them.
    private func refreshLazy(_ rt: CollectionRuntime, _ row: Int, now: Int64) {
        let base = row * rt.attributeCount
        for k in rt.computedAttribute.indices where rt.computedLazy[k] {
            scratchRow.removeAll(keepingCapacity: true)
            for i in rt.computedInputs[k] { scratchRow.append(rt.values[base + i]) }
            rt.values[base + rt.computedAttribute[k]] = rt.computedExpression[k].evaluate(scratchRow, now: now)
        }
        rt.lazyAt[row] = now
    }

    /// Evaluates what deferred evaluation left: every computed attribute and segment of the
    /// rows whose aggregates changed, or of every row where the clock moved past readers.
    private func evaluateDeferred() {
        guard defersEvaluation, let now = clock else { return }
        // Windows need trimming only when the clock moved since the last read (what arrived
        // since was trimmed as it came).
        let sweep = windowsTrimmedAt != now
        windowsTrimmedAt = now
        for rt in runtimes {
            let c = rt.index
            for (slot, column) in rt.columns.enumerated() where sweep {
                guard let w = column.window else { continue }
                changeCause = rt.windowCauses[slot]
                for row in 0..<rt.rowCount where column.expire(row: row, through: now - w) {
                    if update(rt, row, slot, now: now), !isStale[c][row] {
                        isStale[c][row] = true
                        staleRows[c].append(Int32(row))
                    }
                }
            }
            if clockStale[c] {
                for row in 0..<rt.rowCount { propagate(rt, row, changed: [], now: now, cause: .clock, initial: true) }
            } else {
                for row in staleRows[c] { propagate(rt, Int(row), changed: [], now: now, cause: .clock, initial: true) }
            }
            for row in staleRows[c] { isStale[c][Int(row)] = false }
            staleRows[c].removeAll()
            clockStale[c] = false
        }
    }

    /// Values skipped as non-numeric by each attribute's aggregates, over all profiles.
    private func finalTypeWarnings(_ rt: CollectionRuntime) -> [Int] {
        var out = [Int](repeating: 0, count: rt.attributeCount)
        for row in 0..<rt.rowCount {
            for (slot, ai) in rt.slotAttribute.enumerated() { out[ai] += rt.columns[slot].warnings(row) }
        }
        return out
    }
}
