import ArgumentParser
import CohortEngine
import CohortTUI
import Foundation

/// `cohort bench engine`: parse, apply, latency, expiry and memory of the live engine on a
/// generated workspace.
struct EngineBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure the live engine on a generated workspace (one core).",
        discussion: """
        Generates a demo workspace (or uses --workspace), then reports separately: NDJSON parse \
        throughput; apply throughput on parsed events; p50, p99 and p99.9 time from an event to \
        its segment update; the time to expire one day across all profiles; peak memory and \
        bytes per profile.
        """
    )

    /// `--workspace DIR` measures that workspace instead of a generated one.
    @OptionGroup var options: WorkspaceOptions

    @Option(help: "Customers in the generated workspace.")
    var customers = 100_000

    @Option(help: "Days of events in the generated workspace.")
    var days = 90

    @Option(help: "Seed of the generated workspace.")
    var seed: UInt64 = 7

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build, many times slower; measure with 'swift run -c release cohort bench engine'")
        #endif
        let dir: String
        if let workspace = options.workspace {
            dir = workspace
        } else {
            dir = NSTemporaryDirectory() + "cohort-bench-\(customers)-\(days)-\(seed)"
            if !FileManager.default.fileExists(atPath: dir + "/cohort.yaml") {
                let t = Stopwatch()
                let summary = try DemoGenerator(customers: customers, days: days, seed: seed).write(to: dir)
                print("generated \(dir): \(Format.grouped(summary.customers)) customers, \(Format.grouped(summary.eventsPerStream.reduce(0) { $0 + $1.count })) events in \(t.seconds.formatted2)s")
            } else {
                print("using \(dir) (generated earlier)")
            }
        }
        let rssStart = peakRSS()

        // Parse: every stream file from bytes to events.
        let ws = Workspace.load(directory: dir)
        guard ws.errors.isEmpty else {
            for e in ws.errors { printError(e.description) }
            throw ExitCode(1)
        }
        var lines = 0
        let parse = Stopwatch()
        for (i, s) in ws.streams.enumerated() {
            guard let file = s.file else { continue }
            let path = file.value.hasPrefix("/") ? file.value : dir + "/" + file.value
            let load = try StreamReader.read(path: path, stream: i)
            lines += load.lines
        }
        let parseSeconds = parse.seconds
        print("parse:   \(Format.grouped(lines)) lines in \(parseSeconds.formatted2)s = \(rate(lines, parseSeconds)) lines/s")

        // Apply: the merged feed into a fresh engine, each event's own work timed apart from
        // the clock's work before it (windows expiring, midnight re-evaluations).
        let events = Replay(workspace: ws).feed()
        let engine = LiveEngine(workspace: ws, startAt: events.first?.timestamp)
        let rssEngine = peakRSS()
        var latencies = [Int64](repeating: 0, count: events.count)
        var clockNanos: Int64 = 0, applyNanos: Int64 = 0
        if let first = events.first { engine.advance(to: first.timestamp) } // the start: every profile's first evaluation
        for (i, e) in events.enumerated() {
            let t0 = monotonicNanos()
            engine.advance(before: e.timestamp)
            let t1 = monotonicNanos()
            engine.apply(e)
            let t2 = monotonicNanos()
            clockNanos += t1 - t0
            applyNanos += t2 - t1
            latencies[i] = t2 - t1
        }
        let applySeconds = Double(applyNanos) / 1e9, clockSeconds = Double(clockNanos) / 1e9
        print("apply:   \(Format.grouped(events.count)) events in \(applySeconds.formatted2)s = \(rate(events.count, applySeconds)) events/s (each event's own work)")
        print("clock:   \(clockSeconds.formatted2)s moving the clock between events (window expiries, midnight re-evaluation of date readers); "
              + "together \(rate(events.count, applySeconds + clockSeconds)) events/s")
        latencies.sort()
        func pct(_ p: Double) -> String {
            guard !latencies.isEmpty else { return "-" }
            let ns = latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            return ns >= 10_000 ? "\(ns / 1000) µs" : String(format: "%.2f µs", Double(ns) / 1000)
        }
        print("latency: event → segment update p50 \(pct(0.5)), p99 \(pct(0.99)), p99.9 \(pct(0.999))")

        // Expiry: one day of clock with no events.
        if let clock = engine.clock {
            let expire = Stopwatch()
            engine.advance(to: clock + CivilTime.microsPerDay)
            print("expire:  one day across \(Format.grouped(ws.collections.reduce(0) { $0 + $1.table.rows.count })) profiles in \(expire.seconds.formatted2)s")
        }
        let rssEnd = peakRSS()
        let m = engine.memoryUse()
        func perProfile(_ bytes: Int) -> String { Format.grouped(bytes / max(1, m.profiles)) }
        let perAttribute = m.attributes > 0 ? Double(m.statePerProfile) / Double(m.attributes) : 0
        print("memory:  engine state \(Format.grouped(m.statePerProfile)) bytes per profile (\(m.attributes) attributes over \(Format.grouped(m.profiles)) profiles, "
              + String(format: "%.1f", perAttribute) + " bytes per attribute: values \(perProfile(m.values)), in-window inputs \(perProfile(m.windowInputs)), "
              + "tallies \(perProfile(m.tallies)), other aggregate state \(perProfile(m.state - m.values - m.windowInputs - m.tallies))); "
              + "retained events \(m.retainedEvents / 1_048_576) MiB; peak RSS \(rssEnd / 1_048_576) MiB (\((rssEngine - rssStart) / 1_048_576) MiB before the first event)")

        // Replay: the same feed as `cohort replay` runs it (no activations recorded, so
        // computed attributes and segments are evaluated once, when read).
        let replay = Stopwatch()
        let deferred = LiveEngine(workspace: ws, startAt: events.first?.timestamp)
        deferred.defersEvaluation = true
        for e in events { deferred.apply(e) }
        _ = deferred.snapshot()
        let replaySeconds = replay.seconds
        print("replay:  \(Format.grouped(events.count)) events to the final state in \(replaySeconds.formatted2)s = \(rate(events.count, replaySeconds)) events/s (deferred evaluation)")
    }

    func rate(_ n: Int, _ s: Double) -> String { s > 0 ? Format.grouped(Int(Double(n) / s)) : "∞" }
}

/// Wall time since creation, for benchmarks.
struct Stopwatch {
    let start = monotonicNanos()
    var seconds: Double { Double(monotonicNanos() - start) / 1e9 }
}

func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// The process's peak resident set, in bytes.
func peakRSS() -> Int64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int64(usage.ru_maxrss) * 1024
}

extension Double {
    var formatted2: String { String(format: "%.2f", self) }
}
