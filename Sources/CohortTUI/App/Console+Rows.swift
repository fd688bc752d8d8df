import CohortEngine
import Foundation

/// How a shown cell sorts: as a number when it reads as one (`1,240`, `+12`, `11.8%`),
/// numbers before text, text by its characters.
struct SortKey: Comparable {
    let number: Double?
    let text: String

    init(text: String) {
        self.text = text
        let cleaned = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "%", with: "")
            .replacingOccurrences(of: "↑", with: "").replacingOccurrences(of: "↓", with: "").trimmingCharacters(in: .whitespaces)
        number = Double(cleaned.hasPrefix("+") ? String(cleaned.dropFirst()) : cleaned)
    }

    static func < (a: SortKey, b: SortKey) -> Bool {
        switch (a.number, b.number) {
        case let (x?, y?): return x < y
        case (_?, nil): return true
        case (nil, _?): return false
        default: return a.text < b.text
        }
    }
}

/// A column of the Profiles table.
public enum ProfileColumn: Sendable, Equatable, Hashable {
    case key, name, attribute(Int), segments, updated
}

struct ProfileRowsKey: Equatable {
    var collection: Int
    var filter: String
    var sort: ProfileColumn?
    var ascending: Bool
    var frozen: Bool
}

/// The rows each list shows, after its filter, and the Profiles table's columns.
extension Console {
    func matches(_ text: String, _ filter: String) -> Bool {
        filter.isEmpty || text.range(of: filter, options: .caseInsensitive) != nil
    }

    var collectionModel: CollectionModel { live.workspace.collections[state.collection] }

    func collectionRows() -> [Int] {
        let f = state.screen == .collections ? state.visibleFilter : ""
        let rows = live.workspace.collections.indices.filter { i in
            let c = live.workspace.collections[i]
            return matches(c.name + " " + c.definition.table.value, f)
        }
        return sorted(rows, screen: .collections) { collectionCell($0, $1).text }
    }

    func attributeRows() -> [Int] {
        let f = state.screen == .attributes ? state.visibleFilter : ""
        let rows = collectionModel.attributes.indices.filter { matches(collectionModel.attributes[$0].name + " " + AttributeText.definition(collectionModel.attributes[$0]), f) }
        let wide = state.size.width >= 110
        return sorted(rows, screen: .attributes) { attributeCell($0, $1, wide: wide).text }
    }

    func segmentRows() -> [Int] {
        let f = state.screen == .segments ? state.visibleFilter : ""
        let rows = collectionModel.segments.indices.filter { i in
            let s = collectionModel.segments[i]
            return matches(s.name + " " + s.condition.source + " " + (s.description ?? ""), f)
        }
        return sorted(rows, screen: .segments) { segmentCell($0, $1).text }
    }

    /// Rows in the list's sort order (by the shown text; numbers by value), else as defined.
    func sorted(_ rows: [Int], screen: Screen, text: (Int, Int) -> String) -> [Int] {
        guard let list = state.lists[screen], let column = list.sortColumn else { return rows }
        let keys = rows.map { SortKey(text: text($0, column)) }
        let order = rows.indices.sorted { a, b in
            if keys[a] != keys[b] { return list.ascending ? keys[a] < keys[b] : keys[b] < keys[a] }
            return rows[a] < rows[b]
        }
        return order.map { rows[$0] }
    }

    /// Number of columns a screen's list shows (for `<` `>` to wrap around).
    func columnCount(_ screen: Screen) -> Int {
        switch screen {
        case .collections: return collectionColumns.count
        case .attributes: return attributeColumns(wide: state.size.width >= 110).count
        case .segments: return segmentColumns(wide: state.size.width >= 110).count
        case .profiles: return profileColumns(width: profileTableWidth).count
        case .streams: return 0
        }
    }

    /// The event log as listed: oldest first, filtered.
    func logRows() -> ArraySlice<EventRecord> {
        let f = state.screen == .streams ? state.visibleFilter : ""
        let log = data.log
        if f.isEmpty { return log }
        return ArraySlice(log.filter { matches(logText($0), f) })
    }

