#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A single-pass decoder for the common shape of event lines: it reads the bytes once,
/// validating UTF-8 only inside strings (the only place non-ASCII can be), and builds the
/// `Event` directly, without a `JSONValue` tree for the top-level object.
///
/// It only ever produces successes. Whatever it is unsure of — any syntax or UTF-8 error, a
/// missing, repeated or ill-typed required field, a required key spelled with escapes,
/// nesting deeper than `maxDepth`, an over-long line — makes it return nil, and the caller
/// falls back to `EventDecoder.decode`, so every result, and every quarantine reason, is
/// exactly what the general decoder gives. Strings with escapes are unescaped by
/// `JSONParser` itself.
///
/// It keeps scratch stacks and tables of recent strings and properties between lines, so it
/// is a non-copyable value: one per reader.
struct FastEventDecoder: ~Copyable {
    /// Values nested deeper than this fall back to the general decoder (whose limit is
    /// `JSONParser.maxDepth`); the top-level object is depth 0.
    static let maxDepth = 64

    /// Members of the objects being read, innermost last; each object moves its own members
    /// out into an exactly sized array when it closes.
    private var members = ScratchStack<JSONMember>()
    /// Items of the arrays being read, likewise.
    private var items = ScratchStack<JSONValue>()
    /// Short strings made recently, to reuse.
    private var strings = ShortStrings()
    /// Properties objects read recently, to reuse.
    private var repeated: RepeatedObjects

    /// `repeatedObjects` sizes the table of recent properties objects (tests make it small).
    init(repeatedObjects: Int = 1024) {
        repeated = RepeatedObjects(slots: repeatedObjects)
    }

    deinit {
        members.deallocate()
        items.deallocate()
    }

