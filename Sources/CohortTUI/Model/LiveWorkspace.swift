import CohortEngine
import Foundation

/// The console's domain state: a workspace replaying into the live engine, plus what the
/// screens show about it over time — the event log with what each event changed, segment
/// sizes and trends, per-profile update times, value flashes and event rates. Screens read
/// it; only the loop (through `tick` and the replay controls) changes it.
public final class LiveWorkspace {
    public let workspace: Workspace
    public let engine: LiveEngine
    public let driver: ReplayDriver
    /// Recent events, oldest first, at most `logCapacity`.
    public private(set) var log: [EventRecord] = []
    public let logCapacity: Int
    /// Sequence number of the next event record.
    public private(set) var nextSequence = 0
    /// Quarantined lines of every stream, in stream then line order.
    public let quarantine: [QuarantineRecord]
    public private(set) var collections: [CollectionLive]
    /// Events applied per second of wall time, newest last (the Collections sparkline).
    public private(set) var rateHistory: [[Double]]
    /// Events applied in the last whole wall second.
    public private(set) var eventsPerSecond: Double = 0
    /// How far the engine is behind the virtual clock, in wall milliseconds.
    public private(set) var lagMillis: Double = 0
    /// How long a changed value keeps its ↑/↓ marker.
    public var flashMicros: Int64 = 2_000_000

    private var pendingChanges: [ChangeNote] = []
    private var sampleStart: Int64?
    private var appliedInSample = 0
    private var appliedPerCollection: [Int]
    private var lastWall: Int64 = 0

    /// Loads nothing itself: give it a loaded workspace. The engine starts at the first
    /// event's instant, so table-derived values and memberships are there from the first frame.
    public init(workspace: Workspace, speed: Double = 10_000, logCapacity: Int = 5_000) {
        self.workspace = workspace
        self.logCapacity = logCapacity
        let events = Replay(workspace: workspace).feed()
        let engine = LiveEngine(workspace: workspace, startAt: events.first?.timestamp)
        self.engine = engine
        var quarantine: [QuarantineRecord] = []
        for (i, load) in workspace.streamLoads.enumerated() {
            for q in load.quarantined {
                engine.quarantined(stream: i)
                quarantine.append(QuarantineRecord(stream: workspace.streams[i].name.value, line: q.line, reason: q.reason, excerpt: q.excerpt))
            }
        }
        self.quarantine = quarantine
        driver = ReplayDriver(engine: engine, events: events, speed: speed)
        // The engine starts at the first event; with none recorded, at the wall clock (as
        // live ingest would), so table-derived values and memberships still show.
        engine.advance(to: events.first?.timestamp ?? CivilTime.wallClockMicros())
        collections = workspace.collections.indices.map { CollectionLive(engine: engine, collection: $0) }
        rateHistory = Array(repeating: [], count: workspace.collections.count)
        appliedPerCollection = Array(repeating: 0, count: workspace.collections.count)
        backfillTarget = 0
        attach()
    }

    /// The workspace with its engine restored from a checkpoint taken after `position` of its
    /// events (in replay order) were applied: the replay continues from there. Throws when
    /// the checkpoint does not belong to these definitions and data.
    public init(workspace: Workspace, checkpoint: Data, position: Int, speed: Double = 10_000, logCapacity: Int = 5_000) throws {
        self.workspace = workspace
        self.logCapacity = logCapacity
        let events = Replay(workspace: workspace).feed()
        guard position <= events.count else { throw EngineCheckpointError.corrupt("the checkpoint is past the last event") }
        // Restored counters already include the quarantined lines.
        let engine = try LiveEngine(workspace: workspace, checkpoint: checkpoint)
        self.engine = engine
        quarantine = workspace.streamLoads.enumerated().flatMap { i, load in
            load.quarantined.map { QuarantineRecord(stream: workspace.streams[i].name.value, line: $0.line, reason: $0.reason, excerpt: $0.excerpt) }
        }
        driver = ReplayDriver(engine: engine, events: events, speed: speed)
        driver.seek(to: position)
        collections = workspace.collections.indices.map { CollectionLive(engine: engine, collection: $0) }
        rateHistory = Array(repeating: [], count: workspace.collections.count)
        appliedPerCollection = Array(repeating: 0, count: workspace.collections.count)
        backfillTarget = 0
        attach()
    }

