/// A confirmation dialog for a destructive action: a message, `[ Cancel ]` and a confirm
/// button, with the focus starting on Cancel so a stray Enter does no harm.
public struct Dialog: Sendable, Equatable {
    /// What a key did to the dialog.
    public enum Outcome: Sendable, Equatable { case none, confirm, cancel }
    /// The two buttons.
    public enum Button: Sendable, Equatable { case cancel, confirm }

    public var title: String
    public var message: String
    /// The confirm button's label, e.g. "Delete".
    public var confirmLabel: String
    /// The key that confirms directly, e.g. "y". It must differ from the key that opened the
    /// dialog (`D`), so pressing that key twice never confirms; it is matched exactly (case too).
    public var confirmKey: Character
    public var focus: Button

    public init(title: String, message: String, confirmLabel: String, confirmKey: Character = "y") {
        self.title = title
        self.message = message
        self.confirmLabel = confirmLabel
        self.confirmKey = confirmKey
        focus = .cancel
    }

    /// Tab and Shift-Tab switch the focus, ← → (and h l) move it; Enter activates the focused button; Esc
    /// (and `n` unless it is the confirm key) cancels; the confirm key confirms.
    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .char(let c) where c == confirmKey:
            return .confirm
        case .escape, .char("n"):
            return .cancel
        case .tab, .backTab:
            focus = focus == .cancel ? .confirm : .cancel
        case .left, .char("h"):
            focus = .cancel
        case .right, .char("l"):
            focus = .confirm
        case .enter:
            return focus == .confirm ? .confirm : .cancel
        default:
            break
        }
        return .none
    }

    private var cancelButton: String { "[ Cancel ]" }
    private var confirmButton: String { "[ \(confirmLabel) ]" }

    /// Draws the dialog as a box centred in `area`, clearing what is beneath; the focused
    /// button is in `.selection` and holds the canvas cursor.
    public func render(into canvas: inout Canvas, area: Rect) {
        let hints = [(keys: String(confirmKey), label: confirmLabel.lowercased()), (keys: "esc", label: "cancel")]
        let hintWidth = hints.reduce(-1) { $0 + 1 + DisplayWidth.of("<\($1.keys)>\($1.label)") }
        let buttonsWidth = DisplayWidth.of(cancelButton) + 2 + DisplayWidth.of(confirmButton)
        let maxInner = max(1, min(56, area.width - 6))
        let lines = Self.wrap(message, width: maxInner)
        let inner = min(maxInner, max(buttonsWidth, hintWidth, DisplayWidth.of(title) + 2,
                                      lines.map { DisplayWidth.of($0) }.max() ?? 0))
        let height = min(area.height, lines.count + 6)
        let width = min(area.width, inner + 6)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2,
                       width: width, height: height)
        guard box.width >= 4, box.height >= 3 else { return }
        canvas.fill(box)
        canvas.box(box, title: title, focused: true)
        let x = box.x + 3
        let contentWidth = box.width - 6
        for (i, line) in lines.enumerated() where box.y + 2 + i < box.maxY - 1 {
            canvas.put(line, x: x, y: box.y + 2 + i, maxWidth: contentWidth)
        }
        let buttonsY = box.y + 3 + lines.count
        guard buttonsY < box.maxY - 1 else { return }
        var bx = box.x + (box.width - buttonsWidth) / 2
        for (button, label) in [(Button.cancel, cancelButton), (.confirm, confirmButton)] {
            let focused = button == focus
            let w = canvas.put(label, x: max(x, bx), y: buttonsY, role: focused ? .selection : .text, maxWidth: contentWidth)
            if focused { canvas.cursor = (max(x, bx), buttonsY) }
            bx += w + 2
        }
        if buttonsY + 1 < box.maxY - 1 {
            HintLine.render(hints, into: &canvas, area: Rect(x: box.x + (box.width - hintWidth) / 2, y: buttonsY + 1,
                                                             width: min(hintWidth, contentWidth), height: 1))
        }
    }

    /// Splits text into lines of at most `width` columns at spaces (a longer word is left to
    /// be clipped).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ") {
                let w = DisplayWidth.of(String(word))
                if lineWidth > 0, lineWidth + 1 + w > width {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                }
                if lineWidth > 0 {
                    line += " "
                    lineWidth += 1
                }
                line += word
                lineWidth += w
            }
            lines.append(line)
        }
        return lines
    }
}