    /// Decodes a line with the fast path, falling back to `EventDecoder.decode` when the fast
    /// path declines; the result is always the general decoder's.
    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, stream: Int, line: Int) -> Result<Event, EventLineError> {
        if let event = decodeFast(bytes, stream: stream, line: line) { return .success(event) }
        return EventDecoder.decode(bytes, stream: stream, line: line)
    }

    /// The event of a line that is a valid event in the usual shape, or nil when the general
    /// decoder must decide.
    mutating func decodeFast(_ bytes: UnsafeBufferPointer<UInt8>, stream: Int, line: Int) -> Event? {
        guard bytes.count <= EventDecoder.maxLineBytes, let base = bytes.baseAddress else { return nil }
        var s = ByteScanner(base, base + bytes.count)
        if let event = readEvent(&s, stream: stream, line: line) { return event }
        members.removeAll()
        items.removeAll()
        return nil
    }

    // MARK: The top-level object

    /// The required fields read so far.
    private struct Required {
        var id: String?
        var type: String?
        var timestamp: Int64?
        var properties: [JSONMember]?
    }

    private mutating func readEvent(_ s: inout ByteScanner, stream: Int, line: Int) -> Event? {
        s.skipWhitespace()
        guard s.take(UInt8(ascii: "{")) else { return nil }
        var required = Required()
        repeat {
            s.skipWhitespace()
            guard s.peek == UInt8(ascii: "\""), let key = s.scanString() else { return nil }
            s.skipWhitespace()
            guard s.take(UInt8(ascii: ":")) else { return nil }
            s.skipWhitespace()
            guard readMember(key, &s, &required) else { return nil }
            s.skipWhitespace()
        } while s.take(UInt8(ascii: ","))
        guard s.take(UInt8(ascii: "}")) else { return nil }
        s.skipWhitespace()
        guard s.atEnd, let id = required.id, let type = required.type, let ts = required.timestamp else { return nil }
        return Event(stream: stream, line: line, id: id, type: type, timestamp: ts,
                     fields: members.popArray(from: 0), properties: required.properties ?? [])
    }

    /// Reads the value of the top-level member `key`: a required field into `required` (which
    /// must not have it yet), any other onto `members`. False to fall back.
    private mutating func readMember(_ key: ScannedString, _ s: inout ByteScanner, _ required: inout Required) -> Bool {
        if key.escaped {
            // An identity field, unless the key unescapes to a required field's name.
            guard let name = makeString(key, readableTo: s.end), RequiredKey(name: name) == nil,
                  let value = readValue(&s, depth: 1) else { return false }
            members.push(JSONMember(key: name, value: value))
            return true
        }
        switch RequiredKey(key.bytes) {
        case .eventID:
            // Ids rarely repeat, so they are made directly, not through the short-string table.
            guard required.id == nil, s.peek == UInt8(ascii: "\""), let text = s.scanString(), !text.bytes.isEmpty else { return false }
            required.id = text.escaped ? makeString(text, readableTo: s.end) : String(decoding: text.bytes, as: UTF8.self)
            return required.id?.isEmpty == false
        case .type:
            guard required.type == nil, s.peek == UInt8(ascii: "\""), let text = s.scanString() else { return false }
            required.type = makeString(text, readableTo: s.end)
            return required.type?.isEmpty == false
        case .timestamp:
            guard required.timestamp == nil, s.peek == UInt8(ascii: "\""), let text = s.scanString() else { return false }
            if text.escaped {
                required.timestamp = makeString(text, readableTo: s.end).flatMap { CivilTime.parseTimestamp($0) }
            } else {
                required.timestamp = CivilTime.parseTimestamp(utf8: text.bytes)
            }
            return required.timestamp != nil
        case .properties:
            guard required.properties == nil else { return false }
            if s.peek == UInt8(ascii: "{") {
                required.properties = readProperties(&s)
            } else if s.takeLiteral("null") {
                required.properties = []
            }
            return required.properties != nil
        case nil:
            guard let value = readValue(&s, depth: 1) else { return false }
            members.push(JSONMember(key: strings.string(key.bytes, readableTo: s.end), value: value))
            return true
        }
    }

    /// The members of the properties object that starts at the scanner. When the object is
    /// the line's last member, its text (up to the top-level closing brace) is looked up among
    /// recent ones first: text equal to an object read before is that same object.
    private mutating func readProperties(_ s: inout ByteScanner) -> [JSONMember]? {
        let text = s.textBeforeClosingBrace()
        if let text, let known = repeated.members(of: text) {
            s.skip(text.count)
            return known
        }
        s.advance()
        guard let properties = readObjectMembers(&s, depth: 1) else { return nil }
        if let text, s.p == text.baseAddress! + text.count { repeated.remember(text, properties) }
        return properties
    }

    /// The four keys `EventDecoder` treats specially.
    private enum RequiredKey {
        case eventID, type, timestamp, properties

        init?(name: String) {
            switch name {
            case "event_id": self = .eventID
            case "type": self = .type
            case "timestamp": self = .timestamp
            case "properties": self = .properties
            default: return nil
            }
        }

        /// Compares whole words: the key's bytes read as little-endian integers. Comparing
        /// bytes is exact: the only non-ASCII text canonically equivalent to ASCII involves
        /// K, ';' and '`' (U+212A, U+037E, U+1FEF), none of which is in these names.
        init?(_ key: UnsafeBufferPointer<UInt8>) {
            let p = UnsafeRawPointer(key.baseAddress!)
            switch key.count {
            case 4 where p.loadUnaligned(as: UInt32.self).littleEndian == 0x6570_7974: // "type"
                self = .type
            case 8 where p.loadUnaligned(as: UInt64.self).littleEndian == 0x6469_5F74_6E65_7665: // "event_id"
                self = .eventID
            case 9 where p.loadUnaligned(as: UInt64.self).littleEndian == 0x6D61_7473_656D_6974 // "timestam"
                && key[8] == UInt8(ascii: "p"):
                self = .timestamp
            case 10 where p.loadUnaligned(as: UInt64.self).littleEndian == 0x6974_7265_706F_7270 // "properti"
                && p.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian == 0x7365: // "es"
                self = .properties
            default:
                return nil
            }
        }
    }

    // MARK: Values

    /// A JSON value exactly as `JSONParser` would build it, or nil to fall back.
    private mutating func readValue(_ s: inout ByteScanner, depth: Int) -> JSONValue? {
        guard let c = s.peek else { return nil }
        switch c {
        case UInt8(ascii: "\""):
            guard let text = s.scanString(), let v = makeString(text, readableTo: s.end) else { return nil }
            return .string(v)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let number = s.scanNumber() else { return nil }
            return .number(strings.string(number, readableTo: s.end))
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { return nil }
            s.advance()
            return readObjectMembers(&s, depth: depth).map(JSONValue.object)
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { return nil }
            s.advance()
            return readArrayItems(&s, depth: depth).map(JSONValue.array)
        case UInt8(ascii: "t"): return s.takeLiteral("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return s.takeLiteral("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return s.takeLiteral("null") ? .null : nil
        default: return nil
        }
    }

    /// The members of an object whose `{` was just read, at `depth`.
    private mutating func readObjectMembers(_ s: inout ByteScanner, depth: Int) -> [JSONMember]? {
        let mark = members.count
        s.skipWhitespace()
        if s.take(UInt8(ascii: "}")) { return [] }
        while true {
            s.skipWhitespace()
            guard s.peek == UInt8(ascii: "\""), let keyText = s.scanString(), let key = makeString(keyText, readableTo: s.end) else { return nil }
            s.skipWhitespace()
            guard s.take(UInt8(ascii: ":")) else { return nil }
            s.skipWhitespace()
            guard let value = readValue(&s, depth: depth + 1) else { return nil }
            members.push(JSONMember(key: key, value: value))
            s.skipWhitespace()
            if s.take(UInt8(ascii: ",")) { continue }
            guard s.take(UInt8(ascii: "}")) else { return nil }
            return members.popArray(from: mark)
        }
    }

    /// The items of an array whose `[` was just read, at `depth`.
    private mutating func readArrayItems(_ s: inout ByteScanner, depth: Int) -> [JSONValue]? {
        let mark = items.count
        s.skipWhitespace()
        if s.take(UInt8(ascii: "]")) { return [] }
        while true {
            s.skipWhitespace()
            guard let value = readValue(&s, depth: depth + 1) else { return nil }
            items.push(value)
            s.skipWhitespace()
            if s.take(UInt8(ascii: ",")) { continue }
            guard s.take(UInt8(ascii: "]")) else { return nil }
            return items.popArray(from: mark)
        }
    }

    /// The text of a scanned string: its bytes as they are, or, when it has escapes, what
    /// `JSONParser` makes of the string token (so escape handling has one implementation).
    private mutating func makeString(_ text: ScannedString, readableTo end: UnsafePointer<UInt8>) -> String? {
        guard text.escaped else { return strings.string(text.bytes, readableTo: end) }
        let token = UnsafeBufferPointer(start: text.bytes.baseAddress! - 1, count: text.bytes.count + 2)
        guard case .string(let v)? = try? JSONParser.parse(token) else { return nil }
        return v
    }
}