    /// A workspace with changed definitions taking over from `old`: the same events are
    /// applied again (`backfill`) up to where `old` got, then `takeOver(from:)` carries the
    /// event log, trends and replay position across. Until then it reports nothing.
    public init(rebuilding old: LiveWorkspace, workspace: Workspace) {
        self.workspace = workspace
        logCapacity = old.logCapacity
        // The same stream files were reused by `Workspace.reloaded`: the same feed, already sorted.
        let streams = { (ws: Workspace) in ws.streams.map { "\($0.name.value)\u{0}\($0.file?.value ?? "")" } }
        let events = streams(workspace) == streams(old.workspace) ? old.driver.events : Replay(workspace: workspace).feed()
        let engine = LiveEngine(workspace: workspace, startAt: events.first?.timestamp)
        self.engine = engine
        for (i, load) in workspace.streamLoads.enumerated() {
            for _ in load.quarantined { engine.quarantined(stream: i) }
        }
        quarantine = old.quarantine
        driver = ReplayDriver(engine: engine, events: events, speed: old.driver.speed)
        engine.advance(to: events.first?.timestamp ?? CivilTime.wallClockMicros())
        collections = []
        rateHistory = Array(repeating: [], count: workspace.collections.count)
        appliedPerCollection = Array(repeating: 0, count: workspace.collections.count)
        backfillTarget = old.driver.position
    }

    /// How many events the rebuild must apply again before it can take over.
    public let backfillTarget: Int
    /// Events applied again so far, out of `backfillTarget`.
    public var backfilled: Int { driver.position }

    /// Applies retained events within a time budget; true when every event `old` had applied
    /// is applied here too.
    public func backfill(budgetMicros: Int64, clock: () -> Int64) -> Bool {
        let deadline = clock() + budgetMicros
        while driver.position < backfillTarget {
            var n = 0
            while n < 256, driver.position < backfillTarget {
                driver.step()
                n += 1
            }
            if clock() >= deadline { break }
        }
        return driver.position >= backfillTarget
    }

    /// Takes over from `old` once backfilled: its replay clock, speed and pause state, its
    /// event log and rates, and each segment's and profile's live history where the
    /// definitions kept it.
    public func takeOver(from old: LiveWorkspace, wallNow: Int64) {
        driver.adopt(old.driver, wallNow: wallNow)
        collections = workspace.collections.indices.map { c in
            var live = CollectionLive(engine: engine, collection: c)
            if let o = old.collections.first(where: { $0.model.name == live.model.name }) { live.inherit(from: o) }
            return live
        }
        let sameAttributes = workspace.collections.map { $0.attributes.map(\.name) } == old.workspace.collections.map { $0.attributes.map(\.name) }
        let sameSegments = workspace.collections.map { $0.segments.map(\.name) } == old.workspace.collections.map { $0.segments.map(\.name) }
        log = old.log.map { r in
            sameAttributes && sameSegments ? r : EventRecord(sequence: r.sequence, event: r.event, stream: r.stream, outcome: r.outcome, profiles: r.profiles, changes: [])
        }
        nextSequence = old.nextSequence
        if old.rateHistory.count == rateHistory.count { rateHistory = old.rateHistory }
        eventsPerSecond = old.eventsPerSecond
        lastWall = old.lastWall
        attach()
    }

    /// Membership changes between `old`'s engine and this one for the segments named, as
    /// activations at the current clock caused by saving `name`: what a definition change
    /// did to each profile.
    public func membershipChanges(from old: LiveWorkspace, segments names: Set<String>, cause name: String) -> [Activation] {
        guard let at = engine.clock else { return [] }
        var out: [Activation] = []
        for (c, m) in workspace.collections.enumerated() {
            let oc = old.workspace.collections.firstIndex { $0.name == m.name }
            for (s, seg) in m.segments.enumerated() where names.contains(seg.name) {
                let os = oc.flatMap { old.workspace.collections[$0].segments.firstIndex { $0.name == seg.name } }
                for r in 0..<engine.profileCount(collection: c) {
                    let now = engine.isMember(collection: c, row: r, segment: s)
                    let before = oc.flatMap { oc in os.map { old.engine.isMember(collection: oc, row: r, segment: $0) } } ?? false
                    if now != before {
                        out.append(Activation(collection: m.name, segment: seg.name, key: m.key(ofRow: r), change: now ? .enter : .exit,
                                              at: at, cause: .definition(name: name)))
                    }
                }
            }
        }
        // Segments that no longer exist: their members leave.
        for (oc, om) in old.workspace.collections.enumerated() {
            let kept = Set(workspace.collections.first { $0.name == om.name }?.segments.map(\.name) ?? [])
            for (os, seg) in om.segments.enumerated() where names.contains(seg.name) && !kept.contains(seg.name) {
                for r in 0..<old.engine.profileCount(collection: oc) where old.engine.isMember(collection: oc, row: r, segment: os) {
                    out.append(Activation(collection: om.name, segment: seg.name, key: om.key(ofRow: r), change: .exit, at: at, cause: .definition(name: name)))
                }
            }
        }
        return out
    }

