/// Plays recorded events into a `LiveEngine` on a virtual clock that runs at a multiple of
/// real time (1× to 1000×) or as fast as possible, and can be paused and stepped one event
/// at a time. Wall time is passed in, so tests and the console's loop control it.
public final class ReplayDriver {
    public let engine: LiveEngine
    public let events: [Event]
    /// Index of the next event to apply.
    public private(set) var position = 0
    /// Multiples of real time; `.infinity` plays as fast as possible.
    public private(set) var speed: Double
    public private(set) var isPaused = false
    /// Called after each event is applied, with what the engine made of it.
    public var onEvent: ((Event, LiveEngine.Outcome) -> Void)?

    /// Virtual time at the anchor, and the wall time (microseconds) it was anchored at.
    private var anchorVirtual: Int64
    private var anchorWall: Int64?

    public static let speeds: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, .infinity]

    public init(engine: LiveEngine, events: [Event], speed: Double = 10) {
        self.engine = engine
        self.events = events
        self.speed = speed
        anchorVirtual = events.first?.timestamp ?? 0
    }

    public var isFinished: Bool { position >= events.count }

    /// The virtual clock at wall time `wallNow`: where the replay has got to.
    public func virtualTime(at wallNow: Int64) -> Int64 {
        guard let anchorWall, !isPaused else { return anchorVirtual }
        // As fast as possible: the clock is wherever the replay has got to.
        if speed.isInfinite { return position > 0 ? max(events[position - 1].timestamp, anchorVirtual) : anchorVirtual }
        let elapsed = Double(wallNow - anchorWall) * speed
        return anchorVirtual + Int64(min(elapsed, Double(Int64.max / 4)))
    }

    /// Applies every event whose timestamp the virtual clock has reached (at most `limit`,
    /// so one frame never stalls); returns how many were applied. When the limit is hit the
    /// clock is re-anchored to the last applied event unless `keepClock` (a caller working in
    /// small chunks, which shows the lag instead).
    @discardableResult
    public func tick(wallNow: Int64, limit: Int = 50_000, keepClock: Bool = false) -> Int {
        if anchorWall == nil { anchorWall = wallNow }
        guard !isPaused else { return 0 }
        let target = speed.isInfinite ? Int64.max : virtualTime(at: wallNow)
        var n = 0
        while position < events.count, events[position].timestamp <= target, n < limit {
            applyNext()
            n += 1
        }
        if n == limit, !speed.isInfinite, !keepClock {
            // Behind: re-anchor so the virtual clock does not run away from what was applied.
            anchorVirtual = events[position - 1].timestamp
            anchorWall = wallNow
        }
        return n
    }

    public func pause(wallNow: Int64) {
        guard !isPaused else { return }
        anchorVirtual = virtualTime(at: wallNow)
        isPaused = true
    }

    public func resume(wallNow: Int64) {
        guard isPaused else { return }
        isPaused = false
        anchorWall = wallNow
    }

    /// Applies the next event while paused; the virtual clock jumps to its timestamp.
    @discardableResult
    public func step() -> Event? {
        guard position < events.count else { return nil }
        let e = events[position]
        applyNext()
        anchorVirtual = max(anchorVirtual, e.timestamp)
        return e
    }

    public func setSpeed(_ newSpeed: Double, wallNow: Int64) {
        anchorVirtual = virtualTime(at: wallNow)
        anchorWall = wallNow
        speed = max(1, newSpeed)
    }

    /// Continues from event `position` without applying the ones before it: for an engine
    /// restored from a checkpoint that already holds them. The virtual clock starts at the
    /// engine's clock.
    public func seek(to newPosition: Int) {
        position = min(max(0, newPosition), events.count)
        anchorVirtual = max(anchorVirtual, engine.clock ?? anchorVirtual)
        anchorWall = nil
    }

    /// Continues where `other` (a driver over the same events, at the same position) is: its
    /// virtual clock, speed and pause state.
    public func adopt(_ other: ReplayDriver, wallNow: Int64) {
        speed = other.speed
        anchorVirtual = other.virtualTime(at: wallNow)
        anchorWall = wallNow
        isPaused = other.isPaused
    }

    /// The next faster or slower of `speeds`.
    public func faster(wallNow: Int64) { setSpeed(Self.speeds.first { $0 > speed } ?? speed, wallNow: wallNow) }
    public func slower(wallNow: Int64) { setSpeed(Self.speeds.last { $0 < speed } ?? speed, wallNow: wallNow) }

    private func applyNext() {
        let e = events[position]
        position += 1
        let outcome = engine.apply(e)
        onEvent?(e, outcome)
    }
}
