import Foundation

/// Why a checkpoint (or an encoded event feed) cannot be read.
public enum EngineCheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data does not start with the expected magic bytes.
    case notACheckpoint(expected: String)
    /// Written by another version of the format (or on a machine of the other byte order).
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// The checkpoint was taken with other definitions (cohort.yaml changed since).
    case definitionsChanged
    /// The checkpoint was taken over other table data (a CSV file changed since).
    case tablesChanged
    /// The data ends before what its lengths announce.
    case truncated
    /// The data is complete but does not hold a valid state.
    case corrupt(String)

    public var description: String {
        switch self {
        case .notACheckpoint(let magic): return "not a checkpoint: the data does not start with \(magic)"
        case .unsupportedVersion(let found, let supported):
            return "checkpoint format version \(found) (or byte order) is not supported; this build reads version \(supported)"
        case .definitionsChanged:
            return "the checkpoint was taken with other definitions (cohort.yaml changed since): replay the events instead"
        case .tablesChanged:
            return "the checkpoint was taken over other table data (a table file changed since): replay the events instead"
        case .truncated: return "the checkpoint is truncated"
        case .corrupt(let why): return "the checkpoint is corrupt: \(why)"
        }
    }
}

/// An append-only little-endian byte buffer: fixed-width integers, LEB128 varints,
/// length-prefixed UTF-8, bulk copies of arrays of trivial elements, and strings and JSON
/// member arrays written once per writer and referred to by index afterwards (so what one
/// writer wrote is read on its own, in parallel with the rest).
final class BinaryWriter {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0
    private var finished = false
    /// Strings written so far, found by their exact bytes (String equality is
    /// canonical equivalence, which would merge texts the engine tells apart).
    private var strings = StringTable()
    /// Member arrays written so far, by their storage: arrays the events share
    /// (`RepeatedObjects`) are written once and shared again when read.
    private var memberArrays: [UnsafeRawPointer: UInt32] = [:]
    /// Strings longer than this, or past this many, are written in full each time.
    static let maxInternedBytes = 512
    static let maxInternedStrings = 1 << 24

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = malloc(self.capacity)!
    }

    deinit { if !finished { free(base) } }

    /// The bytes written, handed over without a copy; the writer is unusable afterwards.
    func finish() -> Data {
        finished = true
        return Data(bytesNoCopy: base, count: count, deallocator: .free)
    }

    @inline(__always) private func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    @inline(never) private func grow(_ needed: Int) {
        capacity = max(needed, capacity * 2)
        base = realloc(base, capacity)!
    }

    @inline(__always) func u8(_ v: UInt8) {
        reserve(1)
        base.storeBytes(of: v, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) func u32(_ v: UInt32) {
        reserve(4)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    @inline(__always) func u64(_ v: UInt64) {
        reserve(8)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    @inline(__always) func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    /// The checksum of the bytes from `start` on.
    func checksum(from start: Int) -> UInt64 {
        Checksum.of(UnsafeRawBufferPointer(start: base + start, count: count - start))
    }

    /// Overwrites 8 bytes written before (a length or checksum known only later).
    func patch(_ v: UInt64, at offset: Int) {
        precondition(offset >= 0 && offset + 8 <= count)
        base.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt64.self)
    }

    /// An unsigned LEB128 varint.
    @inline(__always) func varint(_ v: UInt64) {
        reserve(10)
        var v = v
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: count, as: UInt8.self)
            count += 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(v), toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// A signed integer as a zigzag varint (small magnitudes in few bytes).
    @inline(__always) func int(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    func bytes(_ p: UnsafeRawBufferPointer) {
        guard let src = p.baseAddress, p.count > 0 else { return }
        reserve(p.count)
        (base + count).copyMemory(from: src, byteCount: p.count)
        count += p.count
    }

    /// What another writer wrote.
    func append(_ other: BinaryWriter) {
        bytes(UnsafeRawBufferPointer(start: other.base, count: other.count))
    }

    /// A count, then the elements' bytes as they lie in memory.
    func array<T: BitwiseCopyable>(_ a: [T]) {
        varint(UInt64(a.count))
        a.withUnsafeBytes { bytes($0) }
    }

    /// A length-prefixed UTF-8 string.
    func string(_ s: String) {
        withUTF8(s) { p in
            varint(UInt64(p.count))
            bytes(UnsafeRawBufferPointer(p))
        }
    }

    /// A string written in full the first time (up to the limits) and as a reference to that
    /// first time afterwards: varint `index << 1 | 1`, or `length << 2 | remembered << 1`
    /// followed by the bytes.
    func interned(_ s: String) {
        withUTF8(s) { p in
            if p.isEmpty { varint(0); return }
            let remember = p.count <= Self.maxInternedBytes && strings.count < Self.maxInternedStrings
            if remember, let i = strings.indexOrInsert(s, p) {
                varint(UInt64(i) << 1 | 1)
                return
            }
            varint(UInt64(p.count) << 2 | (remember ? 2 : 0))
            bytes(UnsafeRawBufferPointer(p))
        }
    }


    // MARK: Values, JSON, events

    func value(_ v: Value) {
        switch v {
        case .null: u8(0)
        case .bool(let b): u8(b ? 2 : 1)
        case .int(let i): u8(3); int(i)
        case .double(let d): u8(4); u64(d.bitPattern)
        case .string(let s): u8(5); interned(s)
        case .date(let d): u8(6); int(Int64(d))
        case .timestamp(let t): u8(7); i64(t)
        case .list(let items):
            u8(8)
            varint(UInt64(items.count))
            for x in items { value(x) }
        }
    }

    func optionalInt64(_ v: Int64?) {
        if let v { u8(1); i64(v) } else { u8(0) }
    }

    func json(_ v: JSONValue) {
        switch v {
        case .null: u8(0)
        case .bool(let b): u8(b ? 2 : 1)
        case .number(let t): u8(3); interned(t)
        case .string(let s): u8(4); interned(s)
        case .array(let items):
            u8(5)
            varint(UInt64(items.count))
            for x in items { json(x) }
        case .object(let m): u8(6); members(m)
        }
    }

    /// A member array written once per storage (when `share`): varint `index << 1 | 1` for
    /// one written before, else `count << 2 | remembered << 1` and the members. Events share
    /// their `properties` (`RepeatedObjects`); their top-level fields are their own.
    func members(_ m: [JSONMember], share: Bool = true) {
        guard !m.isEmpty else { varint(0); return }
        let id = m.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        if share, let i = memberArrays[id] {
            varint(UInt64(i) << 1 | 1)
            return
        }
        varint(UInt64(m.count) << 2 | (share ? 2 : 0))
        for x in m {
            interned(x.key)
            json(x.value)
        }
        // Numbered once written, after the objects inside it, as the reader numbers them.
        if share { memberArrays[id] = UInt32(memberArrays.count) }
    }

    /// Events in order; each timestamp as the difference from the one before.
    func events(_ events: ArraySlice<Event>) {
        varint(UInt64(events.count))
        var previous: Int64 = 0
        for e in events {
            varint(UInt64(e.stream))
            int(Int64(e.line))
            string(e.id) // event ids are mostly unique: not worth remembering
            interned(e.type)
            int(e.timestamp &- previous)
            previous = e.timestamp
            members(e.fields, share: false)
            members(e.properties)
        }
    }

    func input(_ x: AggregateInput) {
        i64(x.timestamp ?? Int64.min)
        int(Int64(x.tieRow))
        interned(x.tieID)
        value(x.value)
    }
}

@inline(__always) private func withUTF8<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
    var copy = s
    return copy.withUTF8(body)
}

/// Strings numbered in the order added, found by their bytes: open addressing over a fast
/// hash of the bytes (cheaper than `Dictionary<String, _>`, and exact to the byte).
private struct StringTable {
    private var list: [String] = []
    private var hashes: [UInt64] = []
    /// Index + 1 of the string in each slot, 0 for none; a power of two long.
    private var slots = [Int32](repeating: 0, count: 1024)

    var count: Int { list.count }

    /// The index of the string with bytes `p` if there is one; else adds `s` (whose bytes
    /// they are) and returns nil.
    mutating func indexOrInsert(_ s: String, _ p: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(p)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 {
            let k = Int(slots[i] - 1)
            if hashes[k] == h, withUTF8(list[k], { q in q.count == p.count && memcmp(q.baseAddress!, p.baseAddress!, p.count) == 0 }) {
                return k
            }
            i = (i + 1) & mask
        }
        slots[i] = Int32(list.count + 1)
        list.append(s)
        hashes.append(h)
        if list.count * 2 > slots.count { grow() }
        return nil
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (k, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(k + 1)
        }
    }

    @inline(__always) static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(p)
        var h = UInt64(truncatingIfNeeded: p.count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        while i + 8 <= p.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < p.count {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }
}

/// Reads what `BinaryWriter` wrote, checking every length against the bytes that remain:
/// a truncated or corrupt input throws, it never reads out of bounds.
struct BinaryReader {
    private let base: UnsafeRawPointer
    private let end: Int
    private(set) var offset: Int
    /// Strings and member arrays remembered so far (see `BinaryWriter.interned`).
    private var strings: [String] = []
    private var memberArrays: [[JSONMember]] = []
    /// Lists and JSON nest at most this deep (JSON is parsed to at most 256 levels).
    static let maxDepth = 512

    init(_ raw: UnsafeRawBufferPointer) {
        // An empty buffer may have no address: any read then fails its length check.
        base = raw.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(bitPattern: 1)!
        offset = 0
        end = raw.count
    }

    private init(base: UnsafeRawPointer, offset: Int, end: Int) {
        self.base = base
        self.offset = offset
        self.end = end
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    /// The next `length` bytes as a reader of their own (with fresh tables), skipped here.
    mutating func section(length: Int) throws -> BinaryReader {
        try need(length)
        let r = BinaryReader(base: base, offset: offset, end: offset + length)
        offset += length
        return r
    }

    /// The next `length` bytes, skipped here.
    mutating func rawBytes(_ length: Int) throws -> UnsafeRawBufferPointer {
        try need(length)
        defer { offset += length }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    @inline(__always) private func need(_ n: Int) throws {
        guard n >= 0, n <= end - offset else { throw EngineCheckpointError.truncated }
    }

    @inline(__always) mutating func u8() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw EngineCheckpointError.corrupt("a flag is neither 0 nor 1")
        }
    }

    @inline(__always) mutating func u32() throws -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always) mutating func u64() throws -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always) mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    @inline(__always) mutating func varint() throws -> UInt64 {
        // The common one-byte case first.
        if offset < end {
            let b = base.load(fromByteOffset: offset, as: UInt8.self)
            if b < 0x80 { offset += 1; return UInt64(b) }
        }
        return try longVarint()
    }

    @inline(never) private mutating func longVarint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63, b > 1 { throw EngineCheckpointError.corrupt("a varint overflows 64 bits") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            if shift > 63 { throw EngineCheckpointError.corrupt("a varint is too long") }
        }
    }

    @inline(__always) mutating func int() throws -> Int64 {
        let z = try varint()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    /// A signed integer that must fit 32 bits.
    mutating func int32() throws -> Int32 {
        let v = try int()
        guard let x = Int32(exactly: v) else { throw EngineCheckpointError.corrupt("\(v) does not fit 32 bits") }
        return x
    }

    /// A count of elements of at least `bytesEach` bytes each: more than the remaining bytes
    /// can hold is corrupt (so no huge allocation is attempted on bad input).
    mutating func count(bytesEach: Int = 1) throws -> Int {
        let v = try varint()
        guard v <= UInt64(remaining / max(1, bytesEach)) else { throw EngineCheckpointError.truncated }
        return Int(v)
    }

    /// A count that must equal `expected`.
    mutating func count(expected: Int, _ what: @autoclosure () -> String) throws {
        let v = try varint()
        guard v == UInt64(expected) else { throw EngineCheckpointError.corrupt("\(what()): \(v) where \(expected) expected") }
    }

    /// An array written by `BinaryWriter.array`, copied in bulk. Only for element types every
    /// bit pattern of which is valid (integers, doubles, structs of them).
    mutating func array<T: BitwiseCopyable>(_: T.Type) throws -> [T] {
        let n = try count(bytesEach: MemoryLayout<T>.stride)
        return try array(T.self, count: n)
    }

    mutating func array<T: BitwiseCopyable>(_: T.Type, count n: Int) throws -> [T] {
        let byteCount = n * MemoryLayout<T>.stride
        try need(byteCount)
        let src = base + offset
        offset += byteCount
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: src, byteCount: byteCount) }
            initialized = n
        }
    }

    /// Flags written as bytes: each must be 0 or 1.
    mutating func bools(count n: Int) throws -> [Bool] {
        let bytes = try array(UInt8.self, count: n)
        var bad: UInt8 = 0
        for b in bytes { bad |= b & 0xFE }
        guard bad == 0 else { throw EngineCheckpointError.corrupt("a flag is neither 0 nor 1") }
        return bytes.map { $0 != 0 }
    }

    mutating func string() throws -> String {
        let n = try count()
        return makeString(n)
    }

    @inline(__always) private mutating func makeString(_ n: Int) -> String {
        // Invalid UTF-8 (only in corrupt data) is repaired, never trusted.
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: n), as: UTF8.self)
        offset += n
        return s
    }

    mutating func interned() throws -> String {
        let v = try varint()
        if v == 0 { return "" }
        if v & 1 == 1 {
            let i = v >> 1
            guard i < UInt64(strings.count) else { throw EngineCheckpointError.corrupt("a string refers to one not read yet") }
            return strings[Int(i)]
        }
        let n = v >> 2
        guard n <= UInt64(remaining) else { throw EngineCheckpointError.truncated }
        let s = makeString(Int(n))
        if v & 2 != 0 { strings.append(s) }
        return s
    }

    // MARK: Values, JSON, events

    mutating func value(depth: Int = 0) throws -> Value {
        switch try u8() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(try int())
        case 4: return .double(Double(bitPattern: try u64()))
        case 5: return .string(try interned())
        case 6: return .date(try int32())
        case 7: return .timestamp(try i64())
        case 8:
            guard depth < Self.maxDepth else { throw EngineCheckpointError.corrupt("lists nest too deep") }
            let n = try count()
            var items: [Value] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(depth: depth + 1)) }
            return .list(items)
        case let tag: throw EngineCheckpointError.corrupt("unknown value tag \(tag)")
        }
    }

    mutating func optionalInt64() throws -> Int64? {
        try bool() ? try i64() : nil
    }

    mutating func json(depth: Int = 0) throws -> JSONValue {
        switch try u8() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .number(try interned())
        case 4: return .string(try interned())
        case 5:
            guard depth < Self.maxDepth else { throw EngineCheckpointError.corrupt("JSON nests too deep") }
            let n = try count()
            var items: [JSONValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try json(depth: depth + 1)) }
            return .array(items)
        case 6:
            guard depth < Self.maxDepth else { throw EngineCheckpointError.corrupt("JSON nests too deep") }
            return .object(try members(depth: depth + 1))
        case let tag: throw EngineCheckpointError.corrupt("unknown JSON tag \(tag)")
        }
    }

    mutating func members(depth: Int = 0) throws -> [JSONMember] {
        let v = try varint()
        if v == 0 { return [] }
        if v & 1 == 1 {
            let i = v >> 1
            guard i < UInt64(memberArrays.count) else { throw EngineCheckpointError.corrupt("an object refers to one not read yet") }
            return memberArrays[Int(i)]
        }
        let n = v >> 2
        // Each member takes at least two bytes (key and value).
        guard n <= UInt64(remaining / 2) else { throw EngineCheckpointError.truncated }
        var m: [JSONMember] = []
        m.reserveCapacity(Int(n))
        for _ in 0..<n { m.append(JSONMember(key: try interned(), value: try json(depth: depth))) }
        if v & 2 != 0 { memberArrays.append(m) }
        return m
    }

    /// The number of events `BinaryWriter.events` wrote (what `event` then reads one by one).
    mutating func eventCount() throws -> Int {
        // Each event takes at least six bytes.
        try count(bytesEach: 6)
    }

    /// One event; `previous` is the timestamp of the one before (0 for the first).
    @inline(__always)
    mutating func event(streams: Int, previous: inout Int64) throws -> Event {
        let stream = try varint()
        guard stream < UInt64(streams) else { throw EngineCheckpointError.corrupt("an event names stream \(stream) of \(streams)") }
        let line = try int()
        let id = try string()
        let type = try interned()
        let timestamp = previous &+ (try int())
        previous = timestamp
        let fields = try members()
        let properties = try members()
        return Event(stream: Int(stream), line: Int(line), id: id, type: type, timestamp: timestamp, fields: fields, properties: properties)
    }

    mutating func input() throws -> AggregateInput {
        let ts = try i64()
        let tieRow = try int32()
        let tieID = try interned()
        let value = try value()
        return AggregateInput(timestamp: ts == Int64.min ? nil : ts, tieID: tieID, tieRow: Int(tieRow), value: value)
    }
}

