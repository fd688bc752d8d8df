import CohortEngine
import CohortStore
import Foundation

/// A request body read as events of one stream: the valid ones with their raw text, and why
/// each other line is not an event. Parsing runs on the request's thread, not the engine's.
struct ParsedBody: Sendable {
    var events: [Event] = []
    /// The raw text of each event, as stored in the event log.
    var raw: [String] = []
    /// Bad lines: 1-based line in the body, reason, excerpt.
    var errors: [(line: Int, reason: String, excerpt: String)] = []
    /// Later copies of an id that appears more than once in the body.
    var duplicatesInBody = 0
    /// Lines that were not blank.
    var lines = 0
    /// Read as NDJSON (each raw text is one line) rather than one JSON event.
    var ndjson = false
}

enum IngestParser {
    /// How far past the wall clock an event's timestamp may be: the live clock follows the
    /// latest event, so one far in the future would empty every window at once.
    static let maxAheadMicros: Int64 = 5 * 60 * 1_000_000

    /// Reads one JSON event (`ndjson` false) or NDJSON lines. Events get line numbers from
    /// `firstLine` on (the stream's API numbering); errors name the line within the body.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, ndjson: Bool, stream: Int, firstLine: Int, wallNow: Int64) -> ParsedBody {
        var out = ParsedBody()
        out.ndjson = ndjson
        if !ndjson {
            out.lines = 1
            switch EventDecoder.decode(bytes, stream: stream, line: firstLine) {
            case .success(let e):
                out.events = [e]
                out.raw = [String(decoding: bytes, as: UTF8.self)]
            case .failure(let f):
                out.errors = [(1, f.reason, excerpt(bytes))]
            }
        } else {
            let load = StreamReader.read(bytes: bytes, stream: stream, firstLine: firstLine)
            let lines = splitLines(bytes)
            out.lines = load.lines - load.blankLines
            out.events = load.events
            out.raw = load.events.map { e in
                let i = e.line - firstLine
                return i >= 0 && i < lines.count ? String(decoding: UnsafeBufferPointer(rebasing: bytes[lines[i]]), as: UTF8.self) : ""
            }
            out.errors = load.quarantined.map { (line: $0.line - firstLine + 1, reason: $0.reason, excerpt: $0.excerpt) }
            out.duplicatesInBody = load.duplicates.count
        }
        // Too far ahead of the clock: a bad line like any other.
        var kept: [Int] = []
        for (i, e) in out.events.enumerated() {
            if e.timestamp > wallNow + maxAheadMicros {
                let ahead = Double(e.timestamp - wallNow) / 1_000_000
                out.errors.append((line: e.line - firstLine + 1,
                                   reason: "timestamp \(CivilTime.formatTimestamp(e.timestamp)) is \(describe(seconds: ahead)) ahead of the server clock (\(CivilTime.formatTimestamp(wallNow))); at most 5 minutes ahead is taken",
                                   excerpt: String(out.raw[i].prefix(200))))
            } else {
                kept.append(i)
            }
        }
        if kept.count != out.events.count {
            out.events = kept.map { out.events[$0] }
            out.raw = kept.map { out.raw[$0] }
            out.errors.sort { $0.line < $1.line }
        }
        return out
    }

    /// Byte ranges of the lines of a body, split at `\n` with a trailing `\r` dropped, blank
    /// ones included (the line numbers match the stream reader's).
    static func splitLines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                out.append(start..<(i > start && bytes[i - 1] == 0x0D ? i - 1 : i))
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { out.append(start..<(bytes[bytes.count - 1] == 0x0D ? bytes.count - 1 : bytes.count)) }
        return out
    }

    static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, 200)]), as: UTF8.self)
    }

    static func describe(seconds s: Double) -> String {
        if s < 120 { return "\(Int(s)) s" }
        if s < 7200 { return "\(Int(s / 60)) min" }
        if s < 172_800 { return "\(Int(s / 3600)) h" }
        return "\(Int(s / 86_400)) days"
    }
}

/// What an ingest call did, as the API answers it.
struct IngestResult: Sendable {
    var accepted = 0
    var duplicate = 0
    var unmatched = 0
    var quarantined = 0
    var errors: [(line: Int, reason: String)] = []

    var json: String { "{" + members + "}" }

    /// The members of the answer object, without braces (an error body adds them to its own).
    var members: String {
        var out = "\"accepted\":\(accepted),\"duplicate\":\(duplicate),\"unmatched\":\(unmatched),\"quarantined\":\(quarantined),\"errors\":["
        for (i, e) in errors.enumerated() {
            if i > 0 { out += "," }
            out += "{\"line\":\(e.line),\"reason\":"
            JSONWriter.writeString(e.reason, to: &out)
            out += "}"
        }
        return out + "]"
    }
}

extension EngineTurn {
    /// Applies a parsed body's events and queues them, and its bad lines, for the store.
    func ingest(_ body: ParsedBody, stream: Int, streamName: String, quarantineFirstLine: Int) -> IngestResult {
        var r = IngestResult()
        r.duplicate = body.duplicatesInBody
        var kept: [Int] = []
        for (i, e) in body.events.enumerated() {
            switch apply(e) {
            case .duplicate:
                r.duplicate += 1
            case .unmatched:
                r.accepted += 1
                r.unmatched += 1
                kept.append(i)
            case .applied:
                r.accepted += 1
                kept.append(i)
            }
        }
        // The accepted events, as sent, for the ingest log (a restart applies them again).
        if !kept.isEmpty {
            let text = kept.count == body.events.count && body.ndjson ? body.raw.joined(separator: "\n") : kept.map { body.raw[$0] }.joined(separator: "\n")
            batch.bodies.append(IngestedBody(stream: streamName, ndjson: body.ndjson, text: text, events: kept.count))
        }
        for (k, bad) in body.errors.enumerated() {
            engine.quarantined(stream: stream)
            batch.quarantine.append(QuarantineEntry(stream: streamName, line: quarantineFirstLine + k, reason: bad.reason,
                                                    excerpt: bad.excerpt, source: "api"))
        }
        r.quarantined = body.errors.count
        r.errors = body.errors.map { ($0.line, $0.reason) }
        return r
    }
}
