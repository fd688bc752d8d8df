import ArgumentParser
import CohortEngine
import CohortStore
import CohortTUI
import Foundation

/// `cohort bench definitions`: the segment form's preview latency per key press, the time a
/// save takes to backfill, and how fast a workspace reopens from its checkpoint.
struct DefinitionsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "definitions",
        abstract: "Measure defining segments at scale: preview latency per key, backfill on save, reopening from a checkpoint.",
        discussion: """
        Generates (once) a workspace of --customers customers over --days days, replays every \
        event into the console's live engine, then types a segment condition into the form one \
        key at a time and reports the time from each key to the frame showing its preview; \
        then saves it and times the backfill. The workspace's cohort.yaml is put back afterwards.
        """
    )

    @Option(help: "Customers in the generated workspace.")
    var customers = 100_000

    @Option(help: "Days of events.")
    var days = 90

    @Option(help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(help: "Use this workspace instead of generating one (its cohort.yaml is restored afterwards).")
    var workspace: String?

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build, many times slower; measure with 'swift run -c release cohort bench definitions'")
        #endif
        let dir = try workspace ?? generated()
        let yamlPath = (dir as NSString).appendingPathComponent("cohort.yaml")
        let original = try String(contentsOfFile: yamlPath, encoding: .utf8)
        defer { try? AtomicFile.write(path: yamlPath, data: Data(original.utf8)) }

        let load = Stopwatch()
        let ws = Workspace.load(directory: dir)
        guard ws.errors.isEmpty else { throw ValidationError("\(dir) has errors; run 'cohort check'") }
        let live = LiveWorkspace(workspace: ws, speed: .infinity)
        print("loaded \(Format.grouped(live.engine.profileCount(collection: 0))) profiles and \(Format.grouped(live.driver.events.count)) events in \(load.seconds.formatted2)s")
        let replay = Stopwatch()
        while !live.driver.isFinished { live.driver.tick(wallNow: 0, limit: 100_000) }
        let replaySeconds = load.seconds  // loading and replaying: what a start without a checkpoint costs
        print("replayed every event into the live engine in \(replay.seconds.formatted2)s")

        let terminal = ScriptedTerminal(size: Size(width: 120, height: 40))
        let console = Console(live: live, size: terminal.size)
        console.definitions = try DefinitionsFile(path: yamlPath)
        let loop = ConsoleLoop(terminal: terminal, console: console, clock: { monotonicNanos() / 1000 })
        loop.handle(.key(.char("4")))
        loop.handle(.key(.char("n")))
        for ch in "bench_big_spenders" { loop.handle(.key(.char(ch))) }
        loop.handle(.key(.tab))
        loop.handle(.key(.tab))

        // Each key: update (compile, evaluate over every profile) and the frame showing it.
        let condition = "lifetime_spend > 1000 AND purchases_30d >= 1 OR current_tier IN ('gold', 'platinum')"
        var samples: [Double] = []
        var evaluated: [Double] = []
        for ch in condition {
            let t0 = monotonicNanos()
            loop.handle(.key(.char(ch)))
            loop.draw()
            samples.append(Double(monotonicNanos() - t0) / 1e6)
            if let p = console.state.segmentForm?.preview { evaluated.append(Double(p.micros) / 1000) }
        }
        samples.sort()
        evaluated.sort()
        let profiles = Format.grouped(live.engine.profileCount(collection: 0))
        print("preview: \(samples.count) key presses typing a condition over \(profiles) profiles: key to frame p50 \(f1(samples[samples.count / 2])) ms, "
              + "p99 \(f1(samples[min(samples.count - 1, samples.count * 99 / 100)])) ms, max \(f1(samples.last!)) ms "
              + "(evaluation alone p50 \(f1(evaluated.isEmpty ? 0 : evaluated[evaluated.count / 2])) ms, \(evaluated.count) keys gave a valid condition)")
        if let p = console.state.segmentForm?.preview {
            print("preview result: \(Format.grouped(p.matches)) of \(Format.grouped(p.total)) match")
        }

        let save = Stopwatch()
        loop.handle(.key(.ctrl("s")))
        let written = save.seconds
        while console.rebuildProgress != nil { console.stepRebuild(budgetMicros: 1_000_000, clock: { monotonicNanos() / 1000 }) }
        print("save: cohort.yaml written and the new workspace compiled in \(ms(written)); backfill of \(Format.grouped(live.driver.position)) retained events "
              + "and take-over in \(save.seconds.formatted2)s")

        // Quitting saves a checkpoint; reopening loads the workspace and restores from it.
        let store = try CohortStore.open(workspaceDirectory: dir)
        let text = console.definitions!.text
        let checkpoint = Stopwatch()
        try WorkspaceCheckpoints.save(console.live, definitionsText: text, store: store)
        let size = try store.checkpoints().first?.bytes ?? 0
        print("checkpoint: \(Format.grouped(Int(size / 1_000_000))) MB written (and fsynced) in \(checkpoint.seconds.formatted2)s")
        let reopen = Stopwatch()
        let ws2 = Workspace.load(directory: dir)
        let loaded = reopen.seconds
        let (restored, why) = WorkspaceCheckpoints.restore(ws2, definitionsText: text, store: store, speed: 10_000)
        guard let restored else { throw ValidationError("the checkpoint did not restore: \(why ?? "none found")") }
        let restoredAt = reopen.seconds
        let console2 = Console(live: restored, size: Size(width: 120, height: 40))
        _ = console2.render()
        print("reopen: workspace files read in \(loaded.formatted2)s, engine restored at \(restoredAt.formatted2)s, first frame at \(reopen.seconds.formatted2)s "
              + "(\(Format.grouped(restored.driver.position)) events already applied; loading and replaying them took \(replaySeconds.formatted2)s)")
    }

    func generated() throws -> String {
        let dir = NSTemporaryDirectory() + "cohort-bench-\(customers)-\(days)-\(seed)"
        if !FileManager.default.fileExists(atPath: dir + "/cohort.yaml") {
            let t = Stopwatch()
            let summary = try DemoGenerator(customers: customers, days: days, seed: seed).write(to: dir)
            print("generated \(dir): \(Format.grouped(summary.customers)) customers in \(t.seconds.formatted2)s")
        } else {
            print("using \(dir) (generated earlier)")
        }
        return dir
    }

    func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
}
