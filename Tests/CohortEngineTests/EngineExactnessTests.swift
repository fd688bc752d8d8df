import Foundation
import Testing
@testable import CohortEngine

/// A seeded generator so every failing case can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The live engine against a plain batch recomputation, written here independently of the
/// engine's aggregates: random workspaces, random events (ties, window edges, duplicates,
/// unknown identities, odd values), random arrival orders and random clock moves.
@Suite("Live engine exactness")
struct EngineExactnessTests {
    static let t0 = CivilTime.parseTimestamp("2026-09-01T22:00:00Z")!
    static let step: Int64 = 15 * 60 * 1_000_000 // events sit on a 15-minute grid, so they hit window edges exactly
    static let functions = ["count", "count_distinct", "distinct", "sum", "average", "min", "max", "most_frequent", "first", "last"]
    static let timeframes = ["all_time", "1h", "2h", "1d"]

    struct Case {
        var yaml: String
        var orders: String
        var events: [Event]
    }

    /// A random workspace: one collection of five profiles, 6–10 aggregates, computed attributes and segments.
    static func makeCase(_ rng: inout SeededRandom) -> Case {
        var attrs: [String] = []
        var names: [String] = []
        var chosen: [String] = []
        let n = Int.random(in: 6...10, using: &rng)
        for i in 0..<n {
            let name = "a\(i)"
            names.append(name)
            let function = functions.randomElement(using: &rng)!
            chosen.append(function)
            let tf = timeframes.randomElement(using: &rng)!
            if Int.random(in: 0..<5, using: &rng) == 0 {
                // A table aggregate over orders.
                let field = function == "count" ? "" : "\n        field: \(["amount", "category", "ordered_at"].randomElement(using: &rng)!)"
                let cond = Bool.random(using: &rng) ? "" : "\n        where: \"amount > 2\""
                attrs.append("""
                      - name: \(name)
                        function: \(function)\(field)
                        table: orders
                        match: { row: customer, profile: id }\(cond)
                        timeframe: \(tf)
                """)
            } else {
                let field = function == "count" ? "" : "\n        field: \(["properties.v", "properties.s", "timestamp", "properties.v"].randomElement(using: &rng)!)"
                let types = ["[a]", "[b]", "[a, b]", "[a, c]"].randomElement(using: &rng)!
                let cond = Int.random(in: 0..<3, using: &rng) == 0 ? "\n        where: \"properties.v > 2 OR properties.s = 'x'\"" : ""
                attrs.append("""
                      - name: \(name)
                        function: \(function)\(field)
                        events: \(types)\(cond)
                        timeframe: \(tf)
                """)
            }
        }
        attrs.append("""
              - name: total
                expression: "coalesce(CAST(a0 AS string), '-') || '/' || coalesce(CAST(a1 AS string), '-')"
              - name: recent
                function: max
                field: timestamp
                events: [a, b, c]
              - name: days_since_recent
                expression: "datediff(current_date(), to_date(recent))"
              - name: recency
                expression: "CASE WHEN days_since_recent IS NULL THEN 'none' WHEN days_since_recent < 1 THEN concat('today/', total) ELSE 'older' END"
        """)
        // Computed attributes that read the clock and that no segment reads are kept lazily:
        // half the cases have one that reads current_timestamp(), half only current_date().
        if Bool.random(using: &rng) {
            attrs.append("""
                  - name: after_recent
                    expression: "current_timestamp() > recent"
            """)
        }
        var segs: [String] = []
        for (i, name) in names.prefix(4).enumerated() {
            let cond = chosen[i] == "distinct" ? "size(\(name)) >= 2"
                : ["\(name) IS NOT NULL", "CAST(\(name) AS double) > 2", "CAST(\(name) AS string) = 'x'", "\(name) IS NULL"][i % 4]
            segs.append("""
                  - name: s\(i)
                    condition: "\(cond)"
            """)
        }
        segs.append("""
              - name: today
                condition: "datediff(current_date(), to_date(recent)) < 1"
              - name: late
                condition: "current_timestamp() > TIMESTAMP '2026-09-02 12:00:00' AND total <> '-/-'"
        """)
        let yaml = """
        tables:
          people: { file: tables/people.csv, key: id }
          orders: { file: tables/orders.csv, timestamp: ordered_at }
        streams:
          s1: { file: events/s1.ndjson }
          s2: { file: events/s2.ndjson }
        collections:
          people:
            table: people
            key: id
            streams:
              - stream: s1
                match: { event: customer_id, profile: id }
              - stream: s2
                match: [{ event: customer_id, profile: id }, { event: email, profile: email }]
            attributes:
        \(attrs.joined(separator: "\n"))
            segments:
        \(segs.joined(separator: "\n"))
        """
        // Orders: some before the events, some during, a few without a timestamp.
        var orders = "order,customer,ordered_at,amount,category\n"
        for k in 0..<Int.random(in: 0...8, using: &rng) {
            let ts = Int.random(in: 0..<5, using: &rng) == 0 ? "" : CivilTime.formatTimestamp(t0 + Int64.random(in: -8...40, using: &rng) * step)
            orders += "o\(k),P\(Int.random(in: 1...5, using: &rng)),\(ts),\(Double(Int.random(in: 0...12, using: &rng)) * 0.75),\(["x", "y"].randomElement(using: &rng)!)\n"
        }
        // Events.
        var events: [Event] = []
        let count = Int.random(in: 5...40, using: &rng)
        for k in 0..<count {
            let stream = Int.random(in: 0...1, using: &rng)
            var fields: [JSONMember] = []
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: fields.append(JSONMember(key: "customer_id", value: .string("PX")))        // unknown identity
            case 1 where stream == 1: fields.append(JSONMember(key: "email", value: .string("p2@x")))
            case 2: break                                                                       // no identity at all
            default: fields.append(JSONMember(key: "customer_id", value: .string("P\(Int.random(in: 1...5, using: &rng))")))
            }
            var props: [JSONMember] = []
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: props.append(JSONMember(key: "v", value: .string("n/a")))
            case 1: props.append(JSONMember(key: "v", value: .null))
            case 2: break
            case 3: props.append(JSONMember(key: "v", value: .string("\(Int.random(in: 0...4, using: &rng))")))
            case 4: props.append(JSONMember(key: "v", value: .number("\(Double(Int.random(in: 0...8, using: &rng)) * 0.25)")))
            default: props.append(JSONMember(key: "v", value: .number("\(Int.random(in: 0...4, using: &rng))")))
            }
            if Bool.random(using: &rng) { props.append(JSONMember(key: "s", value: .string(["x", "y", "z"].randomElement(using: &rng)!))) }
            // Ids repeat now and then: duplicates within a stream, the same id across streams.
            let id = Int.random(in: 0..<6, using: &rng) == 0 && k > 0 ? "e\(Int.random(in: 0..<k, using: &rng))" : "e\(k)"
            let ts = t0 + Int64.random(in: 0...24, using: &rng) * step
            events.append(Event(stream: stream, line: k + 1, id: id, type: ["a", "b", "c"].randomElement(using: &rng)!,
                                timestamp: ts, fields: fields, properties: props))
        }
        return Case(yaml: yaml, orders: orders, events: events)
    }

    // MARK: The batch recomputation

    /// Every attribute and membership of every profile at `now`, from scratch.
    static func batch(_ model: CollectionModel, _ ws: Workspace, events seen: [Event], now: Int64) -> ([[Value]], [[Bool]]) {
        // Duplicates: per stream and id, the earliest timestamp, then the earlier line.
        var kept: [String: Event] = [:]
        for e in seen {
            let k = "\(e.stream)/\(e.id)"
            if let o = kept[k], (o.timestamp, o.line) <= (e.timestamp, e.line) { continue }
            kept[k] = e
        }
        let events = kept.values.filter { $0.timestamp <= now }
        var values: [[Value]] = []
        var members: [[Bool]] = []
        for row in model.table.rows.indices {
            let id = model.table.text[row][model.keyColumn], email = model.table.text[row][model.table.columnIndex("email")!]
            let mine = events.filter { e in
                if e.stream == 0 { return e.identity("customer_id") == id }
                if let c = e.identity("customer_id"), model.table.text.contains(where: { $0[model.keyColumn] == c }) { return c == id }
                return !email.isEmpty && e.identity("email") == email
            }
            var v = [Value](repeating: .null, count: model.attributes.count)
            for (ai, a) in model.attributes.enumerated() {
                switch a.source {
                case .column(let c): v[ai] = model.table.rows[row][c]
                case .events(let agg):
                    let xs = mine.filter { e in
                        (agg.types?.contains(e.type) ?? true) && within(e.timestamp, agg.window, now)
                            && (agg.condition.map { c in c.evaluate(agg.conditionPaths.map { e.value(at: $0) }, now: now) == .bool(true) } ?? true)
                    }.map { (ts: $0.timestamp, tie: "\($0.id)\u{0}\($0.stream)", value: agg.field.map($0.value(at:)) ?? .bool(true)) }
                    v[ai] = aggregate(agg.function, xs)
                case .table(let agg):
                    let t = ws.tables[agg.table]!
                    let xs = t.rows.indices.compactMap { r -> (ts: Int64, tie: String, value: Value)? in
                        guard t.text[r][agg.rowColumn] == id else { return nil }
                        let ts: Int64? = { if case .timestamp(let x) = t.rows[r][agg.timestampColumn!] { return x }; return nil }()
                        if let ts { guard within(ts, agg.window, now) else { return nil } } else if agg.window != nil { return nil }
                        if let c = agg.condition, c.evaluate(agg.conditionColumns.map { t.rows[r][$0] }, now: now) != .bool(true) { return nil }
                        return (ts ?? Int64.min, String(format: "%08d", r), agg.fieldColumn.map { t.rows[r][$0] } ?? .bool(true))
                    }
                    v[ai] = aggregate(agg.function, xs)
                case .computed: break
                }
            }
            for ai in model.evaluationOrder {
                if case .computed(let e, let ins) = model.attributes[ai].source { v[ai] = e.evaluate(ins.map { v[$0] }, now: now) }
            }
            values.append(v)
            members.append(model.segments.map { $0.condition.evaluate($0.inputs.map { v[$0] }, now: now) == .bool(true) })
        }
        return (values, members)
    }

    static func within(_ ts: Int64, _ window: Int64?, _ now: Int64) -> Bool {
        ts <= now && (window.map { ts > now - $0 } ?? true)
    }

    /// SPEC §4's functions, plainly.
    static func aggregate(_ f: AggregateFunction, _ xs: [(ts: Int64, tie: String, value: Value)]) -> Value {
        let present = xs.filter { $0.value != .null }
        func number(_ v: Value) -> Value? {
            switch v {
            case .int, .double: return v
            case .string(let s): if let i = Int64(s) { return .int(i) }; return Double(s).map(Value.double)
            default: return nil
            }
        }
        switch f {
        case .count: return .int(Int64(xs.count))
        case .count_distinct: return .int(Int64(Set(present.map(\.value)).count))
        case .distinct: return .list(Set(present.map(\.value)).sorted())
        case .sum, .average:
            let nums = present.compactMap { number($0.value) }
            if nums.isEmpty { return .null }
            let ints = nums.compactMap { if case .int(let i) = $0 { return i } else { return nil } }
            let total = nums.reduce(0.0) { acc, v in if case .int(let i) = v { return acc + Double(i) }; if case .double(let d) = v { return acc + d }; return acc }
            if f == .average { return .double(total / Double(nums.count)) }
            return ints.count == nums.count ? .int(ints.reduce(0, +)) : .double(total)
        case .min: return present.map(\.value).min() ?? .null
        case .max: return present.map(\.value).max() ?? .null
        case .most_frequent:
            var counts: [Value: Int] = [:]
            for x in present { counts[x.value, default: 0] += 1 }
            let top = counts.values.max() ?? 0
            return counts.filter { $0.value == top }.keys.min() ?? .null
        case .first:
            return present.min { ($0.ts, $0.tie) < ($1.ts, $1.tie) }?.value ?? .null
        case .last:
            return present.min { $0.ts != $1.ts ? $0.ts > $1.ts : $0.tie < $1.tie }?.value ?? .null
        }
    }

    // MARK: The test

    @Test("incremental state equals batch recomputation at random clock points", arguments: 0..<8)
    func exactness(shard: Int) throws {
        var comparisons = 0
        for n in 0..<250 {
            let seed = UInt64(shard * 1000 + n)
            var rng = SeededRandom(seed: seed)
            let c = Self.makeCase(&rng)
            let ws = try TestWorkspace(yaml: c.yaml, files: [
                "tables/people.csv": "id,email\nP1,p1@x\nP2,p2@x\nP3,\nP4,p4@x\nP5,p5@x\n",
                "tables/orders.csv": c.orders, "events/s1.ndjson": "", "events/s2.ndjson": "",
            ]).load()
            try #require(ws.errors.isEmpty, "seed \(seed): \(ws.errors.map(\.description))\n\(c.yaml)")
            let model = ws.collections[0]
            let order = c.events.shuffled(using: &rng)
            // Half the cases start the engine knowing its first instant (table rows in the
            // past go straight into aggregates), half reveal every row through the timer heap.
            let engine = LiveEngine(workspace: ws, startAt: n % 2 == 0 ? order.first?.timestamp : nil)
            // A third of the cases defer computed attributes and segments until read, as a
            // replay that records no activations does.
            engine.defersEvaluation = n % 3 == 0
            var seen: [Event] = []
            for e in order {
                engine.apply(e)
                seen.append(e)
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    engine.advance(to: engine.clock! + Int64.random(in: 0...12, using: &rng) * Self.step / 2)
                }
                guard Int.random(in: 0..<3, using: &rng) == 0 || seen.count == c.events.count else { continue }
                let now = engine.clock!
                let (values, members) = Self.batch(model, ws, events: seen, now: now)
                for row in values.indices {
                    for ai in model.attributes.indices {
                        let live = engine.value(collection: 0, row: row, attribute: ai)
                        #expect(live == values[row][ai], "seed \(seed) at \(CivilTime.formatTimestamp(now)): \(model.key(ofRow: row)).\(model.attributes[ai].name) live \(live) batch \(values[row][ai])")
                    }
                    for s in model.segments.indices {
                        #expect(engine.isMember(collection: 0, row: row, segment: s) == members[row][s],
                                "seed \(seed) at \(CivilTime.formatTimestamp(now)): \(model.key(ofRow: row)) in \(model.segments[s].name)")
                    }
                }
                comparisons += 1
            }
        }
        #expect(comparisons > 1200)
    }
}
