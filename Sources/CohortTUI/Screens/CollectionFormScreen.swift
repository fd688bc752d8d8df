import CohortEngine

/// The collection form: the step indicator, the current step's fields (name and description;
/// table, key and known attributes as three lists; streams and their ordered linking keys with
/// per-key match counts), errors under their field, Back / Next / Save / Cancel, and on step 3
/// a match preview — beside the form at 100+ columns, below the keys on narrower screens.
extension Console {
    func renderCollectionForm(_ form: CollectionForm, into canvas: inout Canvas, area: Rect) {
        canvas.fill(area)
        let wide = form.step == .streams && area.width >= 100
        let previewWidth = area.width >= 120 ? 46 : 38
        let formArea = wide ? Rect(x: area.x, y: area.y, width: area.width - previewWidth, height: area.height) : area
        let title = form.original.map { "Streams of collection \($0.name)" } ?? "New collection"
        canvas.box(formArea, title: title, focused: true)
        let inner = formArea.inset(1)
        var y = inner.y

        // The step indicator, or the read-only facts of the collection being configured.
        if let o = form.original {
            let profiles = data.profileCount(o.collection)
            let facts = "table \(o.table) · key \(o.key) · \(Format.grouped(profiles)) profiles · \(o.segments.count) segments"
            canvas.put(facts, x: inner.x + 1, y: y, role: .muted, maxWidth: inner.width - 2)
            y += 1
            canvas.put("(name, table and key are read-only here)", x: inner.x + 1, y: y, role: .muted, maxWidth: inner.width - 2)
        } else {
            var x = inner.x + 1
            for (k, step) in CollectionForm.Step.allCases.enumerated() {
                if k > 0 { x += canvas.put(" · ", x: x, y: y, role: .muted) }
                let current = step == form.step
                let text = "\(step.rawValue) \(step.title)"
                x += canvas.put(text, x: x, y: y, role: current ? .accent : .muted, extra: current ? [.bold, .underline] : [])
            }
            canvas.putRight("step \(form.step.rawValue) of 3", right: inner.maxX - 1, y: y, role: .muted, maxWidth: 12)
        }
        y += 2

        let body = Rect(x: inner.x, y: y, width: inner.width, height: max(0, inner.maxY - 2 - y))
        switch form.step {
        case .name: renderCollectionNameStep(form, into: &canvas, area: body)
        case .table: renderCollectionTableStep(form, into: &canvas, area: body)
        case .streams: renderCollectionStreamsStep(form, into: &canvas, area: body, withPreview: !wide)
        }

        // Buttons on the last inner row, then the keys that matter here.
        let by = inner.maxY - 1
        var bx = inner.x + 1
        for f in form.focusOrder where f.isButton {
            let label: String
            switch f {
            case .back: label = "[ Back ]"
            case .next: label = "[ Next ]"
            case .save: label = "[ Save ]"
            default: label = "[ Cancel ]"
            }
            let focused = form.focus == f
            let w = canvas.put(label, x: bx, y: by, role: focused ? .selection : .text)
            if focused { canvas.cursor = (bx, by) }
            bx += w + 2
        }
        let keys = form.step == .streams ? "Ctrl-S save · Tab next field · Esc cancel" : "Tab next field · Esc cancel"
        canvas.put(keys, x: bx + 1, y: by, role: .muted, maxWidth: max(0, inner.maxX - bx - 1))

        if wide {
            let pArea = Rect(x: formArea.maxX, y: area.y, width: area.maxX - formArea.maxX, height: area.height)
            canvas.box(pArea, title: "Match preview", focused: false)
            let pi = pArea.inset(1)
            renderMatchPreview(form, into: &canvas, x: pi.x + 1, y: pi.y, width: pi.width - 2, maxY: pi.maxY)
        }
        if let d = form.discard { d.render(into: &canvas, area: area) }
    }

    // MARK: Steps

