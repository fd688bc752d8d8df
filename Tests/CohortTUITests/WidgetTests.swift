import Testing
@testable import CohortTUI

/// Renders and key handling of the generic widgets, compared with the expected screen.
@Suite struct WidgetTests {
    // MARK: Table

    static let columns = [
        TableColumn(title: "KEY", width: 6),
        TableColumn(title: "NAME", width: 12, flex: 1),
        TableColumn(title: "SPEND", width: 11, align: .right, markerSlot: true),
    ]

    static func cell(_ row: Int, _ column: Int) -> TableCell {
        let names = ["Ada Lovelace", "Alan Turing", "Grace Brewster Murray Hopper"]
        switch column {
        case 0: return TableCell("AMP-\(row)")
        case 1: return TableCell(names[row % 3])
        default:
            switch row % 3 {
            case 0: return TableCell("980.00")
            case 1: return TableCell("1,240.00", role: .deltaUp, marker: "↑")
            default: return TableCell("12.50", role: .deltaDown, marker: "↓")
            }
        }
    }

    @Test func tableDrawsHeaderSortArrowSelectionAndMarkers() {
        var canvas = Canvas(width: 40, height: 5)
        let state = TableState(selected: 1, sortColumn: 0)
        Table.render(columns: Self.columns, rowCount: 3, state: state, cell: Self.cell, focused: true,
                     into: &canvas, area: canvas.bounds)
        #expect(canvas.text == """
             KEY ▲  NAME                     SPEND
             AMP-0  Ada Lovelace            980.00
            >AMP-1  Alan Turing           1,240.00 ↑
             AMP-2  Grace Brewster Murr…     12.50 ↓

            """)
        #expect(canvas[1, 0].role == .tableHeader)
        #expect(canvas[5, 0].role == .tableHeader)
        #expect(canvas[0, 2].role == .selection)
        #expect(canvas[8, 2].role == .selection)
        #expect(canvas[39, 2].role == .selection)
        #expect(canvas[39, 3].role == .deltaDown)
        #expect(canvas[33, 3].role == .deltaDown)
        #expect(canvas[8, 1].role == .text)
        #expect(canvas.cursor! == (0, 2))
    }

    @Test func unfocusedTableShowsOnlyTheMarkerAndDescendingArrow() {
        var canvas = Canvas(width: 40, height: 3)
        let state = TableState(selected: 0, sortColumn: 2, ascending: false)
        Table.render(columns: Self.columns, rowCount: 3, state: state, cell: Self.cell, focused: false,
                     into: &canvas, area: canvas.bounds)
        #expect(canvas.text == """
             KEY    NAME                     SPEND ▼
            >AMP-0  Ada Lovelace            980.00
             AMP-1  Alan Turing           1,240.00 ↑
            """)
        #expect(canvas[0, 1].role == .text)
        #expect(canvas[8, 1].role == .text)
        #expect(canvas.cursor == nil)
    }

    @Test func emptyTableSaysSo() {
        var canvas = Canvas(width: 20, height: 3)
        Table.render(columns: [TableColumn(title: "NAME", width: 8)], rowCount: 0, state: TableState(),
                     cell: { _, _ in "never" }, focused: true, into: &canvas, area: canvas.bounds)
        #expect(canvas.text == " NAME\n no rows\n")
        #expect(canvas[1, 1].role == .muted)
    }

    @Test func tableScrollsToKeepAnUnclampedSelectionVisible() {
        var canvas = Canvas(width: 20, height: 4)
        let state = TableState(selected: 7, offset: 0)
        Table.render(columns: [TableColumn(title: "KEY", width: 8, align: .right)], rowCount: 8, state: state,
                     cell: { r, _ in TableCell("\(r)") }, focused: true, into: &canvas, area: canvas.bounds)
        #expect(canvas.text == """
                  KEY
                    5
                    6
            >       7
            """)
    }

    @Test func layoutSharesLeftoverByFlexAndCutsFromTheRight() {
        let cols = [TableColumn(title: "A", width: 4), TableColumn(title: "B", width: 4, flex: 1),
                    TableColumn(title: "C", width: 4, flex: 2)]
        // 1 marker + 4 + 1 + 4 + 1 + 4 = 15; 30 leaves 15: 5 to B, 10 to C.
        #expect(Table.layout(columns: cols, width: 30) == [4, 9, 14])
        // 16 leaves 1: integer shares are 0 and 0, the remainder goes to the first flex column.
        #expect(Table.layout(columns: cols, width: 16) == [4, 5, 4])
        #expect(Table.layout(columns: cols, width: 15) == [4, 4, 4])
        // Too narrow: the last column gets what remains (at least 3), then columns drop.
        #expect(Table.layout(columns: cols, width: 13) == [4, 4, 0])
        #expect(Table.layout(columns: cols, width: 14) == [4, 4, 3])
        #expect(Table.layout(columns: cols, width: 9) == [4, 3, 0])
        #expect(Table.layout(columns: cols, width: 8) == [4, 0, 0])
    }

    @Test func tableAsksOnlyForVisibleRows() {
        var canvas = Canvas(width: 200, height: 60)
        var asked = Set<Int>()
        var calls = 0
        let state = TableState(selected: 500_000, offset: 499_990)
        let cols = (0..<8).map { TableColumn(title: "C\($0)", width: 12, flex: $0 == 1 ? 1 : 0, align: $0 > 3 ? .right : .left) }
        Table.render(columns: cols, rowCount: 1_000_000, state: state, cell: { r, c in
            asked.insert(r)
            calls += 1
            return TableCell("\(r):\(c)")
        }, focused: true, into: &canvas, area: canvas.bounds)
        #expect(asked == Set(499_990..<500_049))
        #expect(calls == 59 * 8)
        #expect(canvas.cursor! == (0, 11))
    }

    // MARK: TableState

    @Test func navigationMovesAndClamps() {
        var s = TableState()
        let page = 4
        func press(_ k: Key) { let consumed = s.handle(k, rowCount: 10, pageSize: page); #expect(consumed) }
        press(.char("k"))
        #expect((s.selected, s.offset) == (0, 0))
        press(.char("G"))
        #expect((s.selected, s.offset) == (9, 6))
        press(.up)
        #expect((s.selected, s.offset) == (8, 6))
        press(.char("g"))
        #expect((s.selected, s.offset) == (0, 0))
        press(.pageDown)
        #expect((s.selected, s.offset) == (4, 4))
        press(.ctrl("f"))
        #expect((s.selected, s.offset) == (8, 6))
        press(.pageDown)
        #expect((s.selected, s.offset) == (9, 6))
        press(.pageUp)
        #expect((s.selected, s.offset) == (5, 2))
        press(.ctrl("b"))
        #expect((s.selected, s.offset) == (1, 0))
        press(.end)
        press(.char("j"))
        #expect((s.selected, s.offset) == (9, 6))
        press(.home)
        press(.down)
        #expect((s.selected, s.offset) == (1, 0))
        var consumed = s.handle(.char("x"), rowCount: 10, pageSize: page)
        #expect(!consumed)
        consumed = s.handle(.enter, rowCount: 10, pageSize: page)
        #expect(!consumed)
    }

    @Test func emptyAndShrinkingListsClamp() {
        var s = TableState(selected: 3, offset: 2)
        let consumed = s.handle(.char("j"), rowCount: 0, pageSize: 5)
        #expect(consumed)
        #expect((s.selected, s.offset) == (0, 0))
        s = TableState(selected: 50, offset: 45)
        s.clamp(rowCount: 10, pageSize: 4)
        #expect((s.selected, s.offset) == (9, 6))
        s = TableState(selected: 2, offset: 8)
        s.clamp(rowCount: 100, pageSize: 4)
        #expect((s.selected, s.offset) == (2, 2))
        // A page larger than the rows keeps the offset at 0.
        s = TableState(selected: 2, offset: 1)
        s.clamp(rowCount: 3, pageSize: 10)
        #expect((s.selected, s.offset) == (2, 0))
    }

    @Test func sortKeysCycleColumnsAndInvert() {
        var s = TableState()
        func press(_ c: Character) -> Bool { s.handle(.char(c), rowCount: 5, pageSize: 5, columnCount: 3) }
        #expect(press(">"))
        #expect(s.sortColumn == 0 && s.ascending)
        #expect(press(">"))
        #expect(s.sortColumn == 1)
        #expect(press("I"))
        #expect(s.sortColumn == 1 && !s.ascending)
        #expect(press("I"))
        #expect(s.ascending)
        #expect(press("I"))
        #expect(press(">"))
        #expect(s.sortColumn == 2 && s.ascending)
        #expect(press(">"))
        #expect(s.sortColumn == 0)
        #expect(press("<"))
        #expect(s.sortColumn == 2)
        var fresh = TableState()
        var consumed = fresh.handle(.char("<"), rowCount: 5, pageSize: 5, columnCount: 3)
        #expect(consumed)
        #expect(fresh.sortColumn == 2)
        // Without a column count (a plain list) the sort keys pass through.
        var list = TableState()
        consumed = list.handle(.char(">"), rowCount: 5, pageSize: 5)
        #expect(!consumed)
        consumed = list.handle(.char("I"), rowCount: 5, pageSize: 5)
        #expect(!consumed)
        #expect(list.sortColumn == nil)
    }

    @Test func wheelScrollsAndDragsTheSelection() {
        var s = TableState()
        s.scroll(by: 3, rowCount: 100, pageSize: 10)
        #expect((s.selected, s.offset) == (3, 3))
        s.scroll(by: -1, rowCount: 100, pageSize: 10)
        #expect((s.selected, s.offset) == (3, 2))
        s.scroll(by: 1000, rowCount: 100, pageSize: 10)
        #expect((s.selected, s.offset) == (90, 90))
        s.selected = 99
        s.scroll(by: -5, rowCount: 100, pageSize: 10)
        #expect((s.selected, s.offset) == (94, 85))
    }

    @Test func clicksMapToRows() {
        let s = TableState(selected: 25, offset: 20)
        let area = Rect(x: 0, y: 5, width: 30, height: 10)
        #expect(s.row(atScreenY: 5, area: area) == nil)
        #expect(s.row(atScreenY: 6, area: area) == 20)
        #expect(s.row(atScreenY: 14, area: area) == 28)
        #expect(s.row(atScreenY: 15, area: area) == nil)
        #expect(s.row(atScreenY: 8, area: area, rowCount: 22) == nil)
        #expect(s.row(atScreenY: 7, area: area, rowCount: 22) == 21)
        #expect(ListView.row(atScreenY: 5, area: area, state: s, rowCount: 100) == 20)
    }

    // MARK: ListView

    @Test func listShowsAWindowAroundTheSelection() {
        var canvas = Canvas(width: 12, height: 4)
        let items = ["dark", "light", "mono", "okabe-ito", "high-contrast"]
        ListView.render(items: items, state: TableState(selected: 3), focused: true, into: &canvas,
                        area: Rect(x: 0, y: 0, width: 12, height: 3))
        ListView.render(rowCount: 1, state: TableState(), item: { _ in TableCell("entered vip", marker: "↑") },
                        focused: false, into: &canvas, area: Rect(x: 0, y: 3, width: 12, height: 1))
        #expect(canvas.text == """
             light
             mono
            >okabe-ito
            >entered … ↑
            """)
        #expect(canvas[0, 2].role == .selection)
        #expect(canvas[11, 3].role == .deltaUp)
        #expect(canvas.cursor! == (0, 2))
    }

    @Test func emptyListSaysSo() {
        var canvas = Canvas(width: 12, height: 2)
        ListView.render(items: [], state: TableState(), into: &canvas, area: canvas.bounds)
        #expect(canvas.text == " no items\n")
    }

    // MARK: Sparkline

    @Test func sparklineScalesTheVisibleTail() {
        #expect(Sparkline.string(values: [0, 1, 2, 3, 4, 5, 6, 7], width: 8) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.string(values: [0, 1, 2, 3, 4, 5, 6, 7], width: 4) == "▁▃▆█")
        #expect(Sparkline.string(values: [1, 2, 3], width: 6) == "   ▁▅█")
        #expect(Sparkline.string(values: [0, 1, 2, 3, 4, 5, 6, 7], width: 8, ascii: true) == " .:-=+*#")
        #expect(Sparkline.string(values: [5, 5], width: 2) == "▄▄")
        #expect(Sparkline.string(values: [0, 0], width: 2) == "▁▁")
        #expect(Sparkline.string(values: [0, .nan, 7], width: 3) == "▁ █")
        #expect(Sparkline.string(values: [], width: 3) == "   ")
    }

    @Test func sparklineGrowsWithTheArea() {
        var canvas = Canvas(width: 6, height: 2)
        Sparkline.render(values: [9, 0, 1, 2, 3], into: &canvas, area: Rect(x: 1, y: 0, width: 4, height: 2))
        #expect(canvas.text == "   ▃█\n ▁▆██")
        #expect(canvas[4, 1].role == .chartSeries)
    }

    // MARK: TextField

    @Test func textFieldEdits() {
        var f = TextField()
        for c in "hello" { let consumed = f.handle(.char(c)); #expect(consumed) }
        _ = f.handle(.left)
        _ = f.handle(.left)
        _ = f.handle(.char("X"))
        #expect(f.text == "helXlo" && f.caret == 4)
        _ = f.handle(.home)
        #expect(f.caret == 0)
        _ = f.handle(.ctrl("e"))
        #expect(f.caret == 6)
        _ = f.handle(.backspace)
        _ = f.handle(.delete)
        #expect(f.text == "helXl" && f.caret == 5)
        _ = f.handle(.ctrl("a"))
        #expect(f.text == "helXl" && f.caret == 0)
        _ = f.handle(.delete)
        _ = f.handle(.backspace)
        _ = f.handle(.left)
        #expect(f.text == "elXl" && f.caret == 0)
        _ = f.handle(.end)
        _ = f.handle(.right)
        #expect(f.caret == 4)
        var consumed = f.handle(.up)
        #expect(!consumed)
        consumed = f.handle(.enter)
        #expect(!consumed)
        consumed = f.handle(.char("\u{7}"))
        #expect(!consumed)
        #expect(f.text == "elXl")
    }

    @Test func textFieldDeletesWordsAndToTheStart() {
        var f = TextField("theme dark  ")
        _ = f.handle(.ctrl("w"))
        #expect(f.text == "theme " && f.caret == 6)
        _ = f.handle(.ctrl("w"))
        #expect(f.text == "" && f.caret == 0)
        f = TextField("abc def", caret: 4)
        _ = f.handle(.ctrl("u"))
        #expect(f.text == "def" && f.caret == 0)
        f = TextField("日本語", caret: 2)
        _ = f.handle(.backspace)
        #expect(f.text == "日語" && f.caret == 1)
    }

    @Test func textFieldScrollsToTheCaret() {
        var canvas = Canvas(width: 10, height: 4)
        TextField("hello").render(into: &canvas, area: canvas.bounds.row(0))
        #expect(canvas.cursor! == (5, 0))
        #expect(canvas[5, 0].extra.contains(.reverse))
        let long = "abcdefghijklmnop"
        TextField(long).render(into: &canvas, area: canvas.bounds.row(1))
        #expect(canvas.cursor! == (8, 1))
        TextField(long, caret: 0).render(into: &canvas, area: canvas.bounds.row(2))
        #expect(canvas.cursor! == (0, 2))
        TextField(long, caret: 12).render(into: &canvas, area: canvas.bounds.row(3))
        #expect(canvas.cursor! == (8, 3))
        #expect(canvas.text == """
            hello
            …jklmnop
            abcdefghi…
            …fghijklm…
            """)
        #expect(canvas[8, 3].char == "m")
    }

    // MARK: CommandPrompt

    static let commands = ["profiles", "segments", "streams", "speed", "theme dark", "theme default", "theme light"]
    static func complete(_ text: String) -> [String] { commands.filter { $0.hasPrefix(text) } }

    static func typeText(_ s: String, into p: inout CommandPrompt) {
        for c in s { #expect(p.handle(.char(c), completions: complete) == .none) }
    }

    @Test func promptCompletesThePrefixThenCycles() {
        var p = CommandPrompt()
        Self.typeText("th", into: &p)
        #expect(p.handle(.tab, completions: Self.complete) == .none)
        #expect(p.text == "theme ")
        var canvas = Canvas(width: 40, height: 1)
        p.render(into: &canvas, area: canvas.bounds)
        #expect(canvas.text == ":theme    dark  default  light")
        #expect(canvas[10, 0].role == .muted)
        #expect(canvas.cursor! == (7, 0))
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "theme dark")
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "theme default")
        p.render(into: &canvas, area: canvas.bounds)
        #expect(canvas.text == ":theme default   dark  default  light")
        #expect(canvas[23, 0].role == .accent)
        _ = p.handle(.tab, completions: Self.complete)
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "theme dark")
        _ = p.handle(.backTab, completions: Self.complete)
        #expect(p.text == "theme light")
        // An edit ends the cycle: the next Tab asks again.
        _ = p.handle(.backspace, completions: Self.complete)
        #expect(p.text == "theme ligh" && p.candidates.isEmpty)
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "theme light")
    }

    @Test func promptCyclesWhenThePrefixCannotGrow() {
        var p = CommandPrompt()
        Self.typeText("s", into: &p)
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "segments")
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "streams")
        _ = p.handle(.tab, completions: Self.complete)
        _ = p.handle(.tab, completions: Self.complete)
        #expect(p.text == "segments")
        var q = CommandPrompt()
        Self.typeText("pro", into: &q)
        _ = q.handle(.tab, completions: Self.complete)
        #expect(q.text == "profiles" && q.candidates.isEmpty)
        Self.typeText("x", into: &q)
        _ = q.handle(.tab, completions: Self.complete)
        #expect(q.text == "profilesx")
    }

    @Test func promptHistoryKeepsTheDraft() {
        var p = CommandPrompt()
        Self.typeText("profiles", into: &p)
        #expect(p.handle(.enter, completions: Self.complete) == .submit("profiles"))
        Self.typeText(" speed 10 ", into: &p)
        #expect(p.handle(.enter, completions: Self.complete) == .submit("speed 10"))
        Self.typeText("speed 10", into: &p)
        #expect(p.handle(.enter, completions: Self.complete) == .submit("speed 10"))
        #expect(p.history == ["profiles", "speed 10"])
        #expect(p.text == "")
        Self.typeText("dr", into: &p)
        _ = p.handle(.up, completions: Self.complete)
        #expect(p.text == "speed 10")
        _ = p.handle(.up, completions: Self.complete)
        #expect(p.text == "profiles")
        _ = p.handle(.up, completions: Self.complete)
        #expect(p.text == "profiles")
        _ = p.handle(.down, completions: Self.complete)
        #expect(p.text == "speed 10")
        _ = p.handle(.down, completions: Self.complete)
        #expect(p.text == "dr")
        _ = p.handle(.down, completions: Self.complete)
        #expect(p.text == "dr")
        // Editing a recalled line makes it the draft.
        _ = p.handle(.up, completions: Self.complete)
        _ = p.handle(.backspace, completions: Self.complete)
        _ = p.handle(.up, completions: Self.complete)
        #expect(p.text == "speed 10")
        _ = p.handle(.down, completions: Self.complete)
        #expect(p.text == "speed 1")
        #expect(p.handle(.escape, completions: Self.complete) == .cancel)
        #expect(p.text == "")
        Self.typeText("  ", into: &p)
        #expect(p.handle(.enter, completions: Self.complete) == .cancel)
        #expect(p.history == ["profiles", "speed 10"])
    }

    // MARK: Dialog

    static func deleteDialog() -> Dialog {
        Dialog(title: "Delete segment", message: "Delete segment \"vip\"?", confirmLabel: "Delete", confirmKey: "y")
    }

    @Test func dialogFocusStartsOnCancel() {
        var d = Self.deleteDialog()
        #expect(d.focus == .cancel)
        #expect(d.handle(.enter) == .cancel)
        d = Self.deleteDialog()
        #expect(d.handle(.char("D")) == .none)
        #expect(d.handle(.tab) == .none)
        #expect(d.focus == .confirm)
        #expect(d.handle(.left) == .none)
        #expect(d.focus == .cancel)
        #expect(d.handle(.right) == .none)
        #expect(d.handle(.enter) == .confirm)
        d = Self.deleteDialog()
        #expect(d.handle(.char("y")) == .confirm)
        #expect(d.handle(.char("Y")) == .none)
        #expect(d.handle(.escape) == .cancel)
        #expect(d.handle(.char("n")) == .cancel)
    }

    @Test func dialogIsACentredBox() {
        var canvas = Canvas(width: 36, height: 9)
        Self.deleteDialog().render(into: &canvas, area: canvas.bounds)
        #expect(canvas.text == """

                ┌ Delete segment ──────────┐
                │                          │
                │  Delete segment "vip"?   │
                │                          │
                │  [ Cancel ]  [ Delete ]  │
                │  <y>delete <esc>cancel   │
                └──────────────────────────┘

            """)
        #expect(canvas[7, 5].role == .selection)
        #expect(canvas[19, 5].role == .text)
        #expect(canvas[7, 6].role == .hintKey)
        #expect(canvas.cursor! == (7, 5))
    }

    @Test func dialogWrapsALongMessage() {
        var canvas = Canvas(width: 30, height: 8)
        let d = Dialog(title: "Delete", message: "Delete attribute spend_90d and the 3 segments that read it?",
                       confirmLabel: "Delete")
        d.render(into: &canvas, area: canvas.bounds)
        #expect(canvas.text == """
             ┌ Delete ──────────────────┐
             │                          │
             │  Delete attribute        │
             │  spend_90d and the 3     │
             │  segments that read it?  │
             │                          │
             │  [ Cancel ]  [ Delete ]  │
             └──────────────────────────┘
            """)
    }

    // MARK: HelpOverlay

    static let help: [HelpOverlay.Section] = [
        (section: "Everywhere", entries: [(keys: ":", description: "command line"), (keys: "?", description: "help")]),
        (section: "Lists", entries: [(keys: "j k", description: "down, up"), (keys: "g G", description: "first, last")]),
    ]

    @Test func helpListsSectionsInACentredBox() {
        var canvas = Canvas(width: 40, height: 10)
        HelpOverlay().render(sections: Self.help, into: &canvas, area: canvas.bounds)
        #expect(canvas.text == """
                    ┌ Help ────────────────┐
                    │ Everywhere           │
                    │   :    command line  │
                    │   ?    help          │
                    │                      │
                    │ Lists                │
                    │   j k  down, up      │
                    │   g G  first, last   │
                    └──────────────────────┘

            """)
        #expect(canvas[12, 2].role == .hintKey)
        #expect(canvas[10, 1].role == .title)
    }

    @Test func helpFiltersAnyCaseAndScrolls() {
        var help = HelpOverlay()
        let area = Rect(x: 0, y: 0, width: 40, height: 10)
        for c in "LAST" { let consumed = help.handle(.char(c), sections: Self.help, area: area); #expect(consumed) }
        var canvas = Canvas(width: 40, height: 10)
        help.render(sections: Self.help, into: &canvas, area: area)
        #expect(canvas.text == """
                    ┌ Help </LAST> ────────┐
                    │ Lists                │
                    │   g G  first, last   │
                    │                      │
                    │                      │
                    │                      │
                    │                      │
                    │                      │
                    └──────────────────────┘

            """)
        var consumed = help.handle(.escape, sections: Self.help, area: area)
        #expect(consumed)
        #expect(help.filter == "")
        consumed = help.handle(.escape, sections: Self.help, area: area)
        #expect(!consumed)
        for c in "zzz" { _ = help.handle(.char(c), sections: Self.help, area: area) }
        help.render(sections: Self.help, into: &canvas, area: area)
        #expect(canvas.line(1).contains("no matches"))
        _ = help.handle(.ctrl("u"), sections: Self.help, area: area)

        let small = Rect(x: 0, y: 0, width: 40, height: 6)
        consumed = help.handle(.down, sections: Self.help, area: small)
        #expect(consumed)
        consumed = help.handle(.pageDown, sections: Self.help, area: small)
        #expect(consumed)
        #expect(help.offset == 3)
        canvas = Canvas(width: 40, height: 6)
        help.render(sections: Self.help, into: &canvas, area: small)
        #expect(canvas.text == """
                    ┌ Help ────────────────┐
                    │                      │
                    │ Lists                │
                    │   j k  down, up      │
                    │   g G  first, last   │
                    └─────────── 4–7 of 7 ─┘
            """)
    }

    // MARK: HintLine and StatusLine

    @Test func hintsThatDoNotFitAreDroppedWhole() {
        let hints = [(keys: ":", label: "cmd"), (keys: "/", label: "filter"), (keys: "?", label: "help"), (keys: "enter", label: "open")]
        var canvas = Canvas(width: 24, height: 2)
        #expect(HintLine.render(hints, into: &canvas, area: Rect(x: 0, y: 0, width: 20, height: 1)) == 2)
        #expect(HintLine.render(hints, into: &canvas, area: Rect(x: 0, y: 1, width: 24, height: 1)) == 3)
        #expect(canvas.text == "<:>cmd </>filter\n<:>cmd </>filter <?>help")
        #expect(canvas[0, 0].role == .hintKey)
        #expect(canvas[2, 0].role == .hintKey)
        #expect(canvas[3, 0].role == .hintText)
        #expect(canvas[6, 0].role == .text)
    }

    @Test func statusLineLeadsWithASymbol() {
        var canvas = Canvas(width: 24, height: 4)
        StatusLine("segment \"vip\" saved").render(into: &canvas, area: canvas.bounds.row(0))
        StatusLine("segment \"vip\" saved").render(into: &canvas, area: canvas.bounds.row(1), ascii: true)
        StatusLine.render("replay slow", level: .warn, into: &canvas, area: canvas.bounds.row(2))
        StatusLine("no such theme", level: .error).render(into: &canvas, area: canvas.bounds.row(3), ascii: true)
        #expect(canvas.text == """
            ✓ segment "vip" saved
            ok segment "vip" saved
            ! replay slow
            x no such theme
            """)
        #expect(canvas[0, 0].role == .statusOk)
        #expect(canvas[0, 2].role == .statusWarn)
        #expect(canvas[0, 3].role == .statusError)
        #expect(canvas[2, 0].role == .text)
        #expect(StatusLevel.error.symbol() == "✗")
    }

    @Test("help: a filter matching a section's title lists the whole section")
    func helpFilterMatchesSectionTitles() {
        let sections: [HelpOverlay.Section] = [
            (section: "Segment form", entries: [(keys: "Tab", description: "next field"), (keys: "Ctrl-S", description: "save")]),
            (section: "Lists", entries: [(keys: "j", description: "next row")]),
        ]
        #expect(HelpOverlay.lines(sections: sections, filter: "form")
            == [.section("Segment form"), .entry(keys: "Tab", description: "next field"), .entry(keys: "Ctrl-S", description: "save")])
        #expect(HelpOverlay.lines(sections: sections, filter: "row") == [.section("Lists"), .entry(keys: "j", description: "next row")])
    }
}

