import CohortEngine
import Foundation

/// Defining attributes in the console: the form (`n`, `e` on Attributes), validation and
/// preview as you type (aggregates recomputed off the main thread), saving to cohort.yaml
/// with backfill, and deleting behind a dialog that refuses while something reads it.
extension Console {
    // MARK: Opening

    /// `n` (nil) or `e` (the attribute's index) on the Attributes screen.
    func openAttributeForm(editing a: Int?) {
        guard canOpenForm() else { return }
        var form = AttributeForm(workspace: live.workspace, collection: state.collection, editing: a)
        refreshAttributeForm(&form)
        state.attributeForm = form
    }

    // MARK: Keys

    func attributeFormKey(_ key: Key) -> [Effect] {
        guard var form = state.attributeForm else { return [] }
        defer { if state.attributeForm != nil { state.attributeForm = form } }
        if form.deletion != nil {
            deletionKey(key, &form)
            return []
        }
        if discardDialogKey(key, &form.discard, close: { state.attributeForm = nil }) { return [] }
        switch key {
        case .escape:
            cancelAttributeForm(&form)
            return []
        case .ctrl("s"):
            saveAttribute(&form)
            return []
        case .tab, .down:
            form.touched.insert(form.focus)
            form.moveFocus(1)
            refreshAttributeForm(&form)
            return []
        case .backTab, .up:
            form.touched.insert(form.focus)
            form.moveFocus(-1)
            refreshAttributeForm(&form)
            return []
        case .enter:
            switch form.focus {
            case .save: saveAttribute(&form)
            case .cancel: cancelAttributeForm(&form)
            default:
                form.touched.insert(form.focus)
                form.moveFocus(1)
                refreshAttributeForm(&form)
            }
            return []
        default:
            break
        }
        let forward: Set<Key> = [.char(" "), .right, .char("l")], backward: Set<Key> = [.left, .char("h")]
        func cycle<T: Equatable>(_ all: [T], _ value: T) -> T? {
            guard !all.isEmpty else { return nil }
            let k = all.firstIndex(of: value) ?? 0
            if forward.contains(key) { return all[(k + 1) % all.count] }
            if backward.contains(key) { return all[(k - 1 + all.count) % all.count] }
            return nil
        }
        switch form.focus {
        case .kind:
            if let k = cycle(AttributeForm.Kind.allCases, form.kind) { form.kind = k }
        case .source:
            if let s = cycle(Array(form.sourceNames.indices), form.source) { form.setSource(s) }
        case .function:
            if let f = cycle(AggregateFunction.allCases, form.function) { form.function = f }
        case .pii:
            if forward.contains(key) || backward.contains(key) { form.pii.toggle() }
            if key == .char("y") { form.pii = true }
            if key == .char("n") { form.pii = false }
        case .events:
            let types = form.eventTypes
            guard !types.isEmpty else { break }
            switch key {
            case .char(" "): form.toggleType()
            case .right, .char("l"): form.typeCursor = min(types.count - 1, form.typeCursor + 1)
            case .left, .char("h"): form.typeCursor = max(0, form.typeCursor - 1)
            case .home: form.typeCursor = 0
            case .end: form.typeCursor = types.count - 1
            case .char(let c) where c.isLetter:
                // Jumps to the next type starting with the letter.
                let n = types.count
                if let k = (1...n).map({ (form.typeCursor + $0) % n }).first(where: { types[$0].lowercased().hasPrefix(String(c).lowercased()) }) {
                    form.typeCursor = k
                }
            default: break
            }
        case .column, .matchRow, .matchProfile, .field, .timeframe:
            var f = form.focusedField!
            let atEnd = f.caret == f.text.count
            if (key == .right || key == .end), atEnd, let c = form.completion(for: form.focus, text: f.text) {
                f = TextField(c)
            } else if key == .char(" "), let next = form.nextSuggestion(for: form.focus, text: f.text) {
                f = TextField(next)
            } else if !f.handle(key) {
                return []
            }
            form.focusedField = f
            // Whether it names a column or a field is checked on leaving (or saving).
        case .name, .description, .condition, .expression:
            var f = form.focusedField!
            guard f.handle(key) else { return [] }
            form.focusedField = f
            form.touched.insert(form.focus)
        case .save, .cancel:
            if key == .left || key == .right { form.focus = form.focus == .save ? .cancel : .save }
        }
        refreshAttributeForm(&form)
        return []
    }

