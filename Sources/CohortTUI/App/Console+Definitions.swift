import CohortEngine

/// A definition change being applied: the rebuilt workspace backfilling in the background
/// of the frames, and what to say when it takes over.
struct DefinitionRebuild {
    let next: LiveWorkspace
    /// Segments whose members may have changed (new, edited, deleted), for activations.
    let segments: Set<String>
    let cause: String
    /// Said when the rebuild takes over, with the segment's members filled in.
    let done: (LiveWorkspace) -> String
    /// The screen and item to show afterwards.
    let select: (screen: Screen, name: String?)?
}

/// Defining segments in the console: the form (`n`, `e`), validation and preview as you
/// type, saving to cohort.yaml with backfill, deleting behind a dialog, and the history.
extension Console {
    // MARK: Opening

    /// `n` on the Segments screen: a new segment.
    func newDefinition() {
        switch state.screen {
        case .segments: openSegmentForm(editing: nil)
        case .attributes: openAttributeForm(editing: nil)
        case .collections: openCollectionForm(editing: nil)
        default: break
        }
    }

    /// `e`: edit the selected segment.
    func editDefinition() {
        if state.screen == .attributes {
            let rows = attributeRows()
            let a: Int?
            if case .attribute(let d) = state.detail { a = d } else { a = selectedIndex(rows.count).map { rows[$0] } }
            guard let a else { flash("no attribute selected", .info); return }
            openAttributeForm(editing: a)
            return
        }
        if state.screen == .collections {
            let rows = collectionRows()
            let c: Int?
            if case .collection(let d) = state.detail { c = d } else { c = selectedIndex(rows.count).map { rows[$0] } }
            guard let c else { flash("no collection selected", .info); return }
            openCollectionForm(editing: c)
            return
        }
        guard state.screen == .segments else { return }
        let s: Int?
        if case .segment(let d) = state.detail { s = d } else { s = selectedIndex(segmentRows().count).map { segmentRows()[$0] } }
        guard let s else { flash("no segment selected", .info); return }
        openSegmentForm(editing: s)
    }

    /// Whether a form may open now: there is a cohort.yaml to save into and no saved change
    /// is still being applied (flashes why not).
    func canOpenForm() -> Bool {
        guard definitions != nil else {
            flash("this workspace has no cohort.yaml to save into", .error)
            return false
        }
        if rebuild != nil {
            flash("a saved change is still being applied — try again in a moment", .warn)
            return false
        }
        return true
    }

    func openSegmentForm(editing s: Int?) {
        guard canOpenForm() else { return }
        var form = SegmentForm(collection: state.collection, model: collectionModel, editing: s)
        updatePreview(&form)
        state.segmentForm = form
    }

    // MARK: Keys