    private func renderCollectionNameStep(_ form: CollectionForm, into canvas: inout Canvas, area: Rect) {
        let labelWidth = 12
        let fieldX = area.x + 1 + labelWidth + 1
        let fieldWidth = max(8, area.maxX - fieldX - 1)
        var y = area.y
        func label(_ text: String, focused: Bool) {
            canvas.put(text, x: area.x + 1, y: y, role: focused ? .accent : .formLabel, maxWidth: labelWidth)
        }
        label("Name", focused: form.focus == .name)
        formField(form.name, focused: form.focus == .name, x: fieldX, y: y, width: fieldWidth, placeholder: "e.g. store_profiles", into: &canvas)
        y += 1
        if let e = form.nameError, y < area.maxY {
            canvas.put("✗ " + e, x: fieldX, y: y, role: .formError, maxWidth: area.maxX - fieldX)
            y += 1
        }
        label("Description", focused: form.focus == .description)
        formField(form.description, focused: form.focus == .description, x: fieldX, y: y, width: fieldWidth,
                  placeholder: "optional: who the profiles are", into: &canvas)
        y += 2
        let text = "A collection's profiles are the rows of a customer-360 table. Next: the table, its key and the columns that become known attributes; then the event streams and how their events find a profile."
        for line in Dialog.wrap(text, width: max(10, area.width - 2)) where y < area.maxY {
            canvas.put(line, x: area.x + 1, y: y, role: .muted, maxWidth: area.width - 2)
            y += 1
        }
        if y + 1 < area.maxY {
            y += 1
            let names = live.workspace.collections.map(\.name).joined(separator: ", ")
            canvas.put("existing collections: " + (names.isEmpty ? "none" : names), x: area.x + 1, y: y, role: .muted, maxWidth: area.width - 2)
        }
    }

