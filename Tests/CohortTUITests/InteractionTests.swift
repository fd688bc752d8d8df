import Foundation
import Testing
@testable import CohortEngine
@testable import CohortTUI

/// Keys pressed through the loop with a fixed clock, read back from the rendered grid.
@Suite(.serialized) struct InteractionTests {
    let size = Size(width: 120, height: 40)

    @Test("/ filters live, the title shows the filter and count, Enter keeps it, Esc clears it")
    func filterProfiles() {
        let h = ConsoleHarness(size: size)
        var frame = h.type("5/dorothy")
        #expect(frame.contains("</dorothy>"))
        #expect(frame.contains("Dorothy Parker"))
        #expect(!frame.contains("Joe Arnold"))
        let count = h.console.profileRowCount()
        #expect(count >= 1 && count < 2_400)
        frame = h.press(.enter)
        #expect(frame.contains("Profiles(customers)[\(count)/2,400] </dorothy>"))
        frame = h.press(.escape)
        #expect(frame.contains("Profiles(customers)[2,400] "))
    }

    @Test("the filter matches key and email, any case")
    func filterByKeyAndEmail() {
        let h = ConsoleHarness(size: size)
        h.type("5/amp-00004")
        #expect(h.console.profileRowCount() == 10)
        h.press(.escape)
        h.type("/@INBOX.example.net")
        let rows = h.console.profileRows() ?? []
        #expect(!rows.isEmpty)
        for r in rows.prefix(50) {
            let email = h.live.engine.value(collection: 0, row: Int(r), attribute: h.console.collectionModel.attributeIndex("email")!)
            #expect(Format.cell(email).lowercased().contains("@inbox.example.net"))
        }
    }

    @Test("number keys and :commands switch screens; q goes back from a sub-view, then quits")
    func screensAndBack() {
        let h = ConsoleHarness(size: size)
        #expect(h.type("1").contains("Collections(demo-data)[2]"))
        #expect(h.type(":segments").contains(":segments"))
        #expect(h.press(.enter).contains("Segments(customers)[9]"))
        #expect(h.press(.enter).contains("Segment cart_abandoners"))
        #expect(h.type("q").contains("Segments(customers)[9]"))
        #expect(!h.console.state.quit)
        h.type("q")
        #expect(h.console.state.quit)
    }

    @Test("the command line completes with Tab and walks its history")
    func promptCompletionAndHistory() {
        let h = ConsoleHarness(size: size)
        h.type(":att")
        h.press(.tab)
        #expect(h.console.state.prompt?.text == "attributes")
        h.press(.enter)
        #expect(h.console.state.screen == .attributes)
        h.type(":")
        h.press(.up)
        #expect(h.console.state.prompt?.text == "attributes")
        h.press(.escape)
        #expect(h.console.state.prompt == nil)
        let frame = h.type(":bogus\r")
        _ = frame
        h.press(.enter)
        #expect(h.frame().contains("unknown command"))
    }

