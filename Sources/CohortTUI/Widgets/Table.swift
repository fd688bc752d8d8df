/// One column of a `Table`: its header, how wide it is and how its values line up.
public struct TableColumn: Sendable, Equatable {
    /// Which side of the column values hug.
    public enum Alignment: Sendable, Equatable { case left, right }

    public var title: String
    /// The fixed width, or the minimum width of a flexible column.
    public var width: Int
    /// 0 for a fixed column; otherwise this column's share of the width left over.
    public var flex: Int
    public var align: Alignment
    /// Keeps the last two columns of a right-aligned column for a ` ↑`/` ↓` marker (and the
    /// header's sort arrow), so numbers stay aligned whether or not they carry one.
    public var markerSlot: Bool

    public init(title: String, width: Int, flex: Int = 0, align: Alignment = .left, markerSlot: Bool = false) {
        self.title = title
        self.width = max(0, width)
        self.flex = max(0, flex)
        self.align = align
        self.markerSlot = markerSlot
    }
}

/// One cell's content as a table or list asks for it: text, its role and an optional change
/// marker drawn after it.
public struct TableCell: Sendable, Equatable, ExpressibleByStringLiteral {
    public var text: String
    public var role: Role
    /// A short marker after the text, usually `↑` or `↓` for a value that just changed.
    public var marker: String?
    /// The marker's role; `.deltaDown` for a marker starting with `↓`, else `.deltaUp`.
    public var markerRole: Role

    public init(_ text: String, role: Role = .text, marker: String? = nil, markerRole: Role? = nil) {
        self.text = text
        self.role = role
        self.marker = marker
        self.markerRole = markerRole ?? ((marker?.hasPrefix("↓") ?? false) ? .deltaDown : .deltaUp)
    }

    public init(text: String, role: Role = .text, marker: String? = nil, markerRole: Role? = nil) {
        self.init(text, role: role, marker: marker, markerRole: markerRole)
    }

    public init(stringLiteral value: String) { self.init(value) }
}

/// The state of a table or list that lives across frames: selection, scroll and sort.
public struct TableState: Sendable, Equatable {
    /// The selected row (an index into the data source's current order).
    public var selected: Int
    /// The first visible row.
    public var offset: Int
    /// The column the data is sorted by; nil for the source's own order.
    public var sortColumn: Int?
    public var ascending: Bool

    public init(selected: Int = 0, offset: Int = 0, sortColumn: Int? = nil, ascending: Bool = true) {
        self.selected = selected
        self.offset = offset
        self.sortColumn = sortColumn
        self.ascending = ascending
    }

    /// Handles list navigation (`j k ↑ ↓`, `g G Home End`, `PgUp PgDn Ctrl-B Ctrl-F`) and, when
    /// `columnCount` > 0, sorting (`<` `>` move the sort column, wrapping; `I` inverts).
    /// Returns true when the key was one of these (even when nothing could move).
    public mutating func handle(_ key: Key, rowCount: Int, pageSize: Int, columnCount: Int = 0) -> Bool {
        let page = max(1, pageSize)
        switch key {
        case .char("j"), .down: selected += 1
        case .char("k"), .up: selected -= 1
        case .char("g"), .home: selected = 0
        case .char("G"), .end: selected = rowCount - 1
        case .pageDown, .ctrl("f"):
            selected += page
            offset += page
        case .pageUp, .ctrl("b"):
            selected -= page
            offset -= page
        case .char(">") where columnCount > 0:
            sortColumn = sortColumn.map { ($0 + 1) % columnCount } ?? 0
            ascending = true
        case .char("<") where columnCount > 0:
            sortColumn = sortColumn.map { ($0 + columnCount - 1) % columnCount } ?? columnCount - 1
            ascending = true
        case .char("I") where columnCount > 0:
            if sortColumn == nil { sortColumn = 0 }
            ascending.toggle()
        default:
            return false
        }
        clamp(rowCount: rowCount, pageSize: page)
        return true
    }

