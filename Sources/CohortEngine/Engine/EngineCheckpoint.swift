import DequeModule
import Foundation
import HeapModule

// MARK: - Checkpoints
//
// A checkpoint is the live engine's state in a binary form that restores far faster than
// replaying the events that built it. After `LiveEngine(workspace:checkpoint:)` the engine
// behaves exactly as the one checkpointed would: same clock, values, memberships and
// accounting, and the same activations, duplicates, retractions and timers for every event
// and clock move that follow.
//
// What is written and what is rebuilt from the workspace, property by property:
//
// LiveEngine
//   workspace                       given to the restoring initializer (the checkpoint
//                                   refuses one with other definitions or other table data)
//   clock, applied, skippedMidnights, streamStats (counters; names from the workspace),
//   recordActivations, defersEvaluation, midnightsHandled, windowsTrimmedAt, clockStale,
//   staleRows                       written
//   isStale                         rebuilt: true exactly for the rows in staleRows
//   activations                     NOT written: the restored engine starts with none
//                                   recorded (callers keep the ones they need); the
//                                   activations of everything applied afterwards are the same
//   onActivation, onAttributeChange callbacks, not state: set them again after restoring
//   runtimes                        see CollectionRuntime below
//   anyDateReader, anyTimestampReader, streamNames  rebuilt from the workspace
//   timers                          written (the heap's elements; equal timers are
//                                   indistinguishable, so the heap pops in the same order)
//   pendingRows, nextPendingRow     the rows not yet revealed are written; the restored
//                                   list starts at them (nextPendingRow 0): revealed rows are
//                                   never read again
//   store                           written (every applied event, in order: history links
//                                   and `kept` index it)
//   kept                            rebuilt: the copy that counts for (stream, id) is always
//                                   the last one appended to the store (`apply` appends only a
//                                   copy that beats the kept one); its per-stream sizes are
//                                   written and checked
//   dirtyBits, scratchRow, changedScratch, firedScratch, changeCause, starting
//                                   scratch: empty, zero or false between calls (changeCause
//                                   is set before every use)
//
// CollectionRuntime (one section per collection)
//   model, index, counts, routes, slot tables, expressions, masks, lazy flags, keys, names
//                                   rebuilt from the workspace (CollectionRuntime.init)
//   values                          written for aggregate and computed attributes (lazy ones
//                                   as they are, stale or not); known columns are reloaded
//                                   from the collection's table (they never change)
//   members, scheduled, historyHead, historyLinks, lazyAt   written
//   columns                         written: see AggregateColumn
//
// AggregateColumn (per slot, after a check of its function and window)
//   inputs, counts, sums (with each ExactSum's partials and special), tallies, lists, best,
//   bestCounts, edges               written as they are (each array empty or one per row,
//                                   as `AggregateColumn.init` sizes it — checked on reading)
//   function, window                rebuilt from the workspace
//
// Format: a 48-byte header (magic "COHORTCK", format version, byte-order mark, a
// fingerprint of the definitions, a fingerprint of the table data the engine reads, the
// body's length and a checksum of it), then sections, each a 4-byte tag and an 8-byte
// length: ENGN (the engine's scalars), EVTS (the store, in chunks of events), one COLL per
// collection (per-row state; values in blocks of rows, each attribute typed when its values
// are all of one scalar kind; then one part per aggregate column), TIMR, PEND. Integers are
// little-endian, most as varints; arrays of trivial elements are copied in bulk; strings and
// shared JSON objects are written once per part and referred to afterwards. Every part is
// readable on its own: parts are written and read in parallel, the store and each values
// array initialized in place.

/// What a checkpoint restores: `LiveEngine.init(workspace:restoring:)` takes it as it is.
struct EngineCheckpointState {
    var recordActivations: Bool
    var defersEvaluation: Bool
    var runtimes: [CollectionRuntime]
    var clock: Int64?
    var streamStats: [StreamStats]
    var applied: Int
    var skippedMidnights: Int
    var timers: Heap<EngineTimer>
    var pendingRows: [PendingRow]
    var store: [Event]
    var kept: [[String: Int32]]
    var midnightsHandled: Int64
    var staleRows: [[Int32]]
    var isStale: [[Bool]]
    var clockStale: [Bool]
    var windowsTrimmedAt: Int64?
}

extension LiveEngine {
    /// The engine's state as a checkpoint (see the top of `EngineCheckpoint.swift` for what
    /// it holds). Taking it changes nothing in the engine. Recorded `activations` are not
    /// included.
    public func checkpoint() -> Data { EngineCheckpoint.write(self) }

    /// An engine restored from `checkpoint(...)` of an engine over the same workspace: it
    /// behaves from here on exactly as that engine would have. Throws an
    /// `EngineCheckpointError` for data that is not a checkpoint, is truncated or corrupt, or
    /// was taken with other definitions or other table data. `activations` starts empty;
    /// callbacks are not restored.
    public convenience init(workspace: Workspace, checkpoint: Data) throws {
        let state = try checkpoint.withUnsafeBytes { try EngineCheckpoint.read($0, workspace: workspace) }
        self.init(workspace: workspace, restoring: state)
    }

    /// Events in a compact binary form (the same coding checkpoints use: a header with magic
    /// "COHORTEV", then chunks of events), for a replay feed stored next to a checkpoint.
    public static func encodeEvents(_ events: [Event]) -> Data {
        let chunks = EngineCheckpoint.chunks(events.count)
        let parts = Parallel.map(chunks.count) { i -> BinaryWriter in
            let w = BinaryWriter(capacity: chunks[i].count * 40)
            w.events(events[chunks[i]])
            return w
        }
        let w = BinaryWriter(capacity: 1024 + parts.reduce(0) { $0 + $1.count + 8 })
        let bodyStart = EngineCheckpoint.writeHeader(w, magic: EngineCheckpoint.eventsMagic, version: EngineCheckpoint.eventsVersion,
                                                     definitions: 0, tables: 0)
        w.varint(UInt64(parts.count))
        for part in parts {
            w.u64(UInt64(part.count))
            w.append(part)
        }
        return EngineCheckpoint.finish(w, bodyStart: bodyStart)
    }

