/// A one-column list with a selection (pickers, recent events), drawn one visible row at a
/// time; its state is a `TableState` (leave `columnCount` at 0 so `<` `>` `I` pass through).
public enum ListView {
    /// The number of rows an area shows.
    public static func pageSize(area: Rect) -> Int { max(1, area.height) }

    /// Draws the visible rows of `state` (clamped to `rowCount` for drawing), a `>` marker
    /// column for the selection, and `emptyText` in `.muted` when there are no rows. `item` is
    /// called only for visible rows. When focused the selected row takes `.selection` and
    /// the canvas cursor moves to it.
    public static func render(
        rowCount: Int,
        state: TableState,
        item: (_ row: Int) -> TableCell,
        focused: Bool = true,
        emptyText: String = "no items",
        into canvas: inout Canvas,
        area: Rect
    ) {
        guard !area.isEmpty else { return }
        canvas.fill(area)
        guard rowCount > 0 else {
            canvas.put(emptyText, x: area.x + 1, y: area.y, role: .muted, maxWidth: area.width - 1)
            if focused { canvas.cursor = (area.x, area.y) }
            return
        }
        let page = pageSize(area: area)
        var s = state
        s.clamp(rowCount: rowCount, pageSize: page)
        let inner = area.width - 1
        for row in s.offset..<min(rowCount, s.offset + page) {
            let y = area.y + row - s.offset
            var c = item(row)
            if row == s.selected {
                if focused {
                    canvas.fill(area.row(row - s.offset), role: .selection)
                    c.role = .selection
                    c.markerRole = .selection
                    canvas.cursor = (area.x, y)
                }
                canvas[area.x, y] = Cell(">", role: focused ? .selection : .text)
            }
            let markerWidth = c.marker.map { DisplayWidth.of($0) + 1 } ?? 0
            let textWidth = inner > markerWidth ? inner - markerWidth : inner
            let written = canvas.put(c.text, x: area.x + 1, y: y, role: c.role, maxWidth: textWidth)
            if let marker = c.marker, textWidth < inner {
                canvas.put(marker, x: area.x + 1 + written + 1, y: y, role: c.markerRole, maxWidth: markerWidth - 1)
            }
        }
    }

    /// Draws a list of plain strings.
    public static func render(
        items: [String],
        state: TableState,
        focused: Bool = true,
        emptyText: String = "no items",
        into canvas: inout Canvas,
        area: Rect
    ) {
        render(rowCount: items.count, state: state, item: { TableCell(items[$0]) }, focused: focused,
               emptyText: emptyText, into: &canvas, area: area)
    }

    /// The item shown at screen row `y` of a list drawn in `area`, or nil.
    public static func row(atScreenY y: Int, area: Rect, state: TableState, rowCount: Int) -> Int? {
        state.row(atScreenY: y, area: area, rowCount: rowCount, headerRows: 0)
    }
}