/// A string's bytes between its quotes, and whether they contain escapes.
struct ScannedString {
    var bytes: UnsafeBufferPointer<UInt8>
    var escaped: Bool
}

/// A cursor over a line's bytes with the lexical pieces of JSON. Every method checks the
/// end; none reads past it.
struct ByteScanner {
    private(set) var p: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>

    init(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) {
        p = start
        self.end = end
    }

    var atEnd: Bool { p == end }

    /// The next byte, nil at the end.
    var peek: UInt8? { p < end ? p.pointee : nil }

    mutating func advance() { p += 1 }

    mutating func skip(_ n: Int) { p += n }

    /// The bytes from here up to the line's last non-whitespace byte, excluded, when that
    /// byte is a `}` (closing the top-level object, if the line is an object).
    func textBeforeClosingBrace() -> UnsafeBufferPointer<UInt8>? {
        var last = end - 1
        while last > p, last.pointee == 0x20 || last.pointee == 0x09 || last.pointee == 0x0D || last.pointee == 0x0A { last -= 1 }
        guard last > p, last.pointee == UInt8(ascii: "}") else { return nil }
        return UnsafeBufferPointer(start: p, count: last - p)
    }

    /// Consumes `c` if it is next.
    mutating func take(_ c: UInt8) -> Bool {
        guard p < end, p.pointee == c else { return false }
        p += 1
        return true
    }

    /// Consumes `word` if it is next.
    mutating func takeLiteral(_ word: StaticString) -> Bool {
        guard end - p >= word.utf8CodeUnitCount, Self.equal(UnsafeBufferPointer(start: p, count: word.utf8CodeUnitCount), word) else { return false }
        p += word.utf8CodeUnitCount
        return true
    }