    /// Keeps the selection inside the rows and the visible page, and the page as full as
    /// the rows allow (call after the row count changes, e.g. a filter).
    public mutating func clamp(rowCount: Int, pageSize: Int) {
        let page = max(1, pageSize)
        guard rowCount > 0 else {
            selected = 0
            offset = 0
            return
        }
        selected = min(max(0, selected), rowCount - 1)
        offset = min(max(0, offset), max(0, rowCount - page))
        if selected < offset {
            offset = selected
        } else if selected >= offset + page {
            offset = selected - page + 1
        }
    }

    /// Scrolls the page by `delta` rows (mouse wheel), dragging the selection along only as
    /// far as needed to keep it visible.
    public mutating func scroll(by delta: Int, rowCount: Int, pageSize: Int) {
        let page = max(1, pageSize)
        guard rowCount > 0 else { return clamp(rowCount: rowCount, pageSize: page) }
        offset = min(max(0, offset + delta), max(0, rowCount - page))
        selected = min(max(selected, offset), min(offset + page, rowCount) - 1)
    }

    /// The row shown at screen row `y` of a table drawn in `area` (below `headerRows` header
    /// rows), or nil for the header, empty space below the last row or outside the area.
    public func row(atScreenY y: Int, area: Rect, rowCount: Int = .max, headerRows: Int = 1) -> Int? {
        let first = area.y + headerRows
        guard y >= first, y < area.maxY else { return nil }
        let row = offset + (y - first)
        return row < rowCount ? row : nil
    }
}

/// A table drawn from a data source one visible row at a time (virtual paging): a header
/// with the sort arrow, a `>` marker column for the selection, and right-aligned numbers.
/// It never asks for rows that are not on screen, so a million rows cost what a page costs.
public enum Table {
    /// The number of data rows an area shows (its height minus the header row).
    public static func pageSize(area: Rect) -> Int { max(1, area.height - 1) }

    /// Column widths for a table `width` columns wide, which includes the 1-column selection
    /// marker and a 1-column gap between columns. Fixed columns get their width, flexible
    /// ones share what is left by `flex`; when too narrow, columns from the right are cut to
    /// what remains and then dropped (width 0).
    public static func layout(columns: [TableColumn], width: Int) -> [Int] {
        let available = width - 1
        var widths = [Int](repeating: 0, count: columns.count)
        var used = 0
        for (i, column) in columns.enumerated() {
            let gap = used > 0 ? 1 : 0
            if used + gap + column.width <= available {
                widths[i] = column.width
                used += gap + column.width
            } else {
                let remaining = available - used - gap
                if remaining >= min(3, column.width), remaining > 0 {
                    widths[i] = remaining
                    used += gap + remaining
                }
                return widths
            }
        }
        let leftover = available - used
        let totalFlex = columns.reduce(0) { $0 + $1.flex }
        guard leftover > 0, totalFlex > 0 else { return widths }
        var given = 0
        for (i, column) in columns.enumerated() where column.flex > 0 {
            let share = leftover * column.flex / totalFlex
            widths[i] += share
            given += share
        }
        var extra = leftover - given
        for (i, column) in columns.enumerated() where column.flex > 0 && extra > 0 {
            widths[i] += 1
            extra -= 1
        }
        return widths
    }