    /// Records membership changes made outside the engine (a definition save) in the
    /// segment's recent changes and counts.
    public func note(_ activations: [Activation]) {
        for a in activations {
            guard let c = workspace.collections.firstIndex(where: { $0.name == a.collection }),
                  let s = collections[c].segmentIndex[a.segment] else { continue }
            collections[c].recordActivation(a, segment: s, countsSize: false)
        }
    }

    private func attach() {
        engine.onAttributeChange = { [unowned self] change in self.attributeChanged(change) }
        engine.onActivation = { [unowned self] a in self.activated(a) }
        driver.onEvent = { [unowned self] e, outcome in self.eventApplied(e, outcome) }
    }

    // MARK: Driving

    /// Applies what the virtual clock has reached, spending at most `budgetMicros` of wall
    /// time so a key press is never kept waiting; samples rates once per wall second.
    public func tick(wallNow: Int64, budgetMicros: Int64 = 8_000, clock: () -> Int64) {
        lastWall = wallNow
        if sampleStart == nil { sampleStart = wallNow }
        let deadline = wallNow + budgetMicros
        while !driver.isPaused, !driver.isFinished {
            // Small chunks, so a key press waits for at most a few events past the budget.
            let n = driver.tick(wallNow: wallNow, limit: 16, keepClock: true)
            if n < 16 || clock() >= deadline { break }
        }
        if let target = Optional(driver.virtualTime(at: wallNow)), let at = engine.clock, !driver.isPaused,
           driver.speed.isFinite, !driver.isFinished {
            lagMillis = max(0, Double(target - at) / driver.speed / 1000)
            if let next = driver.events.dropFirst(driver.position).first, next.timestamp > target { lagMillis = 0 }
        } else {
            lagMillis = 0
        }
        if let start = sampleStart, wallNow - start >= 1_000_000 {
            let seconds = Double(wallNow - start) / 1_000_000
            eventsPerSecond = Double(appliedInSample) / seconds
            for c in rateHistory.indices {
                rateHistory[c].append(Double(appliedPerCollection[c]) / seconds)
                if rateHistory[c].count > 120 { rateHistory[c].removeFirst(rateHistory[c].count - 120) }
                appliedPerCollection[c] = 0
            }
            for c in collections.indices { collections[c].sampleTrend() }
            appliedInSample = 0
            sampleStart = wallNow
        }
    }

    /// The wall time of the last tick (for flashes and relative times).
    public var wallNow: Int64 { lastWall }

    public func togglePause(wallNow: Int64) {
        if driver.isPaused { driver.resume(wallNow: wallNow) } else { driver.pause(wallNow: wallNow) }
    }

    /// Applies one event (pausing first, so the clock does not run on).
    public func step(wallNow: Int64) {
        if !driver.isPaused { driver.pause(wallNow: wallNow) }
        driver.step()
    }

    // MARK: Reading

    public var clock: Int64? { engine.clock }

    /// A record by sequence number, if still in the log.
    public func record(sequence: Int) -> EventRecord? {
        guard let first = log.first, sequence >= first.sequence, sequence < nextSequence else { return nil }
        return log[sequence - first.sequence]
    }

    /// Whether an attribute of a profile changed recently enough to flash, and which way.
    public func flash(collection c: Int, row: Int, attribute: Int) -> FlashDirection? {
        guard let f = collections[c].flashes[row * collections[c].attributeCount + attribute], lastWall - f.wall < flashMicros else { return nil }
        return f.direction
    }

    // MARK: Engine callbacks

    private func attributeChanged(_ change: LiveEngine.AttributeChange) {
        let c = change.collection
        collections[c].touch(row: change.row, at: change.at)
        let dir = FlashDirection(old: change.old, new: change.new)
        collections[c].flashes[change.row * collections[c].attributeCount + change.attribute] = FlashState(direction: dir, wall: lastWall)
        if collections[c].flashes.count > 50_000 {
            collections[c].flashes = collections[c].flashes.filter { lastWall - $0.value.wall < flashMicros }
            // Faster than flashes fade (a replay at full speed over many profiles): drop them
            // all rather than filter again on every change.
            if collections[c].flashes.count > 25_000 { collections[c].flashes.removeAll(keepingCapacity: true) }
        }
        if case .event = change.cause {
            pendingChanges.append(.value(collection: c, row: change.row, attribute: change.attribute, old: change.old, new: change.new))
        }
    }

