/// A segment membership change (SPEC §4): `{segment, key, change: enter|exit, at}`, with
/// what caused it.
public struct Activation: Sendable, Hashable {
    public enum Change: String, Sendable { case enter, exit }
    public let collection: String
    public let segment: String
    public let key: String
    public let change: Change
    /// The clock instant of the change, microseconds since the epoch.
    public let at: Int64
    public let cause: ActivationCause

    public init(collection: String, segment: String, key: String, change: Change, at: Int64, cause: ActivationCause = .replay) {
        self.collection = collection
        self.segment = segment
        self.key = key
        self.change = change
        self.at = at
        self.cause = cause
    }
}

/// What made a membership change.
public enum ActivationCause: Sendable, Hashable, CustomStringConvertible {
    /// An event arrived (or a duplicate with an earlier timestamp replaced it).
    case event(stream: String, eventID: String)
    /// A value left an attribute's window, or a table row's timestamp was reached.
    case window(attribute: String)
    /// A condition reading current_date() or current_timestamp() changed as the clock moved.
    case clock
    /// The memberships that hold from table data alone, at the clock's first value.
    case tables
    /// Found by a batch recomputation, which does not track causes.
    case replay
    /// A segment's or attribute's definition was saved and its members recomputed.
    case definition(name: String)

    public var description: String {
        switch self {
        case .event(let s, let id): return "event \(s)/\(id)"
        case .window(let a): return "window of \(a)"
        case .clock: return "clock"
        case .tables: return "table data"
        case .replay: return "replay"
        case .definition(let n): return "definition of \(n) saved"
        }
    }
}

/// Per-stream accounting of a replay (SPEC §3).
public struct StreamStats: Sendable {
    public var name: String
    /// Non-blank lines read.
    public var lines = 0
    /// Valid events counted once each (duplicates excluded), up to the clock.
    public var valid = 0
    public var duplicate = 0
    /// Valid events whose identity matched no profile of any collection.
    public var unmatched = 0
    public var quarantined = 0
}

/// The state of one collection at the clock: each profile's attribute values and segments.
public struct CollectionState: Sendable {
    public let model: CollectionModel
    /// values[row][attribute]
    public var values: [[Value]]
    /// members[row][segment]
    public var members: [[Bool]]
    /// Values skipped by numeric aggregates because they were not numbers, per attribute.
    public var typeWarnings: [Int]

    public func segmentSize(_ s: Int) -> Int { members.reduce(0) { $0 + ($1[s] ? 1 : 0) } }

    /// The row of the profile whose key is `key`.
    public func row(forKey key: String) -> Int? { model.row(forKey: key) }
}

/// What a replay produced.
public struct ReplayResult: Sendable {
    /// The final clock; nil when there were no events and no `--until`.
    public var clock: Int64?
    public var streams: [StreamStats]
    public var collections: [CollectionState]
    /// Every membership change in time order (only when asked for).
    public var activations: [Activation]
    /// Events applied to at least one profile.
    public var applied: Int
    /// Midnights not evaluated one by one because the clock jumped over a year at once
    /// (`LiveEngine.skippedMidnights`; a replay without activations reads only the final
    /// day, so it skips none).
    public var skippedMidnights = 0
}