    /// Whether `bytes` are exactly `word`'s.
    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        for k in 0..<bytes.count where bytes[k] != w[k] { return false }
        return true
    }

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    mutating func skipWhitespace() {
        while p < end {
            switch p.pointee {
            case 0x20, 0x09, 0x0A, 0x0D: p += 1
            default: return
            }
        }
    }

    /// Reads a string whose opening quote is next; nil (fall back) on a control character,
    /// invalid UTF-8, an escape of a non-ASCII byte, or a missing closing quote. Escapes are
    /// only stepped over, not checked: `JSONParser` checks them when the text is made.
    @inline(__always)
    mutating func scanString() -> ScannedString? {
        p += 1
        let start = p
        // Plain ASCII up to the closing quote, eight bytes at a time, is the usual case.
        while end - p >= 8 {
            let special = Self.specialBytes(UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian)
            if special == 0 { p += 8; continue }
            p += special.trailingZeroBitCount >> 3
            guard p.pointee == UInt8(ascii: "\"") else { break }
            let text = ScannedString(bytes: UnsafeBufferPointer(start: start, count: p - start), escaped: false)
            p += 1
            return text
        }
        return scanStringRest(from: start)
    }

    /// `scanString` from the first byte that is not plain ASCII, or near the end of the line.
    @inline(never)
    mutating func scanStringRest(from start: UnsafePointer<UInt8>) -> ScannedString? {
        var escaped = false
        while true {
            // Eight bytes at a time up to the first quote, backslash, control or non-ASCII byte.
            if end - p >= 8 {
                let special = Self.specialBytes(UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian)
                if special == 0 { p += 8; continue }
                p += special.trailingZeroBitCount >> 3
            }
            guard p < end else { return nil }
            let c = p.pointee
            if c == UInt8(ascii: "\"") {
                let text = ScannedString(bytes: UnsafeBufferPointer(start: start, count: p - start), escaped: escaped)
                p += 1
                return text
            } else if c == UInt8(ascii: "\\") {
                escaped = true
                guard end - p >= 2, p[1] >= 0x20, p[1] < 0x80 else { return nil }
                p += 2
            } else if c < 0x20 {
                return nil
            } else if c < 0x80 {
                p += 1
            } else {
                let n = UTF8Check.sequenceLength(p, end)
                guard n > 0 else { return nil }
                p += n
            }
        }
    }

    /// The high bits of a little-endian word's bytes that are a quote, a backslash, a control
    /// character or non-ASCII: zero when there is none, and the lowest bit set always marks
    /// the first such byte (bits above it may be false alarms, from borrows).
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (w &- ones &* 0x20) & ~w
        return (zeroInQuote | zeroInBackslash | control | w) & highs
    }

    /// Reads a number in exactly `JSONParser`'s grammar; nil when it does not follow it.
    mutating func scanNumber() -> UnsafeBufferPointer<UInt8>? {
        let start = p
        _ = take(UInt8(ascii: "-"))
        guard let first = peek, Self.isDigit(first) else { return nil }
        p += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if take(UInt8(ascii: ".")) {
            guard let d = peek, Self.isDigit(d) else { return nil }
            skipDigits()
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard let d = peek, Self.isDigit(d) else { return nil }
            skipDigits()
        }
        return UnsafeBufferPointer(start: start, count: p - start)
    }

    private mutating func skipDigits() {
        while p < end, Self.isDigit(p.pointee) { p += 1 }
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
}

/// UTF-8 validation by the rules of `EventDecoder.firstInvalidUTF8Offset`: no overlong forms,
/// no surrogates, nothing above U+10FFFF.
enum UTF8Check {
    /// The length of the valid multi-byte sequence at `p` (whose first byte is not ASCII), or
    /// 0 when it is invalid or cut off by `end`.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int {
        let c = p.pointee
        let len: Int
        var scalar: UInt32
        let minScalar: UInt32
        switch c {
        case 0xC2...0xDF: len = 2; scalar = UInt32(c & 0x1F); minScalar = 0x80
        case 0xE0...0xEF: len = 3; scalar = UInt32(c & 0x0F); minScalar = 0x800
        case 0xF0...0xF4: len = 4; scalar = UInt32(c & 0x07); minScalar = 0x10000
        default: return 0
        }
        guard end - p >= len else { return 0 }
        for k in 1..<len {
            let b = p[k]
            guard b & 0xC0 == 0x80 else { return 0 }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return 0 }
        return len
    }
}

