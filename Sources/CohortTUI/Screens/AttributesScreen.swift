import CohortEngine

/// Attributes: name, kind, function, source, timeframe, fill rate and a small distribution;
/// Enter shows the definition and which segments and attributes read it.
extension Console {
    /// Fill rates and distributions, recomputed at most every two seconds.
    func attributeStats() -> [AttributeStats] {
        let c = state.collection
        if let cache = attributeStatsCache, cache.collection == c, wallNow - cache.at < 2_000_000 || frozen != nil { return cache.stats }
        let d = data
        let stats = collectionModel.attributes.indices.map { AttributeStats.compute(data: d, collection: c, attribute: $0) }
        attributeStatsCache = (c, wallNow, stats)
        return stats
    }

    func renderAttributes(into canvas: inout Canvas, area: Rect) {
        if case .attribute(let a) = state.detail {
            renderAttributeDetail(a, into: &canvas, area: area)
            return
        }
        let rows = attributeRows()
        let columns = attributeColumns(wide: area.width >= 110)
        var list = state.lists[.attributes] ?? TableState()
        boxedTable(title: listTitle("Attributes", scope: collectionModel.name, count: rows.count, total: collectionModel.attributes.count), columns: columns, rowCount: rows.count,
                   list: &list, focused: true, into: &canvas, area: area) { i, j in attributeCell(rows[i], j, wide: area.width >= 110) }
        state.lists[.attributes] = list
    }

    func attributeColumns(wide: Bool) -> [TableColumn] {
        var columns = [
            TableColumn(title: "NAME", width: 22, flex: 0, align: .left),
            TableColumn(title: "KIND", width: 9, flex: 0, align: .left),
            TableColumn(title: "FUNCTION", width: 13, flex: 0, align: .left),
        ]
        if wide { columns.append(TableColumn(title: "SOURCE", width: 16, flex: 1, align: .left)) }
        columns += [
            TableColumn(title: "WINDOW", width: 8, flex: 0, align: .left),
            TableColumn(title: "FILL", width: 7, flex: 0, align: .right),
            TableColumn(title: "", width: 1, flex: 0, align: .left),
            TableColumn(title: wide ? "DISTRIBUTION" : "SHAPE", width: wide ? 12 : 8, flex: 0, align: .left),
        ]
        return columns
    }

    /// One cell of the Attributes table (also what sorting compares).
    func attributeCell(_ ai: Int, _ j: Int, wide: Bool) -> TableCell {
        let a = collectionModel.attributes[ai]
        let st = attributeStats()[ai]
        let k = wide ? j : (j >= 3 ? j + 1 : j)
        switch k {
        case 0: return TableCell(text: a.name, role: .text, marker: nil)
        case 1: return TableCell(text: AttributeText.kind(a), role: .muted, marker: nil)
        case 2: return TableCell(text: AttributeText.function(a), role: .text, marker: nil)
        case 3: return TableCell(text: AttributeText.source(a), role: .muted, marker: nil)
        case 4: return TableCell(text: AttributeText.timeframe(a), role: .text, marker: nil)
        case 5: return TableCell(text: Format.percent(st.filled, of: st.total), role: st.filled == 0 ? .statusWarn : .text, marker: nil)
        case 6: return TableCell(text: "", role: .text, marker: nil)
        default: return TableCell(text: Sparkline.string(values: st.buckets, width: 8), role: .chartSeries, marker: nil)
        }
    }

    func renderAttributeDetail(_ ai: Int, into canvas: inout Canvas, area: Rect) {
        let m = collectionModel
        let a = m.attributes[ai]
        canvas.box(area, title: "Attribute \(a.name)", focused: true)
        let inner = area.inset(1)
        var rows = LabeledLines(area: inner, labelWidth: 20)
        func line(_ k: String, _ v: String, _ role: Role = .text) { rows.line(k, v, role, into: &canvas) }
        for (k, v) in AttributeText.lines(a) { line(k, v) }
        let st = attributeStats()[ai]
        rows.y += 1
        line("fill rate", "\(Format.percent(st.filled, of: st.total)) (\(Format.grouped(st.filled)) of \(Format.grouped(st.total)))")
        line("distribution", Sparkline.string(values: st.buckets, width: 8) + "  " + (a.pii ? "values hidden (pii)" : st.summary))
        let readers = m.segments.filter { $0.inputs.contains(ai) }.map(\.name)
        line("read by segments", readers.isEmpty ? "none" : readers.joined(separator: ", "), readers.isEmpty ? .muted : .text)
        let computed = m.attributes.filter { if case .computed(_, let ins) = $0.source { return ins.contains(ai) }; return false }.map(\.name)
        line("read by attributes", computed.isEmpty ? "none" : computed.joined(separator: ", "), computed.isEmpty ? .muted : .text)
        // Its own history: each saved change, then the latest one's diff.
        let history = definitions?.history(collection: m.name, kind: "attribute", name: a.name) ?? []
        rows.y += 1
        if history.isEmpty {
            line("history", "no change saved from the console", .muted)
            return
        }
        for (i, e) in history.prefix(5).enumerated() {
            let when = Format.instant(e.atWall).prefix(16).replacingOccurrences(of: "T", with: " ")
            line(i == 0 ? "history" : "", "\(when)  \(e.action)\(e.oldName.map { " (was \($0))" } ?? "")")
        }
        if rows.y + 2 < inner.maxY {
            renderDiff(history[0].diff, into: &canvas, area: Rect(x: inner.x, y: rows.y + 1, width: inner.width, height: inner.maxY - rows.y - 1))
        }
    }
}
