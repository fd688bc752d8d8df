/// A one-line text input: its text and a caret counted in characters, readline-style keys,
/// and a renderer that scrolls horizontally to keep the caret in view.
public struct TextField: Sendable, Equatable {
    public var text: String
    /// The caret position in characters (0...text.count).
    public var caret: Int

    /// A field holding `text` with the caret at its end (or at `caret`).
    public init(_ text: String = "", caret: Int? = nil) {
        self.text = text
        self.caret = min(max(0, caret ?? text.count), text.count)
    }

    /// Handles printable characters (insert), Backspace, Delete, ← →, Home/End and Ctrl-A/Ctrl-E
    /// (moves), Ctrl-U (delete to the start) and Ctrl-W (delete the word before the caret).
    /// Returns true when the key belongs to the field.
    public mutating func handle(_ key: Key) -> Bool {
        let count = text.count
        caret = min(max(0, caret), count)
        switch key {
        case .char(let c):
            guard !c.isNewline, !c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return false }
            text.insert(c, at: index(caret))
            caret += 1
        case .backspace:
            if caret > 0 {
                text.remove(at: index(caret - 1))
                caret -= 1
            }
        case .delete:
            if caret < count { text.remove(at: index(caret)) }
        case .left: caret = max(0, caret - 1)
        case .right: caret = min(count, caret + 1)
        case .home, .ctrl("a"): caret = 0
        case .end, .ctrl("e"): caret = count
        case .ctrl("u"):
            text.removeSubrange(text.startIndex..<index(caret))
            caret = 0
        case .ctrl("w"):
            let chars = Array(text)
            var start = caret
            while start > 0, chars[start - 1].isWhitespace { start -= 1 }
            while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
            text.removeSubrange(index(start)..<index(caret))
            caret = start
        default:
            return false
        }
        return true
    }

    private func index(_ offset: Int) -> String.Index { text.index(text.startIndex, offsetBy: offset) }

    /// Draws the text on the first row of `area`; when it does not fit, the view scrolls so the
    /// caret stays visible, with `…` marking text cut off on either side. When focused, the
    /// caret cell is reversed and the canvas cursor placed on it.
    public func render(into canvas: inout Canvas, area: Rect, role: Role = .text, focused: Bool = true) {
        guard !area.isEmpty else { return }
        let w = area.width
        let y = area.y
        canvas.fill(area.row(0), role: role)
        let chars = Array(text)
        let caret = min(max(0, self.caret), chars.count)
        let widths = chars.map { DisplayWidth.of($0) }
        let total = widths.reduce(0, +)

        var start = 0
        if total + 1 > w {
            // The smallest start that leaves the caret at most on the second-to-last column
            // (the last one is for the caret at the end or the cut-off `…`).
            var before = widths[0..<caret].reduce(0, +)
            while start < caret, (start > 0 ? 1 : 0) + before > w - 2 {
                before -= widths[start]
                start += 1
            }
        }
        let lead = start > 0 ? 1 : 0
        if lead > 0 { canvas.put("…", x: area.x, y: y, role: .muted, maxWidth: 1) }
        canvas.put(String(chars[start...]), x: area.x + lead, y: y, role: role, maxWidth: w - lead)
        let caretX = area.x + lead + widths[start..<caret].reduce(0, +)
        if focused, caretX < area.maxX {
            canvas.emphasize(Rect(x: caretX, y: y, width: 1, height: 1), .reverse)
            canvas.cursor = (caretX, y)
        }
    }
}
