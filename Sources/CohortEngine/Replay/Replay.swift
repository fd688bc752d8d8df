/// A headless replay of a workspace's recorded events on the live engine (SPEC §3–4):
/// every stream merged by timestamp, each event applied as it would arrive, the clock
/// following the latest event (or ending at `until`).
public struct Replay {
    public let workspace: Workspace
    public var until: Int64?
    public var recordActivations = false

    public init(workspace: Workspace, until: Int64? = nil, recordActivations: Bool = false) {
        self.workspace = workspace
        self.until = until
        self.recordActivations = recordActivations
    }

    /// The recorded events to replay, duplicates included, in timestamp order.
    public func feed() -> [Event] {
        var events: [Event] = []
        for load in workspace.streamLoads {
            for e in load.events where until.map({ e.timestamp <= $0 }) ?? true { events.append(e) }
            for e in load.duplicates where until.map({ e.timestamp <= $0 }) ?? true { events.append(e) }
        }
        events.sort { ($0.timestamp, $0.stream, $0.line) < ($1.timestamp, $1.stream, $1.line) }
        return events
    }

    /// Runs the replay; `progress` is called with a fraction between 0 and 1.
    public func run(progress: (Double) -> Void = { _ in }) -> ReplayResult {
        let events = feed()
        let engine = LiveEngine(workspace: workspace, recordActivations: recordActivations, startAt: events.first?.timestamp)
        // Without activations to record, only the end state is read: evaluate it once.
        engine.defersEvaluation = !recordActivations
        for (i, load) in workspace.streamLoads.enumerated() {
            for _ in load.quarantined { engine.quarantined(stream: i) }
        }
        for (i, e) in events.enumerated() {
            engine.apply(e)
            if i % 4096 == 0 { progress(Double(i) / Double(max(1, events.count))) }
        }
        if let until { engine.advance(to: until) }
        // No events and no --until: evaluate at the wall clock, as live ingest would.
        if engine.clock == nil { engine.advance(to: CivilTime.wallClockMicros()) }
        progress(1)
        return ReplayResult(clock: engine.clock, streams: engine.streamStats, collections: engine.snapshot(),
                            activations: engine.activations, applied: engine.applied, skippedMidnights: engine.skippedMidnights)
    }
}
