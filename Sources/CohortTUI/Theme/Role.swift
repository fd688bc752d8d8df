/// What a cell means, not how it looks: a theme maps each role to colours and attributes.
public enum Role: String, CaseIterable, Sendable {
    case text
    case muted
    case accent
    case border
    case borderFocus = "border.focus"
    case title
    case hintKey = "hint.key"
    case hintText = "hint.text"
    case tableHeader = "table.header"
    case selection
    case deltaUp = "delta.up"
    case deltaDown = "delta.down"
    case statusOk = "status.ok"
    case statusWarn = "status.warn"
    case statusError = "status.error"
    case formLabel = "form.label"
    case formError = "form.error"
    case chartSeries = "chart.series"

    /// Dense index for tables keyed by role.
    public var index: Int { Role.allCases.firstIndex(of: self)! }
}

/// Text attributes a style may add.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let underline = TextAttributes(rawValue: 2)
    public static let reverse = TextAttributes(rawValue: 4)
    public static let dim = TextAttributes(rawValue: 8)
    public static let italic = TextAttributes(rawValue: 16)
}

/// A colour as a theme names it: the terminal's own, one of 256 indexed colours, or 24-bit.
public enum ThemeColor: Sendable, Hashable {
    case terminalDefault
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)
}

/// How a role looks: foreground, background and attributes.
public struct Style: Sendable, Hashable {
    public var fg: ThemeColor
    public var bg: ThemeColor
    public var attributes: TextAttributes

    public init(fg: ThemeColor = .terminalDefault, bg: ThemeColor = .terminalDefault, attributes: TextAttributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    public static let plain = Style()
}
