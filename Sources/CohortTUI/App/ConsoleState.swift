/// The five top-level screens.
public enum Screen: Int, CaseIterable, Sendable {
    case collections = 1, streams, attributes, segments, profiles

    public var title: String {
        switch self {
        case .collections: return "Collections"
        case .streams: return "Streams"
        case .attributes: return "Attributes"
        case .segments: return "Segments"
        case .profiles: return "Profiles"
        }
    }

    /// The name `:` commands use.
    public var command: String { title.lowercased() }
}

/// A sub-view opened with Enter on a row; `q` and Esc return to the list.
public enum Detail: Sendable, Equatable {
    case collection(Int)
    case stream(Int)
    case event(sequence: Int)
    case attribute(Int)
    case segment(Int)
    case profile(row: Int)
    /// The definition history (`:history`).
    case history
}

/// A message on the last row: the result of an action or an error.
public struct FlashMessage: Sendable, Equatable {
    public enum Level: Sendable { case ok, warn, error, info }
    public var text: String
    public var level: Level
    /// Wall time (µs) after which it fades.
    public var until: Int64
}

/// The help overlay's state.
public struct HelpState: Sendable {
    public var filter = TextField()
    public var offset = 0
}

/// The theme picker: names, the highlighted one (previewed live) and the one to restore on Esc.
public struct ThemePickerState: Sendable {
    public var names: [String]
    public var list: TableState
    public var original: String
}

/// Everything the console remembers between frames that is not domain data: where the user
/// is, what they selected, typed and filtered. `Console.update` changes it; screens read it.
public struct ConsoleState: Sendable {
    public var size: Size
    public var screen: Screen = .profiles
    public var detail: Detail?
    public var collection = 0
    /// Selection and scroll of each screen's main list.
    public var lists: [Screen: TableState] = [:]
    /// The event log's selection (Streams) and the stream counts table's.
    public var streamTableFocused = false
    public var streamTable = TableState()
    /// Selection within an open sub-view's list (recent events, members).
    public var detailList = TableState()
    /// Applied filter text per screen.
    public var filters: [Screen: String] = [:]
    /// The filter being typed, live.
    public var filterField: TextField?
    public var prompt: CommandPrompt?
    public var help: HelpState?
    public var themePicker: ThemePickerState?
    /// The segment form, when open.
    public var segmentForm: SegmentForm?
    /// The attribute form, when open.
    public var attributeForm: AttributeForm?
    /// The collection form (three steps) or a collection's stream configuration, when open.
    public var collectionForm: CollectionForm?
    /// A delete waiting for confirmation.
    public var deleteDialog: DeleteRequest?
    /// Offered when cohort.yaml changed on disk under a save.
    public var reloadDialog: Dialog?
    public var flash: FlashMessage?
    /// The Profiles sort: most recently changed first, so a newcomer sees profiles move.
    public var profileSort: ProfileColumn? = .updated
    public var profileAscending = false
    public var follow = false
    public var autoscroll = true
    public var themeName: String
    public var themeNames: [String]
    public var quit = false

    public init(size: Size, themeName: String, themeNames: [String]) {
        self.size = size
        self.themeName = themeName
        self.themeNames = themeNames
        for s in Screen.allCases { lists[s] = TableState() }
    }

    public var filter: String { filters[screen] ?? "" }
    /// The filter shown in titles: the one being typed, else the applied one.
    public var visibleFilter: String { filterField?.text ?? filter }
}
