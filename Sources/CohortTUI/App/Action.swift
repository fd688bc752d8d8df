/// Everything a key can do in the console. One table (`Action.table`) maps keys to actions
/// and produces both the hint line and the help screen, so they never disagree.
public enum Action: String, CaseIterable, Sendable {
    case command, help, filter, cancel, back, quit, theme
    case screenCollections, screenStreams, screenAttributes, screenSegments, screenProfiles
    case up, down, top, bottom, pageUp, pageDown, sortLeft, sortRight, invertSort
    case open, follow, freeze, copy
    case pauseReplay, stepReplay, faster, slower
    case autoscroll, nextMatch, previousMatch, switchFocus
    case new, edit, delete
}

/// Where an action applies.
public enum ActionScope: String, Sendable {
    case everywhere, lists, streams, replay
    /// Screens whose items are definitions (Segments).
    case definitions
}

/// One row of the action table: keys, what it does, where, and whether the hint line shows it.
public struct ActionBinding: Sendable {
    public let action: Action
    public let keys: [Key]
    /// Keys as help shows them.
    public let label: String
    public let description: String
    public let scope: ActionScope
    /// Short word for the hint line; nil keeps it off the hint line.
    public let hint: String?
}

extension Action {
    public static let table: [ActionBinding] = {
        func b(_ a: Action, _ keys: [Key], _ label: String, _ description: String, _ scope: ActionScope, hint: String? = nil) -> ActionBinding {
            ActionBinding(action: a, keys: keys, label: label, description: description, scope: scope, hint: hint)
        }
        return [
            b(.command, [.char(":")], ":", "command line (:profiles, :segments, :theme NAME, :speed N, :q)", .everywhere, hint: "cmd"),
            b(.filter, [.char("/")], "/", "filter the list as you type; Enter keeps it, Esc clears it", .everywhere, hint: "filter"),
            b(.help, [.char("?")], "?", "this help; type to filter it", .everywhere, hint: "help"),
            b(.screenCollections, [.char("1")], "1", "Collections screen", .everywhere),
            b(.screenStreams, [.char("2")], "2", "Streams screen: the live event log", .everywhere),
            b(.screenAttributes, [.char("3")], "3", "Attributes screen", .everywhere),
            b(.screenSegments, [.char("4")], "4", "Segments screen", .everywhere),
            b(.screenProfiles, [.char("5")], "5", "Profiles screen", .everywhere),
            b(.cancel, [.escape], "Esc", "cancel, then clear the filter, then back", .everywhere),
            b(.back, [.char("q")], "q", "back; quits on a top-level screen", .everywhere),
            b(.quit, [.char("Q"), .ctrl("c")], "Q Ctrl-C", "quit", .everywhere),
            b(.theme, [.char("T")], "T", "theme picker with live preview", .everywhere),
            b(.up, [.char("k"), .up], "k ↑", "previous row", .lists),
            b(.down, [.char("j"), .down], "j ↓", "next row", .lists),
            b(.top, [.char("g"), .home], "g Home", "first row", .lists),
            b(.bottom, [.char("G"), .end], "G End", "last row", .lists),
            b(.pageUp, [.pageUp, .ctrl("b")], "PgUp Ctrl-B", "page up", .lists),
            b(.pageDown, [.pageDown, .ctrl("f")], "PgDn Ctrl-F", "page down", .lists),
            b(.sortLeft, [.char("<")], "<", "sort by the column to the left", .lists),
            b(.sortRight, [.char(">")], ">", "sort by the column to the right", .lists),
            b(.invertSort, [.char("I")], "I", "invert the sort order", .lists),
            b(.open, [.enter], "Enter", "open the selected row", .lists, hint: "open"),
            b(.follow, [.char("F")], "F", "follow the selected row while values change", .lists, hint: "follow"),
            b(.freeze, [.char("Z")], "Z", "freeze the view (the engine keeps running)", .lists, hint: "freeze"),
            b(.copy, [.char("c")], "c", "copy the selected row's key", .lists),
            b(.pauseReplay, [.char("p")], "p", "pause or resume the replay", .replay, hint: "replay"),
            b(.stepReplay, [.char(".")], ".", "apply one event (pauses first)", .replay, hint: "step"),
            b(.faster, [.char("+"), .char("=")], "+", "replay faster", .replay),
            b(.slower, [.char("-")], "-", "replay slower", .replay),
            b(.autoscroll, [.char("s")], "s", "autoscroll the event log on or off", .streams, hint: "autoscroll"),
            b(.switchFocus, [.tab], "Tab", "switch between the stream counts (Enter: quarantined lines) and the event log", .streams, hint: "counts/log"),
            b(.new, [.char("n")], "n", "new segment, attribute or collection: a form with a live preview", .definitions, hint: "new"),
            b(.edit, [.char("e")], "e", "edit the selected segment, attribute or collection (its streams and matches)", .definitions, hint: "edit"),
            b(.delete, [.char("D")], "D", "delete the selected segment or attribute (asks first, lists what depends on it; y confirms)", .definitions, hint: "delete"),
            b(.nextMatch, [.char("n")], "n", "next event matching the filter", .streams),
            b(.previousMatch, [.char("N")], "N", "previous event matching the filter", .streams),
        ]
    }()

    /// The action bound to a key in a scope set, first match wins.
    public static func forKey(_ key: Key, scopes: Set<ActionScope>) -> Action? {
        table.first { scopes.contains($0.scope) && $0.keys.contains(key) }?.action
    }

    public var binding: ActionBinding { Action.table.first { $0.action == self }! }
}
