/// One row of key hints, `<keys>label <keys>label …`, in priority order: entries that do not
/// fit are dropped whole, never cut.
public enum HintLine {
    /// Draws as many hints as fit on the first row of `area`, keys (with their brackets) in
    /// `.hintKey` and labels in `.hintText`; returns how many were drawn.
    @discardableResult
    public static func render(_ hints: [(keys: String, label: String)], into canvas: inout Canvas, area: Rect) -> Int {
        guard !area.isEmpty else { return 0 }
        canvas.fill(area.row(0))
        var x = area.x
        var drawn = 0
        for hint in hints {
            let keys = "<\(hint.keys)>"
            let keysWidth = DisplayWidth.of(keys)
            let width = keysWidth + DisplayWidth.of(hint.label)
            let gap = drawn > 0 ? 1 : 0
            guard x + gap + width <= area.maxX else { break }
            x += gap
            canvas.put(keys, x: x, y: area.y, role: .hintKey, maxWidth: keysWidth)
            canvas.put(hint.label, x: x + keysWidth, y: area.y, role: .hintText, maxWidth: width - keysWidth)
            x += width
            drawn += 1
        }
        return drawn
    }
}
