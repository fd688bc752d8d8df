import CohortEngine

/// The attribute form: name, description and kind, then the kind's fields (a column; an
/// aggregate's source, match, function, event types, field, where and timeframe; or an
/// expression) and PII; errors under their field with the position; the Save and Cancel
/// buttons; and the preview — beside the form at 100+ columns, below it on narrower screens.
extension Console {
    func renderAttributeForm(_ given: AttributeForm, into canvas: inout Canvas, area: Rect) {
        pollAttributePreview()
        let form = state.attributeForm ?? given
        if let req = form.deletion {
            renderAttributes(into: &canvas, area: area)
            req.dialog.render(into: &canvas, area: area)
            return
        }
        let model = live.workspace.collections[form.collection]
        let title = form.original.map { "Edit attribute \($0.name) (\(model.name))" } ?? "New attribute (\(model.name))"
        canvas.fill(area)
        let wide = area.width >= 100
        let previewWidth = area.width >= 120 ? 48 : 38
        let formArea = wide ? Rect(x: area.x, y: area.y, width: area.width - previewWidth, height: area.height) : area
        canvas.box(formArea, title: title, focused: true)
        let inner = formArea.inset(1)
        let labelWidth = 13
        let fieldX = inner.x + 1 + labelWidth + 1
        let fieldWidth = max(8, inner.maxX - fieldX - 1)
        // The last inner row holds the buttons; rows above it are for fields and messages.
        let lastRow = inner.maxY - 1
        var y = inner.y

        func label(_ text: String, _ f: AttributeForm.Focus) {
            canvas.put(text, x: inner.x + 1, y: y, role: form.focus == f ? .accent : .formLabel, maxWidth: labelWidth)
        }
        func textField(_ t: TextField, _ f: AttributeForm.Focus, width: Int? = nil, placeholder: String) {
            let w = width ?? fieldWidth
            let r = Rect(x: fieldX, y: y, width: w, height: 1)
            let focused = form.focus == f
            if t.text.isEmpty, !focused {
                canvas.fill(r, role: .selection)
                canvas.put(placeholder, x: fieldX, y: y, role: .muted, maxWidth: w)
                canvas.emphasize(r, .underline)
                return
            }
            t.render(into: &canvas, area: r, role: .text, focused: focused)
            canvas.emphasize(r, .underline)
            if focused, t.caret == t.text.count, let c = form.completion(for: f, text: t.text) {
                let typed = DisplayWidth.of(t.text)
                let rest = String(c.dropFirst(t.text.count))
                if typed + 1 < w { canvas.put(rest, x: fieldX + typed + 1, y: y, role: .muted, maxWidth: w - typed - 1) }
            }
        }
        func choice(_ options: [String], selected: Int, _ f: AttributeForm.Focus, after: String = "") {
            var x = fieldX
            let focused = form.focus == f
            for (i, o) in options.enumerated() where x < inner.maxX - 1 {
                let isSelected = i == selected
                let text = isSelected ? "‹\(o)›" : o
                let role: Role = isSelected ? (focused ? .selection : .accent) : .muted
                if isSelected, focused { canvas.cursor = (x, y) }
                x += canvas.put(text, x: x, y: y, role: role, maxWidth: inner.maxX - 1 - x) + 2
            }
            if !after.isEmpty, x < inner.maxX - 1 { canvas.put(after, x: x, y: y, role: .muted, maxWidth: inner.maxX - 1 - x) }
        }
        /// A message under a field (error, note or hint), wrapped over at most `lines` rows,
        /// as far as rows are free.
        func message(_ text: String, _ role: Role, reserve: Int = 0, lines: Int = 1) {
            let width = inner.maxX - fieldX - 1
            for l in Dialog.wrap(text, width: max(10, width)).prefix(lines) {
                guard y < lastRow - reserve else { return }
                canvas.put(l, x: fieldX, y: y, role: role, maxWidth: width)
                y += 1
            }
        }
        /// The field's error (with a caret under the column for expressions), else its note,
        /// else — when focused — a hint.
        func below(_ f: AttributeForm.Focus, text: String, hint: @autoclosure () -> String?) {
            if let p = form.visibleProblem(f) {
                if let e = p.position, e.line == 1 {
                    let caretX = fieldX + DisplayWidth.of(String(text.prefix(max(0, e.column - 1))))
                    if y < lastRow, caretX < inner.maxX - 1 {
                        canvas.put("^", x: caretX, y: y, role: .formError)
                        y += 1
                    }
                    message("✗ " + e.description, .formError, lines: 3)
                } else {
                    message("✗ " + p.text, .formError, lines: 2)
                }
            } else if let n = form.notes[f] {
                message("! " + n, .statusWarn)
            } else if form.focus == f, let h = hint() {
                message(h, .muted, reserve: 2)
            }
        }
        func row(_ f: AttributeForm.Focus, _ draw: () -> Void) {
            guard y < lastRow else { return }
            draw()
            y += 1
        }

        // Name, description, kind.
        row(.name) { label("Name", .name); textField(form.name, .name, placeholder: "e.g. purchases_30d") }
        below(.name, text: form.name.text, hint: nil)
        row(.description) { label("Description", .description); textField(form.description, .description, placeholder: "optional: what it means") }
        row(.kind) {
            label("Kind", .kind)
            choice(AttributeForm.Kind.allCases.map(\.rawValue), selected: AttributeForm.Kind.allCases.firstIndex(of: form.kind) ?? 0, .kind)
        }
        below(.kind, text: "", hint: kindHint(form.kind))

        switch form.kind {
        case .known:
            let col = form.context.tableColumns.first { $0.name == form.column.text }
            row(.column) {
                label("Column", .column)
                let w = min(fieldWidth, 30)
                textField(form.column, .column, width: w, placeholder: "a column of \(form.context.tableName)")
                if let col { canvas.put("\(col.type.rawValue) · \(form.context.tableName)", x: fieldX + w + 2, y: y, role: .muted, maxWidth: max(0, inner.maxX - fieldX - w - 3)) }
            }
            below(.column, text: form.column.text, hint: suggestionLine(form, .column, prefix: "columns: "))
        case .computed:
            row(.expression) {
                label("Expression", .expression)
                textField(form.expression, .expression, placeholder: "Spark SQL over attributes, e.g. coalesce(lifetime_spend, 0) > 1000")
            }
            below(.expression, text: form.expression.text, hint: "reads the collection's other attributes" + (form.resultType.map { " · type \($0)" } ?? ""))
        case .aggregate:
            row(.source) {
                label("Source", .source)
                choice(form.sourceNames, selected: form.source, .source)
            }
            below(.source, text: "", hint: "Space ← → the collection's events, or a related table with a timestamp")
            if let t = form.sourceTable {
                row(.matchRow) {
                    label("Match row", .matchRow)
                    let w = min(fieldWidth, 24)
                    textField(form.matchRow, .matchRow, width: w, placeholder: "column of \(t.name)")
                    canvas.put("= profile's", x: fieldX + w + 2, y: y, role: .muted, maxWidth: max(0, inner.maxX - fieldX - w - 3))
                }
                below(.matchRow, text: form.matchRow.text, hint: suggestionLine(form, .matchRow, prefix: "columns of \(t.name): "))
                row(.matchProfile) {
                    label("  profile", .matchProfile)
                    textField(form.matchProfile, .matchProfile, width: min(fieldWidth, 24), placeholder: "column of \(form.context.tableName)")
                }
                below(.matchProfile, text: form.matchProfile.text, hint: suggestionLine(form, .matchProfile, prefix: "columns of \(form.context.tableName): "))
            }
            row(.function) {
                label("Function", .function)
                let text = "‹\(form.function.rawValue)›"
                let focused = form.focus == .function
                let w = canvas.put(text, x: fieldX, y: y, role: focused ? .selection : .accent)
                if focused { canvas.cursor = (fieldX, y) }
                var info = AttributeForm.explain(form.function)
                if let t = form.resultType { info += " → \(t)" }
                canvas.put(info, x: fieldX + w + 2, y: y, role: .muted, maxWidth: max(0, inner.maxX - fieldX - w - 3))
            }
            below(.function, text: "", hint: "Space ← → change the function (count takes no field)")
            if form.source == 0 {
                row(.events) {
                    label("Event types", .events)
                    renderTypeChips(form, x: fieldX, y: y, width: inner.maxX - fieldX - 1, into: &canvas)
                }
                below(.events, text: "", hint: "← → move · Space toggles · a letter jumps · none = every type")
            }
            if form.function != .count {
                row(.field) {
                    label("Field", .field)
                    textField(form.field, .field, placeholder: form.source == 0 ? "an event field, e.g. properties.amount" : "a column of \(form.sourceName)")
                }
                below(.field, text: form.field.text, hint: suggestionLine(form, .field, prefix: "seen: "))
            }
            row(.condition) {
                label("Where", .condition)
                textField(form.condition, .condition, placeholder: form.source == 0 ? "optional, e.g. properties.channel = 'web'" : "optional, over the table's columns")
            }
            below(.condition, text: form.condition.text,
                  hint: form.source == 0 ? "over event fields: properties.NAME, type, timestamp, event_id, identity fields" : "over the columns of \(form.sourceName)")
            row(.timeframe) {
                label("Timeframe", .timeframe)
                textField(form.timeframe, .timeframe, width: min(fieldWidth, 12), placeholder: "all_time")
                canvas.put("all_time, Nd or Nh", x: fieldX + min(fieldWidth, 12) + 2, y: y, role: .muted, maxWidth: max(0, inner.maxX - fieldX - 15))
            }
            below(.timeframe, text: form.timeframe.text, hint: "Space cycles: " + AttributeForm.timeframes.joined(separator: " "))
        }
        row(.pii) {
            label("PII", .pii)
            let focused = form.focus == .pii
            canvas.put(form.pii ? "[x] yes" : "[ ] no", x: fieldX, y: y, role: focused ? .selection : .text)
            if focused { canvas.cursor = (fieldX + 1, y) }
            canvas.put("redacted for readers without pii:read", x: fieldX + 9, y: y, role: .muted, maxWidth: max(0, inner.maxX - fieldX - 10))
        }
        below(.pii, text: "", hint: "Space toggles")

        // Preview below the form on narrow screens.
        if !wide, y < lastRow - 1 {
            y += 1
            _ = renderAttributePreviewLines(form, x: inner.x + 1, y: y, width: inner.width - 2, maxY: lastRow, compact: true, into: &canvas)
        }

        renderFormButtons(save: form.focus == .save, cancel: form.focus == .cancel, x: inner.x + 1, y: lastRow, maxX: inner.maxX, into: &canvas)

        if wide {
            let pArea = Rect(x: formArea.maxX, y: area.y, width: area.maxX - formArea.maxX, height: area.height)
            canvas.box(pArea, title: "Preview", focused: false)
            let pi = pArea.inset(1)
            _ = renderAttributePreviewLines(form, x: pi.x + 1, y: pi.y, width: pi.width - 2, maxY: pi.maxY, compact: false, into: &canvas)
        }
        if let d = form.discard { d.render(into: &canvas, area: area) }
    }

