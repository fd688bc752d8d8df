import CohortEngine

/// Streams: per-stream counts on top, the live event log below (autoscrolling), an event's
/// payload and what it changed on Enter, and a stream's quarantined lines.
extension Console {
    func renderStreams(into canvas: inout Canvas, area: Rect) {
        switch state.detail {
        case .event(let seq): renderEventDetail(seq, into: &canvas, area: area); return
        case .stream(let i): renderStreamDetail(i, into: &canvas, area: area); return
        default: break
        }
        let ws = live.workspace
        let d = data
        let countsHeight = min(ws.streams.count + 3, area.height / 2)
        let (top, bottom) = area.splitTop(countsHeight)
        let countColumns = [
            TableColumn(title: "STREAM", width: 10, flex: 0, align: .left),
            TableColumn(title: "TOTAL", width: 7, flex: 0, align: .right),
            TableColumn(title: "VALID", width: 7, flex: 0, align: .right),
            TableColumn(title: "DUPLICATE", width: 9, flex: 0, align: .right),
            TableColumn(title: "UNMATCHED", width: 9, flex: 0, align: .right),
            TableColumn(title: "QUARANTINED", width: 11, flex: 0, align: .right),
            TableColumn(title: "DESCRIPTION", width: 10, flex: 1, align: .left),
        ]
        var streamList = state.streamTable
        boxedTable(title: "Streams[\(ws.streams.count)]", columns: countColumns, rowCount: ws.streams.count, list: &streamList,
                   focused: state.streamTableFocused, into: &canvas, area: top) { i, j in
            let s = d.streamStats[i]
            let n: Int
            switch j {
            case 0: return TableCell(text: ws.streams[i].name.value, role: .text, marker: nil)
            case 1: n = s.lines
            case 2: n = s.valid
            case 3: n = s.duplicate
            case 4: n = s.unmatched
            case 5: return TableCell(text: Format.grouped(s.quarantined), role: s.quarantined > 0 ? .statusWarn : .text, marker: s.quarantined > 0 ? "!" : nil)
            default: return TableCell(text: ws.streams[i].description ?? "", role: .muted, marker: nil)
            }
            return TableCell(text: Format.grouped(n), role: .text, marker: nil)
        }
        state.streamTable = streamList

        let rows = logRows()
        var list = state.lists[.streams] ?? TableState()
        if state.autoscroll, !rows.isEmpty { list.selected = rows.count - 1 }
        let logColumns = [
            TableColumn(title: "TIME", width: 14, flex: 0, align: .left),
            TableColumn(title: "STREAM", width: 7, flex: 0, align: .left),
            TableColumn(title: "TYPE", width: 13, flex: 0, align: .left),
            TableColumn(title: "PROFILE", width: 10, flex: 1, align: .left),
            TableColumn(title: "CHANGED", width: 20, flex: 4, align: .left),
        ]
        var title = listTitle("Events", scope: nil, count: rows.count)
        if !state.autoscroll { title += " ⇣ autoscroll off (s)" }
        boxedTable(title: title, columns: logColumns, rowCount: rows.count, list: &list, focused: !state.streamTableFocused,
                   into: &canvas, area: bottom) { i, j in
            let r = rows[i]
            switch j {
            case 0: return TableCell(text: Format.shortInstant(r.event.timestamp), role: .muted, marker: nil)
            case 1: return TableCell(text: r.viaHTTP ? "⇣" + r.stream : r.stream, role: r.viaHTTP ? .accent : .text, marker: nil)
            case 2: return TableCell(text: r.event.type, role: .text, marker: nil)
            case 3:
                switch r.outcome {
                case .duplicate: return TableCell(text: "duplicate", role: .statusWarn, marker: nil)
                case .unmatched: return TableCell(text: "unmatched", role: .muted, marker: nil)
                case .applied:
                    let keys = r.profiles.map { live.workspace.collections[$0.collection].key(ofRow: $0.row) }
                    return TableCell(text: keys.joined(separator: ","), role: .text, marker: nil)
                }
            default:
                let changes = ChangeText.summary(r.changes, workspace: live.workspace)
                let entered = r.changes.contains { if case .membership(_, _, _, true) = $0 { return true }; return false }
                return TableCell(text: changes, role: entered ? .deltaUp : .text, marker: nil)
            }
        }
        state.lists[.streams] = list
    }