    private func cancelAttributeForm(_ form: inout AttributeForm) {
        if form.isDirty {
            form.discard = Dialog.discardChanges("The attribute form has unsaved changes. Discard them?")
        } else {
            state.attributeForm = nil
        }
    }

    // MARK: Validation and preview

    /// Validates every field and brings the preview up to date with the definition.
    func refreshAttributeForm(_ form: inout AttributeForm) {
        form.validate()
        guard let signature = form.previewSignature else {
            form.preview = .none(form.previewBlocker)
            form.previewedSignature = nil
            form.wantedSignature = nil
            return
        }
        if form.kind == .aggregate {
            form.wantedSignature = signature
            pumpAttributePreview(&form)
            return
        }
        form.wantedSignature = nil
        if signature == form.previewedSignature { return }
        form.previewedSignature = signature
        let started = CivilTime.wallClockMicros()
        let model = live.workspace.collections[form.collection]
        if form.kind == .known {
            guard let ci = model.table.columnIndex(form.column.text) else { return }
            let rows = model.table.rows
            form.preview = .ready(AttributeForm.summarize(count: rows.count, value: { rows[$0][ci] }, key: { model.key(ofRow: $0) },
                                                          basis: "column \(form.column.text) of \(model.table.name)", started: started))
            return
        }
        guard let compiled = form.compiled else { return }
        let engine = live.engine
        let c = form.collection
        let inputs = compiled.inputs.map { model.attributeIndex($0) }
        let now = engine.clock ?? 0
        var row = [Value](repeating: .null, count: inputs.count)
        form.preview = .ready(AttributeForm.summarize(count: engine.profileCount(collection: c), value: { r in
            for (k, a) in inputs.enumerated() { row[k] = a.map { engine.value(collection: c, row: r, attribute: $0) } ?? .null }
            return compiled.evaluate(row, now: now)
        }, key: { model.key(ofRow: $0) }, basis: "the profiles' current values", started: started))
    }

    /// Picks up a finished background preview and starts the next when the definition changed
    /// since (one at a time). Called on every key and frame while the form is open.
    func pumpAttributePreview(_ form: inout AttributeForm) {
        guard form.kind == .aggregate, let wanted = form.wantedSignature else { return }
        // Already showing what the definition gives.
        if form.previewedSignature == wanted, !form.isComputing { return }
        let (running, finished) = form.job.poll()
        if running == nil, let f = finished, f.signature == wanted {
            switch f.outcome {
            case .preview(let p): form.preview = .ready(p)
            case .failed(let why): form.preview = .failed(why)
            }
            form.previewedSignature = wanted
            return
        }
        if running == nil {
            // Nothing running: start the wanted definition (a newer one waits for this one).
            form.previewedSignature = wanted
            form.preview = .computing(since: wallNow)
            guard let work = aggregatePreviewWork(form) else {
                form.preview = .failed("this workspace has no cohort.yaml")
                return
            }
            form.job.start(signature: wanted, work: work)
        } else if !form.isComputing {
            form.preview = .computing(since: wallNow)
        }
    }

    /// Called from the frame: keeps an open form's aggregate preview moving.
    func pollAttributePreview() {
        guard var form = state.attributeForm, form.deletion == nil, form.kind == .aggregate, form.wantedSignature != nil else { return }
        pumpAttributePreview(&form)
        state.attributeForm = form
    }

    /// The background work of an aggregate preview: the workspace rebuilt from the edited
    /// cohort.yaml text, every retained event replayed up to the engine's clock, and the
    /// attribute's values summarized. Nil (with the preview failed) when the text cannot be made.
    private func aggregatePreviewWork(_ form: AttributeForm) -> (@Sendable () -> AttributePreviewJob.Outcome)? {
        guard let text = definitions?.text else { return nil }
        let collectionName = form.context.collectionName
        // The preview keeps the saved name (dependents still compile) or uses a name of its own.
        let previewName = form.original?.name ?? "__attribute_preview__"
        let after: String
        do {
            var editor = try DefinitionsEditor(text: text)
            try editor.upsert(.attribute, collection: collectionName, item: form.draftItem(name: previewName), replacing: form.original?.name)
            after = editor.text
        } catch {
            return { .failed("\(error)") }
        }
        let workspace = live.workspace
        let clock = live.engine.clock
        return {
            let started = CivilTime.wallClockMicros()
            let next = workspace.reloaded(definitionsText: after)
            if let e = next.errors.first { return .failed(e.description) }
            guard let c = next.collections.firstIndex(where: { $0.name == collectionName }),
                  let a = next.collections[c].attributeIndex(previewName) else { return .failed("the attribute did not compile") }
            let replay = Replay(workspace: next, until: clock)
            let result = replay.run()
            let state = result.collections[c]
            let model = next.collections[c]
            let events = result.streams.reduce(0) { $0 + $1.valid }
            return .preview(AttributeForm.summarize(count: state.values.count, value: { state.values[$0][a] }, key: { model.key(ofRow: $0) },
                                                    typeWarnings: state.typeWarnings.indices.contains(a) ? state.typeWarnings[a] : 0,
                                                    basis: "replay of \(Format.grouped(events)) events", started: started))
        }
    }

