import CohortEngine

/// The segment form's state: name, description and condition (as code, or as rows of
/// attribute / operator / value), the field in focus, what validation found and the live
/// preview. `Console` routes keys here while the form is open.
public struct SegmentForm: Sendable {
    public enum Mode: Sendable, Equatable { case code, visual }

    /// The fields in focus order.
    public enum Focus: Sendable, Equatable {
        case name, description, code
        case joiner(Int), attribute(Int), op(Int), value(Int)
        case save, cancel
    }

    /// One row of the visual mode.
    public struct Row: Sendable, Equatable {
        public var joiner: ConditionRow.Joiner
        public var attribute: TextField
        public var op: ConditionRow.Operator
        public var value: TextField

        init(_ r: ConditionRow) {
            joiner = r.joiner
            attribute = TextField(r.attribute)
            op = r.op
            value = TextField(r.value)
        }

        var condition: ConditionRow { ConditionRow(joiner: joiner, attribute: attribute.text, op: op, value: value.text) }
    }

    /// The saved definition being edited (nil for a new segment).
    public struct Original: Sendable, Equatable {
        public var name: String
        public var description: String
        public var condition: String
        /// Its members when the form opened, for "change against the saved version".
        public var segment: Int
    }

    /// What the condition matches now.
    public struct Preview: Sendable, Equatable {
        public var matches: Int
        public var total: Int
        /// Members of the saved version, when editing.
        public var saved: Int?
        /// A few members: key and the values the condition read.
        public var samples: [(key: String, values: String)]
        public var micros: Int64

        public static func == (a: Preview, b: Preview) -> Bool {
            a.matches == b.matches && a.total == b.total && a.saved == b.saved && a.samples.map(\.key) == b.samples.map(\.key)
        }
    }

    public var collection: Int
    public var original: Original?
    public var name: TextField
    public var description: TextField
    public var code: TextField
    public var rows: [Row]
    public var mode: Mode = .code
    public var focus: Focus = .name
    public var nameError: String?
    /// The condition's error, positioned in `conditionText`.
    public var conditionError: ExpressionError?
    /// Why the condition cannot switch to rows, or other notes about the mode.
    public var modeNote: String?
    public var preview: Preview?
    /// Asks before throwing away unsaved changes.
    public var discard: Dialog?
    /// Attribute names and types of the collection (for suggestions and quoting).
    public let attributes: [String]
    public let types: [String: ValueType]
    /// Names already used in the collection (attributes and segments), except the one edited.
    public let takenNames: Set<String>
    /// The condition text the preview was computed for.
    var previewedCondition: String?
    /// Wall time of the last preview, microseconds.
    var previewedAt: Int64 = 0

    public init(collection: Int, model: CollectionModel, editing s: Int? = nil, members: Int? = nil) {
        self.collection = collection
        attributes = model.attributes.map(\.name)
        types = Dictionary(model.attributes.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        var taken = Set(model.attributes.map(\.name) + model.segments.map(\.name))
        if let s {
            let seg = model.segments[s]
            original = Original(name: seg.name, description: seg.description ?? "", condition: seg.condition.source, segment: s)
            taken.remove(seg.name)
            name = TextField(seg.name)
            description = TextField(seg.description ?? "")
            code = TextField(seg.condition.source)
        } else {
            original = nil
            name = TextField()
            description = TextField()
            code = TextField()
        }
        takenNames = taken
        rows = [Row(ConditionRow(attribute: "", op: .moreThan))]
    }

    /// The condition as it stands, from the code field or the rows.
    public var conditionText: String {
        mode == .code ? code.text : ConditionRow.code(rows.map(\.condition), types: types)
    }

    /// True when something differs from what was saved (or anything was typed in a new form).
    public var isDirty: Bool {
        if let o = original {
            return name.text != o.name || description.text != o.description || conditionText != o.condition
        }
        return !name.text.isEmpty || !description.text.isEmpty || !conditionText.trimmingSparkSpaces().isEmpty
            && !(mode == .visual && rows.allSatisfy { $0.attribute.text.isEmpty && $0.value.text.isEmpty })
    }

    /// Fields in focus order, for Tab and Shift-Tab.
    public var focusOrder: [Focus] {
        var out: [Focus] = [.name, .description]
        if mode == .code {
            out.append(.code)
        } else {
            for i in rows.indices {
                if i > 0 { out.append(.joiner(i)) }
                out.append(.attribute(i))
                out.append(.op(i))
                if rows[i].op.takesValue { out.append(.value(i)) }
            }
        }
        return out + [.save, .cancel]
    }

    mutating func moveFocus(_ step: Int) {
        let order = focusOrder
        let i = order.firstIndex(of: focus) ?? 0
        focus = order[(i + step + order.count) % order.count]
    }

    /// The text field in focus, if the focus is on one.
    var focusedField: TextField? {
        get {
            switch focus {
            case .name: return name
            case .description: return description
            case .code: return code
            case .attribute(let i) where rows.indices.contains(i): return rows[i].attribute
            case .value(let i) where rows.indices.contains(i): return rows[i].value
            default: return nil
            }
        }
        set {
            guard let newValue else { return }
            switch focus {
            case .name: name = newValue
            case .description: description = newValue
            case .code: code = newValue
            case .attribute(let i) where rows.indices.contains(i): rows[i].attribute = newValue
            case .value(let i) where rows.indices.contains(i): rows[i].value = newValue
            default: break
            }
        }
    }

    /// The first attribute starting with what the focused attribute field holds, when it is
    /// not already a name (→ or End at the end of the field accepts it).
    public func completion(row i: Int) -> String? {
        guard rows.indices.contains(i) else { return nil }
        let typed = rows[i].attribute.text
        guard !typed.isEmpty, !attributes.contains(typed) else { return nil }
        return attributes.first { $0.hasPrefix(typed) } ?? attributes.first { $0.lowercased().hasPrefix(typed.lowercased()) }
    }

    /// Switches between code and rows, keeping the meaning: rows always become code; code
    /// becomes rows when it has that shape, else the form stays in code and says why.
    public mutating func toggleMode() {
        modeNote = nil
        if mode == .visual {
            code = TextField(conditionText)
            mode = .code
            focus = .code
            return
        }
        if code.text.trimmingSparkSpaces().isEmpty {
            rows = [Row(ConditionRow(attribute: "", op: .moreThan))]
            mode = .visual
            focus = .attribute(0)
            return
        }
        switch ConditionRow.parse(code.text) {
        case .success(let parsed):
            rows = parsed.map(Row.init)
            mode = .visual
            focus = .attribute(0)
        case .failure(let why):
            modeNote = why.description
        }
    }

    /// Checks the name: present, a plain identifier, not taken in the collection.
    public mutating func validateName() {
        let n = name.text
        if n.isEmpty {
            nameError = "a name is required"
        } else if !(n.first!.isLetter || n.first == "_") || !n.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }) {
            nameError = "use letters, digits and _, starting with a letter (as in big_spenders)"
        } else if takenNames.contains(n) {
            nameError = "'\(n)' is already used in this collection — pick another name"
        } else {
            nameError = nil
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingSparkSpaces() -> Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
