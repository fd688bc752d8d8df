import Foundation
import Testing
@testable import CohortEngine
@testable import CohortTUI

/// The segment form driven by keys through the loop, on a scratch copy of demo-data (its
/// cohort.yaml copied, tables and events linked), so saving writes a real file.
@Suite(.serialized) struct SegmentFormTests {
    let size = Size(width: 120, height: 40)

    /// A harness over a scratch workspace, with `definitions` attached.
    func harness(size: Size? = nil) throws -> (ConsoleHarness, String) {
        try ConsoleHarness.scratch(size: size ?? self.size)
    }


    /// Members counted the plain way: the condition evaluated on every profile's values.
    func countMatching(_ condition: String, _ live: LiveWorkspace) -> Int {
        let m = live.workspace.collections[0]
        let scope = ExpressionScope(names: Dictionary(m.attributes.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a }))
        guard case .success(let c) = ExpressionCompiler.compile(condition, scope: scope) else { return -1 }
        let state = live.engine.snapshot()[0]
        var n = 0
        for r in 0..<state.values.count {
            let row = c.inputs.map { state.values[r][m.attributeIndex($0)!] }
            if c.holds(row, now: live.engine.clock!) { n += 1 }
        }
        return n
    }

    @Test("n opens the form on Name; typing a condition shows the live count; Ctrl-S saves to cohort.yaml and the Segments list")
    func createSegment() throws {
        let (h, dir) = try harness()
        var frame = h.type("4n")
        #expect(frame.contains("New segment (customers)"))
        #expect(h.console.state.segmentForm?.focus == .name)
        h.type("big_spenders")
        h.press(.tab)
        h.type("Customers who spent over 500")
        h.press(.tab)
        frame = h.type("lifetime_spend > 500")
        let expected = countMatching("lifetime_spend > 500", h.console.live)
        #expect(expected > 0 && expected < 2_400)
        #expect(frame.contains("\(Format.grouped(expected)) of 2,400 · "), "preview count")
        #expect(frame.contains("· new"))
        #expect(frame.contains("sample members:"))
        assertSnapshot(frame.replacing(#/[0-9.]+ ms · at clock [^│]*/#, with: "N ms"), named: "segment-form-120x40")

        frame = h.press(.ctrl("s"))
        h.finishRebuild()
        frame = h.frame()
        #expect(h.console.state.segmentForm == nil)
        #expect(frame.contains("Segments(customers)[10]"))
        #expect(frame.contains("big_spenders"))
        #expect(frame.contains("segment \"big_spenders\" saved — \(Format.grouped(expected)) of 2,400 profiles match"))

        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("      - name: big_spenders\n        description: Customers who spent over 500\n        condition: \"lifetime_spend > 500\"\n"))
        // The rest of the file is untouched: every original line is still there, in order.
        let original = try String(contentsOfFile: ConsoleHarness.packageRoot + "/demo-data/cohort.yaml", encoding: .utf8)
        let newLines = yaml.components(separatedBy: "\n"), oldLines = original.components(separatedBy: "\n")
        #expect(newLines.count == oldLines.count + 3)
        var k = 0
        for line in newLines where k < oldLines.count && line == oldLines[k] { k += 1 }
        #expect(k == oldLines.count, "every original line is kept, in order")
        let reopened = Workspace.load(directory: dir)
        #expect(reopened.errors.isEmpty)
        #expect(reopened.collections[0].segments.contains { $0.name == "big_spenders" })

        // Members now come from the engine, and equal the plain count.
        let s = h.console.live.workspace.collections[0].segments.firstIndex { $0.name == "big_spenders" }!
        #expect(h.console.live.collections[0].size[s] == expected)
        // The history has it, with the diff.
        let history = h.console.definitions!.history()
        #expect(history.first?.action == "create")
        #expect(history.first?.diff.contains("+      - name: big_spenders") == true)
        frame = h.type(":history")
        frame = h.press(.enter)
        #expect(frame.contains("History[1]"))
        #expect(frame.contains("+        condition: \"lifetime_spend > 500\""))
    }

    @Test("an invalid condition shows its position and a did-you-mean, and cannot be saved")
    func invalidCondition() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        h.type("4n")
        h.type("oops")
        h.press(.tab, .tab)
        var frame = h.type("lifetme_spend > 5")
        #expect(frame.contains("1:1: error: unknown attribute 'lifetme_spend' — did you mean"))
        #expect(frame.contains("'lifetime_spend'?"))
        for _ in 0..<17 { h.press(.backspace) }
        frame = h.type("lifetime_spend >")
        #expect(frame.contains("1:17: error:"))
        let lines = frame.components(separatedBy: "\n")
        let caretLine = try #require(lines.firstIndex { $0.contains("1:17: error:") })
        let fieldLine = lines[caretLine - 2]
        let caretColumn = Array(lines[caretLine - 1]).firstIndex(of: "^")
        let fieldStart = try #require(fieldLine.range(of: "lifetime_spend >"))
        #expect(caretColumn == fieldLine.distance(from: fieldLine.startIndex, to: fieldStart.lowerBound) + 16)
        frame = h.press(.ctrl("s"))
        #expect(frame.contains("cannot save: 1:17: error:"))
        #expect(h.console.state.segmentForm != nil)
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)
    }

    @Test("a duplicate name is refused as you type and on save")
    func duplicateName() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        h.type("4n")
        var frame = h.type("gold_tier")
        #expect(frame.contains("'gold_tier' is already used in this collection"))
        h.press(.tab, .tab)
        h.type("points_earned_90d > 0")
        frame = h.press(.ctrl("s"))
        #expect(frame.contains("cannot save: 'gold_tier' is already used"))
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)
    }

    @Test("Ctrl-T switches code to rows and back, keeping the meaning; rows build the condition")
    func visualMode() throws {
        let (h, _) = try harness()
        h.type("4n")
        h.type("x")
        h.press(.tab, .tab)
        h.type("current_tier IN ('gold', 'platinum') AND points_earned_90d >= 100 OR store_visits_30d > 2")
        let codeCount = h.console.state.segmentForm!.preview!.matches
        var frame = h.press(.ctrl("t"))
        let form = try #require(h.console.state.segmentForm)
        #expect(form.mode == .visual)
        #expect(form.rows.map(\.op) == [.inList, .atLeast, .moreThan])
        #expect(form.rows.map(\.joiner) == [.and, .and, .or])
        #expect(frame.contains("‹in›"))
        #expect(form.preview!.matches == codeCount)
        // Back to code: the same condition.
        frame = h.press(.ctrl("t"))
        #expect(h.console.state.segmentForm!.code.text == "current_tier IN ('gold', 'platinum') AND points_earned_90d >= 100 OR store_visits_30d > 2")

        // A shape rows cannot show stays in code with a note.
        for _ in 0..<100 { h.press(.backspace) }
        h.type("NOT (points_earned_90d > 1)")
        frame = h.press(.ctrl("t"))
        #expect(h.console.state.segmentForm!.mode == .code)
        #expect(frame.contains("cannot be shown as rows"))

        // Rows typed from scratch: attribute with completion, operator cycled, value quoted.
        for _ in 0..<30 { h.press(.backspace) }
        h.press(.ctrl("t"))
        h.type("current_ti")
        h.press(.right)                               // accepts the completion
        h.press(.tab)
        h.press(.left, .left)                         // more than → not equals → equals
        #expect(h.console.state.segmentForm!.rows[0].op == .equals)
        h.press(.tab)
        h.type("gold")
        #expect(h.console.state.segmentForm!.conditionText == "current_tier = 'gold'")
        #expect(h.console.state.segmentForm!.preview!.matches == countMatching("current_tier = 'gold'", h.console.live))
    }

    @Test("editing shows the change against the saved version; the backfill equals a replay from scratch")
    func editAndBackfill() throws {
        let (h, dir) = try harness()
        h.type("4")
        let s = h.console.collectionModel.segments.firstIndex { $0.name == "store_regulars" }!
        let index = h.console.segmentRows().firstIndex(of: s)!
        h.console.state.lists[.segments]?.selected = index
        var frame = h.type("e")
        #expect(frame.contains("Edit segment store_regulars (customers)"))
        let saved = h.console.live.collections[0].size[s]
        h.press(.tab, .tab, .end, .backspace)
        frame = h.type("1")
        let now = countMatching("store_visits_30d >= 1", h.console.live)
        #expect(frame.contains("\(Format.grouped(now)) of 2,400 · \(Format.percent(now, of: 2_400)) · \(Format.signed(now - saved)) vs saved"))
        h.press(.ctrl("s"))
        h.finishRebuild()
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8).contains("condition: \"store_visits_30d >= 1\""))

        // The same events replayed from scratch under the new definitions give the same state.
        let live = h.console.live
        let fresh = LiveWorkspace(workspace: Workspace.load(directory: dir))
        while fresh.driver.position < live.driver.position { fresh.driver.step() }
        let a = live.engine.snapshot(), b = fresh.engine.snapshot()
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.values == y.values)
            #expect(x.members == y.members)
        }
        // Entered profiles were recorded as activations caused by the save.
        let recent = live.collections[0].recent[s]
        #expect(live.collections[0].enters[s] - h.console.live.collections[0].exits[s] >= 0)
        #expect(recent.suffix(now - saved).allSatisfy { $0.change == .enter })
        #expect(recent.last.map { "\($0.cause)" } == "definition of store_regulars saved")
        #expect(h.console.definitions!.history(kind: "segment", name: "store_regulars").first?.action == "edit")
    }

    @Test("D asks first with the focus on Cancel; y deletes; members leave")
    func deleteSegment() throws {
        let (h, dir) = try harness()
        h.type("4")
        let s = h.console.collectionModel.segments.firstIndex { $0.name == "sms_opted_out" }!
        let index = h.console.segmentRows().firstIndex(of: s)!
        h.console.state.lists[.segments]?.selected = index
        var frame = h.type("D")
        #expect(frame.contains("Delete segment 'sms_opted_out' from cohort.yaml?"))
        frame = h.press(.enter)                    // Enter on Cancel: nothing happens
        #expect(h.console.state.deleteDialog == nil)
        #expect(frame.contains("Segments(customers)[9]"))
        h.type("D")
        h.type("D")                                // D again does not confirm
        #expect(h.console.state.deleteDialog != nil)
        h.type("y")
        h.finishRebuild()
        frame = h.frame()
        #expect(frame.contains("Segments(customers)[8]"))
        #expect(!(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)).contains("sms_opted_out"))
        #expect(frame.contains("segment \"sms_opted_out\" deleted"))
    }

    @Test("if cohort.yaml changed on disk, saving refuses and offers to reload; nothing is overwritten")
    func changedOnDisk() throws {
        let (h, dir) = try harness()
        h.type("4n")
        h.type("later")
        h.press(.tab, .tab)
        h.type("points_earned_90d > 10")
        let path = dir + "/cohort.yaml"
        let edited = try String(contentsOfFile: path, encoding: .utf8) + "# edited elsewhere\n"
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let frame = h.press(.ctrl("s"))
        #expect(frame.contains("cohort.yaml changed on disk"))
        #expect(h.console.state.reloadDialog != nil)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == edited)
        h.type("r")
        h.finishRebuild()
        #expect(h.console.definitions!.text == edited)
    }

    @Test("the form fits 80×24: fields, error, preview below, buttons")
    func narrowForm() throws {
        let (h, _) = try harness(size: Size(width: 80, height: 24))
        h.type("4n")
        h.type("vip_web")
        h.press(.tab, .tab)
        let frame = h.type("purchases_30d >= 1")
        #expect(frame.contains("New segment (customers)"))
        #expect(frame.contains("[ Save ]"))
        #expect(frame.contains(" of 2,400 · "))
        assertSnapshot(frame.replacing(#/[0-9.]+ ms · at clock [^│]*/#, with: "N ms"), named: "segment-form-80x24")
        h.press(.ctrl("t"))
        h.press(.tab)
        let rows = h.press(.right)
        assertSnapshot(rows.replacing(#/[0-9.]+ ms · at clock [^│]*/#, with: "N ms"), named: "segment-form-rows-80x24")
    }
}