    func logText(_ r: EventRecord) -> String {
        var s = r.stream + " " + r.event.type + " " + r.event.id + (r.viaHTTP ? " http" : "")
        switch r.outcome {
        case .duplicate: s += " duplicate"
        case .unmatched: s += " unmatched"
        case .applied: break
        }
        for p in r.profiles { s += " " + live.workspace.collections[p.collection].key(ofRow: p.row) }
        return s + " " + ChangeText.summary(r.changes, workspace: live.workspace)
    }

    func jumpToMatch(forward: Bool) {
        guard state.screen == .streams, !state.filter.isEmpty else {
            flash("set a filter with / first; n and N then move between matches", .info)
            return
        }
        let count = logRows().count
        guard count > 0, var list = state.lists[.streams] else { return }
        list.selected = forward ? min(count - 1, list.selected + 1) : max(0, list.selected - 1)
        state.lists[.streams] = list
        state.autoscroll = false
    }

    func detailRowCount() -> Int {
        switch state.detail {
        case .event(let seq): return live.record(sequence: seq)?.changes.count ?? 0
        case .segment(let s): return data.collections[state.collection].recent[s].count
        case .profile: return collectionModel.attributes.count
        case .stream(let i): return live.quarantine.filter { $0.stream == live.workspace.streams[i].name.value }.count
        case .history: return historyEntries().count
        case .attribute, .collection, .none: return 0
        }
    }

    // MARK: Profiles

    /// Columns that fit `width`: key and name, then the live attributes (computed, then
    /// aggregates, then known columns, PII left out), then segments and last update.
    func profileColumns(width: Int) -> [ProfileColumn] {
        let m = collectionModel
        var out: [ProfileColumn] = [.key]
        if NameColumn.find(m) != nil { out.append(.name) }
        let nameish = Set(NameColumn.parts(m))
        // Computed attributes first (they summarise the rest), then event and table
        // aggregates, then known columns.
        var computed: [Int] = [], aggregates: [Int] = [], known: [Int] = []
        for (i, a) in m.attributes.enumerated() where !a.pii && !nameish.contains(i) {
            switch a.source {
            case .column: known.append(i)
            case .computed: computed.append(i)
            default: aggregates.append(i)
            }
        }
        let live = computed + aggregates
        var used = 12 + (out.contains(.name) ? 17 : 0) + 15 + 11
        for i in live + known {
            let w = max(10, min(16, m.attributes[i].name.count + 1)) + 1
            if used + w > width { break }
            out.append(.attribute(i))
            used += w
        }
        out.append(.segments)
        out.append(.updated)
        return out
    }

    /// Columns available to the Profiles table at the current size (the detail pane takes
    /// its share at 120+ columns).
    var profileTableWidth: Int {
        let w = state.size.width
        return (w >= 120 ? w - max(40, w * 33 / 100) : w) - 3
    }

    func profileSortColumn() -> ProfileColumn? { state.profileSort }

    func profileColumnTitle(_ c: ProfileColumn) -> String {
        switch c {
        case .key: return "KEY"
        case .name: return "NAME"
        case .attribute(let a): return collectionModel.attributes[a].name.uppercased()
        case .segments: return "SEGMENTS"
        case .updated: return "UPDATED"
        }
    }