    func segmentFormKey(_ key: Key) -> [Effect] {
        guard var form = state.segmentForm else { return [] }
        defer { if state.segmentForm != nil { state.segmentForm = form } }
        if discardDialogKey(key, &form.discard, close: { state.segmentForm = nil }) { return [] }
        switch key {
        case .escape:
            if form.isDirty {
                form.discard = Dialog.discardChanges("The segment form has unsaved changes. Discard them?")
            } else {
                state.segmentForm = nil
            }
            return []
        case .ctrl("s"):
            saveSegment(&form)
            return []
        case .ctrl("t"):
            form.toggleMode()
            updatePreview(&form)
            return []
        case .tab, .down:
            leaveField(&form)
            form.moveFocus(1)
            return []
        case .backTab, .up:
            leaveField(&form)
            form.moveFocus(-1)
            return []
        case .ctrl("n") where form.mode == .visual:
            let at = form.focusRow.map { $0 + 1 } ?? form.rows.count
            form.rows.insert(SegmentForm.Row(ConditionRow(joiner: .and, attribute: "", op: .moreThan)), at: at)
            form.focus = .attribute(at)
            updatePreview(&form)
            return []
        case .ctrl("x") where form.mode == .visual:
            guard let i = form.focusRow, form.rows.count > 1 else {
                flash("a condition keeps at least one row", .info)
                return []
            }
            form.rows.remove(at: i)
            form.focus = .attribute(min(i, form.rows.count - 1))
            updatePreview(&form)
            return []
        case .enter:
            switch form.focus {
            case .save:
                saveSegment(&form)
            case .cancel:
                if form.isDirty {
                    form.discard = Dialog.discardChanges("The segment form has unsaved changes. Discard them?")
                } else {
                    state.segmentForm = nil
                }
            default:
                leaveField(&form)
                form.moveFocus(1)
            }
            return []
        default:
            break
        }
        switch form.focus {
        case .joiner(let i):
            if [.char(" "), .left, .right, .char("h"), .char("l")].contains(key) {
                form.rows[i].joiner = form.rows[i].joiner == .and ? .or : .and
                updatePreview(&form)
            }
        case .op(let i):
            let all = ConditionRow.Operator.allCases
            let k = all.firstIndex(of: form.rows[i].op) ?? 0
            if [.char(" "), .right, .char("l")].contains(key) { form.rows[i].op = all[(k + 1) % all.count] }
            if [.left, .char("h")].contains(key) { form.rows[i].op = all[(k - 1 + all.count) % all.count] }
            updatePreview(&form)
        case .attribute(let i):
            if key == .right || key == .end, form.rows[i].attribute.caret == form.rows[i].attribute.text.count,
               let c = form.completion(row: i) {
                form.rows[i].attribute = TextField(c)
            } else {
                _ = form.rows[i].attribute.handle(key)
            }
            updatePreview(&form)
        case .name, .description, .code, .value:
            var field = form.focusedField!
            guard field.handle(key) else { return [] }
            form.focusedField = field
            if form.focus == .name { form.validateName() } else { updatePreview(&form) }
        case .save, .cancel:
            if key == .left || key == .right { form.focus = form.focus == .save ? .cancel : .save }
        }
        return []
    }

    /// Checks the field being left (the name's rules run as you type too).
    private func leaveField(_ form: inout SegmentForm) {
        if form.focus == .name { form.validateName() }
    }

    // MARK: Validation and preview

    /// Compiles the condition against the collection's attributes; on success counts the
    /// profiles that match now and picks a few, else keeps the error for the form to show.
    func updatePreview(_ form: inout SegmentForm) {
        let text = form.conditionText
        if text == form.previewedCondition { return }
        form.previewedCondition = text
        form.previewedAt = wallNow
        let model = live.workspace.collections[form.collection]
        if text.trimmingSparkSpaces().isEmpty {
            form.conditionError = nil
            form.preview = nil
            return
        }
        switch ExpressionCompiler.compile(text, scope: ExpressionScope(names: form.types)) {
        case .failure(let e):
            form.conditionError = e
            form.preview = nil
        case .success(let compiled):
            if compiled.type != .boolean, compiled.type != .any, compiled.type != .null {
                form.conditionError = ExpressionError(line: 1, column: 1, message: "the condition must be boolean, but is \(compiled.type)",
                                                      hint: "compare it, as in '… > 0'")
                form.preview = nil
                return
            }
            form.conditionError = nil
            form.preview = preview(compiled, model: model, collection: form.collection, saved: form.original?.segment)
        }
    }

    /// Evaluates a compiled condition over every profile of a collection at the engine's clock.
    func preview(_ compiled: CompiledExpression, model: CollectionModel, collection c: Int, saved: Int?) -> SegmentForm.Preview {
        let started = CivilTime.wallClockMicros()
        let engine = live.engine
        let inputs = compiled.inputs.map { model.attributeIndex($0) }
        let now = engine.clock ?? 0
        let total = engine.profileCount(collection: c)
        var row = [Value](repeating: .null, count: inputs.count)
        var matches = 0
        var samples: [(key: String, values: String)] = []
        for r in 0..<total {
            for (k, a) in inputs.enumerated() { row[k] = a.map { engine.value(collection: c, row: r, attribute: $0) } ?? .null }
            guard compiled.holds(row, now: now) else { continue }
            matches += 1
            if samples.count < 5 {
                let values = zip(compiled.inputs, row).prefix(3).map { "\($0)=\(Format.value($1))" }.joined(separator: " ")
                samples.append((model.key(ofRow: r), values))
            }
        }
        let savedCount = saved.map { s in data.collections[c].size.indices.contains(s) ? data.collections[c].size[s] : 0 }
        return SegmentForm.Preview(matches: matches, total: total, saved: savedCount, samples: samples,
                                   micros: CivilTime.wallClockMicros() - started)
    }