    /// Membership changes not yet handed to the activation log (`takeActivations`).
    private var unloggedActivations: [Activation] = []

    /// The membership changes since the last call, oldest first, for the durable log.
    public func takeActivations() -> [Activation] {
        defer { unloggedActivations.removeAll(keepingCapacity: true) }
        return unloggedActivations
    }

    private func activated(_ a: Activation) {
        if unloggedActivations.count < 1_000_000 { unloggedActivations.append(a) }
        guard let c = workspace.collections.firstIndex(where: { $0.name == a.collection }),
              let s = collections[c].segmentIndex[a.segment] else { return }
        collections[c].recordActivation(a, segment: s)
        if case .event = a.cause, let row = workspace.collections[c].row(forKey: a.key) {
            pendingChanges.append(.membership(collection: c, row: row, segment: s, entered: a.change == .enter))
        }
    }

    /// Applies an event that arrived over HTTP and logs it like a replayed one, marked as posted.
    @discardableResult
    public func ingest(_ event: Event) -> LiveEngine.Outcome {
        let outcome = engine.apply(event)
        eventApplied(event, outcome, viaHTTP: true)
        return outcome
    }

    /// The clock instant of a profile's last change since the console started, if any.
    public func updatedAt(collection c: Int, row: Int) -> Int64? {
        guard c < collections.count, row < collections[c].lastUpdated.count else { return nil }
        let t = collections[c].lastUpdated[row]
        return t == Int64.min ? nil : t
    }

    private func eventApplied(_ e: Event, _ outcome: LiveEngine.Outcome, viaHTTP: Bool = false) {
        let profiles = outcome == .duplicate ? [] : engine.profiles(of: e)
        var record = EventRecord(sequence: nextSequence, event: e, stream: workspace.streams[e.stream].name.value,
                                 outcome: outcome, profiles: profiles, changes: pendingChanges)
        record.viaHTTP = viaHTTP
        pendingChanges.removeAll(keepingCapacity: true)
        nextSequence += 1
        log.append(record)
        if log.count > logCapacity + logCapacity / 4 { log.removeFirst(log.count - logCapacity) }
        appliedInSample += 1
        for p in profiles {
            appliedPerCollection[p.collection] += 1
            collections[p.collection].noteEvent(record.sequence, row: p.row)
        }
    }
}

/// Which way a value moved.
public enum FlashDirection: Sendable {
    case up, down, changed

    init(old: Value, new: Value) {
        switch (old.numeric, new.numeric) {
        case let (a?, b?): self = b > a ? .up : (b < a ? .down : .changed)
        case (nil, _?): self = .up
        case (_?, nil): self = .down
        default: self = .changed
        }
    }

    public var marker: String {
        switch self {
        case .up: return "↑"
        case .down: return "↓"
        case .changed: return "•"
        }
    }
}

struct FlashState {
    var direction: FlashDirection
    var wall: Int64
}

/// One thing an event changed: an attribute's value or a segment membership.
public enum ChangeNote: Sendable {
    case value(collection: Int, row: Int, attribute: Int, old: Value, new: Value)
    case membership(collection: Int, row: Int, segment: Int, entered: Bool)
}

/// An event as the Streams screen lists it.
public struct EventRecord: Sendable {
    public let sequence: Int
    public let event: Event
    public let stream: String
    public let outcome: LiveEngine.Outcome
    public let profiles: [(collection: Int, row: Int)]
    public let changes: [ChangeNote]
    /// Posted to the HTTP API (`cohort --serve`), not replayed from the stream's file.
    public var viaHTTP = false
}

/// A quarantined line and why.
public struct QuarantineRecord: Sendable {
    public let stream: String
    public let line: Int
    public let reason: String
    public let excerpt: String
}

/// Per-collection live statistics: segment sizes, trends and recent changes, per-profile
/// update times, flashes and recent events.
public struct CollectionLive {
    public let model: CollectionModel
    public let attributeCount: Int
    public let segmentIndex: [String: Int]
    /// Members of each segment when the console started, and now.
    public private(set) var initialSize: [Int]
    public private(set) var size: [Int]
    public private(set) var enters: [Int]
    public private(set) var exits: [Int]
    /// Size samples once per wall second, newest last.
    public private(set) var trend: [[Double]]
    /// Recent membership changes per segment, newest last.
    public private(set) var recent: [[Activation]]
    /// Virtual time each profile last changed (Int64.min: not since the start).
    public private(set) var lastUpdated: [Int64]
    /// Rows in the order they changed, oldest first (a row may repeat; the last one counts):
    /// sorting by last change walks it backwards instead of sorting every profile.
    public private(set) var changeOrder: [Int32] = []
    var flashes: [Int: FlashState] = [:]
    /// Recent event sequence numbers per profile row, newest last.
    public private(set) var recentEvents: [Int: [Int]] = [:]

