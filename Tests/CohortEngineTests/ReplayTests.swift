import Testing
@testable import CohortEngine

@Suite("Batch replay")
struct ReplayTests {
    func values(_ result: ReplayResult, _ key: String) -> [String: Value] {
        let state = result.collections[0]
        let row = state.row(forKey: key)!
        var out: [String: Value] = [:]
        for (i, a) in state.model.attributes.enumerated() { out[a.name] = state.values[row][i] }
        return out
    }

    @Test("events, linking keys, table rows and the clock give the expected profiles")
    func profiles() throws {
        let ws = try Fixture.workspace().load()
        #expect(ws.errors.isEmpty)
        let result = Replay(workspace: ws).run()
        #expect(result.clock == CivilTime.parseTimestamp("2026-09-03T12:00:00Z"))
        let web = result.streams[0]
        #expect([web.lines, web.valid, web.duplicate, web.unmatched, web.quarantined] == [6, 4, 1, 1, 1])
        #expect(result.applied == 3)

        let ana = values(result, "AMP-1")
        #expect(ana["email"] == .string("ana@example.com"))
        #expect(ana["purchases_7d"] == .int(2))
        #expect(ana["spend"] == .double(15.5))          // 10 + "5.5" cast as Spark casts
        #expect(ana["lifetime_spend"] == .int(157))     // a row without a timestamp counts in all_time
        let bo = values(result, "AMP-2")                // matched through the second linking key
        #expect(bo["purchases_7d"] == .int(0))
        #expect(bo["spend"] == .null)
        #expect(bo["lifetime_spend"] == .int(20))
        let none = values(result, "AMP-3")
        #expect(none["email"] == .null)
        #expect(none["lifetime_spend"] == .null)
        #expect(ProfileWriter.profileLines(result) == [
            #"{"collection":"customers","key":"AMP-1","attributes":{"email":"ana@example.com","purchases_7d":2,"spend":15.5,"lifetime_spend":157},"segments":["buyers"]}"#,
            #"{"collection":"customers","key":"AMP-2","attributes":{"email":"bo@example.com","purchases_7d":0,"spend":null,"lifetime_spend":20},"segments":[]}"#,
            #"{"collection":"customers","key":"AMP-3","attributes":{"email":null,"purchases_7d":0,"spend":null,"lifetime_spend":null},"segments":[]}"#,
        ])
    }

    @Test("--until replays only events at or before it and sets the clock")
    func until() throws {
        let ws = try Fixture.workspace().load()
        let t = CivilTime.parseTimestamp("2026-09-01T12:00:00Z")!
        let result = Replay(workspace: ws, until: t).run()
        #expect(result.clock == t)
        #expect(result.streams[0].valid == 1)
        let ana = values(result, "AMP-1")
        #expect(ana["purchases_7d"] == .int(1))
        #expect(ana["spend"] == .int(10))               // a sum of integers is an integer
        #expect(ana["lifetime_spend"] == .int(157))
        #expect(values(result, "AMP-2")["lifetime_spend"] == .null)
    }

    @Test("a window holds exactly now - N < timestamp <= now")
    func windowBounds() throws {
        let web = """
        {"event_id":"edge","type":"v","timestamp":"2026-09-02T12:00:00Z","customer_id":"AMP-1"}
        {"event_id":"in","type":"v","timestamp":"2026-09-02T12:00:00.000001Z","customer_id":"AMP-1"}
        {"event_id":"now","type":"v","timestamp":"2026-09-03T12:00:00Z","customer_id":"AMP-2"}
        """
        let yaml = Fixture.yaml(attributes: """
              - name: v_1d
                function: count
                events: [v]
                timeframe: 1d
              - name: v_24h
                function: count
                events: [v]
                timeframe: 24h
              - name: first_v
                function: first
                field: event_id
                events: [v]
              - name: v_ids
                function: distinct
                field: event_id
                timeframe: 1d
        """)
        let result = Replay(workspace: try Fixture.workspace(yaml: yaml, web: web).load()).run()
        let ana = values(result, "AMP-1")
        #expect(ana["v_1d"] == .int(1))
        #expect(ana["v_24h"] == .int(1))
        #expect(ana["first_v"] == .string("edge"))
        #expect(ana["v_ids"] == .list([.string("in")]))
        #expect(values(result, "AMP-2")["v_1d"] == .int(1))
    }

    @Test("activations: entries at the first clock, exits when the last event leaves the window")
    func activations() throws {
        let yaml = Fixture.yaml(attributes: """
              - name: purchases_1d
                function: count
                events: [purchase]
                timeframe: 1d
        """, segments: """
              - name: recent
                condition: "purchases_1d > 0"
        """)
        let result = Replay(workspace: try Fixture.workspace(yaml: yaml).load(), recordActivations: true).run()
        #expect(result.activations.map(ProfileWriter.activationLine) == [
            #"{"collection":"customers","segment":"buyers","key":"AMP-1","change":"enter","at":"2026-09-01T00:00:00Z"}"#,
            #"{"collection":"customers","segment":"recent","key":"AMP-1","change":"enter","at":"2026-09-01T00:00:00Z"}"#,
            #"{"collection":"customers","segment":"recent","key":"AMP-1","change":"exit","at":"2026-09-03T00:00:00Z"}"#,
        ])
    }

    @Test("bad values and far-off timestamps: counted, handled, and no other profile touched")
    func badInput() throws {
        let web = """
        {"event_id":"a","type":"purchase","timestamp":"2026-09-01T00:00:00Z","customer_id":"AMP-1","properties":{"amount":"n/a"}}
        {"event_id":"b","type":"purchase","timestamp":"2026-09-01T01:00:00Z","customer_id":"AMP-1","properties":{"amount":null}}
        {"event_id":"c","type":"purchase","timestamp":"2026-09-01T02:00:00Z","customer_id":"AMP-1","properties":{"amount":{"value":3}}}
        {"event_id":"d","type":"purchase","timestamp":"2026-09-01T03:00:00Z","customer_id":"AMP-1","properties":{"amount":4}}
        {"event_id":"e","type":"purchase","timestamp":"1970-01-01T00:00:00Z","customer_id":"AMP-1","properties":{"amount":5}}
        {"event_id":"f","type":"purchase","timestamp":"2026-09-01T04:00:00Z","customer_id":"AMP-999","properties":{"amount":6}}
        {"event_id":"g","type":"page_view","timestamp":"2999-01-01T00:00:00Z","customer_id":"AMP-3","properties":{}}
        """
        let yaml = Fixture.yaml(attributes: """
              - name: signup
                column: signup
              - name: purchases
                function: count
                events: [purchase]
              - name: views_1d
                function: count
                events: [page_view]
                timeframe: 1d
        """, segments: """
              - name: new_signups
                condition: "datediff(current_date(), signup) BETWEEN 0 AND 30"
              - name: viewers
                condition: "views_1d > 0"
        """)
        let ws = try Fixture.workspace(yaml: yaml, web: web).load()
        try #require(ws.errors.isEmpty, "\(ws.errors.map(\.description))")
        // With activations recorded every midnight is walked; a year at most per clock move.
        let live = Replay(workspace: ws, recordActivations: true).run()
        let replayed = Replay(workspace: ws).run()
        for result in [live, replayed] {
            #expect(result.clock == CivilTime.parseTimestamp("2999-01-01T00:00:00Z"))
            #expect([result.streams[0].valid, result.streams[0].unmatched] == [7, 1])
            let ana = values(result, "AMP-1")
            #expect(ana["spend"] == .int(9))          // 4 + 5: "n/a", null and an object are skipped
            #expect(ana["purchases"] == .int(5))      // 1970 counts in all_time
            let spend = result.collections[0].model.attributes.firstIndex { $0.name == "spend" }!
            #expect(result.collections[0].typeWarnings[spend] == 2)  // "n/a" and the object
            #expect(values(result, "AMP-2")["spend"] == .null)
            #expect(values(result, "AMP-3")["views_1d"] == .int(1))
        }
        #expect(ProfileWriter.profileLines(live) == ProfileWriter.profileLines(replayed))
        #expect(live.skippedMidnights > 300_000)  // 2026 to 2999: a year walked, the rest jumped
        // AMP-3 signed up on 2026-03-04: long out of new_signups when the far event arrives,
        // and viewers from 2999-01-01 on.
        #expect(live.activations.map(ProfileWriter.activationLine).contains(
            #"{"collection":"customers","segment":"viewers","key":"AMP-3","change":"enter","at":"2999-01-01T00:00:00Z"}"#))
    }

    @Test("a window input takes 48 bytes, and an optional one no more")
    func inputLayout() {
        // Windowed aggregates hold one input per event in their window: its size is the
        // engine's memory per profile (see `cohort bench engine`).
        #expect(MemoryLayout<AggregateInput>.stride == 48)
        #expect(MemoryLayout<AggregateInput?>.stride == 48)
    }

    @Test("aggregate functions follow SPEC §4, ties included")
    func functions() {
        func input(_ ts: Int64?, _ id: String, _ v: Value, row: Int = 0) -> AggregateInput {
            AggregateInput(timestamp: ts, tieID: id, tieRow: row, value: v)
        }
        var w = 0
        let xs = [input(3, "c", .string("b")), input(1, "b", .string("a")), input(1, "a", .string("z")), input(2, "d", .null), input(3, "e", .int(5))]
        #expect(Aggregate.compute(.count, xs, typeWarnings: &w) == .int(5))
        #expect(Aggregate.compute(.count_distinct, xs, typeWarnings: &w) == .int(4))
        #expect(Aggregate.compute(.distinct, xs, typeWarnings: &w) == .list([.int(5), .string("a"), .string("b"), .string("z")]))
        #expect(Aggregate.compute(.first, xs, typeWarnings: &w) == .string("z"))  // ts 1, smaller id 'a'
        #expect(Aggregate.compute(.last, xs, typeWarnings: &w) == .string("b"))   // ts 3, smaller id 'c'
        #expect(Aggregate.compute(.min, xs, typeWarnings: &w) == .int(5))         // numbers sort before strings
        #expect(Aggregate.compute(.max, xs, typeWarnings: &w) == .string("z"))
        #expect(Aggregate.compute(.most_frequent, [input(1, "a", .string("y")), input(1, "b", .string("x")), input(1, "c", .string("y")), input(1, "d", .string("x"))], typeWarnings: &w) == .string("x"))
        w = 0
        #expect(Aggregate.compute(.sum, [input(1, "a", .int(2)), input(1, "b", .string("3")), input(1, "c", .string("x")), input(1, "d", .bool(true))], typeWarnings: &w) == .int(5))
        #expect(w == 2)
        #expect(Aggregate.compute(.average, [input(1, "a", .int(2)), input(1, "b", .double(3))], typeWarnings: &w) == .double(2.5))
        #expect(Aggregate.compute(.sum, [input(1, "a", .null)], typeWarnings: &w) == .null)
        #expect(Aggregate.compute(.first, [input(5, "", .int(1), row: 2), input(5, "", .int(2), row: 1)], typeWarnings: &w) == .int(2))
        #expect(Aggregate.compute(.last, [input(5, "", .int(1), row: 2), input(5, "", .int(2), row: 1)], typeWarnings: &w) == .int(2))
    }
}
