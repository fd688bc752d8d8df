import Foundation

/// What reading one stream's NDJSON file produced: its valid, deduplicated events and an
/// account of every other line.
public struct StreamLoad: Sendable {
    /// Valid events, one per event_id (the earliest timestamp, then the earlier line), in file order.
    public var events: [Event] = []
    /// Lines quarantined, with their reasons.
    public var quarantined: [QuarantinedLine] = []
    /// Valid lines that repeated an event_id already seen and did not count.
    public var duplicates: [Event] = []
    /// Lines that held only whitespace.
    public var blankLines = 0
    /// Total lines read (including blank ones).
    public var lines = 0

    public init() {}
}

/// Reads a stream's NDJSON file with quarantine and duplicate accounting (SPEC §3).
public enum StreamReader {
    /// Bytes read from a file at a time; a longer line grows the buffer to fit it.
    static let chunkBytes = 256 * 1024

    /// Reads `path`; a missing or unreadable file is an error for the caller to report.
    ///
    /// The file is read a chunk at a time into one buffer that stays in cache, rather than
    /// whole. Should opening or reading fail, the whole-file read runs instead, so the error
    /// is exactly the one it has always reported.
    public static func read(path: String, stream: Int) throws -> StreamLoad {
        if let load = readInChunks(path: path, stream: stream) { return load }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in
            read(bytes: raw.bindMemory(to: UInt8.self), stream: stream)
        }
    }

    public static func read(bytes: UnsafeBufferPointer<UInt8>, stream: Int, firstLine: Int = 1) -> StreamLoad {
        var reader = LineReader(stream: stream, firstLine: firstLine)
        _ = reader.readLines(bytes, atEnd: true)
        return reader.finish()
    }

    /// The file's load, or nil when it cannot be opened or read.
    private static func readInChunks(path: String, stream: Int) -> StreamLoad? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkBytes)
        defer { buffer.deallocate() }
        var reader = LineReader(stream: stream, firstLine: 1)
        var filled = 0
        while true {
            if filled == buffer.count {
                // Not one whole line in the buffer: make it bigger.
                let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: buffer.count * 2)
                _ = bigger.initialize(fromContentsOf: buffer)
                buffer.deallocate()
                buffer = bigger
            }
            let n = Foundation.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            filled += n
            let used = reader.readLines(UnsafeBufferPointer(start: buffer.baseAddress, count: filled), atEnd: n == 0)
            if n == 0 { return reader.finish() }
            // Keep the unfinished last line for the next read.
            let rest = filled - used
            if rest > 0 { (buffer.baseAddress!).update(from: buffer.baseAddress! + used, count: rest) }
            filled = rest
        }
    }

    /// Whether a line holds only spaces and tabs (or nothing).
    @inline(__always)
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where c != 0x20 && c != 0x09 { return false }
        return true
    }
}

/// Reading one stream line by line, from one buffer or a series of them: line numbers, the
/// fast decoder's scratch space and the kept event_ids carry over from one to the next.
struct LineReader: ~Copyable {
    private var load = StreamLoad()
    private var decoder = FastEventDecoder()
    private var kept = KeptEvents()
    private let stream: Int
    private let firstLine: Int
    private var lineNo: Int

    init(stream: Int, firstLine: Int) {
        self.stream = stream
        self.firstLine = firstLine
        lineNo = firstLine - 1
    }

    /// Reads the lines of `bytes` that end in a newline, and at the end of the stream the
    /// last one without; returns how many bytes that took.
    mutating func readLines(_ bytes: UnsafeBufferPointer<UInt8>, atEnd: Bool) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let end = base + bytes.count
        var start = base
        while start < end {
            let found = memchr(start, 0x0A, end - start).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
            guard let newline = found ?? (atEnd ? end : nil) else { break }
            var stop = newline
            if stop > start, stop[-1] == 0x0D { stop -= 1 }
            readLine(UnsafeBufferPointer(start: start, count: stop - start))
            start = newline + 1
        }
        return min(start, end) - base
    }

    private mutating func readLine(_ line: UnsafeBufferPointer<UInt8>) {
        lineNo += 1
        if StreamReader.isBlank(line) {
            load.blankLines += 1
            return
        }
        switch decoder.decode(line, stream: stream, line: lineNo) {
        case .failure(let e):
            let text = String(decoding: line.prefix(200), as: UTF8.self)
            load.quarantined.append(QuarantinedLine(stream: stream, line: lineNo, reason: e.reason, excerpt: text))
        case .success(let event):
            if let at = kept.insert(event.id, at: load.events.count, in: load.events) {
                let old = load.events[at]
                if event.timestamp < old.timestamp {
                    load.duplicates.append(old)
                    load.events[at] = event
                } else {
                    load.duplicates.append(event)
                }
            } else {
                load.events.append(event)
            }
        }
    }

    consuming func finish() -> StreamLoad {
        load.lines = lineNo - firstLine + 1
        return load
    }
}