    /// One event: its fields, its payload and everything it changed.
    func renderEventDetail(_ seq: Int, into canvas: inout Canvas, area: Rect) {
        guard let r = live.record(sequence: seq) else {
            canvas.box(area, title: "Event")
            canvas.put("this event has left the log (it keeps the last \(Format.grouped(live.logCapacity)))", x: area.x + 2, y: area.y + 1, role: .muted)
            return
        }
        canvas.box(area, title: "Event \(r.stream)/\(r.event.id)", focused: true)
        let inner = area.inset(1)
        var rows = LabeledLines(area: inner, labelWidth: 12)
        func line(_ k: String, _ v: String, _ role: Role = .text) { rows.line(k, v, role, into: &canvas) }
        line("stream", r.viaHTTP ? "\(r.stream), posted over HTTP (API line \(r.event.line))" : "\(r.stream), line \(r.event.line)")
        line("type", r.event.type)
        line("timestamp", CivilTime.formatTimestamp(r.event.timestamp))
        let outcome: String
        switch r.outcome {
        case .applied(let n): outcome = "applied to \(n) profile\(n == 1 ? "" : "s")"
        case .duplicate: outcome = "duplicate of an event_id already seen: not counted"
        case .unmatched: outcome = "matched no profile"
        }
        line("outcome", outcome)
        for p in r.profiles { line("profile", live.workspace.collections[p.collection].name + " " + live.workspace.collections[p.collection].key(ofRow: p.row)) }
        let y = rows.y + 1
        let half = inner.width >= 100
        // Narrow: the changes take the rows they need (at most half), the payload the rest.
        let changesRows = min(max(2, r.changes.count + 1), (inner.maxY - y) / 2)
        let payloadArea = half ? Rect(x: inner.x, y: y, width: inner.width / 2, height: inner.maxY - y)
                               : Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y - changesRows)
        let changesArea = half ? Rect(x: inner.x + inner.width / 2, y: y, width: inner.width - inner.width / 2, height: inner.maxY - y)
                               : Rect(x: inner.x, y: payloadArea.maxY, width: inner.width, height: inner.maxY - payloadArea.maxY)
        canvas.put("PAYLOAD", x: payloadArea.x + 1, y: payloadArea.y, role: .tableHeader)
        var py = payloadArea.y + 1
        for l in PayloadText.lines(r.event) where py < payloadArea.maxY {
            canvas.put(l, x: payloadArea.x + 1, y: py, role: .text, maxWidth: payloadArea.width - 2)
            py += 1
        }
        canvas.put("WHAT IT CHANGED", x: changesArea.x + 1, y: changesArea.y, role: .tableHeader)
        var cy = changesArea.y + 1
        if r.changes.isEmpty { canvas.put("nothing: no attribute or segment moved", x: changesArea.x + 1, y: cy, role: .muted, maxWidth: changesArea.width - 2) }
        var list = state.detailList
        list.clamp(rowCount: r.changes.count, pageSize: max(1, changesArea.height - 1))
        for (k, change) in r.changes.enumerated().dropFirst(list.offset) where cy < changesArea.maxY {
            let text = ChangeText.describe(change, workspace: live.workspace, withKey: r.profiles.count > 1)
            var role: Role = .text
            if case .membership(_, _, _, let entered) = change { role = entered ? .deltaUp : .deltaDown }
            let mark: String
            if case .membership(_, _, _, let entered) = change { mark = entered ? "+ " : "- " } else { mark = "  " }
            canvas.put(mark + text, x: changesArea.x + 1, y: cy, role: role, maxWidth: changesArea.width - 2, extra: k == list.selected ? .reverse : [])
            cy += 1
        }
        state.detailList = list
    }

    /// A stream: its file, counts and quarantined lines with their reasons.
    func renderStreamDetail(_ i: Int, into canvas: inout Canvas, area: Rect) {
        let s = live.workspace.streams[i]
        let stats = data.streamStats[i]
        canvas.box(area, title: "Stream \(s.name.value)", focused: true)
        let inner = area.inset(1)
        var rows = LabeledLines(area: inner, labelWidth: 12)
        for (k, v) in [
            ("file", s.file?.value ?? "(live only)"), ("description", s.description ?? ""),
            ("lines", Format.grouped(stats.lines)), ("valid", Format.grouped(stats.valid)),
            ("duplicate", Format.grouped(stats.duplicate)), ("unmatched", Format.grouped(stats.unmatched)),
            ("quarantined", Format.grouped(stats.quarantined)),
        ] { rows.line(k, v, into: &canvas) }
        let y = rows.y + 1
        let lines = live.quarantine.filter { $0.stream == s.name.value }
        let area2 = Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y)
        var list = state.detailList
        Table.render(columns: [TableColumn(title: "LINE", width: 6, flex: 0, align: .right),
                               TableColumn(title: "QUARANTINED BECAUSE", width: 20, flex: 2, align: .left),
                               TableColumn(title: "TEXT", width: 10, flex: 1, align: .left)],
                     rowCount: lines.count, state: list, cell: { r, c in
                         switch c {
                         case 0: return TableCell(text: String(lines[r].line), role: .text, marker: nil)
                         case 1: return TableCell(text: lines[r].reason, role: .statusWarn, marker: nil)
                         default: return TableCell(text: lines[r].excerpt, role: .muted, marker: nil)
                         }
                     }, focused: true, into: &canvas, area: area2)
        list.clamp(rowCount: lines.count, pageSize: max(1, area2.height - 1))
        state.detailList = list
        lastListArea = area2
    }
}

/// An event's JSON, pretty-printed a member per line.
enum PayloadText {
    static func lines(_ e: Event) -> [String] {
        var top: [JSONMember] = [JSONMember(key: "event_id", value: .string(e.id)), JSONMember(key: "type", value: .string(e.type)),
                                 JSONMember(key: "timestamp", value: .string(CivilTime.formatTimestamp(e.timestamp)))]
        top += e.fields
        if !e.properties.isEmpty { top.append(JSONMember(key: "properties", value: .object(e.properties))) }
        var out: [String] = []
        write(.object(top), indent: 0, prefix: "", into: &out, last: true)
        return out
    }

    private static func write(_ v: JSONValue, indent: Int, prefix: String, into out: inout [String], last: Bool) {
        let pad = String(repeating: "  ", count: indent)
        let comma = last ? "" : ","
        switch v {
        case .object(let members) where !members.isEmpty:
            out.append(pad + prefix + "{")
            for (i, m) in members.enumerated() {
                var key = ""
                JSONWriter.writeString(m.key, to: &key)
                write(m.value, indent: indent + 1, prefix: key + ": ", into: &out, last: i == members.count - 1)
            }
            out.append(pad + "}" + comma)
        default:
            out.append(pad + prefix + v.jsonText + comma)
        }
    }
}
