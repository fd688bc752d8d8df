import CohortEngine

/// The collection form's state: three steps (name; the customer-360 table, its key and the
/// columns that become known attributes; the associated streams with their ordered linking
/// keys) — or, for an existing collection, the configuration view: step 3 alone, pre-filled.
/// `Console` routes keys here while the form is open.
public struct CollectionForm: Sendable {
    /// The steps, in order.
    public enum Step: Int, Sendable, CaseIterable {
        case name = 1, table, streams

        public var title: String {
            switch self {
            case .name: return "Name"
            case .table: return "Table"
            case .streams: return "Streams"
            }
        }
    }

    /// The fields in focus order.
    public enum Focus: Sendable, Equatable {
        // Step 1.
        case name, description
        // Step 2: three lists.
        case tables, key, attributes
        // Step 3: the streams list, then the linking keys of the stream under its cursor:
        // the priority handle (`[` `]` move, Ctrl-X removes), the event field, the profile column.
        case streams
        case handle(Int), event(Int), profile(Int)
        // Buttons.
        case back, next, save, cancel

        var isButton: Bool { [.back, .next, .save, .cancel].contains(self) }
        /// The linking key the focus is in.
        var pair: Int? {
            switch self {
            case .handle(let i), .event(let i), .profile(let i): return i
            default: return nil
            }
        }
    }

    /// One linking key: an event field and the profile column it must equal.
    public struct Pair: Sendable, Equatable {
        public var event: TextField
        public var profile: TextField

        public init(event: String, profile: String) {
            self.event = TextField(event)
            self.profile = TextField(profile)
        }

        var text: (event: String, profile: String) { (event.text.trimmingSparkSpaces().description, profile.text.trimmingSparkSpaces().description) }
    }

    /// A stream associated with the collection, with its linking keys in priority order.
    public struct Link: Sendable, Equatable {
        public var stream: Int
        public var pairs: [Pair]

        /// The keys as text, for comparing with the saved version and caching the preview.
        var signature: [String] { pairs.map { $0.text.event + "\u{0}" + $0.text.profile } }
    }

    /// A column of the chosen table: its inferred type, a sample value and, when counted,
    /// whether its values are unique (what a key needs).
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        public var sample: String?
        /// Rows whose non-empty value an earlier row already has; nil when not counted.
        public var duplicates: Int?
        /// Rows with an empty cell.
        public var empty: Int?
        /// The most repeated value and how often it appears (when there are duplicates).
        public var mostRepeated: (value: String, count: Int)?

        public var isUnique: Bool? { duplicates.map { $0 == 0 && empty == 0 } }