    // MARK: Saving

    private func saveSegment(_ form: inout SegmentForm) {
        form.validateName()
        form.previewedCondition = nil
        updatePreview(&form)
        if form.nameError != nil {
            form.focus = .name
            flash("cannot save: \(form.nameError!)", .error)
            return
        }
        let condition = form.conditionText
        if condition.trimmingSparkSpaces().isEmpty {
            form.focus = form.mode == .code ? .code : .attribute(0)
            flash("cannot save: the condition is empty", .error)
            return
        }
        if let e = form.conditionError {
            form.focus = form.mode == .code ? .code : .attribute(0)
            flash("cannot save: \(e.description)", .error)
            return
        }
        var item = [YAMLEntryPair("name", .string(form.name.text))]
        if !form.description.text.isEmpty { item.append(YAMLEntryPair("description", .string(form.description.text))) }
        item.append(YAMLEntryPair("condition", .string(condition)))
        let collectionName = live.workspace.collections[form.collection].name
        let name = form.name.text
        let originalName = form.original?.name
        let ok = applyDefinitionChange(kind: "segment", collection: collectionName, name: name, segments: [name, originalName].compactMap { $0 },
                                       action: { editor in
            if let o = originalName, o != name { try self.refuseRenameFollowedByDestinations(o) }
            let saved = try editor.save(.segment, collection: collectionName, name: name, item: item, originalName: originalName)
            return (saved.action, saved.oldName)
        }, done: { next in
            let m = next.workspace.collections.first { $0.name == collectionName }
            let s = m?.segments.firstIndex { $0.name == name }
            let c = next.workspace.collections.firstIndex { $0.name == collectionName }
            let members = (c.flatMap { c in s.map { next.collections[c].size[$0] } }) ?? 0
            let total = c.map { next.engine.profileCount(collection: $0) } ?? 0
            return "segment \"\(name)\" saved — \(Format.grouped(members)) of \(Format.grouped(total)) profiles match"
        }, select: (.segments, name))
        if ok { state.segmentForm = nil }
    }

    /// A segment that a destination follows keeps its name (the destination would lose it).
    private func refuseRenameFollowedByDestinations(_ segment: String) throws {
        let followers = live.workspace.definitions.destinations.filter { $0.segments.contains { $0.value == segment } }.map(\.name.value)
        if !followers.isEmpty {
            throw DefinitionsFileError(message: "'\(segment)' is followed by destination\(followers.count == 1 ? "" : "s") \(followers.joined(separator: ", ")); rename it there first")
        }
    }

    /// Edits cohort.yaml's text with `action`, checks the result compiles, writes it
    /// crash-safely with a history entry, and starts the backfill. False (with the reason
    /// flashed) when nothing was saved.
    @discardableResult
    func applyDefinitionChange(kind: String, collection: String, name: String, segments: [String],
                               action: (inout DefinitionsEditor) throws -> (String, String?),
                               done: @escaping (LiveWorkspace) -> String, select: (screen: Screen, name: String?)?) -> Bool {
        guard let file = definitions else {
            flash("this workspace has no cohort.yaml to save into", .error)
            return false
        }
        if file.changedOnDisk {
            state.reloadDialog = Dialog(title: "cohort.yaml changed on disk",
                                        message: "Someone changed cohort.yaml since the console loaded it. Nothing was saved. Reload it from disk? (Your unsaved form is lost.)",
                                        confirmLabel: "Reload", confirmKey: "r")
            flash("cohort.yaml changed on disk — nothing was saved", .error, seconds: 10)
            return false
        }
        let before = file.text
        let after: String
        let what: (String, String?)
        do {
            var editor = try DefinitionsEditor(text: before)
            what = try action(&editor)
            after = editor.text
        } catch {
            flash("cannot save: \(error)", .error, seconds: 10)
            return false
        }
        let next = live.workspace.reloaded(definitionsText: after)
        if let e = next.errors.first {
            flash("cannot save: \(e.description)", .error, seconds: 10)
            return false
        }
        let entry = DefinitionHistoryEntry(atWall: CivilTime.wallClockMicros(), collection: collection, kind: kind, name: name,
                                           action: what.0, oldName: what.1, diff: DefinitionsEditor.unifiedDiff(old: before, new: after))
        do {
            try file.save(after, entry: entry)
        } catch {
            flash("cannot save: \(error)", .error, seconds: 10)
            return false
        }
        startRebuild(DefinitionRebuild(next: LiveWorkspace(rebuilding: live, workspace: next), segments: Set(segments),
                                       cause: name, done: done, select: select))
        flash("saved to cohort.yaml — applying to \(Format.grouped(live.driver.position)) retained events…", .info, seconds: 30)
        return true
    }