/// Which event_ids a stream has kept so far, and the index in `StreamLoad.events` of each.
///
/// Ids compare as `String`s do (canonical equivalence), like the `[String: Int]` this
/// replaces. Streams often number their events in increasing order, so an id greater than
/// every id before it is new without a lookup: such ids wait in `pending` and go into the
/// hash table only when an id that is not a new maximum has to be looked up.
///
/// The table hashes an id's UTF-8 bytes, which is exact while every id is ASCII (two ASCII
/// strings are equal exactly when their bytes are). The first non-ASCII id switches it to
/// `String.hashValue`, which agrees with canonical equivalence, for good.
struct KeptEvents {
    /// The greatest id so far.
    private var largest: String?
    /// Indices of kept events whose ids are not in the table yet, all new maxima when seen.
    private var pending: [Int] = []
    /// Open addressing, linear probing. Per slot: the high 32 bits of the id's hash (whose
    /// low bits also place it), then the event's index + 1; 0 for an empty slot.
    private var slots: [UInt64] = []
    private var count = 0
    /// Whether the table hashes by `hashValue` (after a non-ASCII id) rather than bytes.
    private var canonical = false
    /// Per process, so crafted ids cannot aim at collisions.
    private static let seed = UInt64.random(in: 1...UInt64.max)

    init() {}

    /// Records `index` for `id` when the id is new and returns nil; when it is already
    /// recorded, changes nothing and returns the recorded index.
    mutating func insert(_ id: String, at index: Int, in events: [Event]) -> Int? {
        precondition(index < Int(UInt32.max), "over 4 billion events in one stream")
        if let largest, !(largest < id) {
            for p in pending { _ = lookUpOrAdd(events[p].id, at: p, in: events) }
            pending.removeAll(keepingCapacity: true)
            return lookUpOrAdd(id, at: index, in: events)
        }
        largest = id
        pending.append(index)
        return nil
    }

    /// The recorded index of `id`, or nil after recording `index` for it.
    private mutating func lookUpOrAdd(_ id: String, at index: Int, in events: [Event]) -> Int? {
        if count * 2 >= slots.count { rebuild(rehashing: false, in: events) }
        var tag: UInt64
        if canonical {
            tag = Self.hashValueTag(id)
        } else if let byteTag = Self.byteTag(id) {
            tag = byteTag
        } else {
            canonical = true
            rebuild(rehashing: true, in: events)
            tag = Self.hashValueTag(id)
        }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: tag) & mask
        while slots[i] != 0 {
            let at = Int(truncatingIfNeeded: slots[i] & 0xFFFF_FFFF) - 1
            if slots[i] >> 32 == tag, events[at].id == id { return at }
            i = (i + 1) & mask
        }
        slots[i] = tag << 32 | UInt64(index + 1)
        count += 1
        return nil
    }

    /// Sizes the table for the pending ids and as many again, and places every slot anew:
    /// by its tag, or, `rehashing` (when the table has just turned canonical), by its id's
    /// `hashValue`.
    private mutating func rebuild(rehashing: Bool, in events: [Event]) {
        var size = max(1024, slots.count)
        while size < 2 * (count + pending.count) + 2 { size *= 2 }
        let old = slots
        slots = Array(repeating: 0, count: size)
        let mask = size - 1
        for var slot in old where slot != 0 {
            if rehashing {
                let at = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                slot = Self.hashValueTag(events[at].id) << 32 | slot & 0xFFFF_FFFF
            }
            var i = Int(truncatingIfNeeded: slot >> 32) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }

    /// 32 bits of the id's `hashValue`.
    private static func hashValueTag(_ id: String) -> UInt64 {
        UInt64(UInt(bitPattern: id.hashValue)) >> 32
    }

    /// 32 bits of a seeded hash of the id's bytes, eight at a time, or nil if it is not ASCII.
    private static func byteTag(_ id: String) -> UInt64? {
        var id = id
        return id.withUTF8 { bytes -> UInt64? in
            var h = seed ^ UInt64(bytes.count)
            var high: UInt64 = 0
            var p = UnsafeRawPointer(bytes.baseAddress!)
            var left = bytes.count
            while left > 0 {
                var word: UInt64 = 0
                if left >= 8 {
                    word = p.loadUnaligned(as: UInt64.self)
                } else {
                    withUnsafeMutableBytes(of: &word) { $0.baseAddress!.copyMemory(from: p, byteCount: left) }
                }
                high |= word
                h = mix(h ^ word, 0x9E37_79B9_7F4A_7C15)
                p += 8
                left -= 8
            }
            guard high & 0x8080_8080_8080_8080 == 0 else { return nil }
            return mix(h, 0xD6E8_FEB8_6659_FD93) >> 32
        }
    }

    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }
}