    /// The events `encodeEvents` encoded (decoded in parallel, chunk by chunk). Throws an
    /// `EngineCheckpointError` for data that is not such an encoding, or is truncated or corrupt.
    public static func decodeEvents(_ data: Data) throws -> [Event] {
        try data.withUnsafeBytes { raw in
            var body = try EngineCheckpoint.readHeader(raw, magic: EngineCheckpoint.eventsMagic, version: EngineCheckpoint.eventsVersion).1
            let (chunks, count) = try EngineCheckpoint.eventChunks(&body)
            guard body.isAtEnd else { throw EngineCheckpointError.corrupt("bytes after the events") }
            var outputs: [Result<Void, any Error>] = []
            let events = [Event](unsafeUninitializedCapacity: count) { buffer, initialized in
                outputs = Parallel.map(chunks.count) { i in
                    Result { try EngineCheckpoint.decodeChunk(chunks[i].reader, chunks[i].range, streams: Int(Int32.max), into: buffer.baseAddress) }
                }
                initialized = EngineCheckpoint.keepOrUndo(chunks.map(\.range), outputs, buffer)
            }
            for output in outputs { try output.get() }
            return events
        }
    }
}

enum EngineCheckpoint {
    static let magic = "COHORTCK"
    static let eventsMagic = "COHORTEV"
    /// Bump on any change to what is written or how (checkpoints and event feeds apart).
    static let version: UInt32 = 1
    /// 2: events in chunks.
    static let eventsVersion: UInt32 = 2
    static let byteOrderMark: UInt32 = 0x0102_0304
    static let headerSize = 48

    enum Tag: UInt32 {
        case engine = 0x4E47_4E45 // "ENGN"
        case events = 0x5354_5645 // "EVTS"
        case collection = 0x4C4C_4F43 // "COLL"
        case timers = 0x524D_4954 // "TIMR"
        case pending = 0x444E_4550 // "PEND"
    }

    struct Header {
        var definitions: UInt64
        var tables: UInt64
    }

    // MARK: Fingerprints

    /// A fingerprint of what the engine is compiled from in cohort.yaml: tables, streams
    /// and collections with every attribute and segment definition (not descriptions, pii
    /// flags, destinations or positions in the file, which the engine does not read).
    static func definitionsFingerprint(_ ws: Workspace) -> UInt64 {
        var h = StableHash()
        let d = ws.definitions
        func opt(_ s: String?) -> String { s.map { "=" + $0 } ?? "-" }
        h.add("tables")
        for t in d.tables {
            h.add(t.name.value); h.add(t.file.value); h.add(opt(t.key?.value)); h.add(opt(t.timestamp?.value))
        }
        h.add("streams")
        for s in d.streams { h.add(s.name.value); h.add(opt(s.file?.value)) }
        h.add("collections")
        for c in d.collections {
            h.add(c.name.value); h.add(c.table.value); h.add(c.key.value)
            h.add("links")
            for l in c.streams {
                h.add(l.stream.value)
                for m in l.match { h.add(m.event.value); h.add(m.profile.value) }
                h.add(".")
            }
            h.add("attributes")
            for a in c.attributes {
                h.add(a.name.value)
                switch a.kind {
                case .known(let column): h.add("column"); h.add(column.value)
                case .eventAggregate(let e):
                    h.add("events"); h.add(e.function.value.rawValue); h.add(opt(e.field?.value))
                    h.add(e.events.map(\.value).joined(separator: ",")); h.add(opt(e.condition?.value)); h.add(e.timeframe.value.description)
                case .tableAggregate(let t):
                    h.add("table"); h.add(t.function.value.rawValue); h.add(opt(t.field?.value)); h.add(t.table.value)
                    h.add(t.rowColumn.value); h.add(t.profileColumn.value); h.add(opt(t.condition?.value)); h.add(t.timeframe.value.description)
                case .computed(let e): h.add("computed"); h.add(e.value)
                }
            }
            h.add("segments")
            for s in c.segments { h.add(s.name.value); h.add(s.condition.value) }
        }
        // What compiled (a collection with errors is left out of the engine).
        h.add("compiled")
        for m in ws.collections { h.add(m.name); h.add(m.attributes.count); h.add(m.segments.count) }
        return h.value
    }

    /// A fingerprint of the table data the engine reads: every table's row count and, row by
    /// row, the text of the columns a collection reads (key, linking, known-column, aggregate
    /// match, field, condition and timestamp columns). A checkpoint holds aggregates of table
    /// rows and profiles by row number, so it fits only the same data.
    static func tablesFingerprint(_ ws: Workspace) -> UInt64 {
        var used: [String: Set<Int>] = [:]
        for m in ws.collections {
            var own: Set<Int> = [m.keyColumn]
            for link in m.links { for p in link.pairs { own.insert(p.profileColumn) } }
            for a in m.attributes {
                switch a.source {
                case .column(let c): own.insert(c)
                case .table(let agg):
                    own.insert(agg.profileColumn)
                    var read = Set(agg.conditionColumns + [agg.rowColumn])
                    if let c = agg.fieldColumn { read.insert(c) }
                    if let c = agg.timestampColumn { read.insert(c) }
                    used[agg.table, default: []].formUnion(read)
                default: break
                }
            }
            used[m.table.name, default: []].formUnion(own)
        }
        let names = ws.tables.keys.sorted()
        let perTable = Parallel.map(names.count) { i -> UInt64 in
            let t = ws.tables[names[i]]!
            let columns = (used[names[i]] ?? []).sorted()
            var h = StableHash()
            h.add(t.name)
            h.add(t.text.count)
            for c in columns { h.add(c); h.add(t.columns[c]) }
            for r in t.text.indices {
                t.text[r].withUnsafeBufferPointer { cells in
                    for c in columns { h.addWords(cells[c]) }
                }
            }
            return h.value
        }
        var h = StableHash()
        for (name, v) in zip(names, perTable) { h.add(name); h.addWords(v) }
        return h.value
    }

    // MARK: Header

    /// Writes the header with room for the body's length and checksum; returns where the body starts.
    static func writeHeader(_ w: BinaryWriter, magic: String, version: UInt32, definitions: UInt64, tables: UInt64) -> Int {
        for b in magic.utf8 { w.u8(b) }
        w.u32(version)
        w.u32(byteOrderMark.littleEndian == byteOrderMark ? byteOrderMark : byteOrderMark.byteSwapped)
        w.u64(definitions)
        w.u64(tables)
        w.u64(0) // body length
        w.u64(0) // body checksum
        return w.count
    }

