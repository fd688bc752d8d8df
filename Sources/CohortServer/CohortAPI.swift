import CohortEngine
import CohortStore
import Foundation
import Synchronization

/// Everything the HTTP routes need, independent of who runs the engine: the workspace's shape
/// (streams, collections, look-up indexes built once from the tables), the job queue to the
/// engine, the activation feed, tokens and rate limits, and the API's line numbering.
public final class CohortAPI: Sendable {
    public let workspace: Workspace
    public let host: EngineHost
    public let feed: ActivationFeed
    public let store: CohortStore
    let auth: Authenticator
    let limiter: RateLimiter
    /// Webhook destinations, once started: their state as JSON, and a replay of failed deliveries.
    let destinations: Mutex<DestinationHooks?> = Mutex(nil)
    /// Per collection: the rows sorted by key (segment member pages).
    let rowsByKey: [[Int32]]
    /// Per collection: the linking fields (the profile side of its streams' match pairs, and
    /// its key) and, for each, the rows by the cell's text.
    let lookupIndex: [[String: [String: [Int32]]]]
    /// Per collection: linking fields that a PII attribute reads (look-ups by them need pii:read).
    let piiFields: [Set<String>]
    /// The next API line number per stream (events and quarantined lines are numbered after
    /// the stream file's lines and every earlier run's).
    private let nextLine: Mutex<[Int]>
    private let nextQuarantineLine: Mutex<[Int]>
    /// Per collection: the parts of a profile's JSON that never change, escaped once.
    let formats: [ProfileFormat]
    /// The OpenAPI document served at /openapi.yaml.
    let openAPIText: String?
    private let requestCounter = Atomic<UInt64>(0)
    private let requestPrefix = Tokens.randomHex(bytes: 3)

    public init(workspace: Workspace, store: CohortStore, host: EngineHost, feed: ActivationFeed, openAPIText: String?) throws {
        self.workspace = workspace
        self.store = store
        self.host = host
        self.feed = feed
        self.openAPIText = openAPIText
        auth = try Authenticator(store: store)
        limiter = RateLimiter()
        rowsByKey = workspace.collections.map { m in
            (0..<m.table.rows.count).map(Int32.init).sorted { m.key(ofRow: Int($0)).utf8Precedes(m.key(ofRow: Int($1))) }
        }
        var indexes: [[String: [String: [Int32]]]] = []
        var pii: [Set<String>] = []
        for m in workspace.collections {
            var columns = Set<Int>([m.keyColumn])
            for link in m.links { for p in link.pairs { columns.insert(p.profileColumn) } }
            var index: [String: [String: [Int32]]] = [:]
            for col in columns {
                var byText: [String: [Int32]] = [:]
                for (r, row) in m.table.text.enumerated() where !row[col].isEmpty { byText[row[col], default: []].append(Int32(r)) }
                index[m.table.columns[col]] = byText
            }
            indexes.append(index)
            var fields = Set<String>()
            for a in m.attributes where a.pii {
                if case .column(let c) = a.source, columns.contains(c) { fields.insert(m.table.columns[c]) }
            }
            pii.append(fields)
        }
        lookupIndex = indexes
        formats = workspace.collections.map(ProfileFormat.init)
        piiFields = pii
        var lines: [Int] = []
        var qlines: [Int] = []
        for (i, s) in workspace.streams.enumerated() {
            let fileLines = workspace.streamLoads[i].lines
            let stored = try store.ingestedEventCount(stream: s.name.value)
            let lastBad = try store.lastQuarantineLine(stream: s.name.value, source: "api")
            lines.append(fileLines + stored + lastBad + 1)
            qlines.append(lastBad + 1)
        }
        nextLine = Mutex(lines)
        nextQuarantineLine = Mutex(qlines)
    }

    /// A new request id: the server's random prefix and a counter.
    func requestID() -> String {
        let n = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return "req_\(requestPrefix)\(String(n, radix: 16))"
    }

