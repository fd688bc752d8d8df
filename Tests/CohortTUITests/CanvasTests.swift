import Testing
@testable import CohortTUI

@Suite struct CanvasTests {
    @Test func wideAndCombiningCharactersTakeTheirColumns() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("👍") == 2)
        #expect(DisplayWidth.of("❤️") == 2)
        #expect(DisplayWidth.of("👩‍💻") == 2)
    }

    @Test func textIsClippedWithAnEllipsis() {
        var c = Canvas(width: 10, height: 2)
        c.put("Ada Lovelace", x: 0, y: 0, maxWidth: 8)
        c.put("日本語テキスト", x: 0, y: 1, maxWidth: 7)
        #expect(c.text == "Ada Lov…\n日本語…")
    }

    @Test func boxHasItsTitleInTheBorder() {
        var c = Canvas(width: 12, height: 3)
        c.box(c.bounds, title: "Seg")
        #expect(c.text == "┌ Seg ─────┐\n│          │\n└──────────┘")
    }
}
