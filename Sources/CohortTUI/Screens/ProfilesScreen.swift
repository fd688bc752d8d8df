import CohortEngine

/// Profiles: every profile of the collection, paged (only visible rows are read), with a
/// detail pane beside the table at 120+ columns and as a sub-view on Enter.
extension Console {
    func renderProfiles(into canvas: inout Canvas, area: Rect) {
        if case .profile(let row) = state.detail {
            renderProfileDetail(row: row, into: &canvas, area: area, focused: true)
            return
        }
        let wide = area.width >= 120
        let detailWidth = wide ? max(40, area.width * 36 / 100) : 0
        let (tableArea, detailArea) = area.splitLeft(area.width - detailWidth)
        let c = state.collection
        let m = collectionModel
        let d = data
        let columns = profileColumns(width: profileTableWidth)
        let count = profileRowCount()
        var list = state.lists[.profiles] ?? TableState()
        list.sortColumn = state.profileSort.flatMap { columns.firstIndex(of: $0) }
        list.ascending = state.profileAscending
        let clock = d.clock ?? 0
        let tableColumns: [TableColumn] = columns.map { col in
            switch col {
            case .key: return TableColumn(title: profileColumnTitle(col), width: 11, flex: 0, align: .left)
            case .name: return TableColumn(title: profileColumnTitle(col), width: 16, flex: 2, align: .left)
            case .attribute(let a):
                let attr = m.attributes[a]
                let numeric = attr.type.isNumeric
                return TableColumn(title: profileColumnTitle(col), width: max(9, min(16, attr.name.count)), flex: 0, align: numeric ? .right : .left)
            case .segments: return TableColumn(title: "SEGMENTS", width: 14, flex: 3, align: .left)
            case .updated: return TableColumn(title: "UPDATED", width: 9, flex: 0, align: .right)
            }
        }
        let rows = profileRows()
        let title = listTitle("Profiles", scope: m.name, count: count, total: rows == nil ? nil : d.profileCount(c))
        boxedTable(title: title, columns: tableColumns, rowCount: count, list: &list, focused: true, into: &canvas, area: tableArea) { i, j in
            let row = rows.map { Int($0[i]) } ?? i
            switch columns[j] {
            case .key: return TableCell(text: m.key(ofRow: row), role: .text, marker: nil)
            case .name: return TableCell(text: NameColumn.text(m, data: d, collection: c, row: row), role: .text, marker: nil)
            case .attribute(let a):
                let flash = d.flash(c, row, a)
                return TableCell(text: Format.cell(d.value(c, row, a)), role: flash == .down ? .deltaDown : (flash == nil ? .text : .deltaUp), marker: flash?.marker)
            case .segments:
                var names: [String] = []
                for s in m.segments.indices where d.isMember(c, row, s) { names.append(m.segments[s].name) }
                return TableCell(text: names.joined(separator: ","), role: .text, marker: nil)
            case .updated:
                let t = d.collections[c].lastUpdated[row]
                return TableCell(text: t == Int64.min ? "" : Format.age(t, now: clock), role: .muted, marker: nil)
            }
        }
        state.lists[.profiles] = list
        if wide, let row = selectedProfileRow() {
            renderProfileDetail(row: row, into: &canvas, area: detailArea, focused: false)
        } else if wide {
            canvas.box(detailArea, title: "Profile")
            canvas.put("no profile selected", x: detailArea.x + 2, y: detailArea.y + 1, role: .muted, maxWidth: detailArea.width - 4)
        }
    }

