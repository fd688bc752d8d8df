/// Writes profiles and activations as the NDJSON lines of SPEC §7.
public enum ProfileWriter {
    /// The JSON text of a value: counts as integers, dates `YYYY-MM-DD`, timestamps ISO 8601
    /// in UTC with `Z`, lists as arrays, null as null (also for NaN and infinities).
    public static func json(_ v: Value) -> String {
        var out = ""
        write(v, to: &out)
        return out
    }

    public static func write(_ v: Value, to out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? formatDouble(d) : "null"
        case .string(let s): JSONWriter.writeString(s, to: &out)
        case .date(let d): out += "\"" + CivilTime.formatDate(d) + "\""
        case .timestamp(let t): out += "\"" + CivilTime.formatTimestamp(t) + "\""
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        }
    }

    /// The shortest text that reads back as the same double, always with a fraction or an
    /// exponent so it stays a double (`40.0`, `39.5`, `1e-05`).
    public static func formatDouble(_ d: Double) -> String {
        "\(d)"
    }

    /// One profile line: `{"collection":…,"key":…,"attributes":{…},"segments":[…]}`.
    public static func profileLine(_ state: CollectionState, row: Int) -> String {
        LineFormat(state.model).line(state, row: row)
    }

    /// Every profile line of a replay, sorted by collection then key.
    public static func profileLines(_ result: ReplayResult) -> [String] {
        var out: [String] = []
        for state in result.collections.sorted(by: { $0.model.name.utf8Precedes($1.model.name) }) {
            let rows = state.model.table.rows.indices.sorted {
                state.model.key(ofRow: $0).utf8Precedes(state.model.key(ofRow: $1))
            }
            let format = LineFormat(state.model)
            // Lines are formatted in parallel chunks.
            let chunk = 4096
            let chunks = Parallel.map((rows.count + chunk - 1) / chunk) { k in
                rows[(k * chunk)..<min(rows.count, (k + 1) * chunk)].map { format.line(state, row: $0) }
            }
            out.append(contentsOf: chunks.joined())
        }
        return out
    }

    /// The parts of a collection's profile lines that are the same on every line, escaped once.
    struct LineFormat {
        /// `{"collection":"NAME","key":`
        let head: String
        /// `,"attributes":{"a":` then `,"b":` and so on.
        let keys: [String]
        /// Segment names as JSON strings, and the segments in name order.
        let segmentNames: [String]
        let segmentOrder: [Int]

        init(_ model: CollectionModel) {
            var head = "{\"collection\":"
            JSONWriter.writeString(model.name, to: &head)
            self.head = head + ",\"key\":"
            keys = model.attributes.enumerated().map { i, a in
                var k = i == 0 ? ",\"attributes\":{" : ","
                JSONWriter.writeString(a.name, to: &k)
                return k + ":"
            }
            segmentNames = model.segments.map { ProfileWriter.json(.string($0.name)) }
            segmentOrder = model.segments.indices.sorted { model.segments[$0].name < model.segments[$1].name }
        }

        func line(_ state: CollectionState, row: Int) -> String {
            var out = head
            out.reserveCapacity(1024)
            JSONWriter.writeString(state.model.key(ofRow: row), to: &out)
            if keys.isEmpty { out += ",\"attributes\":{" }
            for (i, v) in state.values[row].enumerated() {
                out += keys[i]
                write(v, to: &out)
            }
            out += "},\"segments\":["
            var first = true
            for s in segmentOrder where state.members[row][s] {
                if !first { out += "," }
                first = false
                out += segmentNames[s]
            }
            out += "]}"
            return out
        }
    }

    /// One activation line: `{"collection":…,"segment":…,"key":…,"change":"enter","at":…}`.
    public static func activationLine(_ a: Activation) -> String {
        var out = "{\"collection\":"
        JSONWriter.writeString(a.collection, to: &out)
        out += ",\"segment\":"
        JSONWriter.writeString(a.segment, to: &out)
        out += ",\"key\":"
        JSONWriter.writeString(a.key, to: &out)
        out += ",\"change\":\"\(a.change.rawValue)\",\"at\":\"\(CivilTime.formatTimestamp(a.at))\"}"
        return out
    }
}
