import CohortEngine

/// The segment form: name, description and condition (code, or rows of attribute /
/// operator / value), errors under their field with the position, the Save and Cancel
/// buttons, and the preview — beside the form at 100+ columns, below it on narrower screens.
extension Console {
    func renderSegmentForm(_ form: SegmentForm, into canvas: inout Canvas, area: Rect) {
        let model = live.workspace.collections[form.collection]
        let title = form.original.map { "Edit segment \($0.name) (\(model.name))" } ?? "New segment (\(model.name))"
        canvas.fill(area)
        let wide = area.width >= 100
        let previewWidth = area.width >= 120 ? 48 : 38
        let formArea = wide ? Rect(x: area.x, y: area.y, width: area.width - previewWidth, height: area.height) : area
        canvas.box(formArea, title: title, focused: true)
        let inner = formArea.inset(1)
        let labelWidth = 12
        let fieldX = inner.x + 1 + labelWidth + 1
        let fieldWidth = max(8, inner.maxX - fieldX - 1)
        var y = inner.y

        func label(_ text: String, focused: Bool) {
            canvas.put(text, x: inner.x + 1, y: y, role: focused ? .accent : .formLabel, maxWidth: labelWidth)
        }
        func field(_ f: TextField, focused: Bool, x: Int, width: Int, placeholder: String = "") {
            let r = Rect(x: x, y: y, width: width, height: 1)
            if f.text.isEmpty, !placeholder.isEmpty, !focused {
                canvas.fill(r, role: .selection)
                canvas.put(placeholder, x: x, y: y, role: .muted, maxWidth: width)
                canvas.emphasize(r, .underline)
                return
            }
            f.render(into: &canvas, area: r, role: focused ? .text : .text, focused: focused)
            canvas.emphasize(r, .underline)
        }
        func error(_ text: String, x: Int) {
            guard y < inner.maxY else { return }
            canvas.put("✗ " + text, x: x, y: y, role: .formError, maxWidth: inner.maxX - x)
            y += 1
        }

        // Name and description.
        label("Name", focused: form.focus == .name)
        field(form.name, focused: form.focus == .name, x: fieldX, width: fieldWidth, placeholder: "e.g. big_spenders")
        y += 1
        if let e = form.nameError { error(e, x: fieldX) }
        label("Description", focused: form.focus == .description)
        field(form.description, focused: form.focus == .description, x: fieldX, width: fieldWidth, placeholder: "optional: what it means")
        y += 2

        // Condition.
        let modeText = form.mode == .code ? "code · Ctrl-T rows" : "rows · Ctrl-T code · Ctrl-N add row · Ctrl-X remove row"
        label("Condition", focused: [.code].contains(form.focus) || form.focusRow != nil)
        canvas.put(modeText, x: fieldX, y: y, role: .muted, maxWidth: fieldWidth)
        y += 1
        if form.mode == .code {
            field(form.code, focused: form.focus == .code, x: inner.x + 1, width: inner.width - 2,
                  placeholder: "a Spark SQL condition, e.g. lifetime_spend > 1000 AND purchases_30d >= 3")
            y += 1
            if let e = form.conditionError {
                renderPositionedError(e, fieldX: inner.x + 1, text: form.code.text, into: &canvas, y: &y, maxX: inner.maxX)
            }
        } else {
            let attrW = max(10, min(24, (inner.width - 8) * 2 / 5))
            let opW = 13
            let valueX = inner.x + 6 + attrW + 1 + opW + 1
            let valueW = max(6, inner.maxX - valueX - 1)
            for (i, row) in form.rows.enumerated() where y < inner.maxY - 4 {
                if i > 0 {
                    let focused = form.focus == .joiner(i)
                    canvas.put(row.joiner.rawValue, x: inner.x + 1, y: y, role: focused ? .selection : .accent, maxWidth: 4)
                    if focused { canvas.cursor = (inner.x + 1, y) }
                }
                let attrFocused = form.focus == .attribute(i)
                field(row.attribute, focused: attrFocused, x: inner.x + 6, width: attrW, placeholder: "attribute")
                if attrFocused, let c = form.completion(row: i) {
                    let typed = DisplayWidth.of(row.attribute.text)
                    let rest = String(c.dropFirst(row.attribute.text.count))
                    canvas.put(rest, x: inner.x + 6 + typed + 1, y: y, role: .muted, maxWidth: max(0, attrW - typed - 1))
                }
                let opFocused = form.focus == .op(i)
                let opText = "‹\(row.op.rawValue)›"
                canvas.put(opText, x: inner.x + 6 + attrW + 1, y: y, role: opFocused ? .selection : .accent, maxWidth: opW)
                if opFocused { canvas.cursor = (inner.x + 6 + attrW + 1, y) }
                if row.op.takesValue {
                    field(row.value, focused: form.focus == .value(i), x: valueX, width: valueW, placeholder: "value")
                }
                y += 1
            }
            // What the rows say as code, with any error under it.
            let code = form.conditionText
            if y < inner.maxY - 3 {
                canvas.put("as code:", x: inner.x + 1, y: y, role: .muted)
                canvas.put(code, x: inner.x + 10, y: y, role: .muted, maxWidth: inner.width - 11)
                y += 1
            }
            if let e = form.conditionError {
                renderPositionedError(e, fieldX: inner.x + 10, text: code, into: &canvas, y: &y, maxX: inner.maxX)
            } else if let f = form.focusRow, form.rows.indices.contains(f), form.focus == .value(f) {
                canvas.put(form.rows[f].op.valueHint, x: inner.x + 10, y: y, role: .muted, maxWidth: inner.width - 11)
                y += 1
            } else if case .op = form.focus {
                canvas.put("← → or Space change the operator", x: inner.x + 10, y: y, role: .muted, maxWidth: inner.width - 11)
                y += 1
            } else if case .joiner = form.focus {
                canvas.put("Space switches AND / OR (AND binds tighter, as in SQL)", x: inner.x + 10, y: y, role: .muted, maxWidth: inner.width - 11)
                y += 1
            }
        }
        if let note = form.modeNote, y < inner.maxY {
            canvas.put("! " + note, x: inner.x + 1, y: y, role: .statusWarn, maxWidth: inner.width - 2)
            y += 1
        }

        // Preview below the form on narrow screens.
        if !wide, y < inner.maxY - 2 {
            y += 1
            y = renderPreviewLines(form, x: inner.x + 1, y: y, width: inner.width - 2, maxY: inner.maxY - 2, into: &canvas)
        }

        renderFormButtons(save: form.focus == .save, cancel: form.focus == .cancel, x: inner.x + 1, y: inner.maxY - 1, maxX: inner.maxX, into: &canvas)

        if wide {
            let pArea = Rect(x: formArea.maxX, y: area.y, width: area.maxX - formArea.maxX, height: area.height)
            canvas.box(pArea, title: "Preview", focused: false)
            let pi = pArea.inset(1)
            _ = renderPreviewLines(form, x: pi.x + 1, y: pi.y, width: pi.width - 2, maxY: pi.maxY, into: &canvas)
        }
        if let d = form.discard { d.render(into: &canvas, area: area) }
    }

