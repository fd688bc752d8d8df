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
        let detailWidth = wide ? max(40, area.width * 33 / 100) : 0
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
    /// and (opened with Enter) its recent events. Beside the table it is a summary; opened,
    /// the attribute list scrolls with j/k and the recent events always show.
    func renderProfileDetail(row: Int, into canvas: inout Canvas, area: Rect, focused: Bool) {
        let m = collectionModel
        canvas.box(area, title: m.key(ofRow: row) + (focused ? "" : " · Enter opens"), focused: focused)
        let inner = area.inset(1)
        guard inner.width > 10, inner.height > 2 else { return }
        if focused {
            let twoColumns = inner.width >= 100
            let (left, right) = twoColumns ? inner.splitLeft(inner.width * 45 / 100) : (inner, inner)
            var y = (twoColumns ? right : inner).y
            y = renderSegmentsOf(row: row, into: &canvas, x: (twoColumns ? right : inner).x, y: y, width: (twoColumns ? right : inner).width,
                                 maxY: (twoColumns ? right.maxY - 8 : inner.y + inner.height / 3), explain: true)
            let eventsHeight = twoColumns ? max(3, right.maxY - y - 1) : min(7, max(3, inner.height / 4))
            let eventsArea = twoColumns ? Rect(x: right.x, y: y + 1, width: right.width, height: eventsHeight)
                                        : Rect(x: inner.x, y: inner.maxY - eventsHeight, width: inner.width, height: eventsHeight)
            let attrTop = twoColumns ? left.y : y + 1
            let attrArea = Rect(x: left.x, y: attrTop, width: left.width, height: (twoColumns ? left.maxY : eventsArea.y) - attrTop)
            renderAttributesOf(row: row, into: &canvas, area: attrArea, scrollable: true)
            renderRecentEvents(row: row, into: &canvas, area: eventsArea)
        } else {
            let y = renderSegmentsOf(row: row, into: &canvas, x: inner.x, y: inner.y, width: inner.width, maxY: inner.maxY, explain: false)
            renderAttributesOf(row: row, into: &canvas, area: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1), scrollable: false)
        }
    }

    /// The segments a profile is in, each with the values that put it there (and, when
    /// `explain`, the condition itself); returns the next free row.
    private func renderSegmentsOf(row: Int, into canvas: inout Canvas, x: Int, y top: Int, width: Int, maxY: Int, explain: Bool) -> Int {
        let m = collectionModel
        let d = data
        var y = top
        let memberOf = m.segments.indices.filter { d.isMember(state.collection, row, $0) }
        canvas.put("SEGMENTS (\(memberOf.count) of \(m.segments.count))", x: x + 1, y: y, role: .tableHeader, maxWidth: width - 2)
        y += 1
        if memberOf.isEmpty, y < maxY {
            canvas.put("in no segment", x: x + 1, y: y, role: .muted, maxWidth: width - 2)
            y += 1
        }
        let nameWidth = min(20, max(12, width * 40 / 100))
        for s in memberOf where y < maxY {
            canvas.put("✓ " + m.segments[s].name, x: x + 1, y: y, role: .statusOk, maxWidth: nameWidth)
            canvas.put(why(segment: s, row: row), x: x + 2 + nameWidth, y: y, role: .text, maxWidth: width - nameWidth - 3)
            y += 1
            if explain, y < maxY {
                canvas.put("because " + m.segments[s].condition.source, x: x + 2 + nameWidth, y: y, role: .muted, maxWidth: width - nameWidth - 3)
                y += 1
            }
        }
        return y
    }

    /// Attribute names and values, live ones first; changed values flash ↑/↓.
    private func renderAttributesOf(row: Int, into canvas: inout Canvas, area: Rect, scrollable: Bool) {
        guard area.height > 1 else { return }
        let m = collectionModel
        let c = state.collection
        let d = data
        var order: [Int] = []
        for (i, a) in m.attributes.enumerated() { if case .column = a.source {} else { order.append(i) } }
        for (i, a) in m.attributes.enumerated() { if case .column = a.source { order.append(i) } }
        var list = state.detailList
        let visible = area.height - 1
        if scrollable { list.clamp(rowCount: order.count, pageSize: visible) } else { list = TableState() }
        let more = scrollable && order.count > visible ? "  \(list.offset + 1)–\(min(order.count, list.offset + visible)) of \(order.count) · j/k scroll" : ""
        canvas.put("ATTRIBUTES" + more, x: area.x + 1, y: area.y, role: .tableHeader, maxWidth: area.width - 2)
        let nameWidth = min(24, max(12, area.width * 50 / 100 - 1))
        for (k, ai) in order.enumerated().dropFirst(list.offset).prefix(visible) {
            let y = area.y + 1 + k - list.offset
            let a = m.attributes[ai]
            let selected = scrollable && k == list.selected
            canvas.put(a.name, x: area.x + 1, y: y, role: selected ? .selection : .formLabel, maxWidth: nameWidth)
            let v = d.value(c, row, ai)
            let flash = d.flash(c, row, ai)
            var text = a.pii && !scrollable ? "•••" : Format.value(v)
            if let flash { text += " " + flash.marker }
            let role: Role = flash == .up ? .deltaUp : (flash == .down ? .deltaDown : (v == .null ? .muted : .text))
            canvas.put(text, x: area.x + 2 + nameWidth, y: y, role: role, maxWidth: area.width - nameWidth - 3)
            if selected { canvas.cursor = (area.x + 1, y) }
        }
        if scrollable { state.detailList = list }
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
