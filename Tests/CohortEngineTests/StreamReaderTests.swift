import Testing
@testable import CohortEngine

@Suite("Event streams")
struct StreamReaderTests {
    func read(_ text: String) -> StreamLoad {
        var t = text
        return t.withUTF8 { StreamReader.read(bytes: $0, stream: 0) }
    }

    func read(bytes: [UInt8]) -> StreamLoad {
        bytes.withUnsafeBufferPointer { StreamReader.read(bytes: $0, stream: 0) }
    }

    @Test("malformed lines are quarantined with line and reason; the rest go on")
    func quarantine() {
        let load = read("""
        {"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"b","type":"t"
        {"type":"t","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"c","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"d","type":"t"}
        {"event_id":"e","type":"t","timestamp":"2026-09-03 10:00:00"}
        {"event_id":"f","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":[1]}
        [1,2]
           \t
        {"event_id":"g","type":"t","timestamp":"2026-09-01T00:00:00.123456789-05:00","properties":null}
        """)
        #expect(load.events.map(\.id) == ["a", "g"])
        #expect(load.blankLines == 1)
        #expect(load.lines == 10)
        #expect(load.quarantined.map { "\($0.line): \($0.reason)" } == [
            "2: invalid JSON: unterminated object, expected ',' or '}' at column 27",
            "3: missing required field 'event_id'",
            "4: missing required field 'type'",
            "5: missing required field 'timestamp'",
            "6: 'timestamp' \"2026-09-03 10:00:00\" is not RFC 3339 with 'Z' or an offset",
            "7: 'properties' must be a JSON object",
            "8: an event must be a JSON object",
        ])
        #expect(load.events[1].timestamp == CivilTime.parseTimestamp("2026-09-01T05:00:00.123456Z"))
    }

    @Test("non-UTF-8 and over-long lines are quarantined, not fatal")
    func hostileLines() {
        var bytes = Array(#"{"event_id":"x","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":{"s":""#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\"}}\n".utf8)
        bytes += Array(#"{"event_id":"big","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":{"s":""#.utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: 1_100_000)
        bytes += Array("\"}}\n".utf8)
        bytes += Array(String(repeating: "[", count: 100_000).utf8) + [0x0A]
        bytes += Array(#"{"event_id":"ok","type":"t","timestamp":"2026-09-01T00:00:00Z"}"#.utf8)
        let load = read(bytes: bytes)
        #expect(load.events.map(\.id) == ["ok"])
        #expect(load.quarantined.map(\.line) == [1, 2, 3])
        #expect(load.quarantined[0].reason == "line is not valid UTF-8 (byte 82)")
        #expect(load.quarantined[1].reason.hasPrefix("line is 1100086 bytes, over the 1048576-byte limit"))
        #expect(load.quarantined[2].reason.hasPrefix("invalid JSON: JSON nests deeper than 256 levels"))
    }

    @Test("duplicates: the earliest timestamp counts, then the earlier line")
    func duplicates() {
        let load = read("""
        {"event_id":"a","type":"first","timestamp":"2026-09-02T00:00:00Z"}
        {"event_id":"a","type":"earlier","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"a","type":"same-time-later-line","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"b","type":"t","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"a","type":"t","timestamp":"bad"}
        """)
        #expect(load.events.map(\.type) == ["earlier", "t"])
        #expect(load.duplicates.map(\.type) == ["first", "same-time-later-line"])
        #expect(load.quarantined.count == 1)
    }

    @Test("identity fields compare as text: strings as they are, numbers by their JSON text")
    func identities() throws {
        let load = read(#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","customer_id":10.50,"email":"","phone":true,"n":{"x":1},"properties":{"a":{"b":[1,"x"]}}}"#)
        let e = try #require(load.events.first)
        #expect(e.identity("customer_id") == "10.50")
        #expect(e.identity("email") == nil)
        #expect(e.identity("phone") == nil)
        #expect(e.identity("missing") == nil)
        #expect(e.value(at: FieldPath("properties.a.b")) == .list([.int(1), .string("x")]))
        #expect(e.value(at: FieldPath("timestamp")) == .timestamp(1_788_220_800_000_000))
        #expect(e.value(at: FieldPath("properties.nope")) == .null)
    }
}
