import Foundation
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

    @Test("whole files read exactly as the general decoder and a dictionary read them")
    func differential() {
        var generator = EventLineGenerator(seed: 42)
        for round in 0..<40 {
            var bytes: [UInt8] = []
            let lines = generator.int(0...400)
            // A small pool of ids, so there are plenty of duplicates; in some files a few
            // that are equal as Strings but not as bytes.
            var ids = (0..<generator.int(1...300)).map { "id-\($0)" }
            if round % 2 == 1 { ids += ["é", "e\u{301}", "\u{212A}", "K", "id-1\u{301}"] }
            for n in 0..<lines {
                if n > 0 { bytes += generator.chance(0.1) ? Array("\r\n".utf8) : [0x0A] }
                switch generator.int(0...9) {
                case 0:
                    bytes += Array(generator.pick(["", " ", "\t", " \t ", "\r", " \r ", "\u{0B}"]).utf8)
                case 1, 2, 3:
                    let id = generator.pick(ids)
                    let ts = generator.pick(["2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z", "2026-09-01T01:00:00+01:00", "2026-08-31T23:59:59.999999Z"])
                    bytes += Array(#"{"event_id":"\#(id)","type":"t\#(n)","timestamp":"\#(ts)","properties":{"n":\#(n)}}"#.utf8)
                default:
                    bytes += generator.line()
                }
            }
            if generator.chance(0.5) { bytes.append(0x0A) }
            let firstLine = generator.pick([1, 1, 41])
            let load = bytes.withUnsafeBufferPointer { StreamReader.read(bytes: $0, stream: 3, firstLine: firstLine) }
            let expected = bytes.withUnsafeBufferPointer { ReferenceStreamReader.read(bytes: $0, stream: 3, firstLine: firstLine) }
            #expect(load.events.map(exactEvent) == expected.events.map(exactEvent), "round \(round)")
            #expect(load.duplicates.map(exactEvent) == expected.duplicates.map(exactEvent), "round \(round)")
            #expect(load.quarantined.map(quarantineText) == expected.quarantined.map(quarantineText), "round \(round)")
            #expect(load.blankLines == expected.blankLines, "round \(round)")
            #expect(load.lines == expected.lines, "round \(round)")
        }
    }

    @Test("the event_id table keeps the first line per id as it grows past its first size")
    func manyIDs() {
        var text = ""
        for n in 0..<20_000 {
            // Short lines, so the table starts small and grows several times.
            text += #"{"event_id":"\#(n % 7_000)","type":"t","timestamp":"2026-09-01T00:00:0\#(n % 10)Z"}"#
            text += "\n"
        }
        let load = read(text)
        let expected = text.utf8.withContiguousStorageIfAvailable { ReferenceStreamReader.read(bytes: $0, stream: 0) }!
        #expect(load.events.count == 7_000)
        #expect(load.duplicates.count == 13_000)
        #expect(load.events.map(exactEvent) == expected.events.map(exactEvent))
        #expect(load.duplicates.map(exactEvent) == expected.duplicates.map(exactEvent))
    }

    @Test("files read in chunks give what reading them whole gives, whatever falls on a chunk boundary")
    func chunkedFiles() throws {
        var generator = EventLineGenerator(seed: 5)
        let chunk = StreamReader.chunkBytes
        var bytes: [UInt8] = []
        func event(_ id: String, padding: Int) -> [UInt8] {
            Array(#"{"event_id":"\#(id)","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":{"s":""#.utf8)
                + [UInt8](repeating: UInt8(ascii: "a"), count: padding) + Array(#""}}"#.utf8)
        }
        while bytes.count < chunk - 1_000 { bytes += generator.line() + [0x0A] }
        // A line whose CRLF straddles the first chunk boundary.
        bytes += event("straddle", padding: chunk - 1 - bytes.count - event("straddle", padding: 0).count) + [0x0D]
        #expect(bytes.count == chunk)
        bytes.append(0x0A)
        while bytes.count < 3 * chunk { bytes += generator.line() + (generator.chance(0.2) ? [0x0D, 0x0A] : [0x0A]) }
        // Lines longer than the buffer, one of them over the line limit.
        bytes += event("long", padding: 2 * chunk + 17) + [0x0A]
        let tooLong = event("too-long", padding: EventDecoder.maxLineBytes)
        bytes += tooLong + [0x0A]
        while bytes.count < 6 * chunk + 5_000 { bytes += generator.line() + [0x0A] }
        bytes += event("last", padding: 3)  // no newline at the end

        let path = NSTemporaryDirectory() + "cohort-chunks-" + UUID().uuidString + ".ndjson"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let load = try StreamReader.read(path: path, stream: 1)
        let expected = bytes.withUnsafeBufferPointer { ReferenceStreamReader.read(bytes: $0, stream: 1) }
        #expect(load.events.map(exactEvent) == expected.events.map(exactEvent))
        #expect(load.duplicates.map(exactEvent) == expected.duplicates.map(exactEvent))
        #expect(load.quarantined.map(quarantineText) == expected.quarantined.map(quarantineText))
        #expect(load.blankLines == expected.blankLines)
        #expect(load.lines == expected.lines)
        let ids = Set(load.events.map(\.id))
        #expect(ids.contains("straddle") && ids.contains("long") && ids.contains("last"))
        let reasons = load.quarantined.map(\.reason)
        #expect(reasons.contains("line is \(tooLong.count) bytes, over the \(EventDecoder.maxLineBytes)-byte limit"))
    }

    @Test("a file that cannot be read fails with the error reading it whole gives")
    func unreadableFiles() throws {
        let missing = NSTemporaryDirectory() + "cohort-missing-" + UUID().uuidString
        let directory = NSTemporaryDirectory() + "cohort-dir-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for path in [missing, directory] {
            var ours = "", whole = ""
            do { _ = try StreamReader.read(path: path, stream: 0) } catch { ours = error.localizedDescription }
            do { _ = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { whole = error.localizedDescription }
            #expect(!ours.isEmpty)
            #expect(ours == whole)
        }
    }

    @Test("event_ids that are the same text in different Unicode forms are duplicates, as String equality has it")
    func canonicalIDs() {
        let load = read(#"""
        {"event_id":"b","type":"1","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"a","type":"2","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"K","type":"3","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"\u212A","type":"4","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"caf\u00e9","type":"5","timestamp":"2026-09-02T00:00:00Z"}
        {"event_id":"cafe\u0301","type":"6","timestamp":"2026-09-01T00:00:00Z"}
        {"event_id":"a","type":"7","timestamp":"2026-09-01T00:00:00Z"}
        """#)
        #expect(load.events.map(\.type) == ["1", "2", "3", "6"])
        #expect(load.duplicates.map(\.type) == ["4", "5", "7"])
    }

    func quarantineText(_ q: QuarantinedLine) -> String {
        "\(q.stream) \(q.line) \(exactBytes(q.reason)) \(exactBytes(q.excerpt))"
    }
}

/// `StreamReader.read(bytes:)` as it was before the fast path: the general decoder for every
/// line and a `[String: Int]` for duplicates, to compare against.
enum ReferenceStreamReader {
    static func read(bytes: UnsafeBufferPointer<UInt8>, stream: Int, firstLine: Int = 1) -> StreamLoad {
        var load = StreamLoad()
        var kept: [String: Int] = [:]
        var start = 0
        var lineNo = firstLine - 1
        let n = bytes.count
        while start < n {
            var end = start
            while end < n, bytes[end] != 0x0A { end += 1 }
            lineNo += 1
            var stop = end
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                load.blankLines += 1
                continue
            }
            switch EventDecoder.decode(line, stream: stream, line: lineNo) {
            case .failure(let e):
                let text = String(decoding: line.prefix(200), as: UTF8.self)
                load.quarantined.append(QuarantinedLine(stream: stream, line: lineNo, reason: e.reason, excerpt: text))
            case .success(let event):
                if let at = kept[event.id] {
                    let old = load.events[at]
                    if event.timestamp < old.timestamp {
                        load.duplicates.append(old)
                        load.events[at] = event
                    } else {
                        load.duplicates.append(event)
                    }
                } else {
                    kept[event.id] = load.events.count
                    load.events.append(event)
                }
            }
        }
        load.lines = lineNo - firstLine + 1
        return load
    }
}
