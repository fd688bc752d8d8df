import CohortEngine

/// Defining collections in the console: `n` on Collections opens the three-step form, `e`
/// on a collection its configuration view (streams and their ordered linking keys); saving
/// edits cohort.yaml, records the change and backfills, like the segment form.
extension Console {
    // MARK: Opening

    func openCollectionForm(editing c: Int?) {
        guard canOpenForm() else { return }
        let ws = live.workspace
        var form: CollectionForm
        if let c {
            guard ws.collections.indices.contains(c) else { return }
            form = CollectionForm(workspace: ws, editing: c)
        } else {
            guard !ws.definitions.tables.isEmpty else {
                flash("cohort.yaml defines no tables: a collection's profiles are the rows of a table", .error)
                return
            }
            form = CollectionForm(workspace: ws)
        }
        form.refreshPreviews(workspace: ws)
        state.collectionForm = form
    }

    // MARK: Keys

    func collectionFormKey(_ key: Key) -> [Effect] {
        guard var form = state.collectionForm else { return [] }
        defer { if state.collectionForm != nil { state.collectionForm = form } }
        let ws = live.workspace
        if discardDialogKey(key, &form.discard, close: { state.collectionForm = nil }) { return [] }
        switch key {
        case .escape:
            cancelCollectionForm(&form)
            return []
        case .ctrl("s"):
            if form.step == .streams {
                saveCollection(&form)
            } else {
                flash("Ctrl-S saves from the last step — Next (Enter on it) continues to step \(form.step.rawValue + 1) of 3", .info)
            }
            return []
        case .tab:
            leaveCollectionField(&form)
            form.moveFocus(1)
            return []
        case .backTab:
            leaveCollectionField(&form)
            form.moveFocus(-1)
            return []
        case .enter:
            collectionFormEnter(&form)
            return []
        default:
            break
        }
        if form.step == .streams, collectionFormLinkKey(key, &form) { return [] }
        switch form.focus {
        case .name, .description:
            if key == .up || key == .down {
                leaveCollectionField(&form)
                form.moveFocus(key == .up ? -1 : 1)
                return []
            }
            if form.focus == .name {
                guard form.name.handle(key) else { return [] }
                form.validateName()
            } else {
                _ = form.description.handle(key)
            }
        case .tables:
            if key == .char(" ") { form.chooseTable(form.tableList.selected, workspace: ws); return [] }
            listKey(key, list: \.tableList, rowCount: form.tables.count, form: &form)
        case .key:
            if key == .char(" ") { form.chooseKey(form.keyList.selected, workspace: ws); return [] }
            listKey(key, list: \.keyList, rowCount: form.columns.count, form: &form)
        case .attributes:
            if key == .char(" "), form.attributes.indices.contains(form.attributeList.selected) {
                form.attributes[form.attributeList.selected].toggle()
                return []
            }
            if key == .char("a") {
                let all = !form.attributes.allSatisfy { $0 }
                form.attributes = form.attributes.map { _ in all }
                return []
            }
            listKey(key, list: \.attributeList, rowCount: form.columns.count, form: &form)
        case .streams:
            if key == .char(" ") {
                form.toggleStream()
                form.refreshPreviews(workspace: ws)
                return []
            }
            listKey(key, list: \.streamList, rowCount: form.streams.count, form: &form)
        case .handle(let i):
            guard let l = form.currentLink else { return [] }
            switch key {
            case .char("["), .char("]"):
                let j = key == .char("[") ? i - 1 : i + 1
                guard form.links[l].pairs.indices.contains(j) else {
                    flash(j < 0 ? "key \(i + 1) is already tried first" : "key \(i + 1) is already tried last", .info)
                    return []
                }
                form.links[l].pairs.swapAt(i, j)
                form.focus = .handle(j)
                form.refreshPreviews(workspace: ws)
            case .up, .down, .left, .right:
                if key == .up || key == .left { form.moveFocus(-1) } else { form.moveFocus(1) }
            default:
                break
            }
        case .event(let i), .profile(let i):
            guard let l = form.currentLink else { return [] }
            if key == .up || key == .down {
                // Up and down move between keys, staying in the same column.
                let j = key == .up ? i - 1 : i + 1
                if form.links[l].pairs.indices.contains(j) {
                    if case .event = form.focus { form.focus = .event(j) } else { form.focus = .profile(j) }
                } else {
                    form.moveFocus(key == .up ? -1 : 1)
                }
                return []
            }
            if key == .right || key == .end, let c = form.completion() {
                form.focusedPairField = TextField(c)
            } else {
                guard var field = form.focusedPairField, field.handle(key) else { return [] }
                form.focusedPairField = field
            }
            form.refreshPreviews(workspace: ws)
        case .back, .next, .save, .cancel:
            let buttons = form.focusOrder.filter(\.isButton)
            guard let k = buttons.firstIndex(of: form.focus) else { return [] }
            if key == .left || key == .up { form.focus = buttons[max(0, k - 1)] }
            if key == .right || key == .down { form.focus = buttons[min(buttons.count - 1, k + 1)] }
        }
        return []
    }

