/// How a status message reads: a result, a note, a warning or an error.
public enum StatusLevel: Sendable, Equatable {
    case ok, info, warn, error

    /// `✓ · ! ✗`, or `ok - ! x` in ASCII: the level is never shown by colour alone.
    public func symbol(ascii: Bool = false) -> String {
        switch self {
        case .ok: return ascii ? "ok" : "✓"
        case .info: return ascii ? "-" : "·"
        case .warn: return "!"
        case .error: return ascii ? "x" : "✗"
        }
    }

    /// The role the symbol is drawn in.
    public var role: Role {
        switch self {
        case .ok: return .statusOk
        case .info: return .muted
        case .warn: return .statusWarn
        case .error: return .statusError
        }
    }
}

/// The status (flash) line: one row with a message led by its level's symbol, e.g.
/// `✓ segment "vip" saved`.
public struct StatusLine: Sendable, Equatable {
    public var message: String
    public var level: StatusLevel

    public init(_ message: String, level: StatusLevel = .ok) {
        self.message = message
        self.level = level
    }

    /// Draws this message.
    public func render(into canvas: inout Canvas, area: Rect, ascii: Bool = false) {
        Self.render(message, level: level, ascii: ascii, into: &canvas, area: area)
    }

    /// Draws the symbol in the level's role and the message after it (in `.statusError` for
    /// an error, `.text` otherwise) on the first row of `area`.
    public static func render(_ message: String, level: StatusLevel, ascii: Bool = false, into canvas: inout Canvas, area: Rect) {
        guard !area.isEmpty else { return }
        canvas.fill(area.row(0))
        let w = canvas.put(level.symbol(ascii: ascii), x: area.x, y: area.y, role: level.role, maxWidth: area.width)
        canvas.put(message, x: area.x + w + 1, y: area.y, role: level == .error ? .statusError : .text,
                   maxWidth: area.width - w - 1)
    }
}
