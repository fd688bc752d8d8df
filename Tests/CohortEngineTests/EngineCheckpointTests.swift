import Foundation
import Testing
@testable import CohortEngine

/// Checkpoints against the engine they were taken from: an engine restored from a
/// checkpoint must behave exactly as the original from there on, for every event and clock
/// move, in eager and deferred evaluation.
@Suite("Engine checkpoints")
struct EngineCheckpointTests {
    static let people = "id,email\nP1,p1@x\nP2,p2@x\nP3,\nP4,p4@x\nP5,p5@x\n"

    static func workspace(_ c: EngineExactnessTests.Case, yaml: String? = nil, orders: String? = nil) throws -> Workspace {
        let ws = try TestWorkspace(yaml: yaml ?? c.yaml, files: [
            "tables/people.csv": people, "tables/orders.csv": orders ?? c.orders,
            "events/s1.ndjson": "", "events/s2.ndjson": "",
        ]).load()
        try #require(ws.errors.isEmpty, "\(ws.errors.map(\.description))\n\(c.yaml)")
        return ws
    }

    /// What happens to an engine: an event, a clock move, or a read (which in deferred mode
    /// evaluates what was left, so it is a step of its own).
    enum Step {
        case apply(Event)
        case advance(Int64)
        case advanceBefore(Int64)
        case read(row: Int)
        case snapshot
    }

    /// Everything an engine reports as it changes, for comparison.
    final class Recorder {
        var log: [String] = []
        func attach(_ e: LiveEngine) {
            e.onActivation = { [unowned self] a in self.log.append("activation \(a)") }
            e.onAttributeChange = { [unowned self] c in
                self.log.append("change \(c.collection)/\(c.row)/\(c.attribute) \(c.old) -> \(c.new) at \(c.at) by \(c.cause)")
            }
        }
    }

    /// The observable state of an engine, as text.
    static func observe(_ e: LiveEngine) -> [String] {
        var out = ["clock \(String(describing: e.clock)) applied \(e.applied) skipped \(e.skippedMidnights)"]
        for s in e.streamStats { out.append("stream \(s.name) \(s.lines) \(s.valid) \(s.duplicate) \(s.unmatched) \(s.quarantined)") }
        for c in e.snapshot() {
            out.append("collection \(c.model.name) warnings \(c.typeWarnings)")
            for (row, values) in c.values.enumerated() { out.append("\(row): \(values) \(c.members[row])") }
        }
        return out
    }

    static func run(_ e: LiveEngine, _ step: Step, _ log: inout [String]) {
        switch step {
        case .apply(let event): log.append("\(event.id): \(e.apply(event))")
        case .advance(let t): e.advance(to: t)
        case .advanceBefore(let t): e.advance(before: t)
        case .read(let row):
            for a in 0..<e.workspace.collections[0].attributes.count { log.append("\(e.value(collection: 0, row: row, attribute: a))") }
            for s in 0..<e.workspace.collections[0].segments.count { log.append("\(e.isMember(collection: 0, row: row, segment: s))") }
        case .snapshot: log += observe(e)
        }
    }

    /// Random steps over the case's events: clock moves (now and then past a year, so
    /// midnights are skipped), reads, events.
    static func steps(_ c: EngineExactnessTests.Case, _ rng: inout SeededRandom) -> [Step] {
        var steps: [Step] = []
        var last = EngineExactnessTests.t0
        let step = EngineExactnessTests.step
        for e in c.events.shuffled(using: &rng) {
            steps.append(.apply(e))
            last = max(last, e.timestamp)
            switch Int.random(in: 0..<12, using: &rng) {
            case 0, 1: steps.append(.advance(last + Int64.random(in: 0...12, using: &rng) * step / 2))
            case 2: steps.append(.advanceBefore(last + Int64.random(in: 0...8, using: &rng) * step))
            case 3: steps.append(.read(row: Int.random(in: 0..<5, using: &rng)))
            case 4 where Int.random(in: 0..<8, using: &rng) == 0: steps.append(.advance(last + 400 * CivilTime.microsPerDay))
            case 5 where Int.random(in: 0..<4, using: &rng) == 0: steps.append(.snapshot)
            default: break
            }
        }
        return steps
    }