        public static func == (a: Column, b: Column) -> Bool {
            a.name == b.name && a.type == b.type && a.sample == b.sample && a.duplicates == b.duplicates && a.empty == b.empty
        }
    }

    /// An event field seen in a stream's sampled events, and in how many of them it holds an identity.
    public struct SeenField: Sendable, Equatable {
        public var name: String
        public var count: Int
    }

    /// How a stream's (sampled) events match profiles through its linking keys, first match
    /// winning as the engine does.
    public struct MatchPreview: Sendable, Equatable {
        /// Events looked at, of `total` in the stream.
        public var sampled: Int
        public var total: Int
        /// Events whose identity matched a profile through some key.
        public var matched: Int
        /// Per key: events that key decided (its value matched a profile and no earlier key's did).
        public var perKey: [Int]
        /// Per key: events holding a value for its field at all.
        public var present: [Int]
        public var micros: Int64

        public var unmatched: Int { sampled - matched }

        public static func == (a: MatchPreview, b: MatchPreview) -> Bool {
            a.sampled == b.sampled && a.total == b.total && a.matched == b.matched && a.perKey == b.perKey && a.present == b.present
        }
    }

    /// The collection whose streams the configuration view edits.
    public struct Original: Sendable, Equatable {
        public var collection: Int
        public var name: String
        public var table: String
        public var key: String
        public var links: [Link]
        /// Every segment of the collection (their members may change with the streams).
        public var segments: [String]
    }

    /// Events looked at per stream for suggestions and the preview.
    public static let sampleLimit = 50_000

    /// Set in the configuration view (`e` on a collection): only step 3 is shown.
    public let original: Original?
    public var step: Step
    public var focus: Focus
    /// Asks before throwing away unsaved changes.
    public var discard: Dialog?

    // Step 1.
    public var name = TextField()
    public var description = TextField()
    public var nameError: String?
    /// Names of the existing collections.
    public let takenNames: Set<String>

    // Step 2.
    /// The workspace's loaded tables, in cohort.yaml order, and the key each declares.
    public let tables: [String]
    public let declaredKeys: [String: String]
    public var tableList = TableState()
    /// The chosen table (an index into `tables`).
    public var table: Int?
    public var columns: [Column] = []
    public var keyList = TableState()
    /// The chosen key column (an index into `columns`).
    public var key: Int?
    public var keyError: String?
    public var attributeList = TableState()
    /// Per column: does it become a known attribute.
    public var attributes: [Bool] = []

    // Step 3.
    /// The workspace's streams.
    public let streams: [String]
    public var streamList = TableState()
    public var links: [Link] = []
    /// Per stream: top-level identity fields seen in its sampled events, most common first.
    public let seenFields: [[SeenField]]
    /// Per stream index: the match preview of its link.
    public var previews: [Int: MatchPreview] = [:]
    /// What the preview of each stream was computed for.
    var previewed: [Int: [String]] = [:]
    /// Text values of the chosen table's columns (non-empty cells), for the preview.
    var columnValues: [String: Set<String>] = [:]

    /// A new collection.
    public init(workspace ws: Workspace) {
        original = nil
        step = .name
        focus = .name
        takenNames = Set(ws.definitions.collections.map(\.name.value))
        (tables, declaredKeys) = Self.tables(ws)
        streams = ws.streams.map(\.name.value)
        seenFields = Self.seenFields(ws)
    }

    /// The configuration view of collection `c`: its streams and their ordered linking keys.
    public init(workspace ws: Workspace, editing c: Int) {
        let m = ws.collections[c]
        step = .streams
        focus = .streams
        takenNames = Set(ws.definitions.collections.map(\.name.value))
        (tables, declaredKeys) = Self.tables(ws)
        streams = ws.streams.map(\.name.value)
        seenFields = Self.seenFields(ws)
        name = TextField(m.name)
        description = TextField(m.definition.description ?? "")
        var links: [Link] = []
        for l in m.definition.streams {
            guard let s = ws.streamIndex(l.stream.value), !links.contains(where: { $0.stream == s }) else { continue }
            links.append(Link(stream: s, pairs: l.match.map { Pair(event: $0.event.value, profile: $0.profile.value) }))
        }
        self.links = links
        original = Original(collection: c, name: m.name, table: m.definition.table.value, key: m.definition.key.value,
                            links: links, segments: m.segments.map(\.name))
        if let t = tables.firstIndex(of: m.definition.table.value) {
            table = t
            columns = Self.columns(of: m.table, countValues: false)
            key = m.table.columnIndex(m.definition.key.value)
        }
        streamList.selected = links.first?.stream ?? 0
    }

    static func tables(_ ws: Workspace) -> ([String], [String: String]) {
        let defs = ws.definitions.tables.filter { ws.tables[$0.name.value] != nil }
        var keys: [String: String] = [:]
        for t in defs { if let k = t.key { keys[t.name.value] = k.value } }
        return (defs.map(\.name.value), keys)
    }

    /// The events looked at for a stream: all of them up to `sampleLimit`, else evenly spread.
    static func sample(_ events: [Event]) -> some Sequence<Event> {
        let step = max(1, (events.count + sampleLimit - 1) / sampleLimit)
        return stride(from: 0, to: events.count, by: step).lazy.map { events[$0] }
    }

    /// Top-level fields holding an identity (a non-empty string or a number), per stream.
    static func seenFields(_ ws: Workspace) -> [[SeenField]] {
        ws.streams.indices.map { s in
            guard ws.streamLoads.indices.contains(s) else { return [] }
            var counts: [String: Int] = [:]
            for e in sample(ws.streamLoads[s].events) {
                var seen = Set<String>()
                for m in e.fields {
                    switch m.value {
                    case .string(let v) where !v.isEmpty: seen.insert(m.key)
                    case .number: seen.insert(m.key)
                    default: break
                    }
                }
                for f in seen { counts[f, default: 0] += 1 }
            }
            return counts.map { SeenField(name: $0.key, count: $0.value) }.sorted { ($1.count, $0.name) < ($0.count, $1.name) }
        }
    }

    /// Each column's type and first value; with `countValues`, its duplicates and empty cells.
    static func columns(of t: CohortEngine.Table, countValues: Bool) -> [Column] {
        t.columns.indices.map { c in
            var col = Column(name: t.columns[c], type: t.types[c], sample: t.text.lazy.map { $0[c] }.first { !$0.isEmpty })
            if countValues { col.count(t, c) }
            return col
        }
    }

    // MARK: Derived

    /// The steps this form shows.
    public var steps: [Step] { original == nil ? Step.allCases : [.streams] }

    /// The chosen table's name.
    public var tableName: String? { table.map { tables[$0] } }
    public var keyName: String? { key.flatMap { columns.indices.contains($0) ? columns[$0].name : nil } }
    /// The stream under the streams list's cursor.
    public var currentStream: Int { min(max(0, streamList.selected), max(0, streams.count - 1)) }
    /// The link of the stream under the cursor, if it is associated.
    public var currentLink: Int? { links.firstIndex { $0.stream == currentStream } }

    /// True when something differs from what was saved (or anything was entered in a new form).
    public var isDirty: Bool {
        if let o = original { return links.map(\.stream) != o.links.map(\.stream) || links.map(\.signature) != o.links.map(\.signature) }
        return !name.text.isEmpty || !description.text.isEmpty || table != nil || !links.isEmpty
    }

    /// Fields of the current step in focus order, for Tab and Shift-Tab.
    public var focusOrder: [Focus] {
        switch step {
        case .name: return [.name, .description, .next, .cancel]
        case .table: return [.tables, .key, .attributes, .back, .next, .cancel]
        case .streams:
            var out: [Focus] = [.streams]
            if let l = currentLink {
                for i in links[l].pairs.indices { out += [.handle(i), .event(i), .profile(i)] }
            }
            return out + (original == nil ? [.back, .save, .cancel] : [.save, .cancel])
        }
    }

    mutating func moveFocus(_ step: Int) {
        let order = focusOrder
        let i = order.firstIndex(of: focus) ?? 0
        focus = order[(i + step + order.count) % order.count]
    }

    // MARK: Step 1

    /// Checks the name: present, a plain identifier, not an existing collection.
    public mutating func validateName() {
        let n = name.text
        if n.isEmpty {
            nameError = "a name is required"
        } else if !(n.first!.isLetter || n.first == "_") || !n.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }) {
            nameError = "use letters, digits and _, starting with a letter (as in store_profiles)"
        } else if original == nil, takenNames.contains(n) {
            nameError = "'\(n)' is already a collection — pick another name"
        } else {
            nameError = nil
        }
    }

    // MARK: Step 2

    /// Chooses table `t`: its columns (counted), the key it declares, and every other column
    /// as a known attribute. Choosing the chosen table again keeps what was picked.
    public mutating func chooseTable(_ t: Int, workspace ws: Workspace) {
        guard tables.indices.contains(t), t != table, let data = ws.tables[tables[t]] else { return }
        table = t
        columns = Self.columns(of: data, countValues: data.rows.count * max(1, data.columns.count) <= 2_000_000)
        key = declaredKeys[tables[t]].flatMap { data.columnIndex($0) }
        keyList = TableState(selected: key ?? 0)
        attributes = columns.indices.map { $0 != key }
        attributeList = TableState()
        columnValues = [:]
        previewed = [:]
        keyError = nil
        if let key { chooseKey(key, workspace: ws) }
    }

    /// Chooses the key column and checks that it names one profile per row.
    public mutating func chooseKey(_ k: Int, workspace ws: Workspace) {
        guard columns.indices.contains(k), let t = tableName, let data = ws.tables[t] else { return }
        key = k
        if columns[k].duplicates == nil { columns[k].count(data, k) }
        keyError = keyProblem()
    }

    /// Why the chosen key cannot be one (nil when it can).
    public func keyProblem() -> String? {
        guard let t = tableName else { return "choose the customer-360 table (↑↓, then Enter or Space)" }
        guard let k = key, columns.indices.contains(k) else { return "choose the key column: the one that names each profile" }
        let c = columns[k]
        if let d = c.duplicates, d > 0 {
            let e = c.mostRepeated.map { " (e.g. \($0.value) ×\(Format.grouped($0.count)))" } ?? ""
            return "'\(c.name)' is not unique in \(t): \(Format.grouped(d)) duplicate value\(d == 1 ? "" : "s")\(e) — a key names one profile"
        }
        if let e = c.empty, e > 0 {
            return "'\(c.name)' has \(Format.grouped(e)) empty cell\(e == 1 ? "" : "s") in \(t) — every profile needs a key"
        }
        return nil
    }

    /// The known attributes to write: each chosen column, named after it.
    public var chosenAttributes: [(name: String, column: String)] {
        columns.indices.filter { attributes.indices.contains($0) && attributes[$0] }.map { (Self.attributeName(columns[$0].name), columns[$0].name) }
    }

    /// A column's name as an attribute name: itself when it is a plain identifier.
    static func attributeName(_ column: String) -> String {
        var out = String(column.map { ($0.isLetter || $0.isNumber) && $0.isASCII ? $0 : "_" })
        if let f = out.first, !(f.isLetter || f == "_") { out = "_" + out }
        return out.isEmpty ? "_" : out
    }

    // MARK: Step 3

    /// Associates the stream under the cursor (with the best-matching same-named field as its
    /// first key, when there is one), or removes it.
    public mutating func toggleStream() {
        let s = currentStream
        guard streams.indices.contains(s) else { return }
        if let l = currentLink {
            links.remove(at: l)
            previews[s] = nil
            previewed[s] = nil
            return
        }
        var pairs: [Pair] = []
        let names = Set(columns.map(\.name))
        if let f = seenFields[s].first(where: { names.contains($0.name) }) {
            pairs.append(Pair(event: f.name, profile: f.name))
        } else {
            pairs.append(Pair(event: seenFields[s].first?.name ?? "", profile: keyName ?? ""))
        }
        links.append(Link(stream: s, pairs: pairs))
    }

    /// The linking key `i` of the current link.
    var focusedPairField: TextField? {
        get {
            guard let l = currentLink else { return nil }
            switch focus {
            case .event(let i) where links[l].pairs.indices.contains(i): return links[l].pairs[i].event
            case .profile(let i) where links[l].pairs.indices.contains(i): return links[l].pairs[i].profile
            default: return nil
            }
        }
        set {
            guard let newValue, let l = currentLink else { return }
            switch focus {
            case .event(let i) where links[l].pairs.indices.contains(i): links[l].pairs[i].event = newValue
            case .profile(let i) where links[l].pairs.indices.contains(i): links[l].pairs[i].profile = newValue
            default: break
            }
        }
    }

    /// Suggestions for the focused event field or profile column, best first, filtered by what is typed.
    public func suggestions() -> [String] {
        guard let l = currentLink, let i = focus.pair, links[l].pairs.indices.contains(i) else { return [] }
        let all: [String]
        let typed: String
        switch focus {
        case .event: all = seenFields[links[l].stream].map(\.name); typed = links[l].pairs[i].event.text
        case .profile: all = columns.map(\.name); typed = links[l].pairs[i].profile.text
        default: return []
        }
        if typed.isEmpty || all.contains(typed) { return all }
        let lower = typed.lowercased()
        return all.filter { $0.hasPrefix(typed) } + all.filter { !$0.hasPrefix(typed) && $0.lowercased().contains(lower) }
    }

    /// What → or End at the end of the focused field completes it to.
    public func completion() -> String? {
        guard let f = focusedPairField, !f.text.isEmpty, f.caret == f.text.count else { return nil }
        return suggestions().first { $0.hasPrefix(f.text) && $0 != f.text }
    }

    /// What is wrong with linking key `i` of link `l` (errors block saving; warnings do not).
    public func pairProblem(link l: Int, pair i: Int) -> (error: Bool, text: String)? {
        let link = links[l]
        let p = link.pairs[i].text
        let stream = streams[link.stream]
        if p.event.isEmpty { return (true, "key \(i + 1): the event field is empty (e.g. \(seenFields[link.stream].first?.name ?? "customer_id"))") }
        if p.profile.isEmpty { return (true, "key \(i + 1): the profile column is empty (e.g. \(keyName ?? "a column of the table"))") }
        if !columns.contains(where: { $0.name == p.profile }) {
            let hint = suggestion(for: p.profile, among: columns.map(\.name)).map { " — did you mean '\($0)'?" } ?? ""
            return (true, "key \(i + 1): '\(p.profile)' is not a column of \(tableName ?? "the table")\(hint)")
        }
        if link.pairs[..<i].contains(where: { $0.text == p }) {
            return (false, "key \(i + 1) repeats an earlier key and never decides")
        }
        if !seenFields[link.stream].isEmpty, !seenFields[link.stream].contains(where: { $0.name == p.event }) {
            let hint = suggestion(for: p.event, among: seenFields[link.stream].map(\.name)).map { " — did you mean '\($0)'?" } ?? ""
            return (false, "no sampled event of \(stream) has the field '\(p.event)'\(hint)")
        }
        return nil
    }

    /// The first problem that blocks saving the streams, with where to put the focus.
    public func linksProblem() -> (message: String, stream: Int, focus: Focus)? {
        for (l, link) in links.enumerated() {
            if link.pairs.isEmpty {
                return ("stream '\(streams[link.stream])' has no linking key — Ctrl-N adds one, Space unlinks the stream", link.stream, .streams)
            }
            for i in link.pairs.indices {
                if let p = pairProblem(link: l, pair: i), p.error {
                    let f: Focus = p.text.contains("profile column") || p.text.contains("is not a column") ? .profile(i) : .event(i)
                    return ("\(streams[link.stream]): \(p.text)", link.stream, f)
                }
            }
        }
        return nil
    }

    /// The `streams:` value to write: each link's `match` a single map for one key, else a
    /// list of maps in priority order.
    public var streamsYAML: YAMLEntryValue {
        .list(links.map { link in
            let maps = link.pairs.map { p -> YAMLEntryValue in
                .map([YAMLEntryPair("event", .string(p.text.event)), YAMLEntryPair("profile", .string(p.text.profile))])
            }
            return .map([YAMLEntryPair("stream", .string(streams[link.stream])),
                         YAMLEntryPair("match", maps.count == 1 ? maps[0] : .list(maps))])
        })
    }

    /// Counts how the sampled events of each linked stream match profiles through its keys
    /// (first match wins), for the links whose keys changed since the last time.
    public mutating func refreshPreviews(workspace ws: Workspace) {
        guard let t = tableName, let data = ws.tables[t] else {
            previews = [:]
            previewed = [:]
            return
        }
        for link in links where previewed[link.stream] != link.signature {
            previewed[link.stream] = link.signature
            let started = CivilTime.wallClockMicros()
            var sets: [Set<String>?] = []
            for p in link.pairs {
                let col = p.text.profile
                if columnValues[col] == nil, let c = data.columnIndex(col) {
                    var s = Set<String>()
                    s.reserveCapacity(data.text.count)
                    for row in data.text where !row[c].isEmpty { s.insert(row[c]) }
                    columnValues[col] = s
                }
                sets.append(columnValues[col])
            }
            let fields = link.pairs.map(\.text.event)
            let events = ws.streamLoads.indices.contains(link.stream) ? ws.streamLoads[link.stream].events : []
            var p = MatchPreview(sampled: 0, total: events.count, matched: 0, perKey: Array(repeating: 0, count: fields.count),
                                 present: Array(repeating: 0, count: fields.count), micros: 0)
            for e in Self.sample(events) {
                p.sampled += 1
                var decided = false
                for (k, f) in fields.enumerated() {
                    guard let id = e.identity(f) else { continue }
                    p.present[k] += 1
                    if !decided, let s = sets[k], s.contains(id) {
                        p.perKey[k] += 1
                        p.matched += 1
                        decided = true
                    }
                }
            }
            p.micros = CivilTime.wallClockMicros() - started
            previews[link.stream] = p
        }
        let linked = Set(links.map(\.stream))
        for s in Array(previews.keys) where !linked.contains(s) {
            previews[s] = nil
            previewed[s] = nil
        }
    }
}

extension CollectionForm.Column {
    /// Counts duplicates and empty cells of column `c` of `t`.
    mutating func count(_ t: CohortEngine.Table, _ c: Int) {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(t.text.count)
        var empty = 0
        for row in t.text {
            let v = row[c]
            if v.isEmpty { empty += 1 } else { seen[v, default: 0] += 1 }
        }
        let nonEmpty = t.text.count - empty
        duplicates = nonEmpty - seen.count
        self.empty = empty
        if duplicates! > 0, let top = seen.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) {
            mostRepeated = (top.key, top.value)
        } else {
            mostRepeated = nil
        }
    }
}
