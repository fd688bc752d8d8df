/// A tiny bar chart of a series' newest values (rightmost = newest), scaled between the
/// smallest and largest value on show, in block characters or an ASCII fallback.
public enum Sparkline {
    /// Eight levels, lowest first.
    public static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// The ASCII fallback, lowest first (the lowest level is a blank).
    public static let asciiLevels: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#"]

    /// The level (0...levels-1) of each of the last `width` values, nil for a value that is
    /// not finite; fewer values than `width` leave the start empty (not returned).
    static func levels(values: [Double], width: Int, levels: Int) -> [Int?] {
        guard width > 0, levels > 0 else { return [] }
        let tail = values.suffix(width)
        var lo = Double.infinity, hi = -Double.infinity
        for v in tail where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return tail.map { v -> Int? in
            guard v.isFinite else { return nil }
            // A flat series sits at the bottom when it is zero or below, mid-height otherwise.
            guard hi > lo else { return hi > 0 ? (levels - 1) / 2 : 0 }
            // Round to the nearest level (the scaled value is never negative).
            let level = Int((v - lo) / (hi - lo) * Double(levels - 1) + 0.5)
            return min(levels - 1, max(0, level))
        }
    }

    /// The last `width` values as one line of exactly `width` columns, right-aligned.
    public static func string(values: [Double], width: Int, ascii: Bool = false) -> String {
        let chars = ascii ? asciiLevels : blocks
        let lv = levels(values: values, width: width, levels: chars.count)
        var s = String(repeating: " ", count: max(0, width - lv.count))
        for l in lv { s.append(l.map { chars[$0] } ?? " ") }
        return s
    }

    /// Draws the last `area.width` values right-aligned in `area` (cleared first); a taller area
    /// gives taller bars, eight steps per row.
    public static func render(values: [Double], into canvas: inout Canvas, area: Rect, role: Role = .chartSeries, ascii: Bool = false) {
        guard !area.isEmpty else { return }
        canvas.fill(area)
        let chars = ascii ? asciiLevels : blocks
        let steps = chars.count
        let lv = levels(values: values, width: area.width, levels: steps * area.height)
        let x0 = area.maxX - lv.count
        for (i, level) in lv.enumerated() {
            for r in 0..<area.height {
                // r counts rows from the bottom; `filled` is how many eighths of this row are set.
                let filled = level.map { min(steps, max(0, $0 + 1 - steps * r)) } ?? 0
                let ch: Character = filled == 0 ? " " : chars[filled - 1]
                canvas[x0 + i, area.maxY - 1 - r] = Cell(ch, role: role)
            }
        }
    }
}