    private func renderCollectionTableStep(_ form: CollectionForm, into canvas: inout Canvas, area: Rect) {
        let ws = live.workspace
        // Three lists side by side: table, key column, known attributes.
        let tablesW = max(14, min(24, area.width / 5))
        let keyW = max(20, min(34, area.width * 3 / 10))
        let tablesX = area.x + 1
        let keyX = tablesX + tablesW + 1
        let attrX = keyX + keyW + 1
        let attrW = max(10, area.maxX - attrX - 1)
        var y = area.y
        let header: [(String, Int, Int, Bool)] = [("Table", tablesX, tablesW, form.focus == .tables),
                                                  ("Key column", keyX, keyW, form.focus == .key),
                                                  ("Known attributes", attrX, attrW, form.focus == .attributes)]
        for (text, x, w, focused) in header {
            canvas.put(text, x: x, y: y, role: focused ? .accent : .formLabel, maxWidth: w, extra: focused ? [.bold] : [])
        }
        if form.table != nil {
            let n = form.attributes.filter { $0 }.count
            canvas.putRight("\(n) of \(form.columns.count)", right: area.maxX - 1, y: y, role: .muted, maxWidth: 12)
        }
        y += 1
        let rowsWanted = max(form.tables.count + 3, form.columns.count, 2)
        let listH = max(1, min(rowsWanted, area.maxY - y - 2))

        // Tables, with the chosen one marked.
        ListView.render(rowCount: form.tables.count, state: form.tableList, item: { i in
            TableCell((form.table == i ? "● " : "○ ") + form.tables[i], role: form.table == i ? .accent : .text)
        }, focused: form.focus == .tables, emptyText: "no tables", into: &canvas, area: Rect(x: tablesX - 1, y: y, width: tablesW + 1, height: listH))
        if let t = form.tableName, let data = ws.tables[t], y + form.tables.count + 1 < y + listH {
            canvas.put("\(Format.grouped(data.rows.count)) rows", x: tablesX + 1, y: y + form.tables.count + 1, role: .muted, maxWidth: tablesW - 1)
            canvas.put("\(data.columns.count) columns", x: tablesX + 1, y: y + form.tables.count + 2, role: .muted, maxWidth: tablesW - 1)
        }

        // Key columns: chosen marked, uniqueness when counted.
        if form.table == nil {
            canvas.put("choose a table first", x: keyX + 1, y: y, role: .muted, maxWidth: keyW - 1)
            canvas.put("(Enter or Space on it)", x: keyX + 1, y: y + 1, role: .muted, maxWidth: keyW - 1)
        } else {
            let markW = keyW >= 30 ? 12 : 9
            let nameW = max(6, keyW - markW - 3)
            ListView.render(rowCount: form.columns.count, state: form.keyList, item: { i in
                let c = form.columns[i]
                var mark: String
                switch (c.duplicates, c.empty) {
                case (0?, 0?): mark = "✓ unique"
                case (let d?, let e?):
                    mark = d > 0 ? "✗ \(Format.grouped(d)) dup" : "✗ \(Format.grouped(e)) empty"
                    if DisplayWidth.of(mark) > markW { mark = d > 0 ? "✗ dup" : "✗ empty" }
                default: mark = ""
                }
                let chosen = form.key == i
                return TableCell((chosen ? "● " : "○ ") + Self.pad(c.name, nameW) + " " + mark, role: chosen ? .accent : .text)
            }, focused: form.focus == .key, into: &canvas, area: Rect(x: keyX - 1, y: y, width: keyW + 1, height: listH))

            // Columns with type and sample; Space toggles.
            let colW = max(6, min(16, (attrW - 4) * 2 / 5))
            let typeW = 10
            ListView.render(rowCount: form.columns.count, state: form.attributeList, item: { i in
                let c = form.columns[i]
                let on = form.attributes.indices.contains(i) && form.attributes[i]
                let text = (on ? "[x] " : "[ ] ") + Self.pad(c.name, colW) + " " + Self.pad(c.type.rawValue, typeW) + (c.sample ?? "(empty)")
                return TableCell(text, role: on ? .text : .muted)
            }, focused: form.focus == .attributes, into: &canvas, area: Rect(x: attrX - 1, y: y, width: attrW + 1, height: listH))
        }
        y += listH + 1

        // What the key check found, under the lists.
        if y < area.maxY {
            if let k = form.keyName, form.keyError == nil, let c = form.key.map({ form.columns[$0] }), c.duplicates != nil {
                let rows = ws.tables[form.tableName ?? ""]?.rows.count ?? 0
                canvas.put("✓ '\(k)' is unique: \(Format.grouped(rows)) rows, one profile each",
                           x: area.x + 1, y: y, role: .statusOk, maxWidth: area.width - 2)
            } else if let e = form.keyError {
                canvas.put("✗ " + e, x: area.x + 1, y: y, role: .formError, maxWidth: area.width - 2)
            } else {
                let hint: String
                switch form.focus {
                case .tables: hint = "↑↓ then Enter or Space chooses the table whose rows are the profiles"
                case .key: hint = "Enter or Space chooses the key: the column that names each profile"
                case .attributes: hint = "Space toggles a column, a toggles all; each becomes a known attribute"
                default: hint = "Tab moves between the lists"
                }
                canvas.put(hint, x: area.x + 1, y: y, role: .muted, maxWidth: area.width - 2)
            }
        }
    }

