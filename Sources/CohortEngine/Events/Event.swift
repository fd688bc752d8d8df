/// One valid event of a stream: the required fields parsed, the rest kept as JSON.
public struct Event: Sendable {
    /// Index of the stream in the workspace's stream list.
    public let stream: Int
    /// 1-based line number in the stream's file (or the batch it arrived in).
    public let line: Int
    public let id: String
    public let type: String
    /// Microseconds since the epoch, UTC.
    public let timestamp: Int64
    /// Top-level fields other than event_id, type, timestamp and properties (identities).
    public let fields: [JSONMember]
    /// The `properties` object's members.
    public let properties: [JSONMember]

    /// The text an identity field compares by: a string as it is, a number by its JSON
    /// text; nil for other JSON types, empty strings and missing fields (SPEC §3).
    public func identity(_ field: String) -> String? {
        guard let v = fields.last(where: { $0.key == field })?.value else { return nil }
        switch v {
        case .string(let s): return s.isEmpty ? nil : s
        case .number(let t): return t
        default: return nil
        }
    }

    /// The value of a field path as attribute definitions and `where` conditions name it:
    /// `timestamp`, `type`, `event_id`, a top-level field, or `properties.a.b`.
    public func value(at path: FieldPath) -> Value {
        switch path {
        case .timestamp: return .timestamp(timestamp)
        case .type: return .string(type)
        case .eventID: return .string(id)
        case .topLevel(let name):
            return fields.last(where: { $0.key == name })?.value.value ?? .null
        case .property(let keys):
            var members = properties
            for (n, key) in keys.enumerated() {
                guard let v = members.last(where: { $0.key == key })?.value else { return .null }
                if n == keys.count - 1 { return v.value }
                guard case .object(let inner) = v else { return .null }
                members = inner
            }
            return .null
        }
    }
}

/// A reference to a field of an event, resolved once from its dotted name.
public enum FieldPath: Sendable, Hashable {
    case timestamp, type, eventID
    case topLevel(String)
    case property([String])

    public init(_ name: String) {
        switch name {
        case "timestamp": self = .timestamp
        case "type": self = .type
        case "event_id": self = .eventID
        default:
            if name.hasPrefix("properties.") {
                self = .property(name.dropFirst("properties.".count).split(separator: ".", omittingEmptySubsequences: false).map(String.init))
            } else {
                self = .topLevel(name)
            }
        }
    }
}

/// A line that could not be taken as an event, kept with where it came from and why.
public struct QuarantinedLine: Sendable {
    public let stream: Int
    public let line: Int
    public let reason: String
    /// The line's text, cut to 200 characters for display.
    public let excerpt: String
}

/// Why a line is not an event.
public struct EventLineError: Error, Sendable {
    public let reason: String
}

/// Turns one NDJSON line into an `Event`, or says why it cannot.
public enum EventDecoder {
    /// Lines longer than this are quarantined unread.
    public static let maxLineBytes = 1_048_576

    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, stream: Int, line: Int) -> Result<Event, EventLineError> {
        if bytes.count > maxLineBytes {
            return .failure(EventLineError(reason: "line is \(bytes.count) bytes, over the \(maxLineBytes)-byte limit"))
        }
        if let bad = firstInvalidUTF8Offset(bytes) {
            return .failure(EventLineError(reason: "line is not valid UTF-8 (byte \(bad + 1))"))
        }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            return .failure(EventLineError(reason: "invalid JSON: \(error.description)"))
        }
        return decode(json, stream: stream, line: line)
    }

    public static func decode(_ json: JSONValue, stream: Int, line: Int) -> Result<Event, EventLineError> {
        guard case .object(let members) = json else {
            return .failure(EventLineError(reason: "an event must be a JSON object"))
        }
        var id: String?, type: String?, ts: Int64?
        var sawID = false, sawType = false, sawTS = false
        var properties: [JSONMember] = []
        var fields: [JSONMember] = []
        for m in members {
            switch m.key {
            case "event_id":
                sawID = true
                if case .string(let s) = m.value, !s.isEmpty { id = s } else { id = nil }
            case "type":
                sawType = true
                if case .string(let s) = m.value, !s.isEmpty { type = s } else { type = nil }
            case "timestamp":
                sawTS = true
                guard case .string(let s) = m.value else {
                    return .failure(EventLineError(reason: "'timestamp' must be an RFC 3339 string"))
                }
                guard let t = CivilTime.parseTimestamp(s) else {
                    return .failure(EventLineError(reason: "'timestamp' \"\(s.prefix(40))\" is not RFC 3339 with 'Z' or an offset"))
                }
                ts = t
            case "properties":
                switch m.value {
                case .object(let p): properties = p
                case .null: properties = []
                default: return .failure(EventLineError(reason: "'properties' must be a JSON object"))
                }
            default:
                fields.append(m)
            }
        }
        guard sawID else { return .failure(EventLineError(reason: "missing required field 'event_id'")) }
        guard let id else { return .failure(EventLineError(reason: "'event_id' must be a non-empty string")) }
        guard sawType else { return .failure(EventLineError(reason: "missing required field 'type'")) }
        guard let type else { return .failure(EventLineError(reason: "'type' must be a non-empty string")) }
        guard sawTS, let ts else { return .failure(EventLineError(reason: "missing required field 'timestamp'")) }
        return .success(Event(stream: stream, line: line, id: id, type: type, timestamp: ts, fields: fields, properties: properties))
    }

    /// The offset of the first byte that breaks UTF-8, or nil when the bytes are valid.
    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        while i < n {
            // Eight ASCII bytes at a time.
            while n - i >= 8, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < n else { break }
            if bytes[i] < 0x80 { i += 1; continue }
            let len = UTF8Check.sequenceLength(base + i, base + n)
            if len == 0 { return i }
            i += len
        }
        return nil
    }
}