    init(engine: LiveEngine, collection c: Int) {
        model = engine.workspace.collections[c]
        attributeCount = model.attributes.count
        segmentIndex = Dictionary(uniqueKeysWithValues: model.segments.enumerated().map { ($1.name, $0) })
        let rows = engine.profileCount(collection: c)
        var sizes = Array(repeating: 0, count: model.segments.count)
        for r in 0..<rows {
            for s in sizes.indices where engine.isMember(collection: c, row: r, segment: s) { sizes[s] += 1 }
        }
        initialSize = sizes
        size = sizes
        enters = Array(repeating: 0, count: sizes.count)
        exits = enters
        trend = sizes.map { [Double($0)] }
        recent = Array(repeating: [], count: sizes.count)
        lastUpdated = Array(repeating: Int64.min, count: rows)
    }

    /// Keeps `old`'s history of each segment still defined (trend, counts, recent changes)
    /// and of each profile (last change, recent events), when the rows are the same.
    mutating func inherit(from old: CollectionLive) {
        for (name, s) in segmentIndex {
            // A new segment starts from nobody: its first members show as entered.
            guard let o = old.segmentIndex[name] else { initialSize[s] = 0; continue }
            initialSize[s] = old.initialSize[o]
            enters[s] = old.enters[o]
            exits[s] = old.exits[o]
            trend[s] = old.trend[o] + [Double(size[s])]
            recent[s] = old.recent[o]
        }
        guard old.lastUpdated.count == lastUpdated.count else { return }
        lastUpdated = old.lastUpdated
        changeOrder = old.changeOrder
        recentEvents = old.recentEvents
    }

    mutating func touch(row: Int, at t: Int64) {
        if lastUpdated[row] == t, changeOrder.last == Int32(row) { return }
        lastUpdated[row] = t
        changeOrder.append(Int32(row))
        if changeOrder.count > max(1_024, 4 * lastUpdated.count) { compactChangeOrder() }
    }

    /// Keeps only each row's latest place in the change order.
    private mutating func compactChangeOrder() {
        var seen = [Bool](repeating: false, count: lastUpdated.count)
        var kept: [Int32] = []
        for r in changeOrder.reversed() where !seen[Int(r)] {
            seen[Int(r)] = true
            kept.append(r)
        }
        changeOrder = kept.reversed()
    }

    /// `rows` (or every row) most recently changed first, never-changed rows last in table order.
    public func byLastChange(among rows: [Int32]?, newestFirst: Bool) -> [Int32] {
        let n = lastUpdated.count
        var allowed: [Bool]?
        if let rows {
            var a = [Bool](repeating: false, count: n)
            for r in rows { a[Int(r)] = true }
            allowed = a
        }
        var seen = [Bool](repeating: false, count: n)
        var changed: [Int32] = []
        for r in changeOrder.reversed() where !seen[Int(r)] && (allowed?[Int(r)] ?? true) {
            seen[Int(r)] = true
            changed.append(r)
        }
        if !newestFirst { changed.reverse() }
        var out = changed
        out.reserveCapacity(rows?.count ?? n)
        if let rows {
            for r in rows where !seen[Int(r)] { out.append(r) }
        } else {
            for r in 0..<n where !seen[r] { out.append(Int32(r)) }
        }
        return out
    }

    /// `countsSize` false: the size already reflects the change (read from the engine).
    mutating func recordActivation(_ a: Activation, segment s: Int, countsSize: Bool = true) {
        if countsSize { size[s] += a.change == .enter ? 1 : -1 }
        if a.change == .enter { enters[s] += 1 } else { exits[s] += 1 }
        recent[s].append(a)
        if recent[s].count > 200 { recent[s].removeFirst(recent[s].count - 100) }
    }

    mutating func sampleTrend() {
        for s in trend.indices {
            trend[s].append(Double(size[s]))
            if trend[s].count > 240 { trend[s].removeFirst(trend[s].count - 240) }
        }
    }

    mutating func noteEvent(_ sequence: Int, row: Int) {
        recentEvents[row, default: []].append(sequence)
        if recentEvents[row]!.count > 20 { recentEvents[row]!.removeFirst() }
    }
}
