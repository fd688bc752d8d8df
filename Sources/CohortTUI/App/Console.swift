import CohortEngine

/// What the loop must do on the console's behalf: things outside the pure state.
public enum Effect: Sendable, Equatable {
    case quit
    case applyTheme(String)
    case copy(String)
    case togglePause
    case step
    case faster
    case slower
    case setSpeed(Double)
}

/// The console: its state, the live workspace it shows, and the two halves of the loop —
/// `update` (an input event to new state and effects) and `render` (state to a cell grid).
public final class Console {
    public var state: ConsoleState
    public private(set) var live: LiveWorkspace
    /// cohort.yaml, for saving definitions (nil: the console cannot save).
    public var definitions: DefinitionsFile?
    /// A saved definition change being applied.
    var rebuild: DefinitionRebuild?
    var pausedForRebuild = false
    /// The copy shown while the view is frozen (`Z`).
    public private(set) var frozen: DataView?
    /// Wall time of the current frame, microseconds.
    public var wallNow: Int64 = 0

    var queries: [Int: ProfileQuery] = [:]
    /// How long the last Profiles filter/sort took (µs): slow ones re-sort less often.
    var lastSortMicros: Int64 = 0
    var profileRowsCache: (key: ProfileRowsKey, rows: [Int32]?, at: Int64)?
    var attributeStatsCache: (collection: Int, at: Int64, stats: [AttributeStats])?

    public init(live: LiveWorkspace, size: Size, themeName: String = "default", themeNames: [String] = ["default"]) {
        self.live = live
        state = ConsoleState(size: size, themeName: themeName, themeNames: themeNames)
        let data = DataView(live: live)
        for c in live.workspace.collections.indices { query(c).prepare(data) }
    }

    /// Shows `next` from now on (a rebuilt workspace after a definition change).
    func replaceLive(_ next: LiveWorkspace) {
        live = next
        frozen = nil
        queries = [:]
        profileRowsCache = nil
        attributeStatsCache = nil
        let data = DataView(live: live)
        for c in live.workspace.collections.indices { query(c).prepare(data) }
        if state.collection >= live.workspace.collections.count { state.collection = 0 }
        state.detail = nil
        refreshRows()
    }

    /// The data this frame shows.
    public var data: DataView { frozen ?? DataView(live: live) }

    public var workspaceName: String {
        let dir = live.workspace.directory
        let trimmed = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }

    // MARK: Update

    /// Applies one input event; returns what the loop must do.
    public func update(_ event: InputEvent) -> [Effect] {
        switch event {
        case .resize(let size):
            state.size = size
            return []
        case .mouse(let m):
            return mouse(m)
        case .key(let key):
            return self.key(key)
        }
    }

    private func key(_ key: Key) -> [Effect] {
        // Ctrl-C quits from anywhere, prompts and pickers included.
        if key == .ctrl("c") {
            state.quit = true
            return [.quit]
        }
        // Modal layers first: prompt, filter, help, theme picker.
        if state.reloadDialog != nil { return reloadDialogKey(key) }
        if state.deleteDialog != nil { return deleteDialogKey(key) }
        if state.segmentForm != nil { return segmentFormKey(key) }
        if state.attributeForm != nil { return attributeFormKey(key) }
        if state.collectionForm != nil { return collectionFormKey(key) }
        if state.prompt != nil { return promptKey(key) }
        if state.filterField != nil { return filterKey(key) }
        if state.help != nil { return helpKey(key) }
        if state.themePicker != nil { return themeKey(key) }
        var scopes: Set<ActionScope> = [.everywhere, .lists, .replay]
        if state.screen == .streams { scopes.insert(.streams) }
        if state.screen == .segments || state.screen == .attributes || state.screen == .collections { scopes.insert(.definitions) }
        guard let action = Action.forKey(key, scopes: scopes) else { return [] }
        return perform(action)
    }

