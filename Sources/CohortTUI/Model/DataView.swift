import CohortEngine

/// What the screens read in one frame: the live workspace, or a copy taken when the user
/// froze the view with `Z` (the engine keeps running underneath).
public struct DataView {
    public let live: LiveWorkspace
    public let collections: [CollectionLive]
    public let streamStats: [StreamStats]
    /// Log records up to (not including) this sequence number are visible.
    public let logEnd: Int
    public let clock: Int64?
    private let frozenState: [CollectionState]?
    private let frozenLog: [EventRecord]?

    /// A view of the workspace as it is now.
    public init(live: LiveWorkspace) {
        self.live = live
        collections = live.collections
        streamStats = live.engine.streamStats
        logEnd = live.nextSequence
        clock = live.clock
        frozenState = nil
        frozenLog = nil
    }

    /// A copy that stays still: values, memberships, counts and the log's end.
    public init(freezing live: LiveWorkspace) {
        self.live = live
        collections = live.collections
        streamStats = live.engine.streamStats
        logEnd = live.nextSequence
        clock = live.clock
        frozenState = live.engine.snapshot()
        frozenLog = live.log
    }

    public var isFrozen: Bool { frozenState != nil }
    public var workspace: Workspace { live.workspace }

    public func profileCount(_ c: Int) -> Int { live.engine.profileCount(collection: c) }

    public func value(_ c: Int, _ row: Int, _ attribute: Int) -> Value {
        if let f = frozenState { return f[c].values[row][attribute] }
        return live.engine.value(collection: c, row: row, attribute: attribute)
    }

    public func isMember(_ c: Int, _ row: Int, _ segment: Int) -> Bool {
        if let f = frozenState { return f[c].members[row][segment] }
        return live.engine.isMember(collection: c, row: row, segment: segment)
    }

    public func flash(_ c: Int, _ row: Int, _ attribute: Int) -> FlashDirection? {
        isFrozen ? nil : live.flash(collection: c, row: row, attribute: attribute)
    }

    /// Log records visible in this view, oldest first.
    public var log: ArraySlice<EventRecord> {
        let all = frozenLog ?? live.log
        guard let first = all.first else { return [] }
        let end = max(0, min(all.count, logEnd - first.sequence))
        return all[0..<end]
    }
}
