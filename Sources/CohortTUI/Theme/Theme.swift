/// A resolved colour theme: for every role, the style used with colour and the emphasis
/// used without it (`NO_COLOR`, monochrome terminals).
public struct Theme: Sendable {
    public let name: String
    /// Styles by `Role.index`.
    public let styles: [Style]
    /// Attribute-only styles by `Role.index`.
    public let monoStyles: [Style]

    public init(name: String, styles: [Style], monoStyles: [Style]) {
        self.name = name
        self.styles = styles
        self.monoStyles = monoStyles
    }

    public func style(_ role: Role) -> Style { styles[role.index] }
    public func monoStyle(_ role: Role) -> Style { monoStyles[role.index] }

    /// The theme compiled into the binary, used when no theme file can be read.
    public static let builtin: Theme = {
        var s = [Style](repeating: .plain, count: Role.allCases.count)
        var m = [Style](repeating: .plain, count: Role.allCases.count)
        func set(_ r: Role, _ fg: ThemeColor, _ bg: ThemeColor = .terminalDefault, _ a: TextAttributes = [], mono: TextAttributes = []) {
            s[r.index] = Style(fg: fg, bg: bg, attributes: a)
            m[r.index] = Style(attributes: mono)
        }
        set(.muted, .indexed(246))
        set(.accent, .indexed(75), .terminalDefault, .bold, mono: .bold)
        set(.border, .indexed(246))
        set(.borderFocus, .indexed(75))
        set(.title, .indexed(75), .terminalDefault, .bold, mono: .bold)
        set(.hintKey, .indexed(75), .terminalDefault, .bold, mono: .bold)
        set(.hintText, .indexed(246))
        set(.tableHeader, .terminalDefault, .terminalDefault, [.bold, .underline], mono: [.bold, .underline])
        set(.selection, .terminalDefault, .indexed(237), .bold, mono: .reverse)
        set(.deltaUp, .indexed(78), .terminalDefault, .bold, mono: .bold)
        set(.deltaDown, .indexed(203), .terminalDefault, .bold, mono: .underline)
        set(.statusOk, .indexed(78))
        set(.statusWarn, .indexed(221))
        set(.statusError, .indexed(203), .terminalDefault, .bold, mono: .bold)
        set(.formLabel, .indexed(246))
        set(.formError, .indexed(203), .terminalDefault, [], mono: [.bold, .underline])
        set(.chartSeries, .indexed(75))
        return Theme(name: "builtin", styles: s, monoStyles: m)
    }()
}

extension Theme {
    /// How a role is drawn on a terminal of `depth`: the mono style without colour; otherwise
    /// the style with its colours reduced to what the terminal has. On 8- and 16-colour
    /// terminals the mono emphasis is added too, because reduced colours can merge (a dark
    /// selection background becomes black) and state must never rest on colour alone.
    public func style(_ role: Role, depth: ColorDepth) -> Style {
        switch depth {
        case .none:
            return monoStyle(role)
        case .eight, .sixteen:
            let s = style(role)
            return Style(fg: reduced(s.fg, to: depth), bg: reduced(s.bg, to: depth),
                         attributes: s.attributes.union(monoStyle(role).attributes))
        case .c256, .direct:
            let s = style(role)
            return Style(fg: reduced(s.fg, to: depth), bg: reduced(s.bg, to: depth), attributes: s.attributes)
        }
    }
}
