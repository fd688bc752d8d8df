import Foundation
import Testing
@testable import CohortEngine
@testable import CohortTUI

/// The attribute form driven by keys through the loop, on a scratch copy of demo-data (its
/// cohort.yaml copied, tables and events linked), so saving writes a real file.
@Suite(.serialized) struct AttributeFormTests {
    let size = Size(width: 120, height: 40)

    /// A harness over a scratch workspace, with `definitions` attached.
    func harness(size: Size? = nil) throws -> (ConsoleHarness, String) {
        try ConsoleHarness.scratch(size: size ?? self.size)
    }


    /// Draws frames (which pick up the background preview) until the form's preview is no
    /// longer computing; the last frame.
    @discardableResult
    func waitForPreview(_ h: ConsoleHarness, seconds: Double = 180) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var frame = h.frame()
        while Date() < deadline {
            if let f = h.console.state.attributeForm, !f.isComputing { return frame }
            Thread.sleep(forTimeInterval: 0.05)
            frame = h.frame()
        }
        Issue.record("the preview did not finish within \(seconds) s")
        return frame
    }

    /// Selects an attribute on the Attributes screen.
    func select(_ name: String, _ h: ConsoleHarness) throws {
        let a = try #require(h.console.collectionModel.attributeIndex(name))
        let index = try #require(h.console.attributeRows().firstIndex(of: a))
        h.console.state.lists[.attributes]?.selected = index
    }

    /// Profiles whose value of `expression` is filled (not null, not an empty string or list),
    /// counted the plain way over the engine's values.
    func countFilled(_ expression: String, _ live: LiveWorkspace) -> Int {
        let m = live.workspace.collections[0]
        let scope = ExpressionScope(names: Dictionary(m.attributes.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a }))
        guard case .success(let c) = ExpressionCompiler.compile(expression, scope: scope) else { return -1 }
        let state = live.engine.snapshot()[0]
        var n = 0
        for r in 0..<state.values.count {
            let row = c.inputs.map { state.values[r][m.attributeIndex($0)!] }
            switch c.evaluate(row, now: live.engine.clock!) {
            case .null: break
            case .string(let s) where s.isEmpty: break
            case .list(let l) where l.isEmpty: break
            default: n += 1
            }
        }
        return n
    }

    func normalized(_ frame: String) -> String {
        frame.replacing(#/\d+\.\d+ ms */#, with: "N ms")
    }

    @Test("n on Attributes opens the form; a computed attribute previews its fill rate at once; Ctrl-S writes cohort.yaml and the list shows it")
    func createComputed() throws {
        let (h, dir) = try harness()
        let before = h.console.collectionModel.attributes.count
        var frame = h.type("3n")
        #expect(frame.contains("New attribute (customers)"))
        #expect(h.console.state.attributeForm?.focus == .name)
        h.type("spend_per_order")
        h.press(.tab)
        h.type("Lifetime spend per order")
        h.press(.tab)                               // Kind
        h.press(.right)                             // aggregate → computed
        #expect(h.console.state.attributeForm?.kind == .computed)
        h.press(.tab)
        frame = h.type("lifetime_spend / orders_365d")
        let expected = countFilled("lifetime_spend / orders_365d", h.console.live)
        #expect(expected > 0 && expected < 2_400)
        let p = try #require(h.console.state.attributeForm?.readyPreview)
        #expect(p.filled == expected)
        #expect(p.total == 2_400)
        #expect(p.samples.count == 5)
        #expect(frame.contains("filled \(Format.grouped(expected)) of 2,400 · \(Format.percent(expected, of: 2_400))"))
        #expect(frame.contains("top values:"))
        #expect(frame.contains("sample values:"))
        #expect(frame.contains("double"))

        h.press(.ctrl("s"))
        h.finishRebuild()
        frame = h.frame()
        #expect(h.console.state.attributeForm == nil)
        #expect(frame.contains("Attributes(customers)[\(before + 1)]"))
        #expect(frame.contains("✓ attribute \"spend_per_order\" saved — filled for \(Format.grouped(expected)) of 2,400 profiles"))
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("      - name: spend_per_order\n        description: Lifetime spend per order\n        expression: \"lifetime_spend / orders_365d\"\n    segments:\n"))
        let original = try String(contentsOfFile: ConsoleHarness.packageRoot + "/demo-data/cohort.yaml", encoding: .utf8)
        #expect(yaml.components(separatedBy: "\n").count == original.components(separatedBy: "\n").count + 3)
        let reopened = Workspace.load(directory: dir)
        #expect(reopened.errors.isEmpty)
        #expect(reopened.collections[0].attributeIndex("spend_per_order") != nil)
        #expect(h.console.definitions!.history(kind: "attribute", name: "spend_per_order").first?.action == "create")
        // The list row reads from the engine.
        #expect(h.frame().contains("spend_per_order"))
        // Its detail shows its own history with the diff.
        let rows = h.console.attributeRows()
        let index = try #require(rows.firstIndex { h.console.collectionModel.attributes[$0].name == "spend_per_order" })
        h.console.state.lists[.attributes]?.selected = index
        let detail = h.press(.enter)
        #expect(detail.contains("Attribute spend_per_order"))
        #expect(detail.contains(" create"))
        #expect(detail.contains("+        expression: \"lifetime_spend / orders_365d\""))
    }

    @Test("a known attribute completes the column, previews the table's values and saves column and pii")
    func createKnown() throws {
        let (h, dir) = try harness()
        h.type("3n")
        h.type("contact_email")
        h.press(.tab, .tab, .left)                   // aggregate → known
        #expect(h.console.state.attributeForm?.kind == .known)
        h.press(.tab)
        var frame = h.type("ema")
        #expect(frame.contains("columns: email"))
        h.press(.end)                                // accepts the completion
        #expect(h.console.state.attributeForm?.column.text == "email")
        h.press(.tab)                                // PII
        frame = h.press(.char(" "))
        #expect(h.console.state.attributeForm?.pii == true)
        #expect(frame.contains("string · customer_360"))
        #expect(frame.contains("values hidden (pii)"))
        let table = h.console.collectionModel.table
        let ci = try #require(table.columnIndex("email"))
        let expected = table.rows.filter { !$0[ci].isNull }.count
        #expect(h.console.state.attributeForm?.readyPreview?.filled == expected)
        #expect(frame.contains("filled \(Format.grouped(expected)) of 2,400"))
        h.press(.enter, .enter)                      // Enter moves on, then presses Save
        h.finishRebuild()
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("      - name: contact_email\n        column: email\n        pii: true\n"))
        #expect(Workspace.load(directory: dir).errors.isEmpty)
    }

    @Test("an event aggregate is previewed in the background; after saving, its values equal a replay from scratch")
    func createEventAggregate() throws {
        let (h, dir) = try harness()
        h.type("3n")
        h.type("purchase_count_30d")
        h.press(.tab, .tab)                          // Kind: aggregate (the default)
        #expect(h.console.state.attributeForm?.kind == .aggregate)
        h.press(.tab)                                // Source: events
        #expect(h.console.state.attributeForm?.sourceName == "events")
        h.press(.tab)                                // Function: count
        #expect(h.console.state.attributeForm?.function == .count)
        h.press(.tab)                                // Event types
        #expect(h.console.state.attributeForm?.focus == .events)
        let types = h.console.state.attributeForm!.eventTypes
        #expect(types.contains("purchase") && types.contains("store_visit") && types.contains("open"))
        for _ in 0..<types.count where types[h.console.state.attributeForm!.typeCursor] != "purchase" { h.type("p") }
        #expect(types[h.console.state.attributeForm!.typeCursor] == "purchase")
        h.press(.char(" "))
        #expect(h.console.state.attributeForm?.chosenTypes == ["purchase"])
        h.press(.tab)                                // count takes no field: Where
        #expect(h.console.state.attributeForm?.focus == .condition)
        h.press(.tab)                                // Timeframe
        h.press(.ctrl("u"))
        h.type("30d")
        #expect(h.console.state.attributeForm?.visibleProblem(.timeframe) == nil)
        // The preview runs off the main thread: the frame says so until it is done.
        var frame = h.frame()
        let started = frame.contains("computing preview…") || h.console.state.attributeForm?.readyPreview != nil
        #expect(started)
        frame = waitForPreview(h)
        let p = try #require(h.console.state.attributeForm?.readyPreview)
        #expect(frame.contains("filled \(Format.grouped(p.filled)) of 2,400"))
        #expect(frame.contains("took "))
        // The same definition as demo-data's purchases_30d: the same values now.
        let existing = h.console.collectionModel.attributeIndex("purchases_30d")!
        var counts: [String: Int] = [:]
        for r in 0..<2_400 { counts[Format.value(h.console.live.engine.value(collection: 0, row: r, attribute: existing)), default: 0] += 1 }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        #expect(p.top.first?.value == top.first?.key)
        #expect(p.top.first?.count == top.first?.value)
        #expect(p.filled == 2_400)
        assertSnapshot(normalized(frame), named: "attribute-form-120x40")

        h.press(.ctrl("s"))
        h.finishRebuild()
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("      - name: purchase_count_30d\n        function: count\n        events: [purchase]\n        timeframe: 30d\n"))
        let live = h.console.live
        let clock = try #require(live.engine.clock)
        let ws = Workspace.load(directory: dir)
        #expect(ws.errors.isEmpty)
        let fresh = Replay(workspace: ws, until: clock).run()
        let a = try #require(live.workspace.collections[0].attributeIndex("purchase_count_30d"))
        let b = try #require(ws.collections[0].attributeIndex("purchase_count_30d"))
        var differ = 0
        var nonZero = 0
        for r in 0..<live.engine.profileCount(collection: 0) {
            let v = live.engine.value(collection: 0, row: r, attribute: a)
            if v != fresh.collections[0].values[r][b] { differ += 1 }
            if v != .int(0) { nonZero += 1 }
        }
        #expect(differ == 0)
        #expect(nonZero > 0)
    }

    @Test("a table aggregate offers the related tables, matches on the key and previews its values")
    func tableAggregate() throws {
        let (h, _) = try harness()
        h.type("3n")
        h.type("web_order_total")
        h.press(.tab, .tab, .tab)                    // Source
        h.press(.right)
        var form = try #require(h.console.state.attributeForm)
        #expect(form.sourceName == "unified_transactions")
        #expect(form.matchRow.text == "amperity_id" && form.matchProfile.text == "amperity_id")
        #expect(form.focusOrder == [.name, .description, .kind, .source, .matchRow, .matchProfile, .function, .condition, .timeframe, .pii, .save, .cancel])
        h.press(.tab, .tab, .tab)                    // Function
        h.press(.right, .right, .right)              // count → count_distinct → distinct → sum
        #expect(h.console.state.attributeForm?.function == .sum)
        h.press(.tab)                                // Field: columns of the table
        h.type("amo")
        h.press(.end)                                // accepts the completion
        #expect(h.console.state.attributeForm?.field.text == "amount")
        h.press(.tab)
        h.type("channel = 'web'")
        form = try #require(h.console.state.attributeForm)
        #expect(form.problems.isEmpty)
        let frame = waitForPreview(h)
        let p = try #require(h.console.state.attributeForm?.readyPreview)
        #expect(p.filled > 0 && p.filled < 2_400)
        #expect(frame.contains("filled \(Format.grouped(p.filled)) of 2,400"))
        #expect(h.console.state.attributeForm?.draftItem(name: "x").map(\.key) == ["name", "function", "field", "table", "match", "where", "timeframe"])
    }

    @Test("an invalid expression or where shows its position and a did-you-mean, and cannot be saved")
    func invalidExpression() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        h.type("3n")
        h.type("oops")
        h.press(.tab, .tab, .right, .tab)            // computed, Expression
        var frame = h.type("lifetme_spend > 5")
        #expect(frame.contains("1:1: error: unknown attribute 'lifetme_spend'"))
        #expect(h.console.state.attributeForm?.visibleProblem(.expression)?.text == "1:1: error: unknown attribute 'lifetme_spend' — did you mean 'lifetime_spend'?")
        for _ in 0..<17 { h.press(.backspace) }
        frame = h.type("lifetime_spend >")
        #expect(frame.contains("1:17: error:"))
        let lines = frame.components(separatedBy: "\n")
        let errorLine = try #require(lines.firstIndex { $0.contains("1:17: error:") })
        let fieldLine = lines[errorLine - 2]
        let fieldStart = try #require(fieldLine.range(of: "lifetime_spend >"))
        let caret = Array(lines[errorLine - 1]).firstIndex(of: "^")
        #expect(caret == fieldLine.distance(from: fieldLine.startIndex, to: fieldStart.lowerBound) + 16)
        #expect(frame.contains("fix the expression to see its values"))
        frame = h.press(.ctrl("s"))
        #expect(frame.contains("cannot save: 1:17: error:"))
        #expect(h.console.state.attributeForm?.focus == .expression)

        // A where condition is checked against event fields.
        h.press(.backTab, .right)                    // Kind: computed → known
        h.press(.right)                              // → aggregate
        #expect(h.console.state.attributeForm?.kind == .aggregate)
        while h.console.state.attributeForm?.focus != .condition { h.press(.tab) }
        frame = h.type("properties.amount >")
        #expect(frame.contains("1:20: error:"))
        for _ in 0..<19 { h.press(.backspace) }
        frame = h.type("current_date() > DATE '2026-01-01'")
        #expect(frame.contains("cannot read the clock"))
        h.press(.ctrl("u"))
        h.press(.tab, .ctrl("u"))
        h.type("30x")
        frame = h.press(.backTab)                    // checked on leaving the field
        #expect(frame.contains("invalid timeframe '30x'"))
        h.press(.ctrl("s"))
        #expect(h.console.state.attributeForm != nil)
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)
    }

    @Test("a name used by an attribute or a segment is refused as you type and on save")
    func duplicateName() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        h.type("3n")
        var frame = h.type("email")
        #expect(frame.contains("'email' is already used in this collection"))
        h.press(.ctrl("u"))
        frame = h.type("gold_tier")
        #expect(frame.contains("'gold_tier' is already used in this collection"))
        h.press(.tab, .tab, .right, .tab)
        h.type("coalesce(lifetime_spend, 0)")
        frame = h.press(.ctrl("s"))
        #expect(frame.contains("cannot save: 'gold_tier' is already used"))
        #expect(h.console.state.attributeForm?.focus == .name)
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)
        // Esc on a changed form asks first.
        frame = h.press(.escape)
        #expect(frame.contains("Discard changes?"))
        h.type("y")
        #expect(h.console.state.attributeForm == nil)
    }

    @Test("e opens the saved definition; renaming rewrites the segments and attributes that read it")
    func renameRewritesDependents() throws {
        let (h, dir) = try harness()
        h.type("3")
        try select("store_visits_30d", h)
        var frame = h.type("e")
        #expect(frame.contains("Edit attribute store_visits_30d (customers)"))
        let form = try #require(h.console.state.attributeForm)
        #expect(form.kind == .aggregate && form.function == .count && form.chosenTypes == ["store_visit"] && form.timeframe.text == "30d")
        #expect(!form.isDirty)
        frame = waitForPreview(h)
        #expect(h.console.state.attributeForm?.readyPreview != nil)
        h.press(.ctrl("u"))
        h.type("store_visits_last_30d")
        h.press(.ctrl("s"))
        h.finishRebuild()
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("      - name: store_visits_last_30d\n        function: count\n        events: [store_visit]\n        timeframe: 30d\n"))
        #expect(yaml.contains("condition: \"store_visits_last_30d >= 2\""))
        #expect(yaml.contains("purchases_30d * 10 + store_visits_last_30d * 4"))
        #expect(!yaml.contains("store_visits_30d"))
        let reopened = Workspace.load(directory: dir)
        #expect(reopened.errors.isEmpty)
        let history = h.console.definitions!.history(kind: "attribute", name: "store_visits_last_30d")
        #expect(history.first?.action == "rename" && history.first?.oldName == "store_visits_30d")
        // Members of the segment are unchanged.
        let s = h.console.live.workspace.collections[0].segments.firstIndex { $0.name == "store_regulars" }!
        #expect(h.console.live.collections[0].size[s] == ConsoleHarness(size: size, workspace: Workspace.load(directory: dir)).live.collections[0].size[s])
    }

    @Test("D lists what reads the attribute and refuses to delete it; an unread one is deleted with y")
    func deleteAttribute() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        h.type("3")
        try select("store_visits_30d", h)
        var frame = h.type("D")
        #expect(frame.contains("Delete attribute 'store_visits_30d' from cohort.yaml?"))
        let message = try #require(h.console.state.attributeForm?.deletion?.dialog.message)
        #expect(message.contains("It is read by attribute engagement_score, segment store_regulars."))
        #expect(message.contains("Deleting is refused"))
        #expect(frame.contains("attribute engagement_score,"))
        frame = h.press(.enter)                      // focus on Cancel
        #expect(h.console.state.attributeForm == nil)
        h.type("D")
        h.type("D")                                  // D again does not confirm
        #expect(h.console.state.attributeForm?.deletion != nil)
        frame = h.type("y")
        #expect(frame.contains("nothing was deleted"))
        #expect(h.console.rebuildProgress == nil)
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)

        let m = h.console.collectionModel
        let count = m.attributes.count
        let unread = try #require(m.attributes.map(\.name).first { definitionDependents(of: $0, in: m.definition).isEmpty })
        try select(unread, h)
        h.type("D")
        #expect(h.console.state.attributeForm?.deletion?.dialog.message.hasSuffix("Nothing reads it.") == true)
        h.type("y")
        h.finishRebuild()
        frame = h.frame()
        #expect(frame.contains("Attributes(customers)[\(count - 1)]"))
        #expect(frame.contains("✓ attribute \"\(unread)\" deleted"))
        #expect(!(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)).contains("- name: \(unread)\n"))
    }

    @Test("the form fits 80×24: fields, errors, preview below, buttons")
    func narrowForm() throws {
        let (h, _) = try harness(size: Size(width: 80, height: 24))
        h.type("3n")
        h.type("spend_per_order")
        h.press(.tab, .tab, .right, .tab)
        var frame = h.type("round(lifetime_spend / orders_365d, 2)")
        #expect(frame.contains("New attribute (customers)"))
        #expect(frame.contains("[ Save ]"))
        #expect(frame.contains("Preview: filled "))
        assertSnapshot(normalized(frame), named: "attribute-form-80x24")

        // An event aggregate with every field shown still fits, preview included.
        h.press(.backTab, .left)                     // computed → aggregate
        h.press(.tab, .tab, .right)                  // Function: count → count_distinct
        h.press(.tab)                                // Event types
        h.press(.tab)                                // Field
        h.type("properties.categ")
        h.press(.end)
        #expect(h.console.state.attributeForm?.field.text == "properties.category")
        frame = waitForPreview(h)
        #expect(frame.contains("[ Save ]"))
        #expect(frame.contains("Timeframe"))
        #expect(frame.contains("Preview: filled "))
        assertSnapshot(normalized(frame), named: "attribute-form-aggregate-80x24")

        // At the smallest size the console runs at, the form still draws its buttons.
        h.press(.backTab)                            // Event types: the check boxes
        h.terminal.resize(to: Size(width: 60, height: 15))
        h.loop.handle(h.terminal.nextEvent(timeoutMillis: 0)!)
        frame = h.frame()
        #expect(frame.contains("[ Save ]"))
        #expect(frame.contains("[ ] add_to_cart"))
        for w in [100, 119, 120, 200] {
            h.terminal.resize(to: Size(width: w, height: 30))
            h.loop.handle(h.terminal.nextEvent(timeoutMillis: 0)!)
            #expect(h.frame().contains("Preview"))
        }
    }
}
