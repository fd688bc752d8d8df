import Foundation
import Testing
@testable import CohortEngine

/// The demo workspace's cohort.yaml, read from the repository.
private let demoYAML: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return (try? String(contentsOf: root.appendingPathComponent("demo-data/cohort.yaml"), encoding: .utf8)) ?? ""
}()

/// The lines a diff removes and adds.
private func changes(_ old: String, _ new: String) -> (removed: [String], added: [String]) {
    var removed: [String] = [], added: [String] = []
    for line in DefinitionsEditor.unifiedDiff(old: old, new: new).split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("-") { removed.append(String(line.dropFirst())) }
        if line.hasPrefix("+") { added.append(String(line.dropFirst())) }
    }
    return (removed, added)
}

private func parse(_ text: String) -> Definitions {
    let (defs, diagnostics) = DefinitionsParser.parse(source: text)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
    return defs
}

private func segment(_ name: String, _ condition: String, description: String? = nil) -> [YAMLEntryPair] {
    var item = [YAMLEntryPair("name", .string(name))]
    if let description { item.append(YAMLEntryPair("description", .string(description))) }
    item.append(YAMLEntryPair("condition", .string(condition)))
    return item
}

private let small = """
# Small workspace.
tables:
  t:
    file: tables/t.csv
    key: id
streams:
  web: { file: events/web.ndjson }
collections:
  c:
    table: t                # profiles
    key: id
    streams:
      - stream: web
        match: { event: customer_id, profile: id }   # identity join
    attributes:
      # The email column.
      - name: email
        column: email
      - name: spend         # total spend
        function: sum
        field: properties.amount
        events: [purchase]
    segments:
      # Big spenders.
      - name: big
        condition: "spend > 100"
      # Everyone with an email.
      - name: reachable
        condition: "email IS NOT NULL"

"""