    /// A profile: its attributes (changed ones flash), its segments and why it is in each,
    /// and its recent events.
    func renderProfileDetail(row: Int, into canvas: inout Canvas, area: Rect, focused: Bool) {
        let c = state.collection
        let m = collectionModel
        let d = data
        canvas.box(area, title: m.key(ofRow: row), focused: focused)
        let inner = area.inset(1)
        guard inner.width > 10, inner.height > 2 else { return }
        var y = inner.y
        let nameWidth = min(24, max(12, inner.width * 55 / 100 - 2))
        let valueX = inner.x + 1 + nameWidth + 1

        // Segments first: they are what people watch.
        canvas.put("SEGMENTS", x: inner.x + 1, y: y, role: .tableHeader)
        y += 1
        var memberOf: [Int] = []
        for s in m.segments.indices where d.isMember(c, row, s) { memberOf.append(s) }
        if memberOf.isEmpty {
            canvas.put("in no segment", x: inner.x + 1, y: y, role: .muted, maxWidth: inner.width - 2)
            y += 1
        }
        for s in memberOf where y < inner.maxY {
            let seg = m.segments[s]
            canvas.put("✓ " + seg.name, x: inner.x + 1, y: y, role: .statusOk, maxWidth: nameWidth)
            canvas.put(why(segment: s, row: row), x: valueX, y: y, role: .muted, maxWidth: inner.maxX - valueX)
            y += 1
        }
        y += 1
        guard y < inner.maxY else { return }

        // Attributes: live ones first.
        let detailWide = focused && inner.width >= 100
        canvas.put("ATTRIBUTES", x: inner.x + 1, y: y, role: .tableHeader)
        y += 1
        var order: [Int] = []
        for (i, a) in m.attributes.enumerated() { if case .column = a.source {} else { order.append(i) } }
        for (i, a) in m.attributes.enumerated() { if case .column = a.source { order.append(i) } }
        let attrRows = detailWide ? max(0, inner.maxY - y) : max(0, inner.maxY - y - (focused ? 8 : 0))
        let perColumn = detailWide ? attrRows : attrRows
        let columnsCount = detailWide ? 2 : 1
        let colWidth = (inner.width - 2) / columnsCount
        for (k, ai) in order.enumerated() {
            let col = k / max(1, perColumn)
            guard col < columnsCount else { break }
            let yy = y + k % max(1, perColumn)
            let x = inner.x + 1 + col * colWidth
            let a = m.attributes[ai]
            canvas.put(a.name, x: x, y: yy, role: .formLabel, maxWidth: nameWidth)
            let v = d.value(c, row, ai)
            let flash = d.flash(c, row, ai)
            var text = a.pii && !focused ? "•••" : Format.value(v)
            if let flash { text += " " + flash.marker }
            let role: Role = flash == .up ? .deltaUp : (flash == .down ? .deltaDown : (v == .null ? .muted : .text))
            canvas.put(text, x: x + nameWidth + 1, y: yy, role: role, maxWidth: colWidth - nameWidth - 2)
        }
        guard focused, !detailWide else {
            if detailWide { renderRecentEvents(row: row, into: &canvas, area: Rect(x: inner.x, y: inner.maxY, width: 0, height: 0)) }
            return
        }
        let eventsTop = inner.maxY - 7
        renderRecentEvents(row: row, into: &canvas, area: Rect(x: inner.x, y: eventsTop, width: inner.width, height: 7))
    }

    func renderRecentEvents(row: Int, into canvas: inout Canvas, area: Rect) {
        guard area.height > 1 else { return }
        canvas.put("RECENT EVENTS", x: area.x + 1, y: area.y, role: .tableHeader)
        let seqs = data.collections[state.collection].recentEvents[row] ?? []
        var y = area.y + 1
        if seqs.isEmpty { canvas.put("none since the console started", x: area.x + 1, y: y, role: .muted, maxWidth: area.width - 2) }
        for seq in seqs.reversed() where y < area.maxY {
            guard let r = live.record(sequence: seq) else { continue }
            let line = "\(Format.shortInstant(r.event.timestamp))  \(r.stream)/\(r.event.type)  \(ChangeText.summary(r.changes.filter { isAbout($0, row: row) }, workspace: live.workspace, limit: 4))"
            canvas.put(line, x: area.x + 1, y: y, role: .text, maxWidth: area.width - 2)
            y += 1
        }
    }

    private func isAbout(_ c: ChangeNote, row: Int) -> Bool {
        switch c {
        case let .value(col, r, _, _, _): return col == state.collection && r == row
        case let .membership(col, r, _, _): return col == state.collection && r == row
        }
    }

    /// Why a profile is in a segment: the condition with the values it read.
    func why(segment s: Int, row: Int) -> String {
        let m = collectionModel
        let seg = m.segments[s]
        let values = seg.inputs.map { "\(m.attributes[$0].name)=\(ChangeText.short(data.value(state.collection, row, $0)))" }
        return values.isEmpty ? seg.condition.source : values.joined(separator: " ")
    }
}
