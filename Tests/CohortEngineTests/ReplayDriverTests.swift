import Testing
@testable import CohortEngine

@Suite("Replay driver")
struct ReplayDriverTests {
    /// The fixture's events (w1 09-01 00:00, w2 09-02 00:00, w3 09-03 00:00, w4 09-03 12:00) on a driver.
    func driver(speed: Double) throws -> ReplayDriver {
        let ws = try Fixture.workspace().load()
        return ReplayDriver(engine: LiveEngine(workspace: ws), events: Replay(workspace: ws).feed(), speed: speed)
    }

    static let second: Int64 = 1_000_000

    @Test("the virtual clock runs at the chosen multiple of wall time and applies events as it passes them")
    func speed() throws {
        let d = try driver(speed: 86_400) // one day of event time per wall second
        #expect(d.tick(wallNow: 0) == 1)                // the first event is at the clock's start
        #expect(d.tick(wallNow: Self.second / 2) == 0)  // half a day later: nothing new
        #expect(d.tick(wallNow: Self.second) == 1)      // a day later: w2
        #expect(d.tick(wallNow: 3 * Self.second) == 2)  // w3 and w4 (09-03)
        #expect(d.tick(wallNow: 4 * Self.second) == 1)  // the later duplicate of w1 (09-05)
        #expect(d.isFinished)
        #expect(d.engine.clock == CivilTime.parseTimestamp("2026-09-03T12:00:00Z"))
        #expect(d.engine.streamStats[0].duplicate == 1)
    }

    @Test("pause holds the clock; step applies one event; speed changes keep the virtual time")
    func pauseAndStep() throws {
        let d = try driver(speed: 86_400)
        d.tick(wallNow: 0)
        d.pause(wallNow: Self.second / 2)
        #expect(d.tick(wallNow: 10 * Self.second) == 0)
        #expect(d.virtualTime(at: 10 * Self.second) == CivilTime.parseTimestamp("2026-09-01T12:00:00Z"))
        #expect(d.step()?.id == "w2")
        #expect(d.position == 2)
        d.resume(wallNow: 10 * Self.second)
        d.slower(wallNow: 10 * Self.second)
        #expect(d.speed == 50_000)
        d.faster(wallNow: 10 * Self.second)
        d.faster(wallNow: 10 * Self.second)
        #expect(d.speed == .infinity)
        #expect(d.tick(wallNow: 10 * Self.second) == 3)
        #expect(d.isFinished)
    }
}