    /// Fills in the body's length and checksum, and hands the bytes over.
    static func finish(_ w: BinaryWriter, bodyStart: Int) -> Data {
        w.patch(UInt64(w.count - bodyStart), at: bodyStart - 16)
        w.patch(w.checksum(from: bodyStart), at: bodyStart - 8)
        return w.finish()
    }

    /// Checks the header and (when `verify`) the body's checksum; returns the fingerprints, a
    /// reader over the body, and the body and its checksum (for a caller that checks it later).
    static func readHeader(_ raw: UnsafeRawBufferPointer, magic: String, version: UInt32, verify: Bool = true) throws
        -> (Header, BinaryReader, body: UnsafeRawBufferPointer, checksum: UInt64) {
        var r = BinaryReader(raw)
        guard raw.count >= 8, raw.prefix(8).elementsEqual(magic.utf8) else {
            throw raw.count < 8 && magic.utf8.starts(with: raw) ? EngineCheckpointError.truncated : EngineCheckpointError.notACheckpoint(expected: magic)
        }
        _ = try r.rawBytes(8)
        let v = try r.u32()
        let mark = try r.u32()
        guard v == version, mark == byteOrderMark else {
            throw EngineCheckpointError.unsupportedVersion(found: mark == byteOrderMark ? v : v.byteSwapped, supported: version)
        }
        let header = Header(definitions: try r.u64(), tables: try r.u64())
        let length = try r.u64()
        let sum = try r.u64()
        guard length <= UInt64(r.remaining) else { throw EngineCheckpointError.truncated }
        guard length == UInt64(r.remaining) else { throw EngineCheckpointError.corrupt("\(UInt64(r.remaining) - length) bytes after the end") }
        let body = try r.section(length: Int(length))
        let bytes = UnsafeRawBufferPointer(rebasing: raw[(raw.count - Int(length))...])
        if verify { try verifyChecksum(bytes, sum) }
        return (header, body, bytes, sum)
    }

    static func verifyChecksum(_ bytes: UnsafeRawBufferPointer, _ sum: UInt64) throws {
        guard Checksum.of(bytes) == sum else { throw EngineCheckpointError.corrupt("checksum mismatch") }
    }

    // MARK: Event chunks

    /// Events per chunk (chunks are written and read in parallel).
    static let eventsPerChunk = 1 << 17

