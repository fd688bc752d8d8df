import CohortEngine

/// The rows around every screen: context line, hint line, breadcrumbs and the flash or
/// prompt row; plus the overlays (help, theme picker) and the "too small" message.
extension Console {
    public static let minimumSize = Size(width: 60, height: 15)

    /// Renders the whole frame.
    public func render() -> Canvas {
        var canvas = Canvas(width: state.size.width, height: state.size.height)
        let w = state.size.width, h = state.size.height
        guard w >= Console.minimumSize.width, h >= Console.minimumSize.height else {
            let msg = "terminal too small: needs at least \(Console.minimumSize.width)×\(Console.minimumSize.height) (now \(w)×\(h))"
            // Wrapped at spaces so each line reads on its own, centred vertically.
            var lines: [String] = [""]
            for word in msg.split(separator: " ") {
                let candidate = lines[lines.count - 1].isEmpty ? String(word) : lines[lines.count - 1] + " " + word
                if DisplayWidth.of(candidate) <= max(1, w) || lines[lines.count - 1].isEmpty { lines[lines.count - 1] = candidate } else { lines.append(String(word)) }
            }
            var y = max(0, (h - lines.count) / 2)
            for line in lines where y < h {
                canvas.put(line, x: 0, y: y, role: .statusWarn)
                y += 1
            }
            return canvas
        }
        renderContext(into: &canvas)
        renderHints(into: &canvas)
        let main = Rect(x: 0, y: 2, width: w, height: h - 4)
        lastListArea = nil
        if let form = state.segmentForm {
            renderSegmentForm(form, into: &canvas, area: main)
        } else if let form = state.attributeForm {
            renderAttributeForm(form, into: &canvas, area: main)
        } else if let form = state.collectionForm {
            renderCollectionForm(form, into: &canvas, area: main)
        } else if state.detail == .history {
            renderHistory(into: &canvas, area: main)
        } else {
            renderScreen(into: &canvas, area: main)
        }
        renderBreadcrumbs(into: &canvas, y: h - 2)
        renderBottom(into: &canvas, y: h - 1)
        if let help = state.help { renderHelp(help, into: &canvas) }
        if let picker = state.themePicker { renderThemePicker(picker, into: &canvas) }
        if let req = state.deleteDialog { req.dialog.render(into: &canvas, area: main) }
        if let dialog = state.reloadDialog { dialog.render(into: &canvas, area: main) }
        return canvas
    }

    private func renderScreen(into canvas: inout Canvas, area main: Rect) {
        switch state.screen {
        case .collections: renderCollections(into: &canvas, area: main)
        case .streams: renderStreams(into: &canvas, area: main)
        case .attributes: renderAttributes(into: &canvas, area: main)
        case .segments: renderSegments(into: &canvas, area: main)
        case .profiles: renderProfiles(into: &canvas, area: main)
        }
    }

    private func renderContext(into canvas: inout Canvas) {
        let ws = workspaceName
        var left = " \(ws) ▸ \(collectionModel.name) ▸ \(state.screen.title)"
        if data.isFrozen { left += " · ❄ frozen" }
        if state.follow, state.screen == .profiles { left += " · following" }
        let d = live.driver
        let status: String
        if let p = rebuildProgress {
            status = "⟳ applying saved definition \(Format.percent(p.done, of: max(1, p.of)))"
        } else if d.isFinished {
            status = "■ replay finished"
        } else if d.isPaused {
            status = "⏸ paused"
        } else {
            status = "▶ replay \(Format.speed(d.speed))"
        }
        let rate = "\(Format.grouped(Int(live.eventsPerSecond.rounded()))) ev/s"
        // The replay's virtual clock (it moves even when no event is due), frozen with the view.
        let virtual = d.isFinished || data.isFrozen ? data.clock : max(data.clock ?? Int64.min, d.virtualTime(at: wallNow))
        let clock = virtual.map { Format.minute($0) } ?? "–"
        let lag = "lag \(Int(live.lagMillis.rounded())) ms"
        // Narrow terminals drop the least useful parts first, so the left side stays readable.
        let candidates = ["\(status) · \(rate) · clock \(clock) · \(lag) ", "\(status) · \(rate) · \(clock) ",
                          "\(status) · \(String(clock.dropFirst(5))) "]
        let budget = canvas.width - DisplayWidth.of(left) - 2
        let right = candidates.first { DisplayWidth.of($0) <= budget } ?? candidates.last!
        let w = canvas.width
        let rw = DisplayWidth.of(right)
        canvas.put(left, x: 0, y: 0, role: .title, maxWidth: max(0, w - rw - 1))
        let role: Role = d.isPaused ? .statusWarn : (d.isFinished ? .muted : .statusOk)
        canvas.putRight(right, right: w, y: 0, role: role, maxWidth: w)
    }

