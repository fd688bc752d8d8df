import ArgumentParser
import CohortEngine
import CohortTUI
import Foundation

/// `cohort bench console`: how fast the console draws, filters, starts and answers keys.
struct ConsoleBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Measure the console: frame render, text filter, first frame and key latency (one core).",
        discussion: """
        Generates a workspace of --profiles customers with a day of events, then reports: the \
        time to render a full 200×60 Profiles frame; the time to filter every profile by text; \
        the time from loading demo-data to the first frame; and the time from a key press to \
        the frame showing it while the replay runs as fast as it can.
        """
    )

    @Option(help: "Customers in the generated workspace.")
    var profiles = 1_000_000

    @Option(help: "Frames to render for the frame-time figures.")
    var frames = 300

    @Option(help: "Demo workspace for the first-frame and key-latency figures.")
    var demo = "demo-data"

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build, many times slower; measure with 'swift run -c release cohort bench console'")
        #endif
        try firstFrame()
        try keyLatency()
        try bigWorkspace()
    }

    /// Load, engine start and the first frame of demo-data, in process.
    func firstFrame() throws {
        let t = Stopwatch()
        let ws = Workspace.load(directory: demo)
        guard ws.errors.isEmpty else { throw ValidationError("\(demo) has errors; run 'cohort check'") }
        let loaded = t.seconds
        let live = LiveWorkspace(workspace: ws)
        let console = Console(live: live, size: Size(width: 120, height: 40))
        _ = console.render()
        print("first frame: demo-data loaded in \(ms(loaded)), engine started and first frame drawn at \(ms(t.seconds)) after start")
    }

    /// A key arrives just as a frame's replay work begins (the worst moment): the time until
    /// the frame showing it is drawn, with the replay at full speed.
    func keyLatency() throws {
        let ws = Workspace.load(directory: demo)
        let live = LiveWorkspace(workspace: ws, speed: .infinity)
        let terminal = ScriptedTerminal(size: Size(width: 120, height: 40))
        let console = Console(live: live, size: terminal.size)
        let loop = ConsoleLoop(terminal: terminal, console: console, clock: { monotonicNanos() / 1000 })
        let keys: [Key] = [.char("j"), .char("k"), .char("2"), .char("5"), .char("j"), .char("4"), .char("3"), .char("1")]
        var samples: [Double] = []
        var applied = 0
        let start = live.nextSequence
        for i in 0..<200 where !live.driver.isFinished {
            // The key arrives as a frame's replay slice starts; the loop reads it after the
            // slice, handles it and draws: that is what the user waits for.
            let t0 = monotonicNanos()
            live.tick(wallNow: t0 / 1000, budgetMicros: loop.tickBudgetMicros, clock: { monotonicNanos() / 1000 })
            loop.handle(.key(keys[i % keys.count]))
            loop.draw()
            samples.append(Double(monotonicNanos() - t0) / 1e6)
        }
        applied = live.nextSequence - start
        samples.sort()
        guard !samples.isEmpty else { return }
        print("key latency (replay at full speed, \(Format.grouped(applied)) events applied meanwhile): p50 \(String(format: "%.1f", samples[samples.count / 2])) ms, "
              + "p99 \(String(format: "%.1f", samples[min(samples.count - 1, samples.count * 99 / 100)])) ms, max \(String(format: "%.1f", samples.last!)) ms")
    }

    /// Frame and filter times over a large generated workspace.
    func bigWorkspace() throws {
        let dir = NSTemporaryDirectory() + "cohort-bench-console-\(profiles)"
        if !FileManager.default.fileExists(atPath: dir + "/cohort.yaml") {
            let t = Stopwatch()
            let summary = try DemoGenerator(customers: profiles, days: 1, seed: 11).write(to: dir)
            print("generated \(dir): \(Format.grouped(summary.customers)) customers in \(t.seconds.formatted2)s")
        } else {
            print("using \(dir) (generated earlier)")
        }
        let t = Stopwatch()
        let ws = Workspace.load(directory: dir)
        guard ws.errors.isEmpty else { throw ValidationError("generated workspace has errors") }
        let live = LiveWorkspace(workspace: ws, speed: .infinity)
        print("loaded and started \(Format.grouped(live.engine.profileCount(collection: 0))) profiles in \(t.seconds.formatted2)s")
        let size = Size(width: 200, height: 60)
        let consoleStart = Stopwatch()
        let console = Console(live: live, size: size)
        print("console ready (filter indexes built) in \(ms(consoleStart.seconds))")
        console.wallNow = 0

        // Table order (no sort), then the default sort by last change (computed once, then cached).
        console.state.profileSort = nil
        report("render 200×60 Profiles frame, table order", times(frames) { _ in _ = console.render() })
        console.state.profileSort = .updated
        let sort = Stopwatch()
        _ = console.render()
        print("sort \(Format.grouped(live.engine.profileCount(collection: 0))) profiles by last change: \(ms(sort.seconds)) (once per 5 s at most)")
        report("render 200×60 Profiles frame, sorted", times(frames) { _ in _ = console.render() })
        console.state.lists[.profiles]?.selected = 500_000
        report("render 200×60 Profiles frame, row 500,000 selected", times(frames) { _ in _ = console.render() })

        let query = ProfileQuery(model: ws.collections[0], collection: 0)
        let data = DataView(live: live)
        let build = Stopwatch()
        query.prepare(data)
        print("filter index: built once while loading, in \(ms(build.seconds))")
        for text in ["smith", "AMP-0004", "@inbox.example", "zzzz-no-match"] {
            var found = 0
            let samples = times(20) { _ in found = query.filter(text, data: data).count }
            report("filter \(Format.grouped(live.engine.profileCount(collection: 0))) profiles by \"\(text)\" (\(Format.grouped(found)) match)", samples)
        }
    }

    func times(_ n: Int, _ body: (Int) -> Void) -> [Double] {
        var out: [Double] = []
        for i in 0..<n {
            let t0 = monotonicNanos()
            body(i)
            out.append(Double(monotonicNanos() - t0) / 1e6)
        }
        return out.sorted()
    }

    func report(_ what: String, _ samples: [Double]) {
        guard !samples.isEmpty else { return }
        let p50 = samples[samples.count / 2], p99 = samples[min(samples.count - 1, samples.count * 99 / 100)]
        print("\(what): p50 \(String(format: "%.2f", p50)) ms, p99 \(String(format: "%.2f", p99)) ms")
    }

    func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
}