    private func renderCollectionStreamsStep(_ form: CollectionForm, into canvas: inout Canvas, area: Rect, withPreview: Bool) {
        var y = area.y
        let focusedList = form.focus == .streams
        canvas.put("Streams", x: area.x + 1, y: y, role: focusedList ? .accent : .formLabel, extra: focusedList ? [.bold] : [])
        canvas.put("Space links or unlinks · Ctrl-N adds a key", x: area.x + 10, y: y, role: .muted, maxWidth: area.width - 11)
        y += 1
        let listH = max(1, min(form.streams.count, area.height - 9))
        let nameW = max(6, min(14, form.streams.map { DisplayWidth.of($0) }.max() ?? 6))
        ListView.render(rowCount: form.streams.count, state: form.streamList, item: { s in
            guard let l = form.links.firstIndex(where: { $0.stream == s }) else {
                return TableCell("[ ] " + form.streams[s], role: .muted)
            }
            let n = form.links[l].pairs.count
            var text = "[x] " + Self.pad(form.streams[s], nameW) + "  \(n) key\(n == 1 ? "" : "s")"
            if let p = form.previews[s], p.sampled > 0 { text += " · \(Format.percent(p.matched, of: p.sampled)) of events match" }
            return TableCell(text, role: .text)
        }, focused: focusedList, emptyText: "the workspace defines no streams", into: &canvas, area: Rect(x: area.x, y: y, width: area.width, height: listH))
        y += listH + 1
        guard y < area.maxY, form.streams.indices.contains(form.currentStream) else { return }

        let stream = form.streams[form.currentStream]
        guard let l = form.currentLink else {
            canvas.put("\(stream) is not linked to this collection: Space links it", x: area.x + 1, y: y, role: .muted, maxWidth: area.width - 2)
            return
        }
        let link = form.links[l]
        canvas.put("Keys of \(stream) in priority order — the first that matches decides:",
                   x: area.x + 1, y: y, role: .formLabel, maxWidth: area.width - 2)
        y += 1
        if link.pairs.isEmpty, y < area.maxY {
            canvas.put("✗ no linking key: Ctrl-N adds one", x: area.x + 1, y: y, role: .formError, maxWidth: area.width - 2)
            y += 1
        }
        let preview = form.previews[link.stream]
        let countW = 16
        let fieldW = max(8, min(24, (area.width - 4 - 3 - countW - 3) / 2))
        let eventX = area.x + 5
        let arrowX = eventX + fieldW
        let profileX = arrowX + 3
        let countX = profileX + fieldW + 1
        for (i, pair) in link.pairs.enumerated() where y < area.maxY - 1 {
            let handleFocused = form.focus == .handle(i)
            canvas.put("‹\(i + 1)›", x: area.x + 1, y: y, role: handleFocused ? .selection : .accent)
            if handleFocused { canvas.cursor = (area.x + 1, y) }
            formField(pair.event, focused: form.focus == .event(i), x: eventX, y: y, width: fieldW - 1, placeholder: "event field", into: &canvas)
            canvas.put("→", x: arrowX, y: y, role: .muted)
            formField(pair.profile, focused: form.focus == .profile(i), x: profileX, y: y, width: fieldW - 1, placeholder: "profile column", into: &canvas)
            if let p = preview, p.perKey.indices.contains(i), countX < area.maxX {
                canvas.put("\(Format.grouped(p.perKey[i])) decided", x: countX, y: y, role: p.perKey[i] > 0 ? .text : .muted, maxWidth: area.maxX - countX - 1)
            }
            // The completion for the focused field, dimmed after what is typed.
            if (form.focus == .event(i) || form.focus == .profile(i)), let c = form.completion() {
                let f = form.focus == .event(i) ? pair.event : pair.profile
                let fx = form.focus == .event(i) ? eventX : profileX
                let typed = DisplayWidth.of(f.text)
                canvas.put(String(c.dropFirst(f.text.count)), x: fx + typed + 1, y: y, role: .muted, maxWidth: max(0, fieldW - 2 - typed))
            }
            y += 1
            if let problem = form.pairProblem(link: l, pair: i), y < area.maxY {
                canvas.put((problem.error ? "✗ " : "! ") + problem.text, x: eventX, y: y, role: problem.error ? .formError : .statusWarn,
                           maxWidth: area.maxX - eventX - 1)
                y += 1
            }
        }

        // What the focused place offers.
        if y < area.maxY {
            var note: String?
            switch form.focus {
            case .handle: note = "[ tries this key earlier · ] later · Ctrl-X removes it"
            case .event, .profile:
                let s = form.suggestions()
                if !s.isEmpty {
                    let counts = Dictionary(form.seenFields[link.stream].map { ($0.name, $0.count) }, uniquingKeysWith: { a, _ in a })
                    let items = s.prefix(8).map { name -> String in
                        if case .event = form.focus, let n = counts[name] { return "\(name) (\(Format.grouped(n)))" }
                        return name
                    }
                    note = (form.focus.isEventField ? "fields seen: " : "columns: ") + items.joined(separator: " · ")
                }
            default: break
            }
            if let note {
                canvas.put(note, x: area.x + 1, y: y, role: .muted, maxWidth: area.width - 2)
                y += 1
            }
        }
        if withPreview, let p = preview, y + 1 < area.maxY {
            y += 1
            canvas.put(Self.matchSummary(p), x: area.x + 1, y: y, role: .accent, maxWidth: area.width - 2)
        }
    }