    /// The hint line: the focused screen's keys, from the action table.
    func hintEntries() -> [(keys: String, label: String)] {
        var out: [(String, String)] = []
        if let form = state.collectionForm { return collectionFormHints(form) }
        if let form = state.attributeForm {
            if form.deletion != nil { return [("y", "delete"), ("Esc", "cancel")] }
            return [("Tab", "next"), ("S-Tab", "previous"), ("Space", "change"), ("→", "accept suggestion"), ("Ctrl-S", "save"), ("Esc", "cancel")]
        }
        if let form = state.segmentForm {
            out = [("Tab", "next"), ("S-Tab", "previous"), ("Ctrl-S", "save"), ("Ctrl-T", form.mode == .code ? "rows" : "code")]
            if form.mode == .visual { out += [("Ctrl-N", "add row"), ("Ctrl-X", "remove row")] }
            out.append(("Esc", "cancel"))
            return out
        }
        func add(_ a: Action) { if let h = a.binding.hint { out.append((a.binding.label.components(separatedBy: " ")[0], h)) } }
        add(.command); add(.filter); add(.help)
        out.append(("1-5", "screens"))
        if state.detail != nil {
            out.append(("q", "back"))
        } else {
            add(.open)
        }
        // The focused screen's own keys come before the general ones, so a narrow hint
        // line drops the general ones first.
        if state.screen == .streams { add(.pauseReplay); add(.stepReplay); out.append(("+-", "speed")); add(.autoscroll); add(.switchFocus) }
        if state.screen == .profiles { add(.follow) }
        if state.screen == .segments || state.screen == .attributes { add(.new); add(.edit); add(.delete) }
        if state.screen == .collections { add(.new); add(.edit) }
        add(.freeze)
        if state.screen != .streams { add(.pauseReplay) }
        out.append(("T", "theme"))
        return out
    }

    private func renderHints(into canvas: inout Canvas) {
        HintLine.render(hintEntries(), into: &canvas, area: Rect(x: 1, y: 1, width: canvas.width - 1, height: 1))
    }

    private func renderBreadcrumbs(into canvas: inout Canvas, y: Int) {
        var crumbs = ["collections", collectionModel.name, state.screen.command]
        if state.screen == .collections { crumbs = ["collections"] }
        if let d = state.detail { crumbs.append(detailName(d)) }
        if let f = state.segmentForm { crumbs = ["collections", live.workspace.collections[f.collection].name, "segments", f.original.map { "edit \($0.name)" } ?? "new"] }
        if let f = state.attributeForm, f.deletion == nil {
            crumbs = ["collections", collectionModel.name, "attributes", f.original.map { "edit \($0.name)" } ?? "new"]
        }
        if let f = state.collectionForm { crumbs = ["collections"] + (f.original.map { [$0.name, "streams"] } ?? ["new"]) }
        canvas.put(" " + crumbs.joined(separator: " > "), x: 0, y: y, role: .muted)
    }

    func detailName(_ d: Detail) -> String {
        let m = collectionModel
        switch d {
        case .collection(let c): return live.workspace.collections[c].name
        case .stream(let s): return live.workspace.streams[s].name.value
        case .event(let seq): return live.record(sequence: seq).map { "\($0.stream)/\($0.event.id)" } ?? "event"
        case .attribute(let a): return m.attributes[a].name
        case .segment(let s): return m.segments[s].name
        case .profile(let row): return m.key(ofRow: row)
        case .history: return "history"
        }
    }

    private func renderBottom(into canvas: inout Canvas, y: Int) {
        let area = Rect(x: 0, y: y, width: canvas.width, height: 1)
        if let prompt = state.prompt {
            prompt.render(into: &canvas, area: area)
            return
        }
        if let field = state.filterField {
            canvas.put("/", x: 0, y: y, role: .accent)
            field.render(into: &canvas, area: Rect(x: 1, y: y, width: canvas.width - 1, height: 1), role: .text)
            return
        }
        if let f = state.flash, f.until > wallNow {
            let level: StatusLevel
            switch f.level {
            case .ok: level = .ok
            case .warn: level = .warn
            case .error: level = .error
            case .info: level = .info
            }
            StatusLine.render(f.text, level: level, into: &canvas, area: Rect(x: 1, y: y, width: canvas.width - 1, height: 1))
        }
    }

    // MARK: Overlays