/// A fast 64-bit checksum of bytes (four independent multiply-xorshift lanes over 8-byte
/// words): it catches damaged and mismatched data, it is not a cryptographic hash.
enum Checksum {
    static func of(_ p: UnsafeRawBufferPointer) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h0: UInt64 = 0x243F_6A88_85A3_08D3, h1: UInt64 = 0x1319_8A2E_0370_7344
        var h2: UInt64 = 0xA409_3822_299F_31D0, h3: UInt64 = 0x082E_FA98_EC4E_6C89
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { return mix(h0 ^ h1 ^ h2 ^ h3) }
        @inline(__always) func word(_ i: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) }
        @inline(__always) func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
            let x = (h ^ w) &* k
            return x ^ (x >> 29)
        }
        var i = 0
        while i + 32 <= n {
            h0 = step(h0, word(i))
            h1 = step(h1, word(i + 8))
            h2 = step(h2, word(i + 16))
            h3 = step(h3, word(i + 24))
            i += 32
        }
        while i + 8 <= n {
            h0 = step(h0, word(i))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        h1 = step(h1, tail)
        return mix(mix(h0) ^ (mix(h1) &* 3) ^ (mix(h2) &* 5) ^ (mix(h3) &* 7) ^ UInt64(n))
    }

    /// splitmix64's finalizer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A stable 64-bit FNV-1a hash of texts, for fingerprints that must not change from one
/// run to the next (Swift's `Hasher` is seeded per process).
struct StableHash {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ s: String) {
        for b in s.utf8 { addByte(b) }
        addByte(0x1F) // a separator no definition text holds
    }

    mutating func add(_ n: Int) { add(String(n)) }

    @inline(__always) mutating func addByte(_ b: UInt8) {
        value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3
    }

    /// A string's bytes eight at a time (faster than `add` for bulk data such as table cells).
    mutating func addWords(_ s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ addWords(UnsafeRawBufferPointer($0)) }) { return done }
        var copy = s
        copy.withUTF8 { addWords(UnsafeRawBufferPointer($0)) }
    }

    mutating func addWords(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        var i = 0
        while i + 8 <= n {
            addWords(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        // The rest, with the length (so "a" then "bc" differs from "ab" then "c").
        var tail = UInt64(truncatingIfNeeded: n) << 56
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        addWords(tail)
    }

    @inline(__always) mutating func addWords(_ w: UInt64) {
        let x = (value ^ w) &* 0x9E37_79B9_7F4A_7C15
        value = x ^ (x >> 29)
    }
}
