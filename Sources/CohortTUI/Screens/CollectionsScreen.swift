import CohortEngine

/// Collections: each collection with its table, size, streams, attributes, segments and a
/// sparkline of events per second; Enter opens one.
extension Console {
    func renderCollections(into canvas: inout Canvas, area: Rect) {
        if case .collection(let c) = state.detail {
            renderCollectionDetail(c, into: &canvas, area: area)
            return
        }
        let rows = collectionRows()
        var list = state.lists[.collections] ?? TableState()
        boxedTable(title: listTitle("Collections", scope: workspaceName, count: rows.count, total: live.workspace.collections.count), columns: collectionColumns, rowCount: rows.count,
                   list: &list, focused: true, into: &canvas, area: area) { i, j in collectionCell(rows[i], j) }
        state.lists[.collections] = list
    }

    var collectionColumns: [TableColumn] {
        [
            TableColumn(title: "NAME", width: 12, flex: 0, align: .left),
            TableColumn(title: "TABLE", width: 12, flex: 1, align: .left),
            TableColumn(title: "PROFILES", width: 10, flex: 0, align: .right),
            TableColumn(title: "STREAMS", width: 9, flex: 0, align: .right),
            TableColumn(title: "ATTRS", width: 7, flex: 0, align: .right),
            TableColumn(title: "SEGMENTS", width: 10, flex: 0, align: .right),
            TableColumn(title: "EVENTS/S", width: 14, flex: 1, align: .left),
        ]
    }

    /// One cell of the Collections table (also what sorting compares).
    func collectionCell(_ c: Int, _ j: Int) -> TableCell {
        let m = live.workspace.collections[c]
        switch j {
        case 0: return TableCell(text: m.name, role: c == state.collection ? .accent : .text, marker: nil)
        case 1: return TableCell(text: m.definition.table.value, role: .text, marker: nil)
        case 2: return TableCell(text: Format.grouped(data.profileCount(c)), role: .text, marker: nil)
        case 3: return TableCell(text: String(m.links.count), role: .text, marker: nil)
        case 4: return TableCell(text: String(m.attributes.count), role: .text, marker: nil)
        case 5: return TableCell(text: String(m.segments.count), role: .text, marker: nil)
        default:
            let h = live.rateHistory[c]
            let now = h.last.map { Format.grouped(Int($0.rounded())) } ?? "0"
            return TableCell(text: Sparkline.string(values: Array(h.suffix(8)), width: 8) + " " + now, role: .chartSeries, marker: nil)
        }
    }

    func renderCollectionDetail(_ c: Int, into canvas: inout Canvas, area: Rect) {
        let ws = live.workspace
        let m = ws.collections[c]
        canvas.box(area, title: "Collection \(m.name)", focused: true)
        let inner = area.inset(1)
        var rows = LabeledLines(area: inner, labelWidth: 22)
        func line(_ k: String, _ v: String, _ role: Role = .text) { rows.line(k, v, role, into: &canvas) }
        line("table", "\(m.definition.table.value) (key \(m.definition.key.value))")
        line("profiles", Format.grouped(data.profileCount(c)))
        for link in m.links {
            let pairs = link.pairs.map { "\($0.eventField) = \(m.table.columns[$0.profileColumn])" }.joined(separator: ", then ")
            line("stream", "\(ws.streams[link.stream].name.value): \(pairs)")
        }
        var kinds: [String: Int] = [:]
        for a in m.attributes { kinds[AttributeText.kind(a), default: 0] += 1 }
        line("attributes", ["known", "aggregate", "computed"].map { "\(kinds[$0] ?? 0) \($0)" }.joined(separator: " · "))
        line("segments", "\(m.segments.count)")
        rows.y += 1
        let col = data.collections[c]
        for (s, seg) in m.segments.enumerated() where rows.y < inner.maxY {
            line("  " + seg.name, "\(Format.grouped(col.size[s])) members (\(Format.signed(col.size[s] - col.initialSize[s])) since start)")
        }
        if rows.y < inner.maxY {
            canvas.put("this collection is now the one the Attributes, Segments and Profiles screens show", x: inner.x + 1, y: inner.maxY - 1, role: .muted, maxWidth: inner.width - 2)
        }
    }
}
