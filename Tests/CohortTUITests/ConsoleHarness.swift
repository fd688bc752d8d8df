import Foundation
import Testing
@testable import CohortEngine
@testable import CohortTUI

/// The console on demo-data with a clock the test controls: the first `events` events
/// applied, the replay paused, so every frame is the same on every run.
struct ConsoleHarness {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let demo: Workspace = Workspace.load(directory: packageRoot + "/demo-data")

    let live: LiveWorkspace
    let console: Console
    let terminal: ScriptedTerminal
    let loop: ConsoleLoop
    /// The wall clock, microseconds; tests move it.
    let wall: WallClock

    final class WallClock: @unchecked Sendable {
        var now: Int64 = 1_000_000_000
    }

    /// A scratch workspace: demo-data's cohort.yaml copied into a new temporary folder, its
    /// tables and events linked, so a test can save definitions without touching demo-data.
    static func scratchWorkspace() throws -> String {
        // Named like the real one, so the context line reads the same in snapshots.
        let dir = NSTemporaryDirectory() + "cohort-form-\(UUID().uuidString)/demo-data"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try fm.copyItem(atPath: packageRoot + "/demo-data/cohort.yaml", toPath: dir + "/cohort.yaml")
        try fm.createSymbolicLink(atPath: dir + "/tables", withDestinationPath: packageRoot + "/demo-data/tables")
        try fm.createSymbolicLink(atPath: dir + "/events", withDestinationPath: packageRoot + "/demo-data/events")
        return dir
    }

    /// A harness over a new scratch workspace with `definitions` attached, and its folder:
    /// what the form tests save into.
    static func scratch(size: Size) throws -> (ConsoleHarness, String) {
        let dir = try scratchWorkspace()
        let h = ConsoleHarness(size: size, workspace: Workspace.load(directory: dir))
        h.console.definitions = try DefinitionsFile(workspaceDirectory: dir)
        return (h, dir)
    }

    /// Runs the backfill of a saved change to the end, as the loop does between frames.
    func finishRebuild() {
        var n = 0
        while console.rebuildProgress != nil, n < 10_000 {
            console.stepRebuild(budgetMicros: 1_000_000, clock: { CivilTime.wallClockMicros() })
            n += 1
        }
    }

    init(size: Size, events: Int = 3_000, workspace: Workspace = ConsoleHarness.demo) {
        live = LiveWorkspace(workspace: workspace)
        let wall = WallClock()
        self.wall = wall
        live.driver.setSpeed(.infinity, wallNow: wall.now)
        live.driver.tick(wallNow: wall.now, limit: events)
        live.driver.pause(wallNow: wall.now)
        live.driver.setSpeed(10_000, wallNow: wall.now)
        live.tick(wallNow: wall.now, clock: { wall.now })
        console = Console(live: live, size: size, themeNames: ["default", "light", "mono"])
        terminal = ScriptedTerminal(size: size)
        loop = ConsoleLoop(terminal: terminal, console: console, clock: { wall.now })
        console.wallNow = wall.now
    }

    /// Presses keys through the loop's handler (effects included), then renders.
    @discardableResult
    func press(_ keys: Key...) -> String {
        for k in keys { loop.handle(.key(k)) }
        return frame()
    }

    @discardableResult
    func type(_ text: String) -> String {
        for ch in text { loop.handle(.key(.char(ch))) }
        return frame()
    }

    func frame() -> String {
        loop.draw()
        return terminal.lastFrame!.text
    }
}

/// Compares a frame with `Snapshots/NAME.txt`; `RECORD_SNAPSHOTS=1` writes it instead.
func assertSnapshot(_ text: String, named name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let dir = ConsoleHarness.packageRoot + "/Tests/CohortTUITests/Snapshots"
    let path = dir + "/\(name).txt"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
        Issue.record(Comment(rawValue: "no snapshot \(name).txt; run with RECORD_SNAPSHOTS=1 to record it"), sourceLocation: sourceLocation)
        return
    }
    let want = expected.hasSuffix("\n") ? String(expected.dropLast()) : expected
    if want != text {
        let a = want.components(separatedBy: "\n"), b = text.components(separatedBy: "\n")
        var diff: [String] = []
        for i in 0..<max(a.count, b.count) where (i < a.count ? a[i] : nil) != (i < b.count ? b[i] : nil) {
            diff.append("line \(i + 1):\n  - \(i < a.count ? a[i] : "")\n  + \(i < b.count ? b[i] : "")")
        }
        let message = "frame differs from \(name).txt (RECORD_SNAPSHOTS=1 re-records):\n" + diff.prefix(12).joined(separator: "\n")
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}
