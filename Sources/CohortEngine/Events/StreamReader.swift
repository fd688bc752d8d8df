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
    /// Reads `path`; a missing or unreadable file is an error for the caller to report.
    public static func read(path: String, stream: Int) throws -> StreamLoad {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in
            read(bytes: raw.bindMemory(to: UInt8.self), stream: stream)
        }
    }

    public static func read(bytes: UnsafeBufferPointer<UInt8>, stream: Int, firstLine: Int = 1) -> StreamLoad {
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