    func perform(_ action: Action) -> [Effect] {
        switch action {
        case .quit:
            state.quit = true
            return [.quit]
        case .back:
            if state.detail != nil { closeDetail(); return [] }
            state.quit = true
            return [.quit]
        case .cancel:
            if state.detail != nil { closeDetail() } else if !state.filter.isEmpty { state.filters[state.screen] = nil; refreshRows() }
            return []
        case .command:
            state.prompt = CommandPrompt(history: state.prompt?.history ?? promptHistory)
            return []
        case .filter:
            var field = TextField()
            field.text = state.filter
            field.caret = field.text.count
            state.filterField = field
            return []
        case .help:
            state.help = HelpState()
            return []
        case .theme:
            let names = state.themeNames
            var list = TableState()
            list.selected = names.firstIndex(of: state.themeName) ?? 0
            state.themePicker = ThemePickerState(names: names, list: list, original: state.themeName)
            return []
        case .screenCollections: go(.collections)
        case .screenStreams: go(.streams)
        case .screenAttributes: go(.attributes)
        case .screenSegments: go(.segments)
        case .screenProfiles: go(.profiles)
        case .up, .down, .top, .bottom, .pageUp, .pageDown, .sortLeft, .sortRight, .invertSort:
            moveInList(action)
        case .open: open()
        case .follow:
            state.follow.toggle()
            flash(state.follow ? "following the selected row" : "follow off", .info)
        case .freeze:
            if frozen == nil {
                frozen = DataView(freezing: live)
                flash("view frozen — the engine keeps running; Z to thaw", .info)
            } else {
                frozen = nil
                flash("view live again", .info)
            }
            refreshRows()
        case .copy:
            if let text = selectedKey() {
                flash("copied \(text)", .ok)
                return [.copy(text)]
            }
        case .pauseReplay: return [.togglePause]
        case .stepReplay: return [.step]
        case .faster: return [.faster]
        case .slower: return [.slower]
        case .switchFocus:
            if state.screen == .streams, state.detail == nil {
                state.streamTableFocused.toggle()
                flash(state.streamTableFocused ? "stream counts focused: Enter lists a stream's quarantined lines" : "event log focused", .info)
            }
        case .autoscroll:
            state.autoscroll.toggle()
            flash(state.autoscroll ? "autoscroll on" : "autoscroll off", .info)
        case .nextMatch, .previousMatch:
            jumpToMatch(forward: action == .nextMatch)
        case .new: newDefinition()
        case .edit: editDefinition()
        case .delete: deleteDefinition()
        }
        return []
    }

    func go(_ screen: Screen) {
        state.screen = screen
        state.detail = nil
    }

    func closeDetail() {
        state.detail = nil
        state.detailList = TableState()
    }

    public func flash(_ text: String, _ level: FlashMessage.Level, seconds: Int64 = 4) {
        state.flash = FlashMessage(text: text, level: level, until: wallNow + seconds * 1_000_000)
    }

    // MARK: Lists

    /// Rows in the focused list and how many fit on a page (from the last layout).
    var pageSize: Int { max(1, (lastListArea?.height ?? state.size.height - 6) - 1) }

    func moveInList(_ action: Action) {
        let key = action.binding.keys[0]
        if state.detail != nil {
            _ = state.detailList.handle(key, rowCount: max(1, detailRowCount()), pageSize: pageSize)
            return
        }
        if state.screen == .streams, state.streamTableFocused {
            _ = state.streamTable.handle(key, rowCount: live.workspace.streams.count, pageSize: pageSize)
            return
        }
        var list = state.lists[state.screen] ?? TableState()
        let profileColumns = state.screen == .profiles ? self.profileColumns(width: profileTableWidth) : []
        if state.screen == .profiles {
            list.sortColumn = state.profileSort.flatMap { profileColumns.firstIndex(of: $0) }
            list.ascending = state.profileAscending
        }
        let before = (list.sortColumn, list.ascending)
        let columns = columnCount(state.screen)
        if columns == 0, [.sortLeft, .sortRight, .invertSort].contains(action) {
            flash("the event log stays in arrival order", .info)
            return
        }
        _ = list.handle(key, rowCount: rowCount(state.screen), pageSize: pageSize, columnCount: columns)
        if state.screen == .streams, action == .up || action == .pageUp || action == .top { state.autoscroll = false }
        if state.screen == .streams, action == .bottom { state.autoscroll = true }
        state.lists[state.screen] = list
        if before != (list.sortColumn, list.ascending) {
            if state.screen == .profiles {
                state.profileSort = list.sortColumn.map { profileColumns[$0] }
                state.profileAscending = list.ascending
                if let s = state.profileSort { flash("sorted by \(profileColumnTitle(s).lowercased()) \(list.ascending ? "ascending" : "descending")", .info) }
            }
            refreshRows()
        }
    }