    static func chunks(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: eventsPerChunk).map { $0..<min($0 + eventsPerChunk, count) }
    }

    /// The chunks of events that follow (a count, then parts), each with the range of the
    /// array it fills; and the number of events.
    static func eventChunks(_ r: inout BinaryReader) throws -> (chunks: [(reader: BinaryReader, range: Range<Int>)], count: Int) {
        let n = try r.count(bytesEach: 8)
        var chunks: [(reader: BinaryReader, range: Range<Int>)] = []
        var count = 0
        for _ in 0..<n {
            let length = try r.u64()
            guard length <= UInt64(r.remaining) else { throw EngineCheckpointError.truncated }
            let chunk = try r.section(length: Int(length))
            var peek = chunk
            let events = try peek.eventCount()
            chunks.append((chunk, count..<(count + events)))
            count += events
        }
        return (chunks, count)
    }

    /// Decodes one chunk into its range of `buffer`: every event of the range initialized, or
    /// none when it throws.
    static func decodeChunk(_ reader: BinaryReader, _ range: Range<Int>, streams: Int, into buffer: UnsafeMutablePointer<Event>?) throws {
        var r = reader
        let n = try r.eventCount()
        guard n == range.count else { throw EngineCheckpointError.corrupt("an events chunk changed its count") }
        guard n > 0, let base = buffer.map({ $0 + range.lowerBound }) else { return }
        var done = 0
        do {
            var previous: Int64 = 0
            while done < n {
                (base + done).initialize(to: try r.event(streams: streams, previous: &previous))
                done += 1
            }
            try end(r, "events")
        } catch {
            base.deinitialize(count: done)
            throw error
        }
    }

    /// How many elements of `buffer` to keep once parallel jobs filled `ranges` (which cover
    /// it): all when every job succeeded; else none, the succeeded jobs' ranges undone.
    static func keepOrUndo<T, S>(_ ranges: [Range<Int>], _ outputs: [Result<S, any Error>], _ buffer: UnsafeMutableBufferPointer<T>) -> Int {
        let failed = outputs.contains { if case .failure = $0 { true } else { false } }
        guard failed else { return ranges.last?.upperBound ?? 0 }
        for (range, output) in zip(ranges, outputs) where !range.isEmpty {
            if case .success = output { (buffer.baseAddress! + range.lowerBound).deinitialize(count: range.count) }
        }
        return 0
    }

    // MARK: Writing

    static func write(_ e: LiveEngine) -> Data {
        let ws = e.workspace
        // The layout runs twice: first to collect the parts (each readable on its own), which
        // are then written in parallel, each by its own writer; then to put them in order.
        var bodies: [(BinaryWriter) -> Void] = []
        layout(e, BinaryWriter(capacity: 256)) { bodies.append($0) }
        let parts = Parallel.map(bodies.count) { i -> BinaryWriter in
            let w = BinaryWriter()
            bodies[i](w)
            return w
        }
        let w = BinaryWriter(capacity: 1 << 16 + parts.reduce(0) { $0 + $1.count + 8 })
        let bodyStart = writeHeader(w, magic: magic, version: version, definitions: definitionsFingerprint(ws), tables: tablesFingerprint(ws))
        var next = 0
        layout(e, w) { _ in
            w.u64(UInt64(parts[next].count))
            w.append(parts[next])
            next += 1
        }
        return finish(w, bodyStart: bodyStart)
    }

    /// The body's sections into `w`; each part (a length, then bytes that decode on their own)
    /// goes through `part`, which writes it.
    static func layout(_ e: LiveEngine, _ w: BinaryWriter, part: (@escaping (BinaryWriter) -> Void) -> Void) {
        /// A section made of parts and a few counts.
        func section(_ tag: Tag, _ body: () -> Void) {
            w.u32(tag.rawValue)
            let at = w.count
            w.u64(0)
            body()
            w.patch(UInt64(w.count - at - 8), at: at)
        }
        w.u32(Tag.engine.rawValue)
        part { w in
            w.u8(e.recordActivations ? 1 : 0)
            w.u8(e.defersEvaluation ? 1 : 0)
            w.optionalInt64(e.clock)
            w.int(Int64(e.applied))
            w.int(Int64(e.skippedMidnights))
            w.i64(e.midnightsHandled)
            w.optionalInt64(e.windowsTrimmedAt)
            w.varint(UInt64(e.streamStats.count))
            for (s, stats) in e.streamStats.enumerated() {
                for n in [stats.lines, stats.valid, stats.duplicate, stats.unmatched, stats.quarantined] { w.int(Int64(n)) }
                w.varint(UInt64(e.kept[s].count))
            }
            w.varint(UInt64(e.store.count))
            w.varint(UInt64(e.runtimes.count))
            for stale in e.clockStale { w.u8(stale ? 1 : 0) }
        }
        section(.events) {
            let chunks = chunks(e.store.count)
            w.varint(UInt64(chunks.count))
            for range in chunks { part { w in w.events(e.store[range]) } }
        }
        for rt in e.runtimes {
            section(.collection) {
                part { w in writeRows(rt, staleRows: e.staleRows[rt.index], w) }
                let blocks = rowBlocks(rt.rowCount)
                let state = knownColumns(rt.model).enumerated().filter { $0.element == nil }.map(\.offset)
                w.varint(UInt64(blocks.count))
                for rows in blocks { part { w in for ai in state { writeValues(rt, attribute: ai, rows: rows, w) } } }
                for column in rt.columns { part { w in writeColumn(column, w) } }
            }
        }
        w.u32(Tag.timers.rawValue)
        part { w in w.array(e.timers.unordered) }
        w.u32(Tag.pending.rawValue)
        part { w in
            let pending = e.pendingRows[e.nextPendingRow...]
            w.varint(UInt64(pending.count))
            for p in pending {
                w.i64(p.time)
                w.varint(UInt64(p.collection))
                w.varint(UInt64(p.row))
                w.varint(UInt64(p.slot))
                w.input(p.input)
            }
        }
    }

    /// Whether each attribute is a known column (reloaded from the table, not written).
    static func knownColumns(_ m: CollectionModel) -> [Int?] {
        m.attributes.map { if case .column(let c) = $0.source { return c } else { return nil } }
    }

    /// Each aggregate slot's function and window, in slot order (as `CollectionRuntime` numbers them).
    static func slots(_ m: CollectionModel) -> [(function: AggregateFunction, window: Int64?)] {
        m.attributes.compactMap { a in
            switch a.source {
            case .events(let agg): return (agg.function, agg.window)
            case .table(let agg): return (agg.function, agg.window)
            default: return nil
            }
        }
    }

    /// Values are written in blocks of rows, which decode in parallel.
    static let rowsPerBlock = 8192

    static func rowBlocks(_ rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: rowsPerBlock).map { $0..<min($0 + rowsPerBlock, rows) }
    }

    /// How a column of values is written: typed when every non-null value has one scalar
    /// kind (flags, then the values in bulk or as varints), else value by value.
    enum ValueKind: UInt8 {
        case mixed, int, double, timestamp, date, bool
    }

    /// One attribute's values over a block of rows.
    static func writeValues(_ rt: CollectionRuntime, attribute ai: Int, rows: Range<Int>, _ w: BinaryWriter) {
        let width = rt.attributeCount
        rt.values.withUnsafeBufferPointer { values in
            var kind: ValueKind?
            for row in rows {
                let k: ValueKind?
                switch values[row * width + ai] {
                case .null: k = nil
                case .int: k = .int
                case .double: k = .double
                case .timestamp: k = .timestamp
                case .date: k = .date
                case .bool: k = .bool
                case .string, .list: k = .mixed
                }
                guard let k else { continue }
                if kind == nil { kind = k } else if kind != k { kind = .mixed }
                if kind == .mixed { break }
            }
            let column = rows.lazy.map { values[$0 * width + ai] }
            w.u8((kind ?? .int).rawValue)
            guard let kind, kind != .mixed else {
                if kind == .mixed { for v in column { w.value(v) } } else { w.array([UInt8](repeating: 0, count: rows.count)) }
                return
            }
            w.array(column.map { v -> UInt8 in
                switch v {
                case .null: return 0
                case .bool(let b): return b ? 2 : 1
                default: return 1
                }
            })
            switch kind {
            case .int: for v in column { if case .int(let i) = v { w.int(i) } }
            case .date: for v in column { if case .date(let d) = v { w.int(Int64(d)) } }
            case .double: w.array(column.compactMap { if case .double(let d) = $0 { d.bitPattern } else { nil } })
            case .timestamp: w.array(column.compactMap { if case .timestamp(let t) = $0 { t } else { nil } })
            case .bool, .mixed: break
            }
        }
    }

    static func writeRows(_ rt: CollectionRuntime, staleRows: [Int32], _ w: BinaryWriter) {
        for n in [rt.rowCount, rt.attributeCount, rt.segmentCount, rt.slotCount] { w.varint(UInt64(n)) }
        w.array(rt.members.map { $0 ? UInt8(1) : 0 })
        w.array(rt.scheduled)
        w.array(rt.historyHead)
        w.array(rt.historyLinks.map { HistoryLink(event: $0.event, next: $0.next) })
        w.array(rt.lazyAt)
        w.array(staleRows)
    }

    static func writeColumn(_ c: AggregateColumn, _ w: BinaryWriter) {
        w.u8(functionCode(c.function))
        w.optionalInt64(c.window)
        w.varint(UInt64(c.inputs.count))
        for list in c.inputs {
            w.varint(UInt64(list.count))
            for x in list { w.input(x) }
        }
        w.array(c.counts)
        w.varint(UInt64(c.sums.count))
        for s in c.sums {
            w.int(Int64(s.count)); w.int(Int64(s.doubles)); w.int(Int64(s.warnings))
            w.int(s.intSum)
            w.u64(s.doubleSum.special.bitPattern)
            w.array(s.doubleSum.partials)
        }
        w.varint(UInt64(c.tallies.count))
        for tally in c.tallies {
            w.varint(UInt64(tally.count))
            for (v, n) in tally { w.value(v); w.int(Int64(n)) }
        }
        w.varint(UInt64(c.lists.count))
        for v in c.lists { w.value(v) }
        w.varint(UInt64(c.best.count))
        for v in c.best { w.value(v) }
        w.array(c.bestCounts)
        w.varint(UInt64(c.edges.count))
        for edge in c.edges {
            if let edge { w.u8(1); w.input(edge) } else { w.u8(0) }
        }
    }

    static func functionCode(_ f: AggregateFunction) -> UInt8 {
        UInt8(AggregateFunction.allCases.firstIndex(of: f)!)
    }

    // MARK: Reading

    /// One history link as it lies in memory (the runtime's tuple of two Int32s).
    struct HistoryLink: BitwiseCopyable {
        var event: Int32
        var next: Int32
    }

    /// What the engine section holds.
    struct EngineScalars {
        var recordActivations = false, defersEvaluation = false
        var clock: Int64?
        var applied = 0, skippedMidnights = 0
        var midnightsHandled: Int64 = 0
        var windowsTrimmedAt: Int64?
        var streamStats: [StreamStats] = []
        var keptCounts: [Int] = []
        var storeCount = 0
        var clockStale: [Bool] = []
    }

    /// A collection's per-row state, read apart from its runtime.
    struct RowsState {
        var members: [Bool] = []
        var scheduled: [Int64] = []
        var historyHead: [Int32] = []
        var historyLinks: [(event: Int32, next: Int32)] = []
        var lazyAt: [Int64] = []
        var staleRows: [Int32] = []
    }

    /// One aggregate column's accumulators, read apart from its runtime.
    struct ColumnState {
        var inputs: [Deque<AggregateInput>] = []
        var counts: [Int32] = []
        var sums: [AggregateColumn.SumState] = []
        var tallies: [[Value: Int32]] = []
        var lists: [Value] = []
        var best: [Value] = []
        var bestCounts: [Int32] = []
        var edges: [AggregateInput?] = []
    }

    /// The pieces of a checkpoint that decode independently, on every core: first the
    /// runtimes, the table check and the store's chunks; then the duplicate index (which
    /// reads the store) alongside the collections' state.
    enum Job {
        case checksum(UnsafeRawBufferPointer, UInt64)
        case tables
        /// A block of rows' values (known columns from the table), initialized in place in
        /// their collection's values buffer.
        case values(collection: Int, rows: Range<Int>, BinaryReader)
        /// A chunk of the store, decoded into its place in the store's buffer.
        case events(BinaryReader, range: Range<Int>)
        case runtime(collection: Int)
        case kept(stream: Int)
        case rows(collection: Int, BinaryReader)
        case column(collection: Int, slot: Int, BinaryReader)
        case timers(BinaryReader)
        case pending(BinaryReader)
    }

    enum Output {
        case none
        case runtime(CollectionRuntime)
        case kept([String: Int32])
        case rows(RowsState)
        case column(ColumnState)
        case timers(Heap<EngineTimer>)
        case pending([PendingRow])
    }

    /// What every job may read.
    struct Context {
        let workspace: Workspace
        let scalars: EngineScalars
        let tables: UInt64
        /// The store's buffer: being initialized by the first jobs, complete for the second.
        let store: UnsafeMutablePointer<Event>?
        let storeCount: Int
        /// Each collection's values buffer, being initialized by the second jobs.
        var values: [UnsafeMutablePointer<Value>?] = []
    }

    static func read(_ raw: UnsafeRawBufferPointer, workspace ws: Workspace) throws -> EngineCheckpointState {
        // The checksum is checked alongside the rest (what is read is bounds-checked anyway).
        let (header, bodyReader, bodyBytes, checksum) = try readHeader(raw, magic: magic, version: version, verify: false)
        guard header.definitions == definitionsFingerprint(ws) else { throw EngineCheckpointError.definitionsChanged }
        var body = bodyReader

        // The framing first (lengths only), then every piece in parallel.
        func part(_ r: inout BinaryReader) throws -> BinaryReader {
            let length = try r.u64()
            guard length <= UInt64(r.remaining) else { throw EngineCheckpointError.truncated }
            return try r.section(length: Int(length))
        }
        func section(_ tag: Tag) throws -> BinaryReader {
            let t = try body.u32()
            guard t == tag.rawValue else { throw EngineCheckpointError.corrupt("section \(t) where \(tag) expected") }
            return try part(&body)
        }
        var engineReader = try section(.engine)
        let scalars = try readEngine(&engineReader, ws)
        let collections = ws.collections
        // Each runtime is built from the workspace while the rest is read.
        var first: [Job] = collections.indices.map { .runtime(collection: $0) } + [.tables, .checksum(bodyBytes, checksum)]
        var second: [Job] = ws.streams.indices.map { .kept(stream: $0) }
        var eventsSection = try section(.events)
        let (chunks, storeCount) = try eventChunks(&eventsSection)
        for chunk in chunks { first.append(.events(chunk.reader, range: chunk.range)) }
        try end(eventsSection, "events")
        guard storeCount == scalars.storeCount else { throw EngineCheckpointError.corrupt("\(storeCount) events where \(scalars.storeCount) expected") }
        for (c, model) in collections.enumerated() {
            var r = try section(.collection)
            second.append(.rows(collection: c, try part(&r)))
            let blocks = rowBlocks(model.table.rows.count)
            try r.count(expected: blocks.count, "collection \(model.name): blocks of values")
            for rows in blocks { second.append(.values(collection: c, rows: rows, try part(&r))) }
            for slot in slots(model).indices { second.append(.column(collection: c, slot: slot, try part(&r))) }
            try end(r, "collection \(model.name)")
        }
        second.append(.timers(try section(.timers)))
        second.append(.pending(try section(.pending)))
        guard body.isAtEnd else { throw EngineCheckpointError.corrupt("bytes after the last section") }

        // The store is decoded in place, chunk by chunk, each chunk's events initialized by its
        // job (a failing job leaves its range uninitialized; the others' are then undone).
        var outputs: [Result<Output, any Error>] = []
        var store = [Event](unsafeUninitializedCapacity: storeCount) { buffer, initialized in
            let context = Context(workspace: ws, scalars: scalars, tables: header.tables, store: buffer.baseAddress, storeCount: storeCount)
            outputs = Parallel.map(first.count) { j in Result { try run(first[j], context) } }
            let events = zip(first, outputs).compactMap { job, output -> (Range<Int>, Result<Output, any Error>)? in
                if case .events(_, let range) = job { (range, output) } else { nil }
            }
            initialized = keepOrUndo(events.map(\.0), events.map(\.1), buffer)
        }
        // Damaged data first, then other table data (rows renumbered make the rest meaningless).
        for j in first.indices { if case .checksum = first[j] { _ = try outputs[j].get() } }
        for j in first.indices { if case .tables = first[j] { _ = try outputs[j].get() } }
        var runtimes: [CollectionRuntime] = []
        for output in outputs { if case .runtime(let rt) = try output.get() { runtimes.append(rt) } }
        // Each collection's values are initialized in place by their blocks' jobs, as the store's are.
        let values = store.withUnsafeMutableBufferPointer { buffer in
            withUninitializedValues(collections[...], []) { pointers in
                var context = Context(workspace: ws, scalars: scalars, tables: header.tables, store: buffer.baseAddress, storeCount: storeCount)
                context.values = pointers
                outputs = Parallel.map(second.count) { j in Result { try run(second[j], context) } }
                return collections.indices.map { c in
                    zip(second, outputs).compactMap { job, output -> (Range<Int>, Bool)? in
                        guard case .values(c, let rows, _) = job else { return nil }
                        if case .success = output { return (rows, true) } else { return (rows, false) }
                    }
                }
            }
        }
        for (rt, v) in zip(runtimes, values.values) { rt.values = v }

        var kept: [[String: Int32]] = []
        var rows: [RowsState] = []
        var columns: [[ColumnState]] = collections.map { _ in [] }
        var timers = Heap<EngineTimer>()
        var pending: [PendingRow] = []
        for (job, output) in zip(second, outputs) {
            switch (job, try output.get()) {
            case (.kept(let s), .kept(let index)):
                guard index.count == scalars.keptCounts[s] else {
                    throw EngineCheckpointError.corrupt("\(index.count) distinct event ids where \(scalars.keptCounts[s]) expected")
                }
                kept.append(index)
            case (_, .rows(let r)): rows.append(r)
            case (.column(let c, _, _), .column(let state)): columns[c].append(state)
            case (_, .timers(let t)): timers = t
            case (_, .pending(let p)): pending = p
            default: break
            }
        }
        for (c, rt) in runtimes.enumerated() {
            let r = rows[c]
            rt.members = r.members
            rt.scheduled = r.scheduled
            rt.historyHead = r.historyHead
            rt.historyLinks = r.historyLinks
            rt.lazyAt = r.lazyAt
            for (column, s) in zip(rt.columns, columns[c]) {
                column.restore(inputs: s.inputs, counts: s.counts, sums: s.sums, tallies: s.tallies, lists: s.lists,
                               best: s.best, bestCounts: s.bestCounts, edges: s.edges)
            }
        }
        return EngineCheckpointState(
            recordActivations: scalars.recordActivations, defersEvaluation: scalars.defersEvaluation, runtimes: runtimes,
            clock: scalars.clock, streamStats: scalars.streamStats, applied: scalars.applied,
            skippedMidnights: scalars.skippedMidnights, timers: timers, pendingRows: pending, store: store, kept: kept,
            midnightsHandled: scalars.midnightsHandled, staleRows: rows.map(\.staleRows),
            isStale: zip(runtimes, rows).map { rt, r in
                var flags = [Bool](repeating: false, count: rt.rowCount)
                for row in r.staleRows { flags[Int(row)] = true }
                return flags
            },
            clockStale: scalars.clockStale, windowsTrimmedAt: scalars.windowsTrimmedAt)
    }

    typealias Blocks = [[(rows: Range<Int>, initialized: Bool)]]

    /// Each collection's values array, initialized by `body` given a buffer per collection:
    /// `body` returns, per collection, which blocks of rows it initialized (every value of
    /// those rows) and which it left uninitialized. An array with a block left is undone (empty).
    static func withUninitializedValues(_ collections: ArraySlice<CollectionModel>, _ pointers: [UnsafeMutablePointer<Value>?],
                                        _ body: ([UnsafeMutablePointer<Value>?]) -> Blocks) -> (values: [[Value]], blocks: Blocks) {
        guard let model = collections.first else { return ([], body(pointers)) }
        let c = pointers.count
        let width = model.attributes.count, rows = model.table.rows.count
        var rest: (values: [[Value]], blocks: Blocks) = ([], [])
        let values = [Value](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            rest = withUninitializedValues(collections.dropFirst(), pointers + [buffer.baseAddress], body)
            let blocks = rest.blocks[c]
            if blocks.allSatisfy(\.initialized), blocks.reduce(0, { $0 + $1.rows.count }) == rows {
                initialized = rows * width
            } else {
                for b in blocks where b.initialized && width > 0 {
                    (buffer.baseAddress! + b.rows.lowerBound * width).deinitialize(count: b.rows.count * width)
                }
                initialized = 0
            }
        }
        return ([values] + rest.values, rest.blocks)
    }

    static func run(_ job: Job, _ context: Context) throws -> Output {
        let ws = context.workspace, scalars = context.scalars
        switch job {
        case .checksum(let bytes, let sum):
            try verifyChecksum(bytes, sum)
            return .none
        case .values(let c, let rows, var r):
            let model = ws.collections[c]
            let width = model.attributes.count, n = rows.count
            let known = knownColumns(model).map { $0 ?? -1 }
            let stateCount = known.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
            // Every value is read (and checked) into a scratch buffer, attribute by attribute,
            // before any is moved into place, row by row.
            let decoded = UnsafeMutablePointer<Value>.allocate(capacity: max(1, stateCount * n))
            defer { decoded.deallocate() }
            var done = 0
            do {
                for _ in 0..<stateCount {
                    try readValues(&r, count: n, into: decoded + done)
                    done += n
                }
                try end(r, "collection \(model.name): values")
            } catch {
                decoded.deinitialize(count: done)
                throw error
            }
            guard width > 0, var p = context.values[c].map({ $0 + rows.lowerBound * width }) else {
                decoded.deinitialize(count: done)
                return .none
            }
            model.table.rows.withUnsafeBufferPointer { table in
                for i in 0..<n {
                    table[rows.lowerBound + i].withUnsafeBufferPointer { cells in
                        var k = 0
                        for ai in 0..<width {
                            let column = known[ai]
                            if column >= 0 {
                                p.initialize(to: cells[column])
                            } else {
                                p.initialize(to: (decoded + k * n + i).move())
                                k += 1
                            }
                            p += 1
                        }
                    }
                }
            }
            return .none
        case .tables:
            guard context.tables == tablesFingerprint(ws) else { throw EngineCheckpointError.tablesChanged }
            return .none
        case .events(let r, let range):
            try decodeChunk(r, range, streams: ws.streams.count, into: context.store)
            return .none
        case .kept(let s):
            // The copy that counts per (stream, id) is the last one applied (see the top of the file).
            var index = [String: Int32](minimumCapacity: scalars.keptCounts[s])
            if let events = context.store {
                for i in 0..<context.storeCount where events[i].stream == s { index[events[i].id] = Int32(i) }
            }
            return .kept(index)
        case .runtime(let c):
            return .runtime(CollectionRuntime(model: ws.collections[c], index: c, restoring: true))
        case .rows(let c, var r):
            let rows = try readRows(ws.collections[c], &r, storeCount: scalars.storeCount)
            try end(r, "collection \(ws.collections[c].name)")
            return .rows(rows)
        case .column(let c, let slot, var r):
            let model = ws.collections[c]
            let (function, window) = slots(model)[slot]
            let state = try readColumn(function: function, window: window, &r, rows: model.table.rows.count, "collection \(model.name), aggregate \(slot)")
            try end(r, "collection \(model.name), aggregate \(slot)")
            return .column(state)
        case .timers(var r):
            let timers = try readTimers(&r, ws)
            try end(r, "timers")
            return .timers(timers)
        case .pending(var r):
            let pending = try readPending(&r, ws)
            try end(r, "pending table rows")
            return .pending(pending)
        }
    }

    static func end(_ r: BinaryReader, _ what: String) throws {
        guard r.isAtEnd else { throw EngineCheckpointError.corrupt("\(r.remaining) unread bytes at the end of \(what)") }
    }

    static func readEngine(_ r: inout BinaryReader, _ ws: Workspace) throws -> EngineScalars {
        var s = EngineScalars()
        s.recordActivations = try r.bool()
        s.defersEvaluation = try r.bool()
        s.clock = try r.optionalInt64()
        s.applied = Int(try r.int())
        s.skippedMidnights = Int(try r.int())
        s.midnightsHandled = try r.i64()
        s.windowsTrimmedAt = try r.optionalInt64()
        try r.count(expected: ws.streams.count, "streams")
        for stream in ws.streams {
            var stats = StreamStats(name: stream.name.value)
            stats.lines = Int(try r.int())
            stats.valid = Int(try r.int())
            stats.duplicate = Int(try r.int())
            stats.unmatched = Int(try r.int())
            stats.quarantined = Int(try r.int())
            s.streamStats.append(stats)
            s.keptCounts.append(Int(clamping: try r.varint()))
        }
        s.storeCount = Int(clamping: try r.varint())
        // Checked against what the events section holds, which is bounded by its length.
        guard s.storeCount <= Int(Int32.max), s.keptCounts.allSatisfy({ $0 <= s.storeCount }) else {
            throw EngineCheckpointError.corrupt("\(s.storeCount) events")
        }
        try r.count(expected: ws.collections.count, "collections")
        for _ in ws.collections { s.clockStale.append(try r.bool()) }
        try end(r, "the engine section")
        return s
    }

    /// One attribute's values over a block of `count` rows (see `writeValues`), initialized
    /// at `out` — all of them, or none when it throws.
    static func readValues(_ r: inout BinaryReader, count: Int, into out: UnsafeMutablePointer<Value>) throws {
        guard let kind = ValueKind(rawValue: try r.u8()) else { throw EngineCheckpointError.corrupt("an unknown kind of values") }
        if kind == .mixed {
            var values: [Value] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try r.value()) }
            values.withUnsafeBufferPointer { out.initialize(from: $0.baseAddress!, count: count) }
            return
        }
        let flags = try r.array(UInt8.self, count: try counted(&r, count, "values"))
        var present = 0, top: UInt8 = 0
        for f in flags {
            present += f == 0 ? 0 : 1
            top = max(top, f)
        }
        guard top <= (kind == .bool ? 2 : 1) else { throw EngineCheckpointError.corrupt("a value flag is out of range") }
        var numbers: [Int64] = []
        switch kind {
        case .int, .date:
            numbers.reserveCapacity(present)
            for _ in 0..<present { numbers.append(kind == .int ? try r.int() : Int64(try r.int32())) }
        case .double, .timestamp:
            numbers = try r.array(Int64.self, count: try counted(&r, present, "values"))
        case .bool, .mixed: break
        }
        var k = 0
        for (i, f) in flags.enumerated() {
            guard f != 0 else { (out + i).initialize(to: .null); continue }
            switch kind {
            case .int: (out + i).initialize(to: .int(numbers[k]))
            case .date: (out + i).initialize(to: .date(Int32(truncatingIfNeeded: numbers[k])))
            case .double: (out + i).initialize(to: .double(Double(bitPattern: UInt64(bitPattern: numbers[k]))))
            case .timestamp: (out + i).initialize(to: .timestamp(numbers[k]))
            case .bool, .mixed: (out + i).initialize(to: .bool(f == 2))
            }
            k += 1
        }
    }

    static func readRows(_ model: CollectionModel, _ r: inout BinaryReader, storeCount: Int) throws -> RowsState {
        let name = "collection \(model.name)"
        let rows = model.table.rows.count, width = model.attributes.count, segments = model.segments.count
        let slotCount = slots(model).count
        try r.count(expected: rows, "\(name): profiles")
        try r.count(expected: width, "\(name): attributes")
        try r.count(expected: segments, "\(name): segments")
        try r.count(expected: slotCount, "\(name): aggregates")
        var s = RowsState()
        s.members = try r.bools(count: try counted(&r, rows * segments, "\(name): memberships"))
        s.scheduled = try r.array(Int64.self, count: try counted(&r, rows * slotCount, "\(name): schedule"))
        let heads = try r.array(Int32.self, count: try counted(&r, rows, "\(name): histories"))
        let links = try r.array(HistoryLink.self)
        // Links point to earlier links only (so a history is never a cycle) and to stored events.
        var bad = false
        for (i, link) in links.enumerated() {
            bad = bad || link.event < 0 || Int(link.event) >= storeCount || link.next < -1 || Int(link.next) >= i
        }
        for h in heads { bad = bad || h < -1 || Int(h) >= links.count }
        guard !bad else { throw EngineCheckpointError.corrupt("\(name): a history link is out of range") }
        s.historyHead = heads
        s.historyLinks = links.map { (event: $0.event, next: $0.next) }
        // Lazy attributes keep a clock per row, as `CollectionRuntime` decides from the model.
        let lazyRows = try r.count(bytesEach: 8)
        guard lazyRows == 0 || lazyRows == rows else { throw EngineCheckpointError.corrupt("\(name): \(lazyRows) lazy clocks") }
        s.lazyAt = try r.array(Int64.self, count: lazyRows)
        s.staleRows = try r.array(Int32.self)
        var seen = [Bool](repeating: false, count: rows)
        for row in s.staleRows {
            guard row >= 0, Int(row) < rows, !seen[Int(row)] else { throw EngineCheckpointError.corrupt("\(name): a stale row is out of range or repeated") }
            seen[Int(row)] = true
        }
        return s
    }

    /// Reads a count that must be `expected`, and returns it.
    static func counted(_ r: inout BinaryReader, _ expected: Int, _ what: @autoclosure () -> String) throws -> Int {
        try r.count(expected: expected, what())
        return expected
    }

    static func readColumn(function f: AggregateFunction, window: Int64?, _ r: inout BinaryReader, rows: Int, _ what: String) throws -> ColumnState {
        guard try r.u8() == functionCode(f), try r.optionalInt64() == window else {
            throw EngineCheckpointError.corrupt("\(what): another function or window")
        }
        func size(_ used: Bool, _ part: String) throws -> Int {
            try counted(&r, used ? rows : 0, "\(what): \(part)")
        }
        var c = ColumnState()
        let inputRows = try size(window != nil, "inputs")
        c.inputs.reserveCapacity(inputRows)
        for _ in 0..<inputRows {
            let n = try r.count(bytesEach: 11)
            guard n > 0 else { c.inputs.append([]); continue }
            c.inputs.append(try Deque(unsafeUninitializedCapacity: n) { buffer, initialized in
                while initialized < n {
                    (buffer.baseAddress! + initialized).initialize(to: try r.input())
                    initialized += 1
                }
            })
        }
        c.counts = try r.array(Int32.self, count: try size(f == .count, "counts"))
        let sumRows = try size(f == .sum || f == .average, "sums")
        c.sums.reserveCapacity(sumRows)
        for _ in 0..<sumRows {
            var s = AggregateColumn.SumState()
            s.count = try r.int32()
            s.doubles = try r.int32()
            s.warnings = try r.int32()
            s.intSum = try r.int()
            let special = Double(bitPattern: try r.u64())
            s.doubleSum = ExactSum(partials: try r.array(Double.self), special: special)
            c.sums.append(s)
        }
        let tallyRows = try size(f == .count_distinct || f == .distinct || f == .most_frequent, "tallies")
        c.tallies.reserveCapacity(tallyRows)
        for _ in 0..<tallyRows {
            let n = try r.count(bytesEach: 2)
            var tally = [Value: Int32](minimumCapacity: n)
            for _ in 0..<n {
                let v = try r.value()
                tally[v] = try r.int32()
            }
            guard tally.count == n else { throw EngineCheckpointError.corrupt("\(what): a value is tallied twice") }
            c.tallies.append(tally)
        }
        let listRows = try size(f == .distinct, "lists")
        c.lists.reserveCapacity(listRows)
        for _ in 0..<listRows { c.lists.append(try r.value()) }
        let bestRows = try size(f == .min || f == .max || f == .most_frequent, "answers")
        c.best.reserveCapacity(bestRows)
        for _ in 0..<bestRows { c.best.append(try r.value()) }
        c.bestCounts = try r.array(Int32.self, count: try size(f == .most_frequent, "answer tallies"))
        let edgeRows = try size(f == .first || f == .last, "edges")
        c.edges.reserveCapacity(edgeRows)
        for _ in 0..<edgeRows { c.edges.append(try r.bool() ? try r.input() : nil) }
        return c
    }

    /// Profiles and aggregate slots per collection, for checking timers and pending rows.
    static func shapes(_ ws: Workspace) -> [(rows: Int, slots: Int)] {
        ws.collections.map { ($0.table.rows.count, slots($0).count) }
    }

    static func readTimers(_ r: inout BinaryReader, _ ws: Workspace) throws -> Heap<EngineTimer> {
        let timers = try r.array(EngineTimer.self)
        let shapes = shapes(ws)
        for t in timers {
            guard t.collection < shapes.count, t.row < shapes[t.collection].rows, t.slot < shapes[t.collection].slots else {
                throw EngineCheckpointError.corrupt("a timer names no aggregate")
            }
        }
        return Heap(timers)
    }

    static func readPending(_ r: inout BinaryReader, _ ws: Workspace) throws -> [PendingRow] {
        let shapes = shapes(ws)
        let n = try r.count(bytesEach: 14)
        var pending: [PendingRow] = []
        pending.reserveCapacity(n)
        for _ in 0..<n {
            let time = try r.i64()
            let c = try r.varint(), row = try r.varint(), slot = try r.varint()
            guard c < UInt64(shapes.count), row < UInt64(shapes[Int(c)].rows), slot < UInt64(shapes[Int(c)].slots) else {
                throw EngineCheckpointError.corrupt("a pending table row names no aggregate")
            }
            pending.append(PendingRow(time: time, collection: Int(c), row: Int(row), slot: Int(slot), input: try r.input()))
        }
        return pending
    }
}