    // MARK: Rebuild

    func startRebuild(_ r: DefinitionRebuild) {
        if !live.driver.isPaused { live.driver.pause(wallNow: wallNow) ; pausedForRebuild = true }
        rebuild = r
    }

    /// Backfills within a time budget; takes over when done. Called by the loop instead of
    /// the replay's tick while a rebuild runs.
    public func stepRebuild(budgetMicros: Int64, clock: () -> Int64) {
        guard let r = rebuild else { return }
        guard r.next.backfill(budgetMicros: budgetMicros, clock: clock) else { return }
        let old = live
        let changes = r.next.membershipChanges(from: old, segments: r.segments, cause: r.cause)
        if pausedForRebuild { old.driver.resume(wallNow: clock()); pausedForRebuild = false }
        r.next.takeOver(from: old, wallNow: clock())
        r.next.note(changes)
        definitions?.persistence?.recordActivations(changes)
        rebuild = nil
        replaceLive(r.next)
        if let sel = r.select {
            go(sel.screen)
            if let name = sel.name, sel.screen == .segments, let i = segmentRows().firstIndex(where: { collectionModel.segments[$0].name == name }) {
                state.lists[.segments]?.selected = i
            }
            if let name = sel.name, sel.screen == .attributes, let i = attributeRows().firstIndex(where: { collectionModel.attributes[$0].name == name }) {
                state.lists[.attributes]?.selected = i
            }
            if let name = sel.name, sel.screen == .collections, let i = collectionRows().firstIndex(where: { live.workspace.collections[$0].name == name }) {
                state.lists[.collections]?.selected = i
            }
        }
        let enters = changes.filter { $0.change == .enter }.count, exits = changes.count - enters
        flash(r.done(r.next) + (changes.isEmpty ? "" : " (\(Format.grouped(enters)) entered, \(Format.grouped(exits)) left)"), .ok, seconds: 8)
    }

    /// The backfill's progress, for the context line.
    public var rebuildProgress: (done: Int, of: Int)? {
        rebuild.map { ($0.next.backfilled, $0.next.backfillTarget) }
    }

    // MARK: Deleting

    /// `D`: delete the selected segment, behind a dialog listing what depends on it.
    func deleteDefinition() {
        if state.screen == .attributes { deleteAttribute(); return }
        if state.screen == .collections {
            flash("collections are removed in cohort.yaml: a collection holds every attribute and segment of its profiles", .info)
            return
        }
        guard state.screen == .segments else { return }
        let rows = segmentRows()
        let s: Int?
        if case .segment(let d) = state.detail { s = d } else { s = selectedIndex(rows.count).map { rows[$0] } }
        guard let s else { return }
        let seg = collectionModel.segments[s]
        let followers = live.workspace.definitions.destinations.filter { $0.segments.contains { $0.value == seg.name } }.map(\.name.value)
        let members = data.collections[state.collection].size[s]
        var message = "Delete segment '\(seg.name)' from cohort.yaml? Its \(Format.grouped(members)) members leave it."
        message += followers.isEmpty ? " Nothing else depends on it." : " Destinations that follow it: \(followers.joined(separator: ", ")) — remove it there first."
        state.deleteDialog = DeleteRequest(dialog: Dialog(title: "Delete segment", message: message, confirmLabel: "Delete", confirmKey: "y"),
                                           collection: collectionModel.name, name: seg.name, blocked: !followers.isEmpty)
    }