    @Test("a restored engine behaves as the original", arguments: 0..<4)
    func differential(shard: Int) throws {
        var restored = 0
        for n in 0..<80 {
            let seed = UInt64(70_000 + shard * 1000 + n)
            var rng = SeededRandom(seed: seed)
            let c = EngineExactnessTests.makeCase(&rng)
            let ws = try Self.workspace(c)
            let steps = Self.steps(c, &rng)
            // Eager recording activations; deferred; deferred recording activations.
            let mode = n % 3
            var first: Int64?
            if case .apply(let e)? = steps.first { first = e.timestamp }
            let original = LiveEngine(workspace: ws, recordActivations: mode != 1, startAt: n % 2 == 0 ? first : nil)
            original.defersEvaluation = mode != 0
            let cut = Int.random(in: 0...steps.count, using: &rng)
            var discard: [String] = []
            for s in steps[..<cut] { Self.run(original, s, &discard) }

            let data = original.checkpoint()
            #expect(original.checkpoint() == data, "seed \(seed): taking a checkpoint changed the engine")
            let copy = try LiveEngine(workspace: ws, checkpoint: data)
            #expect(copy.activations.isEmpty)
            #expect(copy.recordActivations == original.recordActivations && copy.defersEvaluation == original.defersEvaluation)
            let before = original.activations.count
            let a = Recorder(), b = Recorder()
            a.attach(original)
            b.attach(copy)
            var logA: [String] = [], logB: [String] = []
            for s in steps[cut...] {
                Self.run(original, s, &logA)
                Self.run(copy, s, &logB)
            }
            logA += Self.observe(original)
            logB += Self.observe(copy)
            logA += original.activations[before...].map { "recorded \($0)" }
            logB += copy.activations.map { "recorded \($0)" }
            #expect(a.log == b.log, "seed \(seed) cut \(cut)/\(steps.count): reported changes differ\n\(Self.firstDifference(a.log, b.log))")
            #expect(logA == logB, "seed \(seed) cut \(cut)/\(steps.count): state differs\n\(Self.firstDifference(logA, logB))")
            restored += 1
        }
        #expect(restored == 80)
    }

    static func firstDifference(_ a: [String], _ b: [String]) -> String {
        for i in 0..<max(a.count, b.count) where i >= a.count || i >= b.count || a[i] != b[i] {
            return "line \(i): original \(i < a.count ? a[i] : "<none>")\n        restored \(i < b.count ? b[i] : "<none>")"
        }
        return "none"
    }

    /// An engine part way through a random case, and its workspace.
    static func sample(seed: UInt64) throws -> (EngineExactnessTests.Case, Workspace, LiveEngine) {
        var rng = SeededRandom(seed: seed)
        let c = EngineExactnessTests.makeCase(&rng)
        let ws = try workspace(c)
        let engine = LiveEngine(workspace: ws, recordActivations: true)
        var log: [String] = []
        for s in steps(c, &rng) { run(engine, s, &log) }
        return (c, ws, engine)
    }