    /// The profile rows in view order; nil means every row in table order.
    func profileRows() -> [Int32]? {
        let key = ProfileRowsKey(collection: state.collection, filter: state.screen == .profiles ? state.visibleFilter : state.filters[.profiles] ?? "",
                                 sort: profileSortColumn(), ascending: state.profileAscending, frozen: frozen != nil)
        // Lazy re-sort: a sorted view is refreshed at most every 5 s (longer when sorting is
        // slow on a huge collection), so rows don't jump.
        let interval = max(5_000_000, 20 * lastSortMicros)
        if let cache = profileRowsCache, cache.key == key, key.sort == nil || wallNow - cache.at < interval || frozen != nil {
            return cache.rows
        }
        let previousRow = selectedProfileRowFromCache()
        let started = ProcessClock.micros()
        var rows: [Int32]?
        if !key.filter.isEmpty || key.sort != nil {
            let q = query(state.collection)
            let filtered = key.filter.isEmpty ? nil : q.filter(key.filter, data: data)
            switch key.sort {
            case .updated?:
                rows = data.collections[state.collection].byLastChange(among: filtered, newestFirst: !key.ascending)
            case let sort?:
                var r = filtered ?? Array(0..<Int32(data.profileCount(state.collection)))
                let d = data
                q.sort(&r, ascending: key.ascending) { profileSortValue(sort, row: $0, data: d) }
                rows = r
            case nil:
                rows = filtered
            }
        }
        lastSortMicros = ProcessClock.micros() - started
        profileRowsCache = (key, rows, wallNow)
        if state.follow, let previousRow, let rows, let i = rows.firstIndex(of: Int32(previousRow)) {
            state.lists[.profiles]?.selected = i
        }
        return rows
    }

    private func selectedProfileRowFromCache() -> Int? {
        guard let cache = profileRowsCache, cache.key.collection == state.collection else { return nil }
        let s = state.lists[.profiles]?.selected ?? 0
        if let rows = cache.rows { return rows.indices.contains(s) ? Int(rows[s]) : nil }
        return s
    }

    func query(_ c: Int) -> ProfileQuery {
        if let q = queries[c] { return q }
        let q = ProfileQuery(model: live.workspace.collections[c], collection: c)
        queries[c] = q
        return q
    }

    func profileRowCount() -> Int { profileRows()?.count ?? data.profileCount(state.collection) }

    func profileRow(at index: Int) -> Int {
        if let rows = profileRows() { return Int(rows[index]) }
        return index
    }

    func selectedProfileRow() -> Int? {
        let n = profileRowCount()
        let s = state.lists[.profiles]?.selected ?? 0
        return (0..<n).contains(s) ? profileRow(at: s) : nil
    }

    func profileSortValue(_ column: ProfileColumn, row: Int, data: DataView) -> Value {
        let c = state.collection
        switch column {
        case .key: return .string(collectionModel.key(ofRow: row))
        case .name: return .string(NameColumn.text(collectionModel, data: data, collection: c, row: row))
        case .attribute(let a): return data.value(c, row, a)
        case .segments:
            return .int(Int64(collectionModel.segments.indices.filter { data.isMember(c, row, $0) }.count))
        case .updated:
            let t = data.collections[c].lastUpdated[row]
            return t == Int64.min ? .null : .timestamp(t)
        }
    }

    /// Drops cached rows so the next frame recomputes them.
    func refreshRows() {
        profileRowsCache = nil
    }
}

/// The Profiles table's NAME: a name-like attribute, or given and family name together.
enum NameColumn {
    static func find(_ m: CollectionModel) -> [Int]? {
        for n in ["full_name", "name", "display_name"] { if let i = m.attributeIndex(n) { return [i] } }
        let first = ["given_name", "first_name"].compactMap(m.attributeIndex).first
        let last = ["surname", "last_name", "family_name"].compactMap(m.attributeIndex).first
        let parts = [first, last].compactMap { $0 }
        return parts.isEmpty ? nil : parts
    }

    /// Attributes the NAME column already shows (kept out of the other columns).
    static func parts(_ m: CollectionModel) -> [Int] {
        var out = find(m) ?? []
        for n in ["given_name", "first_name", "surname", "last_name", "family_name"] { if let i = m.attributeIndex(n) { out.append(i) } }
        return out
    }

    static func text(_ m: CollectionModel, data: DataView, collection c: Int, row: Int) -> String {
        guard let parts = find(m) else { return "" }
        return parts.map { Format.cell(data.value(c, row, $0)) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
