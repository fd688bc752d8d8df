/// The label–value rows of a detail view ("table    customer_360"), written top to bottom
/// inside an area; rows past its bottom are dropped.
struct LabeledLines {
    let area: Rect
    let labelWidth: Int
    /// The next row to write.
    var y: Int

    init(area: Rect, labelWidth: Int) {
        self.area = area
        self.labelWidth = labelWidth
        y = area.y
    }

    mutating func line(_ label: String, _ value: String, _ role: Role = .text, into canvas: inout Canvas) {
        guard y < area.maxY else { return }
        canvas.put(label, x: area.x + 1, y: y, role: .formLabel, maxWidth: labelWidth)
        canvas.put(value, x: area.x + 2 + labelWidth, y: y, role: role, maxWidth: area.width - labelWidth - 3)
        y += 1
    }
}
