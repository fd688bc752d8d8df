import Testing
@testable import CohortEngine

/// SplitMix64: a small seeded generator, so generated lines are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates NDJSON event lines from a seed: valid events of many shapes, events with wrong
/// or missing fields, and byte-level mutations of them.
struct EventLineGenerator {
    private var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// One line (without its newline).
    mutating func line(mutate: Bool = true) -> [UInt8] {
        var bytes: [UInt8]
        if chance(0.01) {
            bytes = Array(pick(["", "[1,2]", "\"x\"", "null", "42", "{}", "{\"event_id\":\"a\"}", " { } "]).utf8)
        } else {
            bytes = event()
        }
        if mutate, chance(0.2) {
            for _ in 0..<int(1...3) { bytes = mutated(bytes) }
        }
        return bytes
    }

    /// A top-level object: usually a valid event, sometimes with a required field wrong,
    /// missing, repeated or spelled with an escape.
    mutating func event() -> [UInt8] {
        var members: [(key: [UInt8], value: [UInt8])] = []
        let id = chance(0.94) ? quoted(Array("\(pick(["w", "e", "l", "s"]))-\(int(0...999_999))".utf8)) : wrongRequired()
        let type = chance(0.95) ? quoted(Array(pick(["page_view", "purchase", "send", "sms_opt_in", "t", "ä"]).utf8)) : wrongRequired()
        let ts = chance(0.94) ? quoted(timestamp()) : wrongRequired()
        let properties: [UInt8]
        if chance(0.03) {
            properties = Array(pick(["null", "[1]", "\"x\"", "1", "true", "{}", "nul"]).utf8)
        } else if chance(0.02) {
            properties = Array("{\"deep\":".utf8) + nested(depth: pick([60, 62, 63, 64, 65, 70, 253, 254, 255, 256, 300])) + [UInt8(ascii: "}")]
        } else {
            properties = object(depth: 1)
        }
        for (key, value) in [("event_id", id), ("type", type), ("timestamp", ts), ("properties", properties)] where chance(0.98) {
            members.append((requiredKey(key), value))
            if chance(0.02) { members.append((requiredKey(key), pick([value, wrongRequired(), quoted(timestamp())]))) }
        }
        for _ in 0..<int(0...3) {
            let key = Array(pick(["customer_id", "email", "phone", "loyalty_id", "store_id", "", "é", "a\\nb", "k\\u0041"]).utf8)
            let value: [UInt8]
            switch int(0...5) {
            case 0: value = number()
            case 1: value = self.value(depth: 1)
            default: value = quoted(Array(pick(["AMP-004467", "ana@example.com", "mills.danielle@inbox.example.net", "+1 253-397-3846", ""]).utf8))
            }
            members.append((key, value))
        }
        members.shuffle(using: &rng)
        var out = ws() + [UInt8(ascii: "{")]
        for (n, m) in members.enumerated() {
            if n > 0 { out += ws() + [UInt8(ascii: ",")] }
            out += ws() + quoted(m.key) + ws() + [UInt8(ascii: ":")] + ws() + m.value
        }
        return out + ws() + [UInt8(ascii: "}")] + ws()
    }

    /// A required key as written: almost always plain, sometimes with an escape in it.
    mutating func requiredKey(_ key: String) -> [UInt8] {
        guard chance(0.02) else { return Array(key.utf8) }
        return Array(key.replacingOccurrences(of: "e", with: "\\u0065").utf8)
    }

    /// A value the general decoder rejects (or treats specially) for a required field.
    mutating func wrongRequired() -> [UInt8] {
        Array(pick(["\"\"", "null", "1", "true", "{}", "[]", "\"a\\u0000b\"", "\"\\u0032026-09-01T00:00:00Z\"", "\"x\\ny\""]).utf8)
    }