    private func kindHint(_ k: AttributeForm.Kind) -> String {
        switch k {
        case .known: return "Space ← → kind · known: a column of the collection's table"
        case .aggregate: return "Space ← → kind · aggregate: a function over events or a table's rows"
        case .computed: return "Space ← → kind · computed: an expression over other attributes"
        }
    }

    /// `seen: a · b · c …`: what the focused field may hold, matching what is typed.
    private func suggestionLine(_ form: AttributeForm, _ f: AttributeForm.Focus, prefix: String) -> String? {
        let text = form.focusedField?.text ?? ""
        let matching = form.matchingSuggestions(for: f, text: text)
        guard !matching.isEmpty else { return nil }
        return prefix + matching.prefix(12).joined(separator: " · ") + " · Space next"
    }

    /// The event types as check boxes on one row: the chosen ones (or "every type") when
    /// not focused; when focused, every type, scrolled to keep the highlighted one in view.
    private func renderTypeChips(_ form: AttributeForm, x: Int, y: Int, width: Int, into canvas: inout Canvas) {
        let types = form.eventTypes
        guard form.focus == .events else {
            let text = form.chosenTypes.isEmpty ? "every type" : form.chosenTypes.joined(separator: ", ")
            canvas.put(text, x: x, y: y, role: form.chosenTypes.isEmpty ? .muted : .text, maxWidth: width)
            return
        }
        guard !types.isEmpty else {
            canvas.put("no event types seen", x: x, y: y, role: .muted, maxWidth: width)
            return
        }
        let chips = types.map { (form.chosenTypes.contains($0) ? "[x] " : "[ ] ") + $0 }
        let widths = chips.map { DisplayWidth.of($0) + 2 }
        // The first chip shown: as late as needed to show the highlighted one.
        var start = 0
        while start < form.typeCursor, widths[start...form.typeCursor].reduce(0, +) + (start > 0 ? 2 : 0) > width - 2 { start += 1 }
        var cx = x
        if start > 0 { cx += canvas.put("‹ ", x: cx, y: y, role: .muted) }
        for i in start..<types.count {
            guard cx < x + width else { break }
            let isCursor = i == form.typeCursor
            let role: Role = isCursor ? .selection : (form.chosenTypes.contains(types[i]) ? .accent : .text)
            if isCursor { canvas.cursor = (cx + 1, y) }
            let w = canvas.put(chips[i], x: cx, y: y, role: role, maxWidth: x + width - cx)
            cx += w + 2
            if i < types.count - 1, cx >= x + width - 1 { canvas.put("›", x: x + width - 1, y: y, role: .muted) }
        }
    }