    @Test("a checkpoint is refused for other definitions or other table data")
    func refusesOtherWorkspaces() throws {
        let (c, ws, engine) = try Self.sample(seed: 7)
        let data = engine.checkpoint()
        #expect(throws: Never.self) { try LiveEngine(workspace: ws, checkpoint: data) }

        // The same definitions loaded again: accepted.
        #expect(throws: Never.self) { try LiveEngine(workspace: try Self.workspace(c), checkpoint: data) }

        let otherSegment = c.yaml.replacingOccurrences(of: "current_timestamp() > TIMESTAMP '2026-09-02 12:00:00'",
                                                       with: "current_timestamp() > TIMESTAMP '2026-09-03 12:00:00'")
        #expect(otherSegment != c.yaml)
        #expect(throws: EngineCheckpointError.definitionsChanged) {
            try LiveEngine(workspace: try Self.workspace(c, yaml: otherSegment), checkpoint: data)
        }
        let otherAttribute = c.yaml.replacingOccurrences(of: "\"datediff(current_date(), to_date(recent))\"",
                                                         with: "\"datediff(current_date(), to_date(recent)) + 0\"")
        #expect(otherAttribute != c.yaml)
        #expect(throws: EngineCheckpointError.definitionsChanged) {
            try LiveEngine(workspace: try Self.workspace(c, yaml: otherAttribute), checkpoint: data)
        }
        #expect(throws: EngineCheckpointError.tablesChanged) {
            try LiveEngine(workspace: try Self.workspace(c, orders: c.orders + "o99,P1,2026-09-01T23:00:00Z,9.5,x\n"), checkpoint: data)
        }
        // An event feed is not a checkpoint.
        #expect(throws: EngineCheckpointError.notACheckpoint(expected: "COHORTCK")) {
            try LiveEngine(workspace: ws, checkpoint: LiveEngine.encodeEvents(c.events))
        }
    }

    @Test("a truncated or damaged checkpoint throws")
    func truncatedAndCorrupt() throws {
        let (_, ws, engine) = try Self.sample(seed: 11)
        let data = engine.checkpoint()
        #expect(data.count > 200)
        var cuts = [0, 1, 7, 8, 12, 16, 40, 47, 48, 49, 52, 60, data.count / 3, data.count / 2, data.count - 9, data.count - 1]
        var rng = SeededRandom(seed: 3)
        for _ in 0..<40 { cuts.append(Int.random(in: 0..<data.count, using: &rng)) }
        for cut in cuts {
            #expect(throws: EngineCheckpointError.self, "cut at \(cut) of \(data.count)") {
                try LiveEngine(workspace: ws, checkpoint: data.prefix(cut))
            }
        }
        // One byte changed anywhere in the body: the checksum catches it.
        for _ in 0..<40 {
            var bad = data
            let at = Int.random(in: EngineCheckpoint.headerSize..<data.count, using: &rng)
            bad[at] ^= UInt8.random(in: 1...255, using: &rng)
            #expect(throws: EngineCheckpointError.self, "byte \(at) changed") { try LiveEngine(workspace: ws, checkpoint: bad) }
        }
        // Bytes changed and the checksum recomputed, as a hand-made checkpoint would be: the
        // reader's own checks must hold (it may throw or restore, never trap).
        var accepted = 0
        for _ in 0..<400 {
            var bad = data
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: EngineCheckpoint.headerSize..<data.count, using: &rng)
                bad[at] = UInt8.random(in: 0...255, using: &rng)
            }
            let sum = bad.withUnsafeBytes { Checksum.of(UnsafeRawBufferPointer(rebasing: $0[EngineCheckpoint.headerSize...])) }
            withUnsafeBytes(of: sum.littleEndian) { bad.replaceSubrange((EngineCheckpoint.headerSize - 8)..<EngineCheckpoint.headerSize, with: $0) }
            if (try? LiveEngine(workspace: ws, checkpoint: bad)) != nil { accepted += 1 }
        }
        #expect(accepted < 400)
        // Trailing bytes.
        #expect(throws: EngineCheckpointError.self) { try LiveEngine(workspace: ws, checkpoint: data + Data([0])) }
    }

    static func describe(_ e: Event) -> [UInt8] {
        Array("\(e.stream)|\(e.line)|\(e.id)|\(e.type)|\(e.timestamp)|\(JSONValue.object(e.fields).jsonText)|\(JSONValue.object(e.properties).jsonText)".utf8)
    }

    @Test("events round-trip through encodeEvents and decodeEvents")
    func eventsRoundTrip() throws {
        var events: [Event] = []
        var rng = SeededRandom(seed: 5)
        for _ in 0..<20 { events += EngineExactnessTests.makeCase(&rng).events }
        // Shared members, nesting, text that only differs in Unicode normalization, extremes.
        let shared = [JSONMember(key: "campaign", value: .string("spring")), JSONMember(key: "n", value: .number("1e400"))]
        let nested = JSONValue.object([JSONMember(key: "a", value: .array([.null, .bool(true), .bool(false), .number("-0.5"),
                                                                          .object([JSONMember(key: "é", value: .string("e\u{301}"))])]))])
        for k in 0..<50 {
            events.append(Event(stream: k % 3, line: k == 0 ? Int.max : -k, id: k % 2 == 0 ? "caf\u{e9}" : "cafe\u{301}",
                                type: String(repeating: "t", count: k * 20), timestamp: k == 1 ? Int64.min : Int64.max - Int64(k),
                                fields: [JSONMember(key: "p", value: nested)] + shared, properties: k % 4 == 0 ? [] : shared))
        }
        let data = LiveEngine.encodeEvents(events)
        let back = try LiveEngine.decodeEvents(data)
        #expect(back.count == events.count)
        for (a, b) in zip(events, back) { #expect(Self.describe(a) == Self.describe(b)) }
        // Shared properties stay shared.
        let last = back[back.count - 1], previous = back[back.count - 3]
        #expect(last.properties.withUnsafeBufferPointer { $0.baseAddress } == previous.properties.withUnsafeBufferPointer { $0.baseAddress })

        #expect(try LiveEngine.decodeEvents(LiveEngine.encodeEvents([])).isEmpty)
        for cut in [0, 5, 8, 30, 48, data.count / 2, data.count - 1] {
            #expect(throws: EngineCheckpointError.self, "cut at \(cut)") { try LiveEngine.decodeEvents(data.prefix(cut)) }
        }
        let (_, _, engine) = try Self.sample(seed: 1)
        #expect(throws: EngineCheckpointError.notACheckpoint(expected: "COHORTEV")) { try LiveEngine.decodeEvents(engine.checkpoint()) }
    }

    @Test("events in several chunks round-trip, and a damaged chunk throws")
    func manyEvents() throws {
        let chunk = EngineCheckpoint.eventsPerChunk
        let shared = [JSONMember(key: "page", value: .string("/p/\(chunk)"))]
        let events = (0..<(2 * chunk + 17)).map { k in
            Event(stream: k % 2, line: k + 1, id: "e\(k)", type: k % 3 == 0 ? "view" : "click", timestamp: Int64(k) * 1_000_000,
                  fields: [JSONMember(key: "customer_id", value: .string("P\(k % 97)"))], properties: k % 5 == 0 ? [] : shared)
        }
        let data = LiveEngine.encodeEvents(events)
        let back = try LiveEngine.decodeEvents(data)
        #expect(back.count == events.count)
        for k in [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, events.count - 1] {
            #expect(Self.describe(events[k]) == Self.describe(back[k]), "event \(k)")
        }
        #expect(back.map(\.id) == events.map(\.id))
        for cut in [data.count / 2, data.count - 3] {
            #expect(throws: EngineCheckpointError.self) { try LiveEngine.decodeEvents(data.prefix(cut)) }
        }
    }
}