    /// A timestamp's text: mostly valid RFC 3339 in its variants, sometimes slightly wrong.
    mutating func timestamp() -> [UInt8] {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let bad = chance(0.15)
        let year = pick([2026, 2026, 2024, 1969, 1, 9999, 2000, 2100])
        let month = bad && chance(0.2) ? pick([0, 13]) : int(1...12)
        let days = month >= 1 && month <= 12 ? CivilTime.daysInMonth(year: year, month: month) : 31
        let day = bad && chance(0.2) ? pick([0, days + 1, 32]) : int(1...days)
        let hour = bad && chance(0.2) ? 24 : int(0...23)
        let minute = bad && chance(0.2) ? 60 : int(0...59)
        let second = bad && chance(0.2) ? 60 : int(0...59)
        var s = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        s += pick(["T", "T", "T", "t", " "]) + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if chance(0.3) {
            let digits = bad && chance(0.3) ? pick([0, 10]) : int(1...9)
            s += "." + (0..<digits).map { _ in String(int(0...9)) }.joined()
        }
        if bad && chance(0.3) {
            s += pick(["", "+0530", "+24:00", "-05:60", "Z ", "ZZ", "+05:30:00", "UTC", "+5:30"])
        } else {
            s += pick(["Z", "Z", "Z", "z", "+05:30", "-06:00", "-00:00", "+23:59", "-23:59"])
        }
        if bad && chance(0.3) {
            s = pick([String(s.dropFirst()), "2026-9-1T00:00:00Z", "2026-09-01", "２026-09-01T00:00:00Z", "2026-09-01T00:00:00.Z", "2026-09-01T00:00:00é"])
        }
        return Array(s.utf8)
    }

    /// Whitespace between tokens: usually none.
    mutating func ws() -> [UInt8] {
        guard chance(0.1) else { return [] }
        return Array(pick([" ", "  ", "\t", " \t ", "\r", "\n", "\r\n "]).utf8)
    }

    func quoted(_ body: [UInt8]) -> [UInt8] { [UInt8(ascii: "\"")] + body + [UInt8(ascii: "\"")] }

