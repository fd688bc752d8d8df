import CohortEngine

/// Segments: members, change since the console started, a trend sparkline and recent
/// enters and exits; Enter shows the condition and the latest membership changes.
extension Console {
    func renderSegments(into canvas: inout Canvas, area: Rect) {
        if case .segment(let s) = state.detail {
            renderSegmentDetail(s, into: &canvas, area: area)
            return
        }
        let rows = segmentRows()
        let columns = segmentColumns(wide: area.width >= 110)
        var list = state.lists[.segments] ?? TableState()
        boxedTable(title: listTitle("Segments", scope: collectionModel.name, count: rows.count, total: collectionModel.segments.count), columns: columns, rowCount: rows.count,
                   list: &list, focused: true, into: &canvas, area: area) { i, j in segmentCell(rows[i], j) }
        state.lists[.segments] = list
    }

    func segmentColumns(wide: Bool) -> [TableColumn] {
        var columns = [
            TableColumn(title: "NAME", width: 18, flex: 0, align: .left),
            TableColumn(title: "MEMBERS", width: 9, flex: 0, align: .right),
            TableColumn(title: "SHARE", width: 7, flex: 0, align: .right),
            TableColumn(title: "CHANGE", width: 8, flex: 0, align: .right),
            TableColumn(title: "TREND", width: 16, flex: 0, align: .left),
            TableColumn(title: "IN/OUT", width: 11, flex: 0, align: .right),
        ]
        if wide { columns.append(TableColumn(title: "CONDITION", width: 20, flex: 1, align: .left)) }
        return columns
    }

    /// One cell of the Segments table (also what sorting compares).
    func segmentCell(_ s: Int, _ j: Int) -> TableCell {
        let m = collectionModel
        let col = data.collections[state.collection]
        let total = data.profileCount(state.collection)
        switch j {
        case 0: return TableCell(text: m.segments[s].name, role: .text, marker: nil)
        case 1: return TableCell(text: Format.grouped(col.size[s]), role: .text, marker: nil)
        case 2: return TableCell(text: Format.percent(col.size[s], of: total), role: .muted, marker: nil)
        case 3:
            let delta = col.size[s] - col.initialSize[s]
            return TableCell(text: Format.signed(delta), role: delta > 0 ? .deltaUp : (delta < 0 ? .deltaDown : .muted), marker: delta > 0 ? "↑" : (delta < 0 ? "↓" : nil))
        case 4: return TableCell(text: Sparkline.string(values: Array(col.trend[s].suffix(16)), width: 16), role: .chartSeries, marker: nil)
        case 5: return TableCell(text: "+\(Format.grouped(col.enters[s]))/-\(Format.grouped(col.exits[s]))", role: .muted, marker: nil)
        default: return TableCell(text: m.segments[s].condition.source, role: .muted, marker: nil)
        }
    }

    func renderSegmentDetail(_ s: Int, into canvas: inout Canvas, area: Rect) {
        let m = collectionModel
        let seg = m.segments[s]
        let col = data.collections[state.collection]
        canvas.box(area, title: "Segment \(seg.name)", focused: true)
        let inner = area.inset(1)
        var rows = LabeledLines(area: inner, labelWidth: 12)
        func line(_ k: String, _ v: String, _ role: Role = .text) { rows.line(k, v, role, into: &canvas) }
        line("condition", seg.condition.source)
        if let d = seg.description { line("description", d, .muted) }
        line("reads", seg.inputs.map { m.attributes[$0].name }.joined(separator: ", "))
        line("members", "\(Format.grouped(col.size[s])) of \(Format.grouped(data.profileCount(state.collection))) · \(Format.percent(col.size[s], of: data.profileCount(state.collection))) · \(Format.signed(col.size[s] - col.initialSize[s])) since start")
        line("trend", Sparkline.string(values: Array(col.trend[s].suffix(max(8, inner.width - 16))), width: max(8, inner.width - 16)), .chartSeries)
        line("changes", "\(Format.grouped(col.enters[s])) entered, \(Format.grouped(col.exits[s])) left since start")
        let history = definitions?.history(collection: m.name, kind: "segment", name: seg.name) ?? []
        if let last = history.first {
            let more = history.count > 1 ? " (+\(history.count - 1) earlier; :history lists them)" : ""
            line("history", "\(last.action) \(Format.instant(last.atWall).prefix(16).replacingOccurrences(of: "T", with: " "))\(more)", .muted)
        }
        let y = rows.y + 1
        let recent = Array(col.recent[s].reversed())
        let area2 = Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y)
        var list = state.detailList
        list.clamp(rowCount: recent.count, pageSize: max(1, area2.height - 1))
        let now = data.clock ?? 0
        Table.render(columns: [TableColumn(title: "WHEN", width: 14, flex: 0, align: .left),
                               TableColumn(title: "AGO", width: 5, flex: 0, align: .right),
                               TableColumn(title: "PROFILE", width: 11, flex: 0, align: .left),
                               TableColumn(title: "CHANGE", width: 8, flex: 0, align: .left),
                               TableColumn(title: "CAUSE", width: 20, flex: 1, align: .left)],
                     rowCount: recent.count, state: list, cell: { r, c in
                         let a = recent[r]
                         switch c {
                         case 0: return TableCell(text: Format.shortInstant(a.at), role: .muted, marker: nil)
                         case 1: return TableCell(text: Format.age(a.at, now: now), role: .muted, marker: nil)
                         case 2: return TableCell(text: a.key, role: .text, marker: nil)
                         case 3: return TableCell(text: a.change == .enter ? "+ enter" : "- exit", role: a.change == .enter ? .deltaUp : .deltaDown, marker: nil)
                         default: return TableCell(text: a.cause.description, role: .muted, marker: nil)
                         }
                     }, focused: true, into: &canvas, area: area2)
        state.detailList = list
        lastListArea = area2
    }
}
