/// The help screen: a centred box listing key bindings by section, filtered as you type and
/// scrollable; its state is the filter text and the scroll offset.
public struct HelpOverlay: Sendable, Equatable {
    /// One binding: the keys and what they do.
    public typealias Entry = (keys: String, description: String)
    /// A titled group of bindings.
    public typealias Section = (section: String, entries: [Entry])

    /// Case-insensitive text an entry's keys or description must contain.
    public var filter: String
    /// The first line shown.
    public var offset: Int

    public init(filter: String = "", offset: Int = 0) {
        self.filter = filter
        self.offset = offset
    }

    /// Typing (printable characters) edits the filter, Backspace deletes from it, Ctrl-U
    /// clears it; ↑ ↓ PgUp PgDn Home End scroll. Esc clears a non-empty filter; with an empty
    /// one it is not consumed (the caller closes the overlay).
    public mutating func handle(_ key: Key, sections: [Section], area: Rect) -> Bool {
        let layout = Self.layout(sections: sections, area: area)
        let visible = max(1, layout.box.height - 2)
        switch key {
        case .char(let c) where !c.isNewline:
            filter.append(c)
            offset = 0
        case .backspace:
            if !filter.isEmpty { filter.removeLast() }
            offset = 0
        case .ctrl("u"):
            filter = ""
            offset = 0
        case .escape:
            guard !filter.isEmpty else { return false }
            filter = ""
            offset = 0
        case .up: offset -= 1
        case .down: offset += 1
        case .pageUp: offset -= visible
        case .pageDown: offset += visible
        case .home: offset = 0
        case .end: offset = .max
        default:
            return false
        }
        let count = Self.lines(sections: sections, filter: filter).count
        offset = min(max(0, offset), max(0, count - visible))
        return true
    }

    /// Draws the overlay for this state.
    public func render(sections: [Section], into canvas: inout Canvas, area: Rect) {
        Self.render(sections: sections, filter: filter, offset: offset, into: &canvas, area: area)
    }

    /// Draws a box centred in `area` and at most its size (sized for all entries, so filtering does not resize it)
    /// titled `Help`, or `Help </filter>` while filtering, with section names in `.title` and
    /// keys in `.hintKey`. When the lines do not fit, the bottom border says which are shown.
    public static func render(sections: [Section], filter: String, offset: Int, into canvas: inout Canvas, area: Rect) {
        let layout = layout(sections: sections, area: area)
        let box = layout.box
        guard box.width >= 4, box.height >= 3 else { return }
        canvas.fill(box)
        canvas.box(box, title: filter.isEmpty ? "Help" : "Help </\(filter)>", focused: true)
        let all = lines(sections: sections, filter: filter)
        let visible = box.height - 2
        let first = min(max(0, offset), max(0, all.count - visible))
        let x = box.x + 2
        let width = box.width - 4
        for (i, line) in all.dropFirst(first).prefix(visible).enumerated() {
            let y = box.y + 1 + i
            switch line {
            case .section(let name):
                canvas.put(name, x: x, y: y, role: .title, maxWidth: width)
            case .entry(let keys, let description):
                let keysWidth = min(layout.keysWidth, width - 2)
                canvas.put(keys, x: x + 2, y: y, role: .hintKey, maxWidth: keysWidth)
                canvas.put(description, x: x + 4 + keysWidth, y: y, maxWidth: width - 4 - keysWidth)
            case .note(let text):
                canvas.put(text, x: x, y: y, role: .muted, maxWidth: width)
            case .blank:
                break
            }
        }
        if all.count > visible {
            let position = " \(first + 1)–\(min(all.count, first + visible)) of \(all.count) "
            canvas.putRight(position, right: box.maxX - 2, y: box.maxY - 1, role: .muted, maxWidth: box.width - 3)
        }
    }

    enum Line: Equatable {
        case section(String)
        case entry(keys: String, description: String)
        case note(String)
        case blank
    }

    /// The lines shown for a filter: each section with a matching entry, its matching
    /// entries (every entry when the section's title matches, so "form" finds the forms' keys), a blank line between sections; "no matches" when nothing matches.
    static func lines(sections: [Section], filter: String) -> [Line] {
        let needle = filter.lowercased()
        var out: [Line] = []
        for section in sections {
            let titleMatches = section.section.lowercased().contains(needle)
            let entries = section.entries.filter {
                needle.isEmpty || titleMatches || $0.keys.lowercased().contains(needle) || $0.description.lowercased().contains(needle)
            }
            guard !entries.isEmpty else { continue }
            if !out.isEmpty { out.append(.blank) }
            out.append(.section(section.section))
            for entry in entries { out.append(.entry(keys: entry.keys, description: entry.description)) }
        }
        if out.isEmpty { out.append(.note(sections.isEmpty ? "no bindings" : "no matches")) }
        return out
    }

    /// The box (sized for the unfiltered list, at most `area`, centred in it) and the width
    /// of the keys column.
    static func layout(sections: [Section], area: Rect) -> (box: Rect, keysWidth: Int) {
        var keysWidth = 0
        var descriptionWidth = 0
        var sectionWidth = 0
        for section in sections {
            sectionWidth = max(sectionWidth, DisplayWidth.of(section.section))
            for entry in section.entries {
                keysWidth = max(keysWidth, DisplayWidth.of(entry.keys))
                descriptionWidth = max(descriptionWidth, DisplayWidth.of(entry.description))
            }
        }
        keysWidth = min(keysWidth, 16)
        let content = max(sectionWidth, 2 + keysWidth + 2 + descriptionWidth, 20)
        let lineCount = lines(sections: sections, filter: "").count
        let width = min(area.width, content + 4)
        let height = min(area.height, lineCount + 2)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2,
                       width: width, height: height)
        return (box, keysWidth)
    }
}
