/// One cell of the grid: a grapheme cluster (or the right half of a wide one) and its role.
public struct Cell: Sendable, Equatable {
    /// The character shown; `nil` for the second column of a wide character.
    public var char: Character?
    public var role: Role
    /// Extra emphasis on top of the role's style (the selected row's reverse, a match's underline).
    public var extra: TextAttributes

    public init(_ char: Character? = " ", role: Role = .text, extra: TextAttributes = []) {
        self.char = char
        self.role = role
        self.extra = extra
    }

    public static let blank = Cell()
}

/// The cell grid every screen and widget renders into; the terminal presents it, tests
/// read it as text. Writing outside the grid or past a clip width is silently cut.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the (hidden) cursor should sit: the selected row, or the caret of a text field.
    public var cursor: (x: Int, y: Int)?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Fills a rectangle with blanks of a role.
    public mutating func fill(_ r: Rect, role: Role = .text, char: Character = " ") {
        let x0 = max(0, r.x), x1 = min(width, r.maxX), y0 = max(0, r.y), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        let cell = Cell(char, role: role)
        for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x] = cell } }
    }

    /// Adds attributes to every cell of a rectangle (selection highlight).
    public mutating func emphasize(_ r: Rect, _ attrs: TextAttributes, role: Role? = nil) {
        let x0 = max(0, r.x), x1 = min(width, r.maxX), y0 = max(0, r.y), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                cells[y * width + x].extra.formUnion(attrs)
                if let role { cells[y * width + x].role = role }
            }
        }
    }

    /// Writes text at (x, y) clipped to `maxWidth` columns (and the grid); when the text is
    /// longer it ends with `…`. Returns the columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .text, maxWidth: Int? = nil, extra: TextAttributes = []) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(maxWidth ?? (width - x), width - x)
        guard limit > 0 else { return 0 }
        // Fast path: ASCII that fits.
        let utf8 = text.utf8
        if utf8.count <= limit, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            var cx = x
            for b in utf8 {
                if cx >= 0 { cells[y * width + cx] = Cell(Character(Unicode.Scalar(b)), role: role, extra: extra) }
                cx += 1
            }
            return utf8.count
        }
        let total = DisplayWidth.of(text)
        let budget = total > limit ? limit - 1 : limit
        var cx = x
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // A lone combining mark or control: attach to nothing, skip.
                continue
            }
            if cx - x + w > budget { break }
            if cx >= 0 {
                cells[y * width + cx] = Cell(ch, role: role, extra: extra)
                if w == 2, cx + 1 < width { cells[y * width + cx + 1] = Cell(nil, role: role, extra: extra) }
            }
            cx += w
        }
        if total > limit {
            if cx >= 0, cx < width { cells[y * width + cx] = Cell("…", role: role, extra: extra) }
            cx += 1
        }
        return cx - x
    }

    /// Writes text right-aligned so it ends at column `right` (exclusive).
    @discardableResult
    public mutating func putRight(_ text: String, right: Int, y: Int, role: Role = .text, maxWidth: Int, extra: TextAttributes = []) -> Int {
        let w = min(DisplayWidth.of(text), maxWidth)
        return put(text, x: right - w, y: y, role: role, maxWidth: maxWidth, extra: extra)
    }

    /// Draws a single-line box with an optional title in its top border.
    public mutating func box(_ r: Rect, title: String? = nil, focused: Bool = false, titleRole: Role = .title) {
        guard r.width >= 2, r.height >= 2 else { return }
        let role: Role = focused ? .borderFocus : .border
        for x in (r.x + 1)..<(r.maxX - 1) {
            self[x, r.y] = Cell("─", role: role)
            self[x, r.maxY - 1] = Cell("─", role: role)
        }
        for y in (r.y + 1)..<(r.maxY - 1) {
            self[r.x, y] = Cell("│", role: role)
            self[r.maxX - 1, y] = Cell("│", role: role)
        }
        self[r.x, r.y] = Cell("┌", role: role)
        self[r.maxX - 1, r.y] = Cell("┐", role: role)
        self[r.x, r.maxY - 1] = Cell("└", role: role)
        self[r.maxX - 1, r.maxY - 1] = Cell("┘", role: role)
        if let title, r.width > 4 {
            put(" \(title) ", x: r.x + 1, y: r.y, role: titleRole, maxWidth: r.width - 2)
        }
    }

    /// The grid as text, one line per row, trailing blanks trimmed: what snapshot tests compare.
    public var text: String {
        var lines: [String] = []
        lines.reserveCapacity(height)
        for y in 0..<height {
            var line = ""
            for x in 0..<width {
                if let c = cells[y * width + x].char { line.append(c) }
            }
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// One row as text (untrimmed).
    public func line(_ y: Int) -> String {
        var line = ""
        for x in 0..<width { if let c = cells[y * width + x].char { line.append(c) } }
        return line
    }
}