    /// A form's `[ Save ]  [ Cancel ]` row with its key hints; the focused button holds the cursor.
    func renderFormButtons(save: Bool, cancel: Bool, x: Int, y: Int, maxX: Int, into canvas: inout Canvas) {
        var bx = x
        for (focused, text) in [(save, "[ Save ]"), (cancel, "[ Cancel ]")] {
            let w = canvas.put(text, x: bx, y: y, role: focused ? .selection : .text)
            if focused { canvas.cursor = (bx, y) }
            bx += w + 2
        }
        canvas.put("Ctrl-S save · Tab next field · Esc cancel", x: bx + 1, y: y, role: .muted, maxWidth: max(0, maxX - bx - 1))
    }

    /// `1:18: error: …` under a field, then a caret under the column (single-line text).
    private func renderPositionedError(_ e: ExpressionError, fieldX: Int, text: String, into canvas: inout Canvas, y: inout Int, maxX: Int) {
        guard y < maxX else { return }
        let prefix = Array(text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(e.line - 1).first ?? "")
        let caretX = fieldX + DisplayWidth.of(String(prefix.prefix(max(0, e.column - 1))))
        if caretX < maxX { canvas.put("^", x: caretX, y: y, role: .formError) }
        y += 1
        for line in Dialog.wrap("✗ " + e.description, width: max(10, maxX - fieldX - 1)).prefix(3) {
            canvas.put(line, x: fieldX, y: y, role: .formError, maxWidth: maxX - fieldX)
            y += 1
        }
    }