    func open() {
        if let detail = state.detail {
            openFromDetail(detail)
            return
        }
        switch state.screen {
        case .collections:
            let rows = collectionRows()
            guard let i = selectedIndex(rows.count) else { return }
            state.collection = rows[i]
            state.detail = .collection(rows[i])
        case .streams:
            if state.streamTableFocused {
                guard live.workspace.streams.indices.contains(state.streamTable.selected) else { return }
                state.detail = .stream(state.streamTable.selected)
            } else {
                let rows = logRows()
                guard let i = selectedIndex(rows.count) else { return }
                state.detail = .event(sequence: rows[i].sequence)
            }
        case .attributes:
            let rows = attributeRows()
            guard let i = selectedIndex(rows.count) else { return }
            state.detail = .attribute(rows[i])
        case .segments:
            let rows = segmentRows()
            guard let i = selectedIndex(rows.count) else { return }
            state.detail = .segment(rows[i])
        case .profiles:
            guard let row = selectedProfileRow() else { return }
            state.detail = .profile(row: row)
        }
        state.detailList = TableState()
    }

    /// Enter inside a sub-view follows the selected item: a segment's recent change or an
    /// event opens that profile.
    private func openFromDetail(_ detail: Detail) {
        var target: (collection: Int, row: Int)?
        switch detail {
        case .segment(let s):
            let recent = Array(data.collections[state.collection].recent[s].reversed())
            if recent.indices.contains(state.detailList.selected),
               let row = collectionModel.row(forKey: recent[state.detailList.selected].key) {
                target = (state.collection, row)
            }
        case .event(let seq):
            target = live.record(sequence: seq)?.profiles.first
        default:
            return
        }
        guard let target else { return }
        state.collection = target.collection
        state.screen = .profiles
        state.detail = .profile(row: target.row)
        state.detailList = TableState()
        refreshRows()
    }

    func selectedIndex(_ count: Int) -> Int? {
        let s = state.lists[state.screen]?.selected ?? 0
        return (0..<count).contains(s) ? s : nil
    }

    func selectedKey() -> String? {
        let ws = live.workspace
        if case .profile(let row) = state.detail { return ws.collections[state.collection].key(ofRow: row) }
        switch state.screen {
        case .profiles:
            return selectedProfileRow().map { ws.collections[state.collection].key(ofRow: $0) }
        case .collections:
            let rows = collectionRows()
            return selectedIndex(rows.count).map { ws.collections[rows[$0]].name }
        case .attributes:
            let rows = attributeRows()
            return selectedIndex(rows.count).map { ws.collections[state.collection].attributes[rows[$0]].name }
        case .segments:
            let rows = segmentRows()
            return selectedIndex(rows.count).map { ws.collections[state.collection].segments[rows[$0]].name }
        case .streams:
            let rows = logRows()
            return selectedIndex(rows.count).map { rows[$0].event.id }
        }
    }

    func rowCount(_ screen: Screen) -> Int {
        switch screen {
        case .collections: return collectionRows().count
        case .streams: return logRows().count
        case .attributes: return attributeRows().count
        case .segments: return segmentRows().count
        case .profiles: return profileRowCount()
        }
    }