    /// Ctrl-N and Ctrl-X on step 3: add a linking key after the focused one, remove the focused one.
    private func collectionFormLinkKey(_ key: Key, _ form: inout CollectionForm) -> Bool {
        switch key {
        case .ctrl("n"):
            if form.currentLink == nil {
                form.toggleStream()
                form.links[form.links.count - 1].pairs = []
            }
            guard let l = form.currentLink else { return true }
            let at = form.focus.pair.map { $0 + 1 } ?? form.links[l].pairs.count
            form.links[l].pairs.insert(CollectionForm.Pair(event: "", profile: ""), at: at)
            form.focus = .event(at)
            form.refreshPreviews(workspace: live.workspace)
            return true
        case .ctrl("x"):
            guard let l = form.currentLink, let i = form.focus.pair, form.links[l].pairs.indices.contains(i) else {
                flash("Ctrl-X removes the linking key in focus; Space on the stream unlinks the stream", .info)
                return true
            }
            form.links[l].pairs.remove(at: i)
            let n = form.links[l].pairs.count
            form.focus = n == 0 ? .streams : .handle(min(i, n - 1))
            form.refreshPreviews(workspace: live.workspace)
            return true
        default:
            return false
        }
    }

    /// ↑↓ (and j k g G, pages) inside a list field; ↑ on the first row and ↓ on the last leave it.
    private func listKey(_ key: Key, list: WritableKeyPath<CollectionForm, TableState>, rowCount: Int, form: inout CollectionForm) {
        let selected = form[keyPath: list].selected
        if key == .up, selected <= 0 { leaveCollectionField(&form); form.moveFocus(-1); return }
        if key == .down, selected >= rowCount - 1 { leaveCollectionField(&form); form.moveFocus(1); return }
        _ = form[keyPath: list].handle(key, rowCount: rowCount, pageSize: 8)
    }

    private func collectionFormEnter(_ form: inout CollectionForm) {
        let ws = live.workspace
        switch form.focus {
        case .tables:
            form.chooseTable(form.tableList.selected, workspace: ws)
            form.focus = .key
        case .key:
            form.chooseKey(form.keyList.selected, workspace: ws)
            form.focus = .attributes
        case .next:
            nextCollectionStep(&form)
        case .back:
            if let prev = CollectionForm.Step(rawValue: form.step.rawValue - 1) { goCollectionStep(prev, &form) }
        case .save:
            saveCollection(&form)
        case .cancel:
            cancelCollectionForm(&form)
        default:
            leaveCollectionField(&form)
            form.moveFocus(1)
        }
    }

    private func cancelCollectionForm(_ form: inout CollectionForm) {
        if form.isDirty {
            form.discard = Dialog.discardChanges(form.original == nil ? "The new collection is not saved. Discard it?"
                                                 : "The streams of \(form.original!.name) have unsaved changes. Discard them?")
        } else {
            state.collectionForm = nil
        }
    }

    /// Checks the field being left (the name's rules run as you type too).
    private func leaveCollectionField(_ form: inout CollectionForm) {
        if form.focus == .name { form.validateName() }
    }

    /// Next: checks the step, then shows the following one.
    private func nextCollectionStep(_ form: inout CollectionForm) {
        switch form.step {
        case .name:
            form.validateName()
            if let e = form.nameError {
                form.focus = .name
                flash("cannot continue: \(e)", .error)
                return
            }
            goCollectionStep(.table, &form)
        case .table:
            form.keyError = form.keyProblem()
            if let e = form.keyError {
                form.focus = form.table == nil ? .tables : .key
                flash("cannot continue: \(e)", .error)
                return
            }
            goCollectionStep(.streams, &form)
        case .streams:
            saveCollection(&form)
        }
    }

    private func goCollectionStep(_ step: CollectionForm.Step, _ form: inout CollectionForm) {
        form.step = step
        switch step {
        case .name: form.focus = .name
        case .table:
            form.focus = .tables
            if let t = form.table { form.tableList.selected = t }
        case .streams:
            form.focus = .streams
            form.refreshPreviews(workspace: live.workspace)
        }
    }