    /// The preview's lines: matches, share, change against the saved version, samples.
    private func renderPreviewLines(_ form: SegmentForm, x: Int, y start: Int, width: Int, maxY: Int, into canvas: inout Canvas) -> Int {
        var y = start
        func line(_ text: String, _ role: Role = .text) {
            guard y < maxY else { return }
            canvas.put(text, x: x, y: y, role: role, maxWidth: width)
            y += 1
        }
        guard let p = form.preview else {
            line(form.conditionError == nil ? "type a condition to see who matches" : "fix the condition to see who matches", .muted)
            return y
        }
        let head = "\(Format.grouped(p.matches)) of \(Format.grouped(p.total)) · \(Format.percent(p.matches, of: p.total))"
        let versus = p.saved.map { "\(Format.signed(p.matches - $0)) vs saved" } ?? "new"
        if DisplayWidth.of(head + " · " + versus) <= width {
            line(head + " · " + versus, .accent)
        } else {
            line(head, .accent)
            line(versus, .accent)
        }
        line("\(Format.decimal(Double(p.micros) / 1000)) ms · at clock \(data.clock.map(Format.shortInstant) ?? "–")", .muted)
        if !p.samples.isEmpty {
            line("sample members:", .formLabel)
            for s in p.samples { line("\(s.key)  \(s.values)") }
        } else {
            line("no profile matches now", .muted)
        }
        return y
    }

    // MARK: History

    func renderHistory(into canvas: inout Canvas, area: Rect) {
        let entries = historyEntries()
        let listHeight = max(4, min(entries.count + 2, area.height / 2))
        let listArea = Rect(x: area.x, y: area.y, width: area.width, height: listHeight)
        var list = state.detailList
        boxedTable(title: "History[\(Format.grouped(entries.count))]", columns: historyColumns, rowCount: entries.count,
                   list: &list, focused: true, into: &canvas, area: listArea) { i, j in historyCell(entries[i], j) }
        state.detailList = list
        let diffArea = Rect(x: area.x, y: listArea.maxY, width: area.width, height: area.maxY - listArea.maxY)
        guard diffArea.height >= 3 else { return }
        let selected = entries.indices.contains(list.selected) ? entries[list.selected] : nil
        canvas.box(diffArea, title: selected.map { "Diff: \($0.action) \($0.kind) \($0.name)" } ?? "Diff", focused: false)
        let inner = diffArea.inset(1)
        guard let e = selected else {
            canvas.put("no definition has been changed from the console yet: n on Segments creates one", x: inner.x + 1, y: inner.y, role: .muted, maxWidth: inner.width - 2)
            return
        }
        renderDiff(e.diff, into: &canvas, area: inner)
    }

    func renderDiff(_ diff: String, into canvas: inout Canvas, area: Rect) {
        var y = area.y
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false) where y < area.maxY {
            let role: Role = line.hasPrefix("+") ? .deltaUp : (line.hasPrefix("-") ? .deltaDown : (line.hasPrefix("@@") ? .accent : .muted))
            canvas.put(String(line), x: area.x + 1, y: y, role: role, maxWidth: area.width - 2)
            y += 1
        }
    }

    var historyColumns: [TableColumn] {
        [TableColumn(title: "WHEN", width: 19, flex: 0, align: .left),
         TableColumn(title: "ACTION", width: 7, flex: 0, align: .left),
         TableColumn(title: "KIND", width: 9, flex: 0, align: .left),
         TableColumn(title: "NAME", width: 16, flex: 1, align: .left),
         TableColumn(title: "COLLECTION", width: 12, flex: 0, align: .left)]
    }

    func historyCell(_ e: DefinitionHistoryEntry, _ j: Int) -> TableCell {
        switch j {
        case 0: return TableCell(text: Format.instant(e.atWall).prefix(19).replacingOccurrences(of: "T", with: " "), role: .muted, marker: nil)
        case 1: return TableCell(text: e.action, role: e.action == "delete" ? .deltaDown : .text, marker: nil)
        case 2: return TableCell(text: e.kind, role: .muted, marker: nil)
        case 3: return TableCell(text: e.oldName.map { "\($0) → \(e.name)" } ?? e.name, role: .text, marker: nil)
        default: return TableCell(text: e.collection, role: .muted, marker: nil)
        }
    }
}