    /// Draws the header and the visible rows of `state` (clamped to `rowCount` for drawing).
    /// `cell` is called only for visible rows. When focused, the selected row takes the
    /// `.selection` role and the canvas cursor moves to it; unfocused, only its `>` shows.
    public static func render(
        columns: [TableColumn],
        rowCount: Int,
        state: TableState,
        cell: (_ row: Int, _ column: Int) -> TableCell,
        focused: Bool = true,
        emptyText: String = "no rows",
        into canvas: inout Canvas,
        area: Rect
    ) {
        guard !area.isEmpty else { return }
        canvas.fill(area)
        let widths = layout(columns: columns, width: area.width)
        var xs = [Int](repeating: 0, count: columns.count)
        var x = area.x + 1
        for i in columns.indices where widths[i] > 0 {
            xs[i] = x
            x += widths[i] + 1
        }

        // Header.
        canvas.fill(area.row(0), role: .tableHeader)
        for (i, column) in columns.enumerated() where widths[i] > 0 {
            let arrow: String? = state.sortColumn == i ? (state.ascending ? "▲" : "▼") : nil
            drawHeader(column, arrow: arrow, x: xs[i], y: area.y, width: widths[i], into: &canvas)
        }

        let page = pageSize(area: area)
        guard area.height > 1 else { return }
        guard rowCount > 0 else {
            canvas.put(emptyText, x: area.x + 1, y: area.y + 1, role: .muted, maxWidth: area.width - 1)
            if focused { canvas.cursor = (area.x, area.y + 1) }
            return
        }
        var s = state
        s.clamp(rowCount: rowCount, pageSize: page)
        let last = min(rowCount, s.offset + page)
        for row in s.offset..<last {
            let y = area.y + 1 + (row - s.offset)
            let isSelected = row == s.selected
            let highlight = isSelected && focused
            if highlight { canvas.fill(Rect(x: area.x, y: y, width: area.width, height: 1), role: .selection) }
            if isSelected {
                canvas[area.x, y] = Cell(">", role: highlight ? .selection : .text)
                if focused { canvas.cursor = (area.x, y) }
            }
            for (i, column) in columns.enumerated() where widths[i] > 0 {
                var c = cell(row, i)
                if highlight {
                    c.role = .selection
                    c.markerRole = .selection
                }
                drawCell(c, column: column, x: xs[i], y: y, width: widths[i], into: &canvas)
            }
        }
    }

    private static func drawHeader(_ column: TableColumn, arrow: String?, x: Int, y: Int, width w: Int, into canvas: inout Canvas) {
        let reserve = (arrow != nil || (column.align == .right && column.markerSlot)) && w > 2 ? 2 : 0
        let titleWidth = w - reserve
        switch column.align {
        case .left:
            let written = canvas.put(column.title, x: x, y: y, role: .tableHeader, maxWidth: titleWidth)
            if let arrow, reserve > 0 {
                canvas.put(arrow, x: x + written + 1, y: y, role: .tableHeader, maxWidth: 1)
            }
        case .right:
            canvas.putRight(column.title, right: x + titleWidth, y: y, role: .tableHeader, maxWidth: titleWidth)
            if let arrow, reserve > 0 {
                canvas.put(arrow, x: x + w - 1, y: y, role: .tableHeader, maxWidth: 1)
            }
        }
    }

    private static func drawCell(_ c: TableCell, column: TableColumn, x: Int, y: Int, width w: Int, into canvas: inout Canvas) {
        let marker = c.marker.flatMap { $0.isEmpty ? nil : $0 }
        let markerWidth = marker.map { DisplayWidth.of($0) } ?? 0
        switch column.align {
        case .left:
            let textWidth = marker != nil && w > markerWidth + 1 ? w - markerWidth - 1 : w
            let written = canvas.put(c.text, x: x, y: y, role: c.role, maxWidth: textWidth)
            if let marker, textWidth < w {
                canvas.put(marker, x: x + written + 1, y: y, role: c.markerRole, maxWidth: markerWidth)
            }
        case .right:
            let slot = column.markerSlot && w > 2 ? 2 : (marker != nil && w > markerWidth + 1 ? markerWidth + 1 : 0)
            canvas.putRight(c.text, right: x + w - slot, y: y, role: c.role, maxWidth: w - slot)
            if let marker, slot > 0 {
                canvas.put(marker, x: x + w - slot + 1, y: y, role: c.markerRole, maxWidth: slot - 1)
            }
        }
    }
}