    // MARK: Modal layers

    private var promptHistory: [String] = []

    private func promptKey(_ key: Key) -> [Effect] {
        guard var prompt = state.prompt else { return [] }
        let outcome = prompt.handle(key) { [unowned self] text in self.completions(for: text) }
        state.prompt = prompt
        switch outcome {
        case .none:
            return []
        case .cancel:
            promptHistory = prompt.history
            state.prompt = nil
            return []
        case .submit(let text):
            promptHistory = prompt.history
            state.prompt = nil
            return run(command: text)
        }
    }

    private func filterKey(_ key: Key) -> [Effect] {
        guard var field = state.filterField else { return [] }
        switch key {
        case .enter:
            state.filters[state.screen] = field.text.isEmpty ? nil : field.text
            state.filterField = nil
        case .escape:
            state.filters[state.screen] = nil
            state.filterField = nil
        default:
            _ = field.handle(key)
            state.filterField = field
        }
        var list = state.lists[state.screen] ?? TableState()
        list.selected = 0
        list.offset = 0
        state.lists[state.screen] = list
        refreshRows()
        return []
    }

    private func helpKey(_ key: Key) -> [Effect] {
        guard var help = state.help else { return [] }
        switch key {
        case .escape:
            if help.filter.text.isEmpty { state.help = nil; return [] }
            help.filter = TextField()
        case .char("?") where help.filter.text.isEmpty, .char("q") where help.filter.text.isEmpty:
            state.help = nil
            return []
        case .down, .ctrl("n"): help.offset += 1
        case .up, .ctrl("p"): help.offset = max(0, help.offset - 1)
        case .pageDown: help.offset += pageSize
        case .pageUp: help.offset = max(0, help.offset - pageSize)
        case .ctrl("c"):
            state.quit = true
            return [.quit]
        default:
            _ = help.filter.handle(key)
            help.offset = 0
        }
        state.help = help
        return []
    }

    private func themeKey(_ key: Key) -> [Effect] {
        guard var picker = state.themePicker else { return [] }
        switch key {
        case .escape, .char("q"):
            state.themePicker = nil
            state.themeName = picker.original
            return [.applyTheme(picker.original)]
        case .enter:
            state.themePicker = nil
            flash("theme \(state.themeName)", .ok)
            return []
        default:
            _ = picker.list.handle(key, rowCount: picker.names.count, pageSize: 10)
            state.themePicker = picker
            let name = picker.names[min(picker.list.selected, picker.names.count - 1)]
            if name != state.themeName {
                state.themeName = name
                return [.applyTheme(name)]
            }
            return []
        }
    }

    // MARK: Mouse

    private func mouse(_ m: MouseEvent) -> [Effect] {
        guard state.prompt == nil, state.help == nil, state.themePicker == nil, state.segmentForm == nil,
              state.attributeForm == nil, state.collectionForm == nil, state.deleteDialog == nil, state.reloadDialog == nil else { return [] }
        switch m.kind {
        case .wheelUp: moveInList(.up); moveInList(.up); moveInList(.up)
        case .wheelDown: moveInList(.down); moveInList(.down); moveInList(.down)
        case .press:
            guard let area = lastListArea, area.contains(x: m.x, y: m.y) else { return [] }
            let list = state.detail != nil ? state.detailList : (state.lists[state.screen] ?? TableState())
            let row = list.offset + (m.y - area.y - 1)
            guard row >= 0 else { return [] }
            if state.detail != nil {
                if row < detailRowCount() { state.detailList.selected = row }
            } else if row < rowCount(state.screen) {
                if list.selected == row { open(); return [] }
                state.lists[state.screen]?.selected = row
                if state.screen == .streams { state.autoscroll = false }
            }
        }
        return []
    }

    /// Where the focused list was drawn in the last frame (header row first), for clicks.
    var lastListArea: Rect?
}