    /// A string's body: plain text, Unicode, escapes of every kind, and now and then
    /// something invalid (raw control characters, bad UTF-8, bad escapes).
    mutating func stringBody() -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<int(0...4) {
            switch int(0...12) {
            case 0...5:
                out += Array(pick(["a", "web", "AMP-000123", "ana@example.com", "Welcome to Ridgeline, here's 10% off", "x y", "/p/RL-16747",
                                   "0", "'", "12345678", "abcdefghijklmnop", "abcdefghijklmno", "{\"not\":json}", "[]:,"]).utf8)
            case 6, 7:
                out += Array(pick(["é", "中文", "😀", "ß", "\u{7F}", "e\u{301}", "\u{FEFF}", "\u{10FFFF}"]).utf8)
            case 8, 9, 10:
                out += Array(pick([#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u00e9"#, #"\u00E9"#, #"\u0000"#, #"\u001F"#,
                                   #"\ud83d\ude00"#, #"\uD83D\uDE00"#, #"\ud800"#, #"\udc00x"#, #"\ud800\ud800"#, #"\ud800\u0041"#, #"\u0041"#]).utf8)
            case 11 where chance(0.2):
                out += pick([[0x01], [0x1F], [0x00], [0xC3, 0x28], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
                             [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF], [0xF0, 0x9F, 0x98],
                             Array(#"\x"#.utf8), Array(#"\u12"#.utf8), Array(#"\u12G4"#.utf8), [0x5C, 0xC3, 0xA9], [0x5C, 0x01]])
            default:
                out += Array(String(int(0...99_999)).utf8)
            }
        }
        return out
    }

    /// A number: valid in every JSON form, including ones that do not fit any machine type,
    /// and sometimes not quite a number.
    mutating func number() -> [UInt8] {
        if chance(0.4) { return Array(String(int(-1_000_000...1_000_000)).utf8) }
        if chance(0.3) { return Array("\(int(0...9999)).\(int(0...99))".utf8) }
        if chance(0.1) {
            return Array(pick(["01", "1.", "-", ".5", "1e", "1e+", "+1", "0x10", "NaN", "-Infinity", "1.5.2", "--1", "-01"]).utf8)
        }
        return Array(pick(["0", "-0", "1", "-1", "10.50", "1e400", "-1e-400", "1E+2", "2.5e-3", "12345678901234567890", "-9223372036854775808",
                           "9223372036854775807", "9223372036854775808", "0.1", "-0.0", "1e0", "0.000000000000000000001"]).utf8)
    }

    /// Any JSON value, smaller as it nests.
    mutating func value(depth: Int) -> [UInt8] {
        switch depth > 3 ? int(0...3) : int(0...6) {
        case 0: return quoted(stringBody())
        case 1: return number()
        case 2: return Array((chance(0.05) ? pick(["tru", "nul", "True", "nulll", "falsey"]) : pick(["true", "false", "null"])).utf8)
        case 3: return quoted(Array(pick(["shoes", "store", "JOIN", "crash pad", ""]).utf8))
        case 4, 5: return object(depth: depth + 1)
        default: return array(depth: depth + 1)
        }
    }

    mutating func object(depth: Int) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")] + ws()
        for n in 0..<int(0...4) {
            if n > 0 { out += ws() + [UInt8(ascii: ",")] + ws() }
            let key = chance(0.8) ? Array(pick(["sku", "amount", "category", "channel", "url", "a", "sku", "é", ""]).utf8) : stringBody()
            out += quoted(key) + ws() + [UInt8(ascii: ":")] + ws() + value(depth: depth)
        }
        return out + ws() + [UInt8(ascii: "}")]
    }

    mutating func array(depth: Int) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")] + ws()
        for n in 0..<int(0...4) {
            if n > 0 { out += ws() + [UInt8(ascii: ",")] + ws() }
            out += value(depth: depth)
        }
        return out + ws() + [UInt8(ascii: "]")]
    }

    /// Arrays and objects nested `depth` levels around a number.
    mutating func nested(depth: Int) -> [UInt8] {
        var open: [UInt8] = [], close: [UInt8] = []
        for _ in 0..<depth {
            if chance(0.5) {
                open += Array("[".utf8)
                close = Array("]".utf8) + close
            } else {
                open += Array("{\"k\":".utf8)
                close = Array("}".utf8) + close
            }
        }
        return open + Array("1".utf8) + close
    }

    /// One byte-level change: a byte deleted, inserted or replaced, the line cut short, or
    /// something added at an end.
    mutating func mutated(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        let interesting: [UInt8] = Array("\"\\{}[],: \t0-e.a".utf8) + [0x00, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xED, 0xF4, 0xFF]
        switch int(0...5) {
        case 0 where !b.isEmpty: b.remove(at: int(0...(b.count - 1)))
        case 1: b.insert(pick(interesting), at: int(0...b.count))
        case 2 where !b.isEmpty: b[int(0...(b.count - 1))] = pick(interesting)
        case 3 where !b.isEmpty: b = Array(b.prefix(int(0...(b.count - 1))))
        case 4: b += Array(pick([" x", ",", "}", "{}", " \t", "\"", "\u{FEFF}"]).utf8)
        default: b = Array(pick(["\u{FEFF}", " ", "x", "\t"]).utf8) + b
        }
        return b
    }
}

/// A rendering of a decode result in which every string shows its exact UTF-8 bytes
/// (`String`'s `==` would let canonically equivalent but different texts pass).
func exactOutcome(_ result: Result<Event, EventLineError>) -> String {
    switch result {
    case .success(let e): return "ok " + exactEvent(e)
    case .failure(let e): return "error " + exactBytes(e.reason)
    }
}

func exactEvent(_ e: Event) -> String {
    "stream \(e.stream) line \(e.line) id \(exactBytes(e.id)) type \(exactBytes(e.type)) ts \(e.timestamp) "
        + "fields \(exactJSON(.object(e.fields))) properties \(exactJSON(.object(e.properties)))"
}

func exactJSON(_ v: JSONValue) -> String {
    switch v {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let t): return "#" + exactBytes(t)
    case .string(let s): return "s" + exactBytes(s)
    case .array(let items): return "[" + items.map(exactJSON).joined(separator: ",") + "]"
    case .object(let members): return "{" + members.map { exactBytes($0.key) + ":" + exactJSON($0.value) }.joined(separator: ",") + "}"
    }
}

func exactBytes(_ s: String) -> String {
    "<" + s.utf8.map { String($0, radix: 16) }.joined(separator: " ") + ">"
}

@Suite("Fast event decoder")
struct FastEventDecoderTests {
    /// The fast path's answer (nil when it declines) and the general decoder's, for one line.
    func both(_ bytes: [UInt8], _ decoder: inout FastEventDecoder, line: Int = 1) -> (fast: Event?, general: Result<Event, EventLineError>) {
        bytes.withUnsafeBufferPointer { buf in
            (decoder.decodeFast(buf, stream: 2, line: line), EventDecoder.decode(buf, stream: 2, line: line))
        }
    }

    @Test("on generated and mutated lines the fast path agrees with the general decoder, or declines")
    func differential() {
        var generator = EventLineGenerator(seed: 20_260_901)
        var decoder = FastEventDecoder()
        var mismatches: [String] = []
        var valid = 0, fast = 0, fastOnInvalid = 0
        for n in 1...30_000 {
            let line = generator.line()
            let (f, general) = both(line, &decoder, line: n)
            if case .success = general { valid += 1 }
            if let f {
                fast += 1
                if case .failure = general { fastOnInvalid += 1 }
                if exactOutcome(.success(f)) != exactOutcome(general), mismatches.count < 5 {
                    mismatches.append("line \(n) \(Array(line)):\n  fast    \(exactOutcome(.success(f)))\n  general \(exactOutcome(general))")
                }
            }
            let combined = line.withUnsafeBufferPointer { decoder.decode($0, stream: 2, line: n) }
            if exactOutcome(combined) != exactOutcome(general), mismatches.count < 5 {
                mismatches.append("line \(n) \(Array(line)) (with fallback):\n  got     \(exactOutcome(combined))\n  general \(exactOutcome(general))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(fastOnInvalid == 0)
        // The fast path must take most valid lines, or agreeing would prove little. It leaves
        // the generator's repeated and escaped required keys (about one line in seven) and
        // its deepest nesting to the general decoder.
        #expect(valid > 10_000)
        #expect(fast * 100 > valid * 80, "fast path took \(fast) of \(valid) valid lines")
    }

    @Test("a properties object seen before is shared, and only when its text is the same")
    func repeatedProperties() throws {
        var generator = EventLineGenerator(seed: 1_788_220_800)
        // Objects a byte apart, of the same length, and (with one slot) in the same slot.
        var pool = (0..<300).map { _ in generator.object(depth: 1) }
        for text in pool.prefix(100) {
            var near = text
            for at in near.indices where near[at] == UInt8(ascii: "a") || near[at] == UInt8(ascii: "1") {
                near[at] += 1
                break
            }
            pool += [near, generator.mutated(text)]
        }
        pool += [Array(#"{"campaign":"welcome-series","subject":"Welcome"}"#.utf8), Array(#"{"campaign":"welcome-series","subject":"Welcomf"}"#.utf8),
                 Array(#"{"campaign":"welcome-series","subject":"Welcome" }"#.utf8), Array(#"{"a":{"b":[1,2,{"c":"\u00e9"}]}}"#.utf8)]
        var mismatches: [String] = []
        var fast = 0
        for slots in [1, 4, 1024] {
            var decoder = FastEventDecoder(repeatedObjects: slots)
            for n in 1...8_000 {
                let properties = generator.pick(pool)
                let tail = generator.pick(["}", "}", "}", "} ", " }\t\r", ",\"x\":1}", "}}", "} x", ""])
                let line = Array(#"{"event_id":"e-\#(n)","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":"#.utf8) + properties + Array(tail.utf8)
                let (f, general) = both(line, &decoder, line: n)
                guard let f else { continue }
                fast += 1
                if exactOutcome(.success(f)) != exactOutcome(general), mismatches.count < 5 {
                    mismatches.append("\(slots) slots, line \(n) \(line):\n  fast    \(exactOutcome(.success(f)))\n  general \(exactOutcome(general))")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(fast > 10_000)

        var decoder = FastEventDecoder()
        let line = Array(#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":{"campaign":"welcome-series","n":1}}"#.utf8)
        let first = try #require(both(line, &decoder).fast)
        let second = try #require(both(line, &decoder).fast)
        #expect(first.properties.withUnsafeBufferPointer { $0.baseAddress } == second.properties.withUnsafeBufferPointer { $0.baseAddress })
    }

    @Test("the fast path takes the usual shapes itself")
    func covers() throws {
        let lines = [
            #"{"event_id":"w-000001","type":"page_view","timestamp":"2026-07-03T00:01:25Z","email":"mills.danielle@inbox.example.net","properties":{"url":"/c/climbing"}}"#,
            #"{"event_id":"l-000008","type":"purchase","timestamp":"2026-07-02T18:34:02-06:00","loyalty_id":"LY36931961","properties":{"amount":110.00,"items":1,"discount":0.00}}"#,
            #" { "event_id" : "a" , "type" : "t" , "timestamp" : "2026-09-01 00:00:00.123456789+05:30" , "properties" : null } "#,
            "{\"event_id\":\"a\",\t\"type\":\"t\",\r\"timestamp\":\"2026-09-01t00:00:00z\"}",
            #"{"properties":{"a":{"b":[1,"x",{"c":[]},[[null]]],"d":true,"e":false},"n":-0.5e-3},"timestamp":"2026-09-01T00:00:00Z","type":"t","event_id":"a"}"#,
            #"{"event_id":"a\u00e9\"","type":"t\/u","timestamp":"2026-09-01T00:00:00Z","customer_id":12345678901234567890,"x":1e400,"properties":{"s":"é中😀\ud83d\ude00\ud800\u0000"}}"#,
            #"{"event_id":"a","type":"t","timestamp":"\u0032026-09-01T00:00:00Z","customer_id":"AMP-1","customer_id":"AMP-2","":""}"#,
        ]
        var decoder = FastEventDecoder()
        for line in lines {
            let (fast, general) = both(Array(line.utf8), &decoder)
            let event = try #require(fast, "fast path declined \(line)")
            #expect(exactOutcome(.success(event)) == exactOutcome(general))
        }
        let (fast, _) = both(Array(lines[5].utf8), &decoder)
        #expect(fast?.id == "aé\"")
        #expect(fast?.identity("customer_id") == "12345678901234567890")
        #expect(fast?.value(at: FieldPath("properties.s")) == .string("é中😀😀\u{FFFD}\u{0}"))
    }

    @Test("what the fast path is unsure of goes to the general decoder, with its reasons")
    func fallsBack() {
        let lines: [(String, String?)] = [
            (#"{"event\u005fid":"a","type":"t","timestamp":"2026-09-01T00:00:00Z"}"#, nil),
            (#"{"event_id":"a","typ\u0065":"t","timestamp":"2026-09-01T00:00:00Z"}"#, nil),
            (#"{"event_id":"a","event_id":"b","type":"t","timestamp":"2026-09-01T00:00:00Z"}"#, nil),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":{},"properties":null}"#, nil),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":"#
                + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}", nil),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":"#
                + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}", "invalid JSON: JSON nests deeper than 256 levels at column 331"),
            (#"{"event_id":"","type":"t","timestamp":"2026-09-01T00:00:00Z"}"#, "'event_id' must be a non-empty string"),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00"}"#, #"'timestamp' "2026-09-01T00:00:00" is not RFC 3339 with 'Z' or an offset"#),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","properties":[]}"#, "'properties' must be a JSON object"),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","n":01}"#, "invalid JSON: expected ',' or '}' in an object at column 68"),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","s":"\x"}"#, #"invalid JSON: invalid escape '\x' at column 70"#),
            (#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z"} x"#, "invalid JSON: unexpected text after the JSON value at column 64"),
            (#"{"type":"t","timestamp":"2026-09-01T00:00:00Z"}"#, "missing required field 'event_id'"),
        ]
        var decoder = FastEventDecoder()
        for (line, reason) in lines {
            let (fast, general) = both(Array(line.utf8), &decoder)
            #expect(fast == nil, "\(line)")
            let combined = Array(line.utf8).withUnsafeBufferPointer { decoder.decode($0, stream: 2, line: 1) }
            #expect(exactOutcome(combined) == exactOutcome(general))
            if let reason {
                #expect(exactOutcome(combined) == "error " + exactBytes(reason), "\(line)")
            }
        }
        // Invalid UTF-8 inside a string, and a line over the limit.
        var bytes = Array(#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","s":""#.utf8) + [0xED, 0xA0, 0x80] + Array("\"}".utf8)
        var (fast, general) = both(bytes, &decoder)
        #expect(fast == nil)
        #expect(exactOutcome(general) == "error " + exactBytes("line is not valid UTF-8 (byte 68)"))
        bytes = Array(#"{"event_id":"a","type":"t","timestamp":"2026-09-01T00:00:00Z","s":""#.utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: EventDecoder.maxLineBytes - bytes.count - 2) + Array("\"}".utf8)
        (fast, _) = both(bytes, &decoder)
        #expect(fast != nil)
        bytes.insert(UInt8(ascii: "b"), at: 70)
        (fast, general) = both(bytes, &decoder)
        #expect(fast == nil)
        #expect(exactOutcome(general) == "error " + exactBytes("line is 1048577 bytes, over the 1048576-byte limit"))
    }

    @Test("UTF-8 validation finds the first bad byte where it always did")
    func utf8Offsets() {
        var rng = SeededGenerator(seed: 3)
        let pieces: [[UInt8]] = [Array("abcdefgh".utf8), Array("é中😀".utf8), [0x20], [0xC3, 0x28], [0xC0, 0x80], [0xED, 0xA0, 0x80],
                                 [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x98], [0x80], [0xFF], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF]]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                bytes += Bool.random(using: &rng) ? pieces[0] : pieces[Int.random(in: 0..<pieces.count, using: &rng)]
            }
            let got = bytes.withUnsafeBufferPointer { EventDecoder.firstInvalidUTF8Offset($0) }
            #expect(got == Self.referenceInvalidUTF8Offset(bytes), "\(bytes)")
        }
    }

    /// `EventDecoder.firstInvalidUTF8Offset` as it was, a byte at a time.
    static func referenceInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c < 0x80 { i += 1; continue }
            let len: Int, minScalar: UInt32
            var scalar: UInt32
            switch c {
            case 0xC2...0xDF: len = 2; scalar = UInt32(c & 0x1F); minScalar = 0x80
            case 0xE0...0xEF: len = 3; scalar = UInt32(c & 0x0F); minScalar = 0x800
            case 0xF0...0xF4: len = 4; scalar = UInt32(c & 0x07); minScalar = 0x10000
            default: return i
            }
            guard i + len <= bytes.count else { return i }
            for k in 1..<len {
                guard bytes[i + k] & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            i += len
        }
        return nil
    }

    @Test("timestamps parse as before, from strings, substrings and bytes")
    func timestamps() {
        var generator = EventLineGenerator(seed: 7)
        var checked = 0
        let alphabet = Array("0123456789-:.TtZz+ x".utf8) + Array("é".utf8)
        for _ in 0..<20_000 {
            var bytes = generator.timestamp()
            if generator.chance(0.3) {
                let at = generator.int(0...(bytes.count - 1))
                bytes[at] = generator.pick(alphabet)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            for requireZone in [true, false] {
                let expected = ReferenceTimestamp.parse(text, requireZone: requireZone)
                #expect(CivilTime.parseTimestamp(text, requireZone: requireZone) == expected, "\(text)")
                #expect(CivilTime.parseTimestamp(("<" + text + ">").dropFirst().dropLast(), requireZone: requireZone) == expected, "\(text)")
                let fromBytes = Array(text.utf8).withUnsafeBufferPointer { CivilTime.parseTimestamp(utf8: $0, requireZone: requireZone) }
                #expect(fromBytes == expected, "\(text)")
                if expected != nil { checked += 1 }
            }
        }
        #expect(checked > 10_000)
        #expect(CivilTime.parseTimestamp("2026-09-01T00:00:00.123456789-05:00") == CivilTime.parseTimestamp("2026-09-01T05:00:00.123456Z"))
        #expect(CivilTime.parseTimestamp("2024-02-29T00:00:00Z") == 1_709_164_800_000_000)
        #expect(CivilTime.parseTimestamp("2026-02-29T00:00:00Z") == nil)
        #expect(CivilTime.parseTimestamp("") == nil)
    }
}

/// `CivilTime.parseTimestamp` as it was before it read bytes, to compare against.
enum ReferenceTimestamp {
    static func parse<S: StringProtocol>(_ text: S, requireZone: Bool) -> Int64? {
        let u = Array(text.utf8)
        func digit(_ c: UInt8) -> Int? { c >= 48 && c <= 57 ? Int(c - 48) : nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= u.count else { return nil }
            var v = 0
            for i in start..<(start + count) {
                guard let d = digit(u[i]) else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard u.count >= 19,
              let y = digits(0, 4), u[4] == UInt8(ascii: "-"),
              let mo = digits(5, 2), u[7] == UInt8(ascii: "-"),
              let d = digits(8, 2),
              u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " "),
              let h = digits(11, 2), u[13] == UInt8(ascii: ":"),
              let mi = digits(14, 2), u[16] == UInt8(ascii: ":"),
              let s = digits(17, 2),
              (1...12).contains(mo), d >= 1, d <= CivilTime.daysInMonth(year: y, month: mo),
              h < 24, mi < 60, s < 60
        else { return nil }
        var i = 19
        var micros: Int64 = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            while i < u.count, let dg = digit(u[i]) {
                if n < 6 { micros = micros * 10 + Int64(dg) }
                n += 1; i += 1
            }
            guard n > 0, n <= 9 else { return nil }
            for _ in min(n, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if i == u.count {
            if requireZone { return nil }
        } else if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
            i += 1
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            let sign: Int64 = u[i] == UInt8(ascii: "-") ? -1 : 1
            guard u.count == i + 6, let oh = digits(i + 1, 2), u[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * Int64(oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let secs = CivilTime.days(year: y, month: mo, day: d) * 86_400 + Int64(h * 3600 + mi * 60 + s) - offsetSeconds
        return secs * CivilTime.microsPerSecond + micros
    }
}