    func deleteDialogKey(_ key: Key) -> [Effect] {
        guard var req = state.deleteDialog else { return [] }
        switch req.dialog.handle(key) {
        case .none:
            state.deleteDialog = req
        case .cancel:
            state.deleteDialog = nil
        case .confirm:
            state.deleteDialog = nil
            if req.blocked {
                flash("'\(req.name)' is still followed by a destination; nothing was deleted", .error)
                return []
            }
            let name = req.name, collection = req.collection
            if applyDefinitionChange(kind: "segment", collection: collection, name: name, segments: [name], action: { editor in
                try editor.remove(.segment, collection: collection, name: name)
                return ("delete", nil)
            }, done: { _ in "segment \"\(name)\" deleted" }, select: (.segments, nil)) {
                closeDetail()
            }
            req.blocked = false
        }
        return []
    }

    func reloadDialogKey(_ key: Key) -> [Effect] {
        guard var dialog = state.reloadDialog else { return [] }
        switch dialog.handle(key) {
        case .none: state.reloadDialog = dialog
        case .cancel: state.reloadDialog = nil
        case .confirm:
            state.reloadDialog = nil
            reloadDefinitions()
        }
        return []
    }

    /// Loads cohort.yaml from disk again and applies it like a save (without writing).
    func reloadDefinitions() {
        guard let file = definitions else { return }
        do { try file.reload() } catch {
            flash("cannot reload: \(error)", .error)
            return
        }
        let next = live.workspace.reloaded(definitionsText: file.text)
        if let e = next.errors.first {
            flash("cohort.yaml on disk has errors; keeping the running definitions: \(e.description)", .error, seconds: 15)
            return
        }
        state.segmentForm = nil
        let names = Set(next.collections.flatMap { $0.segments.map(\.name) } + live.workspace.collections.flatMap { $0.segments.map(\.name) })
        startRebuild(DefinitionRebuild(next: LiveWorkspace(rebuilding: live, workspace: next), segments: names, cause: "cohort.yaml",
                                       done: { _ in "cohort.yaml reloaded from disk" }, select: nil))
    }

    /// Recomputes an open segment form's preview once a second, since the engine moves on
    /// while the form is open.
    public func refreshFormPreview() {
        guard var form = state.segmentForm, form.discard == nil, wallNow - form.previewedAt >= 1_000_000 else { return }
        form.previewedCondition = nil
        updatePreview(&form)
        state.segmentForm = form
    }

    /// Hands the engine's membership changes since the last frame to the durable log.
    public func logActivations() {
        let batch = live.takeActivations()
        if !batch.isEmpty { definitions?.persistence?.recordActivations(batch) }
    }

    // MARK: History

    /// The definition history, newest first (the store's when there is one).
    func historyEntries() -> [DefinitionHistoryEntry] {
        definitions?.history(collection: nil, kind: nil, name: nil) ?? []
    }
}

extension Dialog {
    /// The dialog a form shows on Esc when something changed; `y` discards.
    static func discardChanges(_ message: String) -> Dialog {
        Dialog(title: "Discard changes?", message: message, confirmLabel: "Discard", confirmKey: "y")
    }
}

extension Console {
    /// Gives a key to a form's open "Discard changes?" dialog: confirming runs `close` and
    /// says so, cancelling closes the dialog. False when no dialog is open.
    func discardDialogKey(_ key: Key, _ dialog: inout Dialog?, close: () -> Void) -> Bool {
        guard var d = dialog else { return false }
        switch d.handle(key) {
        case .confirm:
            close()
            flash("changes discarded", .info)
        case .cancel:
            dialog = nil
        case .none:
            dialog = d
        }
        return true
    }
}

/// A delete waiting for confirmation.
public struct DeleteRequest: Sendable {
    public var dialog: Dialog
    public var collection: String
    public var name: String
    /// Something depends on it: the dialog explains, and confirming deletes nothing.
    public var blocked: Bool
}

extension SegmentForm {
    /// The row the focus is in (visual mode).
    var focusRow: Int? {
        switch focus {
        case .joiner(let i), .attribute(let i), .op(let i), .value(let i): return i
        default: return nil
        }
    }
}
