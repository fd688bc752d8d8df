import CohortEngine
import Testing

@Suite("UTF-8 byte order")
struct UTF8OrderTests {
    @Test("utf8Precedes orders exactly as the UTF-8 bytes do")
    func agreesWithBytes() {
        let words = ["", "a", "A", "ab", "abc", "abd", "b", "w-000001", "w-000010", "w-00001", "é", "e\u{301}", "z", "Ω", "😀", "a\u{0}", "a\u{0}b", "zz"]
        for x in words {
            for y in words {
                #expect(x.utf8Precedes(y) == x.utf8.lexicographicallyPrecedes(y.utf8), "\(x) vs \(y)")
            }
        }
        // A bridged or substring-derived string too.
        let sub = String("xx-abc-yy".dropFirst(3).dropLast(3))
        #expect(sub.utf8Precedes("abd") && !"abd".utf8Precedes(sub))
    }
}