/// A growable stack in manually managed memory. Nested objects (or arrays) push their
/// elements on top of their parents' and move them out into an exactly sized `Array` when
/// they close: one allocation per object, no retain/release traffic.
struct ScratchStack<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    mutating func push(_ element: consuming Element) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Moves the elements from index `start` up into a new array and drops them from the stack.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0 else { return [] }
        count = start
        // `reserveCapacity` and `append` specialize in this module; `Array(unsafeUninitializedCapacity:)`
        // calls the generic allocator, which looks up the storage class's metadata each time.
        var array: [Element] = []
        array.reserveCapacity(n)
        for k in start..<(start + n) { array.append((base + k).move()) }
        return array
    }

    mutating func removeAll() {
        base.deinitialize(count: count)
        count = 0
    }

    /// Frees the memory; the stack must not be used afterwards.
    func deallocate() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

/// Small strings (up to 15 bytes, which `String` stores inline) made recently, found by their
/// bytes. Keys and many values repeat from line to line, and a hit costs a hash and two word
/// compares where making a `String` validates and copies through several calls.
struct ShortStrings: ~Copyable {
    static let maxBytes = 15
    private static let slots = 512

    /// The bytes as two little-endian words, the count in the top byte of the second.
    private struct Entry {
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var string = ""
    }

