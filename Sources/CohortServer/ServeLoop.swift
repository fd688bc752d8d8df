import CohortEngine
import CohortStore
import Foundation
import Synchronization

/// `cohort serve`'s owner of the engine: a thread that follows the wall clock (or plays the
/// recorded events with `--replay`), runs the HTTP handlers' jobs in turns, numbers the turn's
/// activations into the feed and hands the turn's writes to the group-commit writer.
public final class ServeLoop: DirectEngine, @unchecked Sendable {
    public let api: CohortAPI
    let engine: LiveEngine
    let driver: ReplayDriver?
    private let writer: BatchWriter
    /// Per collection and row: the clock instant of the last change since the server started (0: none).
    private var updated: [[Int64]]
    private var pending: [Activation] = []
    private var lastLoggedClock: Int64 = 0
    private let running = Atomic<Bool>(true)
    /// Held by whoever uses the engine: the loop's thread, or a request's (`perform`).
    private let lock = NSLock()
    private lazy var turn = EngineTurn(engine: engine, apply: { [engine] in engine.apply($0) },
                                       updatedAt: { [unowned self] c, r in updated[c][r] == 0 ? nil : updated[c][r] })
    private let finished = DispatchSemaphore(value: 0)
    /// How the loop reports what it did at start (events applied, where the log resumes).
    public private(set) var startup = Startup()

    public struct Startup: Sendable {
        public var fileEvents = 0
        /// True with `--replay`: the events are played from the first, not applied at start.
        public var replaying = false
        public var storedEvents = 0
        public var badStoredEvents = 0
        public var loggedFrom: Int64?
        public var clock: Int64?
        public var seconds: Double = 0
    }

    /// Loads the engine: the workspace's recorded events and the events posted in earlier runs,
    /// applied without logging up to where the last run's activation log ended (or, on a first
    /// run, up to now), then with logging up to the wall clock. With `replay`, the recorded
    /// events play at `speed` instead, from the first.
    public init(api: CohortAPI, replay: Bool, speed: Double) throws {
        let start = Date()
        self.api = api
        let workspace = api.workspace
        let store = api.store
        var info = Startup()
        var events = Replay(workspace: workspace).feed()
        info.fileEvents = events.count
        // Events posted in earlier runs, numbered after each stream file's lines.
        var line = workspace.streamLoads.map { $0.lines + 1 }
        for body in try store.ingestedBodies() {
            guard let s = workspace.streamIndex(body.stream) else { info.badStoredEvents += body.events; continue }
            var bytes = Array(body.text.utf8)
            if body.ndjson {
                let load = bytes.withUnsafeBufferPointer { StreamReader.read(bytes: $0, stream: s, firstLine: line[s]) }
                line[s] += load.lines
                events += load.events
                events += load.duplicates
                info.storedEvents += load.events.count + load.duplicates.count
                info.badStoredEvents += load.quarantined.count
            } else {
                let decoded = bytes.withUnsafeMutableBufferPointer { EventDecoder.decode(UnsafeBufferPointer($0), stream: s, line: line[s]) }
                line[s] += 1
                if case .success(let e) = decoded { events.append(e); info.storedEvents += 1 } else { info.badStoredEvents += 1 }
            }
        }
        events.sort { ($0.timestamp, $0.stream, $0.line) < ($1.timestamp, $1.stream, $1.line) }
        let wall = CohortStore.wallMicroseconds()
        let engine = LiveEngine(workspace: workspace, startAt: events.first?.timestamp ?? wall)
        for (i, load) in workspace.streamLoads.enumerated() {
            for _ in load.quarantined { engine.quarantined(stream: i) }
        }
        self.engine = engine
        updated = workspace.collections.map { Array(repeating: 0, count: $0.table.rows.count) }
        writer = BatchWriter(store: store)
        if replay {
            driver = ReplayDriver(engine: engine, events: events, speed: speed)
            engine.advance(to: events.first?.timestamp ?? wall)
            info.replaying = true
            attach()
            info.loggedFrom = engine.clock
        } else {
            driver = nil
            // Silent up to where the log ended; logged from there to now (what happened while
            // the server was down is news to whoever follows the log).
            let silentUntil = min(try store.loggedUntil() ?? wall, wall)
            var next = 0
            while next < events.count, events[next].timestamp <= silentUntil {
                engine.apply(events[next])
                next += 1
            }
            engine.advance(to: silentUntil)
            attach()
            info.loggedFrom = silentUntil
            while next < events.count {
                engine.apply(events[next])
                next += 1
            }
            engine.advance(to: wall)
        }
        info.clock = engine.clock
        info.seconds = Date().timeIntervalSince(start)
        startup = info
    }

    private func attach() {
        engine.onActivation = { [unowned self] a in
            pending.append(a)
            if let c = api.workspace.collections.firstIndex(where: { $0.name == a.collection }),
               let row = api.workspace.collections[c].row(forKey: a.key) { updated[c][row] = a.at }
        }
        engine.onAttributeChange = { [unowned self] change in updated[change.collection][change.row] = change.at }
    }

    /// Runs the loop on its own thread until `stop()`.
    public func start() {
        api.host.attach(direct: self)
        let thread = Thread { [self] in
            let monotonic = { Int64(DispatchTime.now().uptimeNanoseconds / 1000) }
            while running.load(ordering: .relaxed) {
                // Requests run on their own threads (`perform`); the loop moves the clock,
                // and runs what was queued before it attached.
                let jobs = api.host.take(timeoutMillis: 50)
                lock.lock()
                if let driver {
                    let wall = monotonic()
                    _ = driver.tick(wallNow: wall)
                    // Windows slide with the replay's clock between its events too.
                    let t = driver.virtualTime(at: wall)
                    if !driver.isFinished, driver.events[driver.position].timestamp > t, engine.clock.map({ t > $0 }) ?? true {
                        engine.advance(to: t)
                    }
                } else {
                    let now = CohortStore.wallMicroseconds()
                    if engine.clock.map({ now > $0 }) ?? true { engine.advance(to: now) }
                }
                for job in jobs { job(turn) }
                finishTurn(turn)
                lock.unlock()
            }
            writer.stop()
            finished.signal()
        }
        thread.name = "cohort-engine"
        thread.start()
    }

    public func perform<T>(_ body: (EngineTurn) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        let value = body(turn)
        finishTurn(turn)
        return value
    }

    /// Numbers the turn's activations, wakes their subscribers and commits the turn.
    private func finishTurn(_ turn: EngineTurn) {
        if !pending.isEmpty {
            let entries = api.feed.publish(pending)
            pending.removeAll(keepingCapacity: true)
            turn.batch.activations = entries.map { ($0.seq, ActivationRecord($0.activation)) }
        }
        // The logged clock is written with activations, and otherwise once a second.
        if let clock = engine.clock, driver == nil, !turn.batch.activations.isEmpty || clock - lastLoggedClock >= 1_000_000 {
            turn.batch.loggedUntil = clock
            lastLoggedClock = clock
        }
        turn.commit(to: writer)
    }

    /// Stops the loop after its current turn, with every accepted write stored.
    public func stop() {
        running.store(false, ordering: .relaxed)
        api.host.close()
        finished.wait()
    }
}