    @Test("help lists every key of the action table and filters as you type")
    func helpListsEveryKey() {
        let h = ConsoleHarness(size: Size(width: 120, height: 60))
        h.type("?")
        var all = ""
        var previous = ""
        for _ in 0..<6 {
            let f = h.frame()
            all += f
            if f == previous { break }
            previous = f
            h.press(.pageDown)
        }
        for b in Action.table { #expect(all.contains(b.description.prefix(30)), "help misses \(b.label)") }
        h.press(.escape)
        h.type("?")
        let filtered = h.type("theme")
        #expect(filtered.contains("theme picker"))
        #expect(!filtered.contains("previous row"))
    }

    @Test("p pauses the replay and the log stays still; . applies exactly one event")
    func pauseAndStep() {
        let h = ConsoleHarness(size: size)
        h.type("2")
        #expect(h.live.driver.isPaused)
        let before = h.live.nextSequence
        h.wall.now += 10_000_000
        h.loop.iterate(waitMillis: 0)
        #expect(h.live.nextSequence == before)
        #expect(h.frame().contains("⏸ paused"))
        h.type(".")
        #expect(h.live.nextSequence == before + 1)
        h.type("p")
        #expect(!h.live.driver.isPaused)
        #expect(h.frame().contains("▶ replay"))
        h.wall.now += 2_000_000
        h.loop.iterate(waitMillis: 0)
        #expect(h.live.nextSequence > before + 1)
    }

    @Test("Enter on an event shows its payload and what it changed")
    func eventDetail() {
        let h = ConsoleHarness(size: size)
        h.type("2")
        // Find an event that changed something, walking up from the newest.
        var frame = ""
        for _ in 0..<30 {
            frame = h.press(.enter)
            if frame.contains("→") { break }
            h.press(.escape, .char("k"))
        }
        #expect(frame.contains("PAYLOAD"))
        #expect(frame.contains("\"event_id\""))
        #expect(frame.contains("WHAT IT CHANGED"))
        #expect(frame.contains("→"))
    }

    @Test("Enter on a segment's recent change opens that profile")
    func segmentChangeOpensProfile() {
        let h = ConsoleHarness(size: size)
        h.type("4")
        h.press(.enter)
        guard case .segment(let s) = h.console.state.detail else { Issue.record("no segment open"); return }
        let newest = h.live.collections[0].recent[s].last!
        let frame = h.press(.enter)
        #expect(h.console.state.screen == .profiles)
        #expect(frame.contains("┌ \(newest.key) "))
    }

    @Test("Z freezes the view while the engine keeps running; Z again thaws it")
    func freeze() {
        let h = ConsoleHarness(size: size)
        h.type("2Z")
        let frozen = h.frame()
        h.type("p")
        h.wall.now += 5_000_000
        h.loop.iterate(waitMillis: 0)
        #expect(h.live.nextSequence > 3_000)
        let stillFrozen = h.frame()
        #expect(stillFrozen.contains("Events[3,000]"))
        #expect(frozen.contains("❄ frozen"))
        h.type("Z")
        #expect(!h.frame().contains("Events[3,000]"))
    }

    @Test("> and < move the Profiles sort, I inverts it; the header shows the arrow")
    func sortProfiles() {
        let h = ConsoleHarness(size: size)
        h.type("5")
        #expect(h.frame().contains("UPDATED▼") || h.frame().contains("UPDATED ▼"))
        h.type(">")
        let frame = h.frame()
        #expect(frame.contains("KEY▲") || frame.contains("KEY ▲"))
        #expect(frame.contains(">AMP-000001"))
        h.type("I")
        #expect(h.frame().contains(">AMP-002400"))
    }

    @Test("> sorts the Segments list by the next column; numbers sort by value")
    func sortSegments() {
        let h = ConsoleHarness(size: size)
        h.type("4>>")
        let col = h.live.collections[0]
        let rows = h.console.segmentRows()
        let sizes = rows.map { col.size[$0] }
        #expect(sizes == sizes.sorted())
        #expect(h.frame().contains("MEMBERS▲") || h.frame().contains("MEMBERS ▲"))
        h.type("I")
        #expect(h.console.segmentRows().map { col.size[$0] } == sizes.sorted(by: >))
    }

    @Test("T opens the theme picker; moving previews, Esc restores the original")
    func themePicker() {
        let h = ConsoleHarness(size: size)
        h.type("T")
        #expect(h.frame().contains("Theme"))
        h.press(.down)
        #expect(h.console.state.themeName == "light")
        h.press(.escape)
        #expect(h.console.state.themeName == "default")
        #expect(h.console.state.themePicker == nil)
    }

    @Test("a click selects a row, a second click opens it; the wheel scrolls")
    func mouse() {
        let h = ConsoleHarness(size: size)
        h.type("4")
        _ = h.frame()
        guard let area = h.console.lastListArea else { Issue.record("no list area"); return }
        h.loop.handle(.mouse(MouseEvent(kind: .press, x: area.x + 3, y: area.y + 3)))
        #expect(h.console.state.lists[.segments]?.selected == 2)
        h.loop.handle(.mouse(MouseEvent(kind: .press, x: area.x + 3, y: area.y + 3)))
        #expect(h.console.state.detail == .segment(2))
        h.type("q5")
        h.loop.handle(.mouse(MouseEvent(kind: .wheelDown, x: 5, y: 10)))
        #expect(h.console.state.lists[.profiles]?.selected == 3)
    }

    @Test("resizing below 60×15 says how large the terminal must be, and growing redraws fully")
    func resize() {
        let h = ConsoleHarness(size: size)
        h.terminal.resize(to: Size(width: 50, height: 12))
        h.loop.handle(h.terminal.nextEvent(timeoutMillis: 0)!)
        #expect(h.frame().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            .contains("terminal too small: needs at least 60×15 (now 50×12)"))
        h.terminal.resize(to: Size(width: 80, height: 24))
        h.loop.handle(h.terminal.nextEvent(timeoutMillis: 0)!)
        #expect(h.frame().contains("Profiles(customers)[2,400]"))
    }
}

/// The profile text filter against a plain substring search over the same profiles.
@Suite struct ProfileFilterTests {
    @Test(arguments: ["dorothy", "AMP-0004", "@inbox", ".net", "son", "q", "zzzz", "e", "AMP-002400", "parker"])
    func filterEqualsPlainSearch(text: String) {
        let live = LiveWorkspace(workspace: ConsoleHarness.demo)
        let model = live.workspace.collections[0]
        let data = DataView(live: live)
        let q = ProfileQuery(model: model, collection: 0)
        let got = q.filter(text, data: data)
        let fields = [model.attributeIndex("full_name")!, model.attributeIndex("email")!]
        var want: [Int32] = []
        for row in 0..<model.table.rows.count {
            let hay = ([model.key(ofRow: row)] + fields.map { Format.cell(data.value(0, row, $0)) }).map { $0.lowercased() }
            if hay.contains(where: { $0.contains(text.lowercased()) }) { want.append(Int32(row)) }
        }
        let same = got == want
        #expect(same, "\(text): \(got.count) rows found, \(want.count) expected")
    }
}