    /// Reserves `count` line numbers of a stream's API numbering; returns the first.
    func reserveLines(stream: Int, count: Int) -> Int {
        nextLine.withLock { l in
            defer { l[stream] += max(1, count) }
            return l[stream]
        }
    }

    func reserveQuarantineLines(stream: Int, count: Int) -> Int {
        guard count > 0 else { return 0 }
        return nextQuarantineLine.withLock { l in
            defer { l[stream] += count }
            return l[stream]
        }
    }

    func collectionIndex(_ name: String) -> Int? { workspace.collections.firstIndex { $0.name == name } }

    public func attach(destinations hooks: DestinationHooks) { destinations.withLock { $0 = hooks } }
}

/// What the routes ask of the webhook deliverer.
public struct DestinationHooks: Sendable {
    /// `{"destinations":[…]}`.
    public var statusJSON: @Sendable () -> String
    /// Requeues a destination's failed deliveries: how many, or nil for an unknown destination.
    public var replayFailed: @Sendable (String) throws -> Int?
    public init(statusJSON: @escaping @Sendable () -> String, replayFailed: @escaping @Sendable (String) throws -> Int?) {
        self.statusJSON = statusJSON
        self.replayFailed = replayFailed
    }
}

// MARK: - Reading profiles (run on the engine's thread)

/// What every profile of a collection shares in its JSON: the head, each attribute's key, the
/// segment names in name order.
struct ProfileFormat: Sendable {
    let head: String
    /// `"name":` for each attribute, with the comma before all but the first.
    let keys: [String]
    let pii: [Bool]
    let names: [String]
    let segmentOrder: [Int]
    let segmentNames: [String]

    init(_ model: CollectionModel) {
        head = "{\"collection\":" + JSONText.string(model.name) + ",\"key\":"
        keys = model.attributes.enumerated().map { i, a in (i > 0 ? "," : "") + JSONText.string(a.name) + ":" }
        pii = model.attributes.map(\.pii)
        names = model.attributes.map(\.name)
        segmentOrder = model.segments.indices.sorted { model.segments[$0].name < model.segments[$1].name }
        segmentNames = model.segments.map { JSONText.string($0.name) }
    }
}

extension EngineTurn {
    /// A profile as the API shows it: the §7 line plus `updated_at` and `redacted`.
    func profileJSON(_ f: ProfileFormat, _ model: CollectionModel, collection c: Int, row: Int, pii: Bool, updatedAt: Int64?) -> String {
        var out = f.head
        out.reserveCapacity(2048)
        JSONWriter.writeString(model.key(ofRow: row), to: &out)
        out += ",\"attributes\":{"
        var redacted: [String] = []
        for i in f.keys.indices {
            out += f.keys[i]
            if f.pii[i] && !pii {
                out += "null"
                redacted.append(f.names[i])
            } else {
                ProfileWriter.write(engine.value(collection: c, row: row, attribute: i), to: &out)
            }
        }
        out += "},\"segments\":["
        var first = true
        for s in f.segmentOrder where engine.isMember(collection: c, row: row, segment: s) {
            if !first { out += "," }
            first = false
            out += f.segmentNames[s]
        }
        out += "],\"updated_at\":"
        if let t = updatedAt { out += "\"" + CivilTime.formatTimestamp(t) + "\"" } else { out += "null" }
        out += ",\"redacted\":["
        for (i, r) in redacted.enumerated() {
            if i > 0 { out += "," }
            JSONWriter.writeString(r, to: &out)
        }
        return out + "]}"
    }
}

/// Minimal JSON text helpers for the routes.
enum JSONText {
    static func string(_ s: String) -> String {
        var out = ""
        JSONWriter.writeString(s, to: &out)
        return out
    }

    static func strings(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ",") + "]"
    }

    static func timestamp(_ t: Int64?) -> String {
        t.map { "\"" + CivilTime.formatTimestamp($0) + "\"" } ?? "null"
    }
}