    // MARK: Saving

    private func saveAttribute(_ form: inout AttributeForm) {
        form.showAllProblems = true
        refreshAttributeForm(&form)
        if let (focus, problem) = form.firstProblem {
            form.focus = focus
            flash("cannot save: \(problem.text)", .error)
            return
        }
        let name = form.name.text
        let item = form.draftItem(name: name)
        let collectionName = form.context.collectionName
        let original = form.original
        let ok = applyDefinitionChange(kind: "attribute", collection: collectionName, name: name, segments: form.context.readers, action: { editor in
            let saved = try editor.save(.attribute, collection: collectionName, name: name, item: item, originalName: original?.name)
            return (saved.action, saved.oldName)
        }, done: { next in
            guard let c = next.workspace.collections.firstIndex(where: { $0.name == collectionName }),
                  let a = next.workspace.collections[c].attributeIndex(name) else { return "attribute \"\(name)\" saved" }
            let total = next.engine.profileCount(collection: c)
            var filled = 0
            for r in 0..<total {
                switch next.engine.value(collection: c, row: r, attribute: a) {
                case .null: break
                case .list(let items) where items.isEmpty: break
                case .string(let s) where s.isEmpty: break
                default: filled += 1
                }
            }
            return "attribute \"\(name)\" saved — filled for \(Format.grouped(filled)) of \(Format.grouped(total)) profiles (\(Format.percent(filled, of: total)))"
        }, select: (.attributes, name))
        if ok { state.attributeForm = nil }
    }

    // MARK: Deleting

    /// `D` on Attributes: a dialog listing what reads the attribute; deleting is refused while
    /// anything does.
    func deleteAttribute() {
        let rows = attributeRows()
        let a: Int?
        if case .attribute(let d) = state.detail { a = d } else { a = selectedIndex(rows.count).map { rows[$0] } }
        guard let a else { flash("no attribute selected", .info); return }
        let m = collectionModel
        let attr = m.attributes[a]
        let dependents = definitionDependents(of: attr.name, in: m.definition)
        var message = "Delete attribute '\(attr.name)' from cohort.yaml?"
        if dependents.isEmpty {
            message += " Nothing reads it."
        } else {
            let list = dependents.map { "\($0.kind.rawValue) \($0.name)" }.joined(separator: ", ")
            message += " It is read by \(list). Deleting is refused until \(dependents.count == 1 ? "it no longer reads" : "they no longer read") it."
        }
        let request = DeleteRequest(dialog: Dialog(title: "Delete attribute", message: message, confirmLabel: "Delete", confirmKey: "y"),
                                    collection: m.name, name: attr.name, blocked: !dependents.isEmpty)
        state.attributeForm = AttributeForm(deleting: request, collection: state.collection)
    }

    private func deletionKey(_ key: Key, _ form: inout AttributeForm) {
        guard var req = form.deletion else { return }
        switch req.dialog.handle(key) {
        case .none:
            form.deletion = req
        case .cancel:
            state.attributeForm = nil
        case .confirm:
            state.attributeForm = nil
            if req.blocked {
                flash("'\(req.name)' is still read by other definitions; nothing was deleted", .error)
                return
            }
            let name = req.name, collection = req.collection
            if applyDefinitionChange(kind: "attribute", collection: collection, name: name, segments: [], action: { editor in
                try editor.remove(.attribute, collection: collection, name: name)
                return ("delete", nil)
            }, done: { _ in "attribute \"\(name)\" deleted" }, select: (.attributes, nil)) {
                closeDetail()
            }
            req.blocked = false
        }
    }
}
