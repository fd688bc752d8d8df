/// The `:` command prompt: a text field with Tab completion, a history walked with ↑ ↓, and
/// the outcome of each key (nothing yet, a line submitted, or cancelled).
public struct CommandPrompt: Sendable, Equatable {
    /// What a key did to the prompt.
    public enum Outcome: Sendable, Equatable {
        case none
        /// Enter on a non-blank line: the line, trimmed.
        case submit(String)
        /// Esc, or Enter on a blank line.
        case cancel
    }

    public var field: TextField
    /// Submitted lines, oldest first.
    public var history: [String]
    /// The history entry shown, or nil while editing the draft.
    public var historyIndex: Int?
    /// The line being typed before ↑ recalled history; ↓ past the newest entry restores it.
    public var draft: String
    /// The candidates of the last Tab, shown while there are several.
    public var candidates: [String]
    /// The candidate Tab last put in the field, once Tab cycles.
    public var candidateIndex: Int?
    /// The most lines kept in `history`.
    public var historyLimit: Int

    public init(history: [String] = [], historyLimit: Int = 200) {
        field = TextField()
        self.history = history
        historyIndex = nil
        draft = ""
        candidates = []
        candidateIndex = nil
        self.historyLimit = historyLimit
    }

    public var text: String { field.text }

    /// Handles one key. Tab asks `completions` for the full lines that could complete the
    /// current text: one is taken as is; several first complete their common prefix (and are
    /// listed), then each further Tab (Shift-Tab backwards) cycles through them. ↑ ↓ walk the
    /// history, keeping the draft; editing a recalled line makes it the draft. Enter submits
    /// (appending to the history unless it repeats the last entry); Esc cancels.
    public mutating func handle(_ key: Key, completions: (String) -> [String]) -> Outcome {
        switch key {
        case .tab, .backTab:
            complete(forward: key == .tab, completions: completions)
        case .up:
            guard !history.isEmpty else { break }
            if let i = historyIndex {
                historyIndex = max(0, i - 1)
            } else {
                draft = field.text
                historyIndex = history.count - 1
            }
            field = TextField(history[historyIndex!])
            clearCandidates()
        case .down:
            guard let i = historyIndex else { break }
            if i + 1 < history.count {
                historyIndex = i + 1
                field = TextField(history[i + 1])
            } else {
                historyIndex = nil
                field = TextField(draft)
            }
            clearCandidates()
        case .enter:
            let line = Self.trimmed(field.text)
            reset()
            guard !line.isEmpty else { return .cancel }
            if history.last != line { history.append(line) }
            if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
            return .submit(line)
        case .escape:
            reset()
            return .cancel
        default:
            let before = field.text
            if field.handle(key), field.text != before {
                historyIndex = nil
                clearCandidates()
            }
        }
        return .none
    }

    private mutating func complete(forward: Bool, completions: (String) -> [String]) {
        // Candidates survive only until the next edit, so having them means Tab again: cycle.
        guard candidates.isEmpty else { return cycle(forward: forward) }
        let found = completions(field.text)
        guard !found.isEmpty else { return }
        if found.count == 1 {
            field = TextField(found[0])
            return
        }
        candidates = found
        candidateIndex = nil
        let prefix = Self.commonPrefix(found)
        if prefix.count > field.text.count, prefix.hasPrefix(field.text) {
            field = TextField(prefix)
        } else {
            cycle(forward: forward)
        }
    }

    private mutating func cycle(forward: Bool) {
        let n = candidates.count
        let next = candidateIndex.map { forward ? ($0 + 1) % n : ($0 + n - 1) % n } ?? (forward ? 0 : n - 1)
        candidateIndex = next
        field = TextField(candidates[next])
    }

    private mutating func clearCandidates() {
        candidates = []
        candidateIndex = nil
    }

    /// Empties the line and forgets the draft, the history position and the candidates.
    public mutating func reset() {
        field = TextField()
        historyIndex = nil
        draft = ""
        clearCandidates()
    }

    private static func trimmed(_ s: String) -> String {
        let head = s.drop(while: \.isWhitespace)
        return String(head.reversed().drop(while: \.isWhitespace).reversed())
    }

    /// The longest prefix, in characters, all strings share.
    static func commonPrefix(_ strings: [String]) -> String {
        guard var prefix = strings.first.map(Array.init) else { return "" }
        for s in strings.dropFirst() {
            var n = 0
            for c in s {
                guard n < prefix.count, prefix[n] == c else { break }
                n += 1
            }
            prefix.removeSubrange(n...)
        }
        return String(prefix)
    }

    /// Draws `:` and the text on the first row of `area`; while Tab has several candidates
    /// they follow the text in `.muted` (the one in the field in `.accent`), shortened to what
    /// follows their shared words.
    public func render(into canvas: inout Canvas, area: Rect) {
        guard !area.isEmpty else { return }
        canvas.fill(area.row(0))
        canvas.put(":", x: area.x, y: area.y, role: .accent, maxWidth: 1)
        let fieldArea = Rect(x: area.x + 1, y: area.y, width: area.width - 1, height: 1)
        field.render(into: &canvas, area: fieldArea)
        guard candidates.count > 1 else { return }
        var x = fieldArea.x + DisplayWidth.of(field.text) + 3
        let right = area.maxX
        // Drop the words every candidate shares ("theme dark", "theme default" → "dark", "default").
        let shared = Self.commonPrefix(candidates)
        let cut = shared.lastIndex(of: " ").map { shared.distance(from: shared.startIndex, to: $0) + 1 } ?? 0
        for (i, candidate) in candidates.enumerated() {
            guard x < right else { break }
            let label = String(candidate.dropFirst(cut))
            x += canvas.put(label, x: x, y: area.y, role: i == candidateIndex ? .accent : .muted, maxWidth: right - x) + 2
        }
    }
}