@Suite struct DefinitionsEditorTests {
    @Test func addSegmentToDemoOnlyAddsLines() throws {
        #expect(!demoYAML.isEmpty)
        var editor = try DefinitionsEditor(text: demoYAML)
        try editor.upsert(.segment, collection: "customers",
                          item: segment("big_spenders", "lifetime_spend > 1000 AND is_vip", description: "Spent: over $1000"),
                          replacing: nil)
        let (removed, added) = changes(demoYAML, editor.text)
        #expect(removed.isEmpty)
        #expect(added == [
            "      - name: big_spenders",
            "        description: \"Spent: over $1000\"",
            "        condition: \"lifetime_spend > 1000 AND is_vip\"",
        ])
        #expect(editor.text.contains("        condition: \"store_visits_30d >= 2\"\n      - name: big_spenders\n"))
        let customers = parse(editor.text).collections.first { $0.name.value == "customers" }
        let added1 = customers?.segments.last
        #expect(added1?.name.value == "big_spenders")
        #expect(added1?.description == "Spent: over $1000")
        #expect(added1?.condition.value == "lifetime_spend > 1000 AND is_vip")
    }

    @Test func replaceSegmentConditionChangesOneLine() throws {
        var editor = try DefinitionsEditor(text: demoYAML)
        try editor.upsert(.segment, collection: "customers",
                          item: segment("recent_browsers", "page_views_24h > 2", description: "Viewed a page in the last 24 hours"),
                          replacing: "recent_browsers")
        let (removed, added) = changes(demoYAML, editor.text)
        #expect(removed == ["        condition: \"page_views_24h > 0\""])
        #expect(added == ["        condition: \"page_views_24h > 2\""])
    }

    @Test func replaceRenamesAndKeepsTrailingComment() throws {
        var editor = try DefinitionsEditor(text: small)
        try editor.upsert(.attribute, collection: "c", item: [
            YAMLEntryPair("name", .string("spend_all")), YAMLEntryPair("function", .string("sum")),
            YAMLEntryPair("field", .string("properties.amount")), YAMLEntryPair("events", .list([.string("purchase")])),
        ], replacing: "spend")
        let (removed, added) = changes(small, editor.text)
        #expect(removed == ["      - name: spend         # total spend"])
        #expect(added == ["      - name: spend_all     # total spend"])
    }

    @Test func removeSegmentTakesItsComment() throws {
        var editor = try DefinitionsEditor(text: small)
        try editor.remove(.segment, collection: "c", name: "big")
        #expect(editor.text == small.replacingOccurrences(of: "      # Big spenders.\n      - name: big\n        condition: \"spend > 100\"\n", with: ""))
        try editor.remove(.segment, collection: "c", name: "reachable")
        #expect(editor.text.hasSuffix("        events: [purchase]\n    segments:\n"))
        _ = parse(editor.text)
    }

    @Test func removeKeepsSectionHeadingAndNextComment() throws {
        var editor = try DefinitionsEditor(text: demoYAML)
        try editor.remove(.attribute, collection: "customers", name: "email")
        let (removed, added) = changes(demoYAML, editor.text)
        #expect(added.isEmpty)
        #expect(removed == ["      # Email address on the customer row.", "      - name: email", "        column: email", "        pii: true"])
        #expect(editor.text.contains("      # --- Known attributes: columns of customer_360 ---\n      # Mobile number"))
    }

    @Test func addSegmentWhereThereIsNoSegmentsKey() throws {
        let yaml = """
        collections:
          c:
            table: t
            key: id
            attributes:
              - name: a
                column: a
          d:
            table: t
            key: id

        """
        var editor = try DefinitionsEditor(text: yaml)
        try editor.upsert(.segment, collection: "c", item: segment("s", "a > 1"), replacing: nil)
        try editor.upsert(.segment, collection: "d", item: segment("s", "true"), replacing: nil)
        try editor.upsert(.attribute, collection: "d", item: [YAMLEntryPair("name", .string("b")), YAMLEntryPair("column", .string("b"))], replacing: nil)
        #expect(editor.text == """
        collections:
          c:
            table: t
            key: id
            attributes:
              - name: a
                column: a
            segments:
              - name: s
                condition: "a > 1"
          d:
            table: t
            key: id
            attributes:
              - name: b
                column: b
            segments:
              - name: s
                condition: "true"

        """)
    }

    @Test func duplicateNamesAreRefused() throws {
        var editor = try DefinitionsEditor(text: small)
        #expect(throws: DefinitionsEditorError.self) {
            try editor.upsert(.segment, collection: "c", item: segment("big", "true"), replacing: nil)
        }
        #expect(throws: DefinitionsEditorError.self) {
            try editor.upsert(.segment, collection: "c", item: segment("reachable", "true"), replacing: "big")
        }
        #expect(throws: DefinitionsEditorError.self) {
            try editor.rename(.attribute, collection: "c", from: "email", to: "spend")
        }
        #expect(throws: DefinitionsEditorError.self) {
            try editor.upsert(.segment, collection: "nope", item: segment("x", "true"), replacing: nil)
        }
        #expect(editor.text == small)
    }

    @Test func addAttributesOfEachKind() throws {
        var editor = try DefinitionsEditor(text: small)
        try editor.upsert(.attribute, collection: "c", item: [
            YAMLEntryPair("name", .string("phone")), YAMLEntryPair("column", .string("phone")), YAMLEntryPair("pii", .bool(true)),
        ], replacing: nil)
        try editor.upsert(.attribute, collection: "c", item: [
            YAMLEntryPair("name", .string("web_orders_7d")), YAMLEntryPair("function", .string("count")),
            YAMLEntryPair("events", .list([.string("purchase"), .string("add_to_cart")])),
            YAMLEntryPair("where", .string("properties.channel = 'web'")), YAMLEntryPair("timeframe", .string("7d")),
        ], replacing: nil)
        try editor.upsert(.attribute, collection: "c", item: [
            YAMLEntryPair("name", .string("lifetime")), YAMLEntryPair("function", .string("sum")), YAMLEntryPair("field", .string("amount")),
            YAMLEntryPair("table", .string("t")), YAMLEntryPair("match", .map([YAMLEntryPair("row", .string("id")), YAMLEntryPair("profile", .string("id"))])),
            YAMLEntryPair("timeframe", .string("all_time")),
        ], replacing: nil)
        try editor.upsert(.attribute, collection: "c", item: [
            YAMLEntryPair("name", .string("vip")), YAMLEntryPair("expression", .string("spend > 100")),
        ], replacing: nil)
        let (removed, added) = changes(small, editor.text)
        #expect(removed.isEmpty)
        #expect(added == [
            "      - name: phone",
            "        column: phone",
            "        pii: true",
            "      - name: web_orders_7d",
            "        function: count",
            "        events: [purchase, add_to_cart]",
            "        where: \"properties.channel = 'web'\"",
            "        timeframe: 7d",
            "      - name: lifetime",
            "        function: sum",
            "        field: amount",
            "        table: t",
            "        match: { row: id, profile: id }",
            "        timeframe: all_time",
            "      - name: vip",
            "        expression: \"spend > 100\"",
        ])
        let attrs = parse(editor.text).collections[0].attributes
        #expect(attrs.map(\.name.value) == ["email", "spend", "phone", "web_orders_7d", "lifetime", "vip"])
        guard case .known = attrs[2].kind, attrs[2].pii else { Issue.record("phone"); return }
        guard case .eventAggregate(let ev) = attrs[3].kind else { Issue.record("web_orders_7d"); return }
        #expect(ev.events.map(\.value) == ["purchase", "add_to_cart"])
        #expect(ev.condition?.value == "properties.channel = 'web'")
        #expect(ev.timeframe.value == Timeframe.parse("7d"))
        guard case .tableAggregate(let ta) = attrs[4].kind else { Issue.record("lifetime"); return }
        #expect(ta.rowColumn.value == "id")
        guard case .computed(let expr) = attrs[5].kind else { Issue.record("vip"); return }
        #expect(expr.value == "spend > 100")
    }

    @Test func renameRewritesReferences() throws {
        let yaml = """
        tables:
          t: { file: t.csv }
        collections:
          c:
            table: t
            key: id
            attributes:
              - name: old_name      # the base value
                column: x
              - name: uses_it
                expression: "coalesce(old_name, 0) + 1"
              - name: label
                expression: "concat('old_name', other.old_name, old_name(1))"
              - name: other
                column: y
            segments:
              - name: seg
                condition: "old_name > 2 AND `old_name` < 9 AND name = 'old_name'"

        """
        var editor = try DefinitionsEditor(text: yaml)
        let before = parse(yaml).collections[0]
        #expect(definitionDependents(of: "old_name", in: before).map(\.name) == ["uses_it", "seg"])
        let rewritten = try editor.rename(.attribute, collection: "c", from: "old_name", to: "new_name")
        #expect(rewritten == ["attribute uses_it", "segment seg"])
        let (removed, added) = changes(yaml, editor.text)
        #expect(removed.count == 3)
        #expect(added == [
            "      - name: new_name      # the base value",
            "        expression: \"coalesce(new_name, 0) + 1\"",
            "        condition: \"new_name > 2 AND `new_name` < 9 AND name = 'old_name'\"",
        ])
        let after = parse(editor.text).collections[0]
        #expect(definitionDependents(of: "new_name", in: after).map(\.name) == ["uses_it", "seg"])
    }

    @Test func renameSegmentFollowsDestinations() throws {
        let yaml = """
        collections:
          c:
            table: t
            key: id
            segments:
              - name: a
                condition: "true"
        destinations:
          - name: crm
            url: http://localhost:9/x
            segments: [a, b]

        """
        var editor = try DefinitionsEditor(text: yaml)
        #expect(try editor.rename(.segment, collection: "c", from: "a", to: "z") == ["destination crm"])
        #expect(editor.text == yaml.replacingOccurrences(of: "name: a\n", with: "name: z\n").replacingOccurrences(of: "[a, b]", with: "[z, b]"))
    }

    @Test func valuesNeedingQuotesRoundTrip() throws {
        let values = ["a: b", "a #b", "say \"hi\"", "back\\slash", " leading", "trailing ", "true", "123", "1.5", "null", "~", "",
                      "- dash", "#hash", "{x}", "a,b", "yes", "2026-01-01", "it's", "tab\there", "line\nbreak", "plain words"]
        for v in values {
            // Through Yams as the parser reads them: a description (block) and an event type (flow list).
            var editor = try DefinitionsEditor(text: small)
            try editor.upsert(.segment, collection: "c", item: segment("s", "true", description: v), replacing: nil)
            try editor.upsert(.attribute, collection: "c", item: [
                YAMLEntryPair("name", .string("n")), YAMLEntryPair("function", .string("count")),
                YAMLEntryPair("events", .list([.string(v), .string("x")])),
            ], replacing: nil)
            let c = parse(editor.text).collections[0]
            #expect(c.segments.last?.description == v, "\(v) → \(DefinitionsYAMLWriter.scalar(v, flow: false))")
            guard case .eventAggregate(let ev)? = c.attributes.last?.kind else { Issue.record("events"); continue }
            #expect(ev.events.map(\.value) == [v, "x"], "\(v) → \(DefinitionsYAMLWriter.scalar(v, flow: true))")
        }
        for v in ["true", "123", "1.5", "null", "~", "", "yes", "2026-01-01", " leading", "a: b", "a #b", "-x", "#x"] {
            #expect(DefinitionsYAMLWriter.scalar(v, flow: false).hasPrefix("\""), "\(v) is quoted")
        }
        #expect(DefinitionsYAMLWriter.scalar("plain words", flow: false) == "plain words")
        var editor = try DefinitionsEditor(text: small)
        let condition = #"name = "a\"b" OR path = 'c:\\d' # not a comment"#
        try editor.upsert(.segment, collection: "c", item: segment("quoted", condition, description: "true"), replacing: nil)
        let seg = parse(editor.text).collections[0].segments.last
        #expect(seg?.condition.value == condition)
        #expect(seg?.description == "true")
        #expect(editor.text.contains(#"        condition: "name = \"a\\\"b\" OR path = 'c:\\\\d' # not a comment""#))
    }

    @Test func flowStyleMatchSurvives() throws {
        var editor = try DefinitionsEditor(text: small)
        try editor.upsert(.segment, collection: "c", item: segment("s", "spend > 1"), replacing: nil)
        try editor.setStreams(collection: "c", streams: .list([
            .map([YAMLEntryPair("stream", .string("web")),
                  YAMLEntryPair("match", .list([.map([YAMLEntryPair("event", .string("customer_id")), YAMLEntryPair("profile", .string("id"))])]))]),
            .map([YAMLEntryPair("stream", .string("email")),
                  YAMLEntryPair("match", .list([.map([YAMLEntryPair("event", .string("email")), YAMLEntryPair("profile", .string("email"))]),
                                                .map([YAMLEntryPair("event", .string("phone")), YAMLEntryPair("profile", .string("phone"))])]))]),
        ]))
        let (removed, added) = changes(small, editor.text)
        #expect(removed.isEmpty)
        #expect(editor.text.contains("      - stream: web\n        match: { event: customer_id, profile: id }   # identity join\n      - stream: email\n"))
        #expect(added == [
            "      - stream: email",
            "        match:",
            "          - { event: email, profile: email }",
            "          - { event: phone, profile: phone }",
            "      - name: s",
            "        condition: \"spend > 1\"",
        ])
        // Dropping a link removes just its lines.
        try editor.setStreams(collection: "c", streams: .list([
            .map([YAMLEntryPair("stream", .string("web")),
                  YAMLEntryPair("match", .map([YAMLEntryPair("event", .string("customer_id")), YAMLEntryPair("profile", .string("id"))]))]),
        ]))
        #expect(changes(small, editor.text).added == ["      - name: s", "        condition: \"spend > 1\""])
    }

    @Test func upsertCollectionAddsAndReplaces() throws {
        var editor = try DefinitionsEditor(text: demoYAML)
        try editor.upsertCollection(name: "households", body: [
            YAMLEntryPair("table", .string("customer_360")), YAMLEntryPair("key", .string("household_id")),
            YAMLEntryPair("attributes", .list([.map([YAMLEntryPair("name", .string("size")), YAMLEntryPair("column", .string("size"))])])),
        ], replacing: nil)
        let (removed, added) = changes(demoYAML, editor.text)
        #expect(removed.isEmpty)
        #expect(added == ["", "  households:", "    table: customer_360", "    key: household_id", "    attributes:",
                          "      - name: size", "        column: size"])
        #expect(parse(editor.text).collections.map(\.name.value) == ["customers", "stores", "households"])

        var e2 = try DefinitionsEditor(text: demoYAML)
        try e2.upsertCollection(name: "shops", body: [
            YAMLEntryPair("table", .string("stores")), YAMLEntryPair("key", .string("store_id")),
            YAMLEntryPair("description", .string("The fleet")),
        ], replacing: "stores")
        let c2 = changes(demoYAML, e2.text)
        #expect(c2.removed == ["  stores:"])
        #expect(c2.added == ["  shops:", "    description: The fleet"])
        #expect(parse(e2.text).collections.last?.attributes.count == parse(demoYAML).collections.last?.attributes.count)
    }

    @Test func unifiedDiffHunks() {
        let old = "a\nb\nc\nd\ne\nf\ng\n"
        let new = "a\nb\nC\nd\ne\nf\ng\nh\n"
        #expect(DefinitionsEditor.unifiedDiff(old: old, new: new, context: 1)
            == "@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -7,1 +7,2 @@\n g\n+h\n")
        #expect(DefinitionsEditor.unifiedDiff(old: old, new: old) == "")
        #expect(DefinitionsEditor.unifiedDiff(old: "", new: "x\n") == "@@ -0,0 +1,1 @@\n+x\n")
    }
}