    /// The preview's lines: fill rate, how it was computed, the most common values and a few
    /// samples. Returns the next free row.
    private func renderAttributePreviewLines(_ form: AttributeForm, x: Int, y start: Int, width: Int, maxY: Int, compact: Bool,
                                             into canvas: inout Canvas) -> Int {
        var y = start
        func line(_ text: String, _ role: Role = .text) {
            guard y < maxY, width > 0 else { return }
            canvas.put(text, x: x, y: y, role: role, maxWidth: width)
            y += 1
        }
        let head = compact ? "Preview: " : ""
        switch form.preview {
        case .none(let why):
            line(head + why, .muted)
            return y
        case .computing:
            line(head + "computing preview… (replaying the retained events with this definition)", .muted)
            return y
        case .failed(let why):
            for l in Dialog.wrap("✗ cannot preview: " + why, width: max(10, width)).prefix(compact ? 2 : 6) { line(l, .formError) }
            return y
        case .ready(let p):
            let fill = "filled \(Format.grouped(p.filled)) of \(Format.grouped(p.total)) · \(Format.percent(p.filled, of: p.total))"
            let type = form.resultType.map { "\($0)" } ?? ""
            let took = "took \(Self.milliseconds(p.micros))"
            if compact {
                line(head + fill + " · " + [type, took].filter { !$0.isEmpty }.joined(separator: " · "), .accent)
            } else {
                line(fill, .accent)
                line([type, p.basis].filter { !$0.isEmpty }.joined(separator: " · "), .muted)
                let at = data.clock.map { "at clock \(Format.shortInstant($0))" }
                if let at, DisplayWidth.of(at + " · " + took) <= width {
                    line(at + " · " + took, .muted)
                } else {
                    if let at { line(at, .muted) }
                    line(took, .muted)
                }
            }
            if p.typeWarnings > 0 { line("! \(Format.grouped(p.typeWarnings)) values were not numbers and were skipped", .statusWarn) }
            if p.filled == 0 {
                line("no profile has a value now", .muted)
                return y
            }
            if form.pii {
                line("values hidden (pii)", .muted)
                line("samples: " + p.samples.map(\.key).joined(separator: " "), .muted)
                return y
            }
            let distinct = p.top.first?.count == 1
            let shareWidth = 6
            if compact {
                let top = distinct ? "every value differs" : p.top.prefix(4).map { "\($0.value.prefix(16)) ×\(Format.grouped($0.count))" }.joined(separator: " · ")
                line("top: " + top + (p.range.map { " · " + $0 } ?? ""))
                let samples = p.samples.map { "\($0.key) \($0.value.prefix(20))" }
                if y == maxY - 1 {
                    line("e.g. " + samples.joined(separator: " · "))
                } else {
                    for s in samples { line("  " + s) }
                }
            } else {
                if let r = p.range {
                    line(r + (p.buckets.isEmpty ? "" : "  " + Sparkline.string(values: p.buckets, width: 8)))
                }
                y += y < maxY ? 1 : 0
                line("top values:", .formLabel)
                if distinct { line("every value differs", .muted) }
                let valueWidth = max(6, width - 22)
                let maxCount = p.top.map(\.count).max() ?? 1
                for t in p.top where !distinct {
                    guard y < maxY else { break }
                    let v = String(t.value.prefix(valueWidth))
                    let count = Format.grouped(t.count)
                    let share = Format.percent(t.count, of: p.total)
                    canvas.put(v, x: x, y: y, maxWidth: valueWidth)
                    canvas.putRight(count, right: x + valueWidth + 8, y: y, maxWidth: 8)
                    canvas.putRight(share, right: x + valueWidth + 9 + shareWidth, y: y, role: .muted, maxWidth: shareWidth)
                    let bar = max(1, (t.count * 6 + maxCount - 1) / maxCount)
                    canvas.put(String(repeating: "█", count: bar), x: x + valueWidth + 16, y: y, role: .chartSeries, maxWidth: max(0, width - valueWidth - 16))
                    y += 1
                }
                y += y < maxY ? 1 : 0
                line("sample values:", .formLabel)
                for s in p.samples { line("\(s.key)  \(s.value)") }
            }
            return y
        }
    }

    /// `12.34 ms`, without grouping.
    static func milliseconds(_ micros: Int64) -> String {
        let hundredths = (micros + 5) / 10
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac) ms"
    }
}