    func helpSections() -> [(section: String, entries: [(keys: String, description: String)])] {
        let order: [(ActionScope, String)] = [(.everywhere, "Everywhere"), (.lists, "Lists"), (.replay, "Replay"), (.streams, "Streams screen"), (.definitions, "Segments, Attributes, Collections")]
        var out = order.map { scope, title in
            (section: title, entries: Action.table.filter { $0.scope == scope }.map { (keys: $0.label, description: $0.description) })
        }
        out.append((section: "Commands (:)", entries: [
            (keys: ":profiles", description: "go to a screen (also :collections :streams :attributes :segments)"),
            (keys: ":collection NAME", description: "switch collection"),
            (keys: ":theme NAME", description: "switch theme"),
            (keys: ":speed N|max", description: "replay speed (1 to 100,000× or max)"),
            (keys: ":pause :resume", description: "pause or resume the replay"),
            (keys: ":step", description: "apply one event"),
            (keys: ":history", description: "every definition change saved from the console, with its diff"),
            (keys: ":new", description: "a new segment (the form; also n on Segments)"),
            (keys: ":reload", description: "load cohort.yaml from disk again and apply it"),
            (keys: ":q", description: "quit"),
        ]))
        out.append((section: "Attribute form", entries: [
            (keys: "Space ← →", description: "change the kind, source, function; toggle an event type"),
            (keys: "→ End", description: "accept the suggested column, field or timeframe"),
            (keys: "Ctrl-S", description: "save to cohort.yaml; the attribute is backfilled from the retained events"),
        ]))
        out.append((section: "Collection form", entries: [
            (keys: "Enter Space", description: "choose a table or key; link a stream"),
            (keys: "a", description: "all or no columns as known attributes"),
            (keys: "Ctrl-N Ctrl-X", description: "add / remove a linking key"),
            (keys: "[ ]", description: "move a linking key up / down (the first that matches decides)"),
        ]))
        out.append((section: "Segment form", entries: [
            (keys: "Tab S-Tab ↑↓", description: "next / previous field"),
            (keys: "Enter", description: "next field; on a button, press it"),
            (keys: "Ctrl-S", description: "save to cohort.yaml (backfilled, then live)"),
            (keys: "Ctrl-T", description: "switch the condition between code and rows"),
            (keys: "Ctrl-N Ctrl-X", description: "rows: add a row / remove the row"),
            (keys: "Space ← →", description: "rows: change the operator or AND/OR"),
            (keys: "→ End", description: "rows: accept the suggested attribute"),
            (keys: "Esc", description: "cancel (asks when there are unsaved changes)"),
        ]))
        return out
    }

    private func renderHelp(_ help: HelpState, into canvas: inout Canvas) {
        let w = min(canvas.width - 4, 100), h = canvas.height - 6
        let area = Rect(x: (canvas.width - w) / 2, y: 3, width: w, height: h)
        canvas.fill(area)
        HelpOverlay.render(sections: helpSections(), filter: help.filter.text, offset: help.offset, into: &canvas, area: area)
    }

    private func renderThemePicker(_ picker: ThemePickerState, into canvas: inout Canvas) {
        let w = 36, h = min(canvas.height - 4, picker.names.count + 4)
        let area = Rect(x: (canvas.width - w) / 2, y: (canvas.height - h) / 2, width: w, height: h)
        canvas.fill(area)
        canvas.box(area, title: "Theme", focused: true)
        ListView.render(items: picker.names, state: picker.list, into: &canvas, area: Rect(x: area.x + 1, y: area.y + 1, width: w - 2, height: h - 3))
        canvas.put("↑↓ preview · Enter keep · Esc undo", x: area.x + 1, y: area.maxY - 2, role: .muted, maxWidth: w - 2)
    }

    /// The title of a list box: `View(scope)[count] </filter>`.
    func listTitle(_ view: String, scope: String?, count: Int, total: Int? = nil) -> String {
        var t = view
        if let scope { t += "(\(scope))" }
        t += "[\(Format.grouped(count))"
        if let total, total != count { t += "/\(Format.grouped(total))" }
        t += "]"
        if !state.visibleFilter.isEmpty, state.detail == nil { t += " </\(state.visibleFilter)>" }
        return t
    }

    /// Draws a boxed table, keeping the list's selection visible; remembers the area for clicks.
    func boxedTable(title: String, columns: [TableColumn], rowCount: Int, list: inout TableState, focused: Bool,
                    into canvas: inout Canvas, area: Rect, cell: (Int, Int) -> TableCell) {
        canvas.box(area, title: title, focused: focused)
        let inner = area.inset(1)
        list.clamp(rowCount: rowCount, pageSize: max(1, inner.height - 1))
        Table.render(columns: columns, rowCount: rowCount, state: list, cell: cell, focused: focused, into: &canvas, area: inner)
        if focused { lastListArea = inner }
    }
}
