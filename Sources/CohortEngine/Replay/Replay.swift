/// A headless replay of a workspace's recorded events (SPEC §3–4), computed as a plain
/// batch pass: events merged by timestamp up to the clock, matched to profiles by their
/// linking keys, and every attribute and segment evaluated at the clock. Activations are
/// found by evaluating each profile at every instant its state can change (its events, the
/// moments they leave a window, midnights for clock-reading conditions).
public struct Replay {
    public let workspace: Workspace
    public var until: Int64?
    public var recordActivations = false

    public init(workspace: Workspace, until: Int64? = nil, recordActivations: Bool = false) {
        self.workspace = workspace
        self.until = until
        self.recordActivations = recordActivations
    }

    /// Runs the replay; `progress` is called with a fraction between 0 and 1.
    public func run(progress: (Double) -> Void = { _ in }) -> ReplayResult {
        // Merge streams by timestamp, keeping only events at or before --until.
        var events: [Event] = []
        var stats: [StreamStats] = []
        for (i, s) in workspace.streams.enumerated() {
            let load = workspace.streamLoads[i]
            var st = StreamStats(name: s.name.value)
            st.lines = load.lines - load.blankLines
            st.quarantined = load.quarantined.count
            for e in load.events where until.map({ e.timestamp <= $0 }) ?? true {
                events.append(e)
                st.valid += 1
            }
            st.duplicate = load.duplicates.filter { d in until.map { d.timestamp <= $0 } ?? true }.count
            stats.append(st)
        }
        events.sort { ($0.timestamp, $0.stream, $0.line) < ($1.timestamp, $1.stream, $1.line) }
        let clock: Int64? = until ?? events.last?.timestamp
        let firstClock: Int64? = events.first?.timestamp ?? until
        let now = clock ?? CivilTime.wallClockMicros()

        var matchedAnywhere = [Bool](repeating: false, count: events.count)
        var collections: [CollectionState] = []
        var activations: [Activation] = []
        let total = Double(max(1, workspace.collections.count))
        for (ci, model) in workspace.collections.enumerated() {
            let evaluator = ProfileEvaluator(model: model, workspace: workspace, events: events, until: clock)
            for (ei, matched) in evaluator.matchedEvents.enumerated() where matched { matchedAnywhere[ei] = true }
            var state = CollectionState(model: model, values: [], members: [], typeWarnings: Array(repeating: 0, count: model.attributes.count))
            state.values.reserveCapacity(model.table.rows.count)
            for row in model.table.rows.indices {
                let (vals, mem) = evaluator.evaluate(row: row, now: now, typeWarnings: &state.typeWarnings)
                state.values.append(vals)
                state.members.append(mem)
                if recordActivations, let firstClock {
                    activations += evaluator.timeline(row: row, from: firstClock, to: now)
                }
                if row % 256 == 0 { progress((Double(ci) + Double(row) / Double(max(1, model.table.rows.count))) / total) }
            }
            collections.append(state)
        }
        for (ei, e) in events.enumerated() where !matchedAnywhere[ei] { stats[e.stream].unmatched += 1 }
        progress(1)
        activations.sort { ($0.at, $0.collection, $0.segment, $0.key, $0.change == .exit ? 0 : 1) < ($1.at, $1.collection, $1.segment, $1.key, $1.change == .exit ? 0 : 1) }
        return ReplayResult(clock: clock, streams: stats, collections: collections, activations: activations,
                            applied: matchedAnywhere.filter { $0 }.count)
    }
}

extension CivilTime {
    /// The machine's wall clock in microseconds since the epoch.
    public static func wallClockMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * microsPerSecond + Int64(ts.tv_nsec) / 1000
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