    private let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: Self.slots)
        entries.initialize(repeating: Entry(), count: Self.slots)
    }

    deinit {
        entries.deinitialize(count: Self.slots)
        entries.deallocate()
    }

    /// The string of `bytes`, which must be valid UTF-8; memory up to `end` may be read past
    /// the bytes (never beyond it).
    @inline(__always)
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>, readableTo end: UnsafePointer<UInt8>) -> String {
        let n = bytes.count
        guard n <= Self.maxBytes, let p = bytes.baseAddress, end - p >= 16 else { return String(decoding: bytes, as: UTF8.self) }
        let raw = UnsafeRawPointer(p)
        let w0 = raw.loadUnaligned(as: UInt64.self).littleEndian & Self.mask(n)
        let w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian & Self.mask(n - 8) | UInt64(n) << 56
        let h = (w0 ^ (w1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        let entry = entries + Int(truncatingIfNeeded: h >> 55)
        if entry.pointee.w0 == w0, entry.pointee.w1 == w1 { return entry.pointee.string }
        return Self.make(bytes, w0, w1, into: entry)
    }

    @inline(never)
    private static func make(_ bytes: UnsafeBufferPointer<UInt8>, _ w0: UInt64, _ w1: UInt64, into entry: UnsafeMutablePointer<Entry>) -> String {
        let s = String(decoding: bytes, as: UTF8.self)
        entry.pointee = Entry(w0: w0, w1: w1, string: s)
        return s
    }

    /// Little-endian mask of the first `k` bytes of a word (none for k <= 0, all for k >= 8).
    @inline(__always)
    private static func mask(_ k: Int) -> UInt64 {
        k >= 8 ? .max : k <= 0 ? 0 : (1 &<< UInt64(8 * k)) &- 1
    }
}

/// Objects read recently, by their exact text: events of one kind often carry the same
/// properties (one campaign, one page, one product), and a hit shares the members built
/// before instead of reading the text again. Each slot keeps a copy of the text it holds,
/// compared in full, so a hash collision only costs a miss.
struct RepeatedObjects: ~Copyable {
    /// Longer texts are not kept.
    static let maxBytes = 192
    /// Shorter ones are cheap to read again.
    static let minBytes = 8

    /// A power of two.
    private let slots: Int
    /// `slots` texts of up to `maxBytes` each.
    private let texts: UnsafeMutablePointer<UInt8>
    /// Per slot, the length of its text; 0 for an empty slot.
    private let lengths: UnsafeMutablePointer<Int>
    private let objects: UnsafeMutablePointer<[JSONMember]>

    /// A table of `slots` objects (rounded up to a power of two); tests use few, to force
    /// texts to share slots.
    init(slots: Int = 1024) {
        var n = 1
        while n < slots { n *= 2 }
        self.slots = n
        texts = .allocate(capacity: n * Self.maxBytes)
        lengths = .allocate(capacity: n)
        lengths.initialize(repeating: 0, count: n)
        objects = .allocate(capacity: n)
        objects.initialize(repeating: [], count: n)
    }

    deinit {
        texts.deallocate()
        lengths.deallocate()
        objects.deinitialize(count: slots)
        objects.deallocate()
    }

    /// The members of the object whose text is exactly `text`, if it is held.
    @inline(__always)
    func members(of text: UnsafeBufferPointer<UInt8>) -> [JSONMember]? {
        guard let slot = slot(text), lengths[slot] == text.count,
              memcmp(texts + slot * Self.maxBytes, text.baseAddress!, text.count) == 0 else { return nil }
        return objects[slot]
    }

    /// Holds `members` as the object whose text is `text` (which must be the complete text
    /// of that object), in place of whatever its slot held.
    mutating func remember(_ text: UnsafeBufferPointer<UInt8>, _ members: [JSONMember]) {
        guard let slot = slot(text) else { return }
        (texts + slot * Self.maxBytes).update(from: text.baseAddress!, count: text.count)
        lengths[slot] = text.count
        objects[slot] = members
    }

    /// The slot for a text of a length worth keeping: a hash of all its bytes, eight at a time.
    @inline(__always)
    private func slot(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = text.count
        guard n >= Self.minBytes, n <= Self.maxBytes, let p = text.baseAddress else { return nil }
        let raw = UnsafeRawPointer(p)
        var h = UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        // The last (overlapping) word covers the rest.
        h = (h ^ raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 32) & (slots - 1)
    }
}

// MARK: Timestamps from bytes

extension CivilTime {
    /// `parseTimestamp` on UTF-8 bytes: an RFC 3339 timestamp (`T`, `t` or a space between
    /// date and time, an optional fraction of up to nine digits, `Z`, `z` or `±HH:MM`) into
    /// microseconds; nil otherwise. Digits beyond microseconds are truncated, as Spark does.
    static func parseTimestamp(utf8 u: UnsafeBufferPointer<UInt8>, requireZone: Bool = true) -> Int64? {
        let n = u.count
        guard n >= 19, let p = u.baseAddress else { return nil }
        /// The value of the `count` ASCII digits at `at`, or -1 if any is not a digit.
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int {
            var v = 0
            for k in at..<(at + count) {
                let d = p[k] &- 0x30
                guard d < 10 else { return -1 }
                v = v * 10 + Int(d)
            }
            return v
        }
        let y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2)
        let h = digits(11, 2), mi = digits(14, 2), s = digits(17, 2)
        let sep = p[10]
        guard y >= 0, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
              sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " "),
              p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
              mo >= 1, mo <= 12, d >= 1, d <= daysInMonth(year: y, month: mo),
              h >= 0, h < 24, mi >= 0, mi < 60, s >= 0, s < 60
        else { return nil }
        var i = 19
        var micros: Int64 = 0
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < n, p[i] &- 0x30 < 10 {
                if count < 6 { micros = micros * 10 + Int64(p[i] &- 0x30) }
                count += 1
                i += 1
            }
            guard count > 0, count <= 9 else { return nil }
            for _ in min(count, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if i == n {
            if requireZone { return nil }
        } else if p[i] == UInt8(ascii: "Z") || p[i] == UInt8(ascii: "z") {
            i += 1
        } else if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
            let sign: Int64 = p[i] == UInt8(ascii: "-") ? -1 : 1
            guard n == i + 6, p[i + 3] == UInt8(ascii: ":") else { return nil }
            let oh = digits(i + 1, 2), om = digits(i + 4, 2)
            guard oh >= 0, oh < 24, om >= 0, om < 60 else { return nil }
            offsetSeconds = sign * Int64(oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        let secs = days(year: y, month: mo, day: d) * 86_400 + Int64(h * 3600 + mi * 60 + s) - offsetSeconds
        return secs * microsPerSecond + micros
    }
}