    // MARK: Saving

    private func saveCollection(_ form: inout CollectionForm) {
        if let o = form.original {
            if let p = form.linksProblem() {
                form.streamList.selected = p.stream
                form.focus = p.focus
                flash("cannot save: \(p.message)", .error, seconds: 8)
                return
            }
            if !form.isDirty {
                state.collectionForm = nil
                flash("nothing changed in the streams of \(o.name)", .info)
                return
            }
            let streams = form.streamsYAML
            let name = o.name
            let count = form.links.count
            let ok = applyDefinitionChange(kind: "collection", collection: name, name: name, segments: o.segments, action: { editor in
                try editor.setStreams(collection: name, streams: streams)
                return ("edit", nil)
            }, done: { [unowned self] next in
                self.selectCollectionRow(name)
                let c = next.workspace.collections.firstIndex { $0.name == name }
                let profiles = c.map { next.engine.profileCount(collection: $0) } ?? 0
                return "streams of \"\(name)\" saved — \(count) stream\(count == 1 ? "" : "s") · \(Format.grouped(profiles)) profiles"
            }, select: (.collections, name))
            if ok { state.collectionForm = nil }
            return
        }

        // A new collection: every step checked again, the first problem shown where it is.
        form.validateName()
        if let e = form.nameError {
            goCollectionStep(.name, &form)
            flash("cannot save: \(e)", .error, seconds: 8)
            return
        }
        form.keyError = form.keyProblem()
        if let e = form.keyError {
            goCollectionStep(.table, &form)
            form.focus = form.table == nil ? .tables : .key
            flash("cannot save: \(e)", .error, seconds: 8)
            return
        }
        if let p = form.linksProblem() {
            form.streamList.selected = p.stream
            form.focus = p.focus
            flash("cannot save: \(p.message)", .error, seconds: 8)
            return
        }
        guard let table = form.tableName, let key = form.keyName else { return }
        let name = form.name.text
        var body = [YAMLEntryPair("table", .string(table)), YAMLEntryPair("key", .string(key))]
        let description = form.description.text.trimmingSparkSpaces()
        if !description.isEmpty { body.append(YAMLEntryPair("description", .string(String(description)))) }
        if !form.links.isEmpty { body.append(YAMLEntryPair("streams", form.streamsYAML)) }
        let attributes = form.chosenAttributes
        if !attributes.isEmpty {
            body.append(YAMLEntryPair("attributes", .list(attributes.map {
                .map([YAMLEntryPair("name", .string($0.name)), YAMLEntryPair("column", .string($0.column))])
            })))
        }
        let ok = applyDefinitionChange(kind: "collection", collection: name, name: name, segments: [], action: { editor in
            try editor.upsertCollection(name: name, body: body, replacing: nil)
            return ("create", nil)
        }, done: { [unowned self] next in
            self.selectCollectionRow(name)
            let c = next.workspace.collections.firstIndex { $0.name == name }
            let profiles = c.map { next.engine.profileCount(collection: $0) } ?? 0
            return "collection \"\(name)\" saved — \(Format.grouped(profiles)) profiles · \(attributes.count) known attribute\(attributes.count == 1 ? "" : "s")"
        }, select: (.collections, name))
        if ok { state.collectionForm = nil }
    }

    /// Puts the Collections list's selection on the named collection.
    private func selectCollectionRow(_ name: String) {
        if let i = collectionRows().firstIndex(where: { live.workspace.collections[$0].name == name }) {
            var list = state.lists[.collections] ?? TableState()
            list.selected = i
            state.lists[.collections] = list
        }
    }

    /// The hint line's entries while the collection form is open.
    func collectionFormHints(_ form: CollectionForm) -> [(keys: String, label: String)] {
        var out: [(String, String)] = [("Tab", "next"), ("S-Tab", "previous")]
        switch form.focus {
        case .tables, .key: out.append(("Space", "choose"))
        case .attributes: out += [("Space", "toggle"), ("a", "all/none")]
        case .streams: out += [("Space", "link"), ("Ctrl-N", "add key")]
        case .handle: out += [("[ ]", "move"), ("Ctrl-N", "add key"), ("Ctrl-X", "remove")]
        case .event, .profile: out += [("→", "complete"), ("Ctrl-N", "add key"), ("Ctrl-X", "remove")]
        default: break
        }
        if form.step == .streams { out.append(("Ctrl-S", "save")) }
        out.append(("Esc", "cancel"))
        return out
    }
}
