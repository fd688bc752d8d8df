import Testing
@testable import CohortEngine
@testable import CohortTUI

/// Every screen at 80×24 and 120×40, as text, on demo-data after 3,000 events.
@Suite(.serialized) struct ScreenSnapshotTests {
    static let sizes = [Size(width: 80, height: 24), Size(width: 120, height: 40)]

    @Test(arguments: sizes)
    func everyScreen(size: Size) {
        let h = ConsoleHarness(size: size)
        let tag = "\(size.width)x\(size.height)"
        assertSnapshot(h.type("1"), named: "collections-\(tag)")
        assertSnapshot(h.type("2"), named: "streams-\(tag)")
        assertSnapshot(h.type("3"), named: "attributes-\(tag)")
        assertSnapshot(h.type("4"), named: "segments-\(tag)")
        assertSnapshot(h.type("5"), named: "profiles-\(tag)")
    }

    @Test(arguments: sizes)
    func subViews(size: Size) {
        let h = ConsoleHarness(size: size)
        let tag = "\(size.width)x\(size.height)"
        h.type("5j")
        assertSnapshot(h.press(.enter), named: "profile-detail-\(tag)")
        h.type("2")
        h.press(.char("k"), .char("k"))
        assertSnapshot(h.press(.enter), named: "event-detail-\(tag)")
        h.type("4")
        assertSnapshot(h.press(.enter), named: "segment-detail-\(tag)")
        h.type("3jjjjjjjjjj")
        assertSnapshot(h.press(.enter), named: "attribute-detail-\(tag)")
        assertSnapshot(h.type("q?"), named: "help-\(tag)")
    }

    @Test func tooSmall() {
        let h = ConsoleHarness(size: Size(width: 59, height: 20))
        #expect(h.frame().contains("terminal too small: needs at least 60×15 (now 59×20)"))
    }
}
