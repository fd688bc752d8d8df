import Testing
@testable import CohortEngine

@Suite("cohort check")
struct WorkspaceCheckTests {
    @Test("the fixture workspace is clean")
    func clean() throws {
        let ws = try Fixture.workspace().load()
        #expect(ws.diagnostics.map(\.description) == [])
        #expect(ws.collections.count == 1)
        #expect(ws.collections[0].attributes.map(\.name) == ["email", "purchases_7d", "spend", "lifetime_spend"])
    }

    /// The error lines `check` prints for a workspace whose cohort.yaml is `yaml`.
    func errors(_ yaml: String) throws -> [String] {
        try Fixture.workspace(yaml: yaml).load().errors.map(\.description)
    }

    @Test("a YAML syntax error is reported at its position")
    func yamlSyntax() throws {
        let lines = try errors("tables:\n  customer_360: [unclosed\nstreams: {}\n")
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("cohort.yaml:3:"))
        #expect(lines[0].contains("error: YAML syntax:"))
    }

    @Test("unknown table, column and stream get a did-you-mean")
    func unknownReferences() throws {
        var yaml = Fixture.yaml()
        yaml = yaml.replacingOccurrences(of: "    table: customer_360\n", with: "    table: customer_36\n")
        #expect(try errors(yaml) == ["cohort.yaml:13:12: error: unknown table 'customer_36' — did you mean 'customer_360'?"])

        yaml = Fixture.yaml().replacingOccurrences(of: "column: email", with: "column: emial")
        #expect(try errors(yaml) == ["cohort.yaml:22:17: error: column 'emial' is not in table 'customer_360' — did you mean 'email'?"])

        yaml = Fixture.yaml().replacingOccurrences(of: "- stream: web", with: "- stream: wbe")
        #expect(try errors(yaml) == ["cohort.yaml:16:17: error: unknown stream 'wbe' — did you mean 'web'?"])

        yaml = Fixture.yaml().replacingOccurrences(of: "match: { row: amperity_id", with: "match: { row: amperty_id")
        #expect(try errors(yaml) == ["cohort.yaml:35:23: error: row column 'amperty_id' is not in table 'unified_transactions' — did you mean 'amperity_id'?"])
    }

    @Test("a misspelt attribute in a condition is reported inside the expression")
    func unknownAttribute() throws {
        let yaml = Fixture.yaml().replacingOccurrences(of: "condition: \"purchases_7d > 0\"", with: "condition: \"purchses_7d > 0\"")
        let lines = try errors(yaml)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("cohort.yaml:39:21: error: unknown attribute 'purchses_7d'") == true)
        #expect(lines.first?.hasSuffix("did you mean 'purchases_7d'?") == true)
    }

    @Test("computed attributes that depend on each other in a circle are refused")
    func cycle() throws {
        let yaml = Fixture.yaml(attributes: """
              - name: a
                expression: "b + 1"
              - name: b
                expression: "a + 1"
        """)
        #expect(try errors(yaml) == ["cohort.yaml:36:15: error: computed attributes form a cycle: a → b → a — an attribute cannot depend on itself, directly or through others"])
    }

    @Test("names must be unique within a collection")
    func duplicateNames() throws {
        let yaml = Fixture.yaml(segments: """
              - name: spend
                condition: "true"
        """)
        #expect(try errors(yaml) == ["cohort.yaml:40:15: error: name 'spend' is already used in collection 'customers' (line 27) — names must be unique within a collection"])
    }

    @Test("bad function, timeframe and key names are reported with hints")
    func badValues() throws {
        let yaml = Fixture.yaml(attributes: """
              - name: x
                function: sun
                field: properties.amount
              - name: y
                function: count
                timeframe: 7days
              - name: z
                fucntion: count
        """)
        #expect(try errors(yaml) == [
            "cohort.yaml:37:19: error: unknown function 'sun' — did you mean 'sum'?",
            "cohort.yaml:41:20: error: invalid timeframe '7days' — use all_time, Nd (days) or Nh (hours), such as 30d or 24h",
            "cohort.yaml:42:15: error: attribute 'z' has no 'column', 'function' or 'expression' — a known attribute names a column, an aggregate a function, a computed attribute an expression",
            "cohort.yaml:43:9: error: unknown key 'fucntion' in an attribute — did you mean 'function'?",
        ])
    }

    @Test("a missing file and a malformed CSV row are reported with their positions")
    func files() throws {
        let ws = try TestWorkspace(yaml: Fixture.yaml(), files: [
            "tables/customer_360.csv": Fixture.customers + "\nAMP-4,\"broken,x,y,z,1",
            "events/web.ndjson": Fixture.web,
        ])
        #expect(ws.load().errors.map(\.description) == [
            "cohort.yaml:6:11: error: table 'unified_transactions': file 'tables/unified_transactions.csv' not found",
            "tables/customer_360.csv:5:7: error: unterminated quoted field",
        ])
    }

    @Test("every error is reported, not only the first")
    func allErrors() throws {
        let yaml = Fixture.yaml()
            .replacingOccurrences(of: "column: email", with: "column: emial")
            .replacingOccurrences(of: "timeframe: 7d", with: "timeframe: 7w")
            .replacingOccurrences(of: "- stream: web", with: "- stream: wbe")
        #expect(try errors(yaml).count == 3)
    }

    @Test("conditions must be boolean; table windows need a timestamp; event fields are checked")
    func semantic() throws {
        let yaml = Fixture.yaml(attributes: """
              - name: per_table
                function: count
                table: customer_360
                match: { row: amperity_id, profile: amperity_id }
                timeframe: 30d
              - name: bad_field
                function: max
                field: amount
                events: [purchase]
              - name: clocked
                function: count
                where: "timestamp > current_timestamp()"
        """, segments: """
              - name: not_boolean
                condition: "purchases_7d + 1"
        """)
        #expect(try errors(yaml) == [
            "cohort.yaml:40:20: error: timeframe '30d' needs a timestamp on table 'customer_360' — add 'timestamp: COLUMN' to the table, or use all_time",
            "cohort.yaml:43:16: error: unknown event field 'amount' — name timestamp, type, event_id, an identity field or properties.NAME",
            "cohort.yaml:47:17: error: a where condition cannot read the clock (current_date() or current_timestamp()) — use a timeframe for recency, or compare dates in a computed attribute",
            "cohort.yaml:52:21: error: condition must be boolean, but is bigint — compare it, as in '… > 0'",
        ])
    }

    @Test("duplicate keys in a mapping are reported")
    func duplicateKeys() throws {
        let yaml = Fixture.yaml().replacingOccurrences(of: "streams:\n  web:\n    file: events/web.ndjson\n",
                                                        with: "streams:\n  web:\n    file: events/web.ndjson\n  web:\n    file: events/web.ndjson\n")
        let lines = try errors(yaml)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("duplicate key 'web'") == true)
    }
}