    /// The preview pane: the current stream's match counts per key, then every linked stream's total.
    private func renderMatchPreview(_ form: CollectionForm, into canvas: inout Canvas, x: Int, y start: Int, width: Int, maxY: Int) {
        var y = start
        func line(_ text: String, _ role: Role = .text, indent: Int = 0) {
            guard y < maxY else { return }
            canvas.put(text, x: x + indent, y: y, role: role, maxWidth: width - indent)
            y += 1
        }
        guard form.streams.indices.contains(form.currentStream) else { return }
        let s = form.currentStream
        line(form.streams[s], .formLabel)
        if let l = form.currentLink, let p = form.previews[s] {
            let link = form.links[l]
            line("\(Format.grouped(p.sampled)) of \(Format.grouped(p.total)) events sampled", .muted)
            line("\(Format.grouped(p.matched)) match a profile · \(Format.percent(p.matched, of: p.sampled))", .accent)
            line("\(Format.grouped(p.unmatched)) unmatched", p.unmatched > 0 ? .statusWarn : .muted)
            y += 1
            line("by key, first match wins:", .formLabel)
            for (i, pair) in link.pairs.enumerated() where p.perKey.indices.contains(i) {
                line("\(i + 1) \(pair.text.event) → \(pair.text.profile)")
                line("\(Format.grouped(p.perKey[i])) decided · \(Format.grouped(p.present[i])) have \(pair.text.event)", .muted, indent: 2)
            }
            line("\(Format.decimal(Double(p.micros) / 1000)) ms", .muted)
        } else {
            line("not linked: Space on it in the list links it", .muted)
        }
        let others = form.links.filter { $0.stream != s }
        if !others.isEmpty, y + 1 < maxY {
            y += 1
            line("other linked streams:", .formLabel)
            for link in others {
                guard let p = form.previews[link.stream] else { continue }
                line("\(form.streams[link.stream]) \(Format.percent(p.matched, of: p.sampled)) match (\(Format.grouped(p.matched)) of \(Format.grouped(p.sampled)))")
            }
        }
    }

    static func matchSummary(_ p: CollectionForm.MatchPreview) -> String {
        let sampled = p.sampled == p.total ? "\(Format.grouped(p.sampled)) events" : "\(Format.grouped(p.sampled)) of \(Format.grouped(p.total)) events (sampled)"
        return "\(sampled): \(Format.grouped(p.matched)) match a profile (\(Format.percent(p.matched, of: p.sampled))) · \(Format.grouped(p.unmatched)) unmatched"
    }

    // MARK: Helpers

    /// A one-line text field, underlined, with a placeholder when empty and not focused.
    private func formField(_ f: TextField, focused: Bool, x: Int, y: Int, width: Int, placeholder: String, into canvas: inout Canvas) {
        let r = Rect(x: x, y: y, width: max(1, width), height: 1)
        if f.text.isEmpty, !focused {
            canvas.fill(r, role: .selection)
            canvas.put(placeholder, x: x, y: y, role: .muted, maxWidth: r.width)
            canvas.emphasize(r, .underline)
            return
        }
        f.render(into: &canvas, area: r, role: .text, focused: focused)
        canvas.emphasize(r, .underline)
    }

    /// `text` padded with spaces (or cut with `…`) to `width` columns.
    static func pad(_ text: String, _ width: Int) -> String {
        let w = DisplayWidth.of(text)
        if w <= width { return text + String(repeating: " ", count: width - w) }
        var out = ""
        var used = 0
        for ch in text {
            let cw = DisplayWidth.of(ch)
            if used + cw > width - 1 { break }
            out.append(ch)
            used += cw
        }
        return out + "…" + String(repeating: " ", count: max(0, width - used - 1))
    }
}

extension CollectionForm.Focus {
    var isEventField: Bool { if case .event = self { return true } else { return false } }
}
