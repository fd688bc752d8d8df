import Yams

/// A value to write into cohort.yaml: a scalar, a list, or a mapping of ordered key/value pairs.
///
/// One item to write is a list of pairs, e.g.
/// `[("name", .string("vip")), ("description", .string("…")), ("condition", .string("a > 1"))]`.
public indirect enum YAMLEntryValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case list([YAMLEntryValue])
    case map([YAMLEntryPair])
}

/// One key of a mapping to write, with its value, in the order it is written.
public struct YAMLEntryPair: Sendable, Equatable {
    public var key: String
    public var value: YAMLEntryValue
    public init(_ key: String, _ value: YAMLEntryValue) {
        self.key = key
        self.value = value
    }
}

/// Which list of a collection an item lives in: `attributes:` or `segments:`.
public enum DefinitionItemKind: String, Sendable {
    case attribute, segment
}

/// An edit of cohort.yaml that was refused or cannot be made, with the position it concerns
/// when there is one.
public struct DefinitionsEditorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var location: SourceLocation?
    public var message: String

    public init(file: String, location: SourceLocation? = nil, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        if let location { return "\(file):\(location.line):\(location.column): error: \(message)" }
        return "\(file): error: \(message)"
    }
}

/// An editor of cohort.yaml text that changes one definition at a time and keeps every other
/// byte of the file — order, comments, blank lines, flow and block styles — as it was.
///
/// Yams reads the file to find where things are (`Node.mark`); the edit itself splices whole
/// lines of the original text. New text takes the indentation of its siblings.
public struct DefinitionsEditor: Sendable {
    public private(set) var text: String
    public let file: String

    /// Reads `text`; throws `DefinitionsEditorError` when it is not YAML or its top level is not
    /// a mapping.
    public init(text: String, file: String = "cohort.yaml") throws {
        self.text = text
        self.file = file
        _ = try DefinitionsEditorDocument(text: text, file: file)
    }

    /// Adds (replacing == nil) or replaces the item named `replacing` in collection's
    /// `attributes:` / `segments:` list. Creates the `segments:`/`attributes:` key inside the
    /// collection if absent. Refuses (throws) a duplicate name (a new item whose name exists, or a
    /// replacement renamed onto another existing item).
    ///
    /// A replacement rewrites only the keys whose value changed; the comments around the item
    /// and on unchanged lines stay.
    public mutating func upsert(_ kind: DefinitionItemKind, collection: String, item: [YAMLEntryPair], replacing: String?) throws {
        try edit { doc in
            let name = try doc.itemName(item)
            let coll = try doc.collection(collection)
            let listKey = kind.listKey
            let listEntry = coll.entries.first { $0.key == listKey }
            let existing = listEntry.map { doc.namedElements($0.value) } ?? []
            if let replacing {
                guard let index = existing.firstIndex(where: { $0.name == replacing }) else {
                    throw doc.error(at: coll.entry.keyNode, "collection '\(collection)' has no \(kind.rawValue) '\(replacing)'")
                }
                if name != replacing, let other = existing.first(where: { $0.name == name }) {
                    throw doc.error(at: other.node, "collection '\(collection)' already has \(kind.article) \(kind.rawValue) named '\(name)'")
                }
                return doc.replaceElement(in: listEntry!, at: index, with: .map(item), level: 0)
            }
            if let other = existing.first(where: { $0.name == name }) {
                throw doc.error(at: other.node, "collection '\(collection)' already has \(kind.article) \(kind.rawValue) named '\(name)'")
            }
            return doc.appendElement(.map(item), listKey: listKey, in: coll)
        }
    }

    /// Removes the named attribute or segment, with the comment lines directly above it (a
    /// section heading such as `# --- Email ---` stays).
    public mutating func remove(_ kind: DefinitionItemKind, collection: String, name: String) throws {
        try edit { doc in
            let coll = try doc.collection(collection)
            guard let listEntry = coll.entries.first(where: { $0.key == kind.listKey }),
                  let index = doc.namedElements(listEntry.value).firstIndex(where: { $0.name == name }) else {
                throw doc.error(at: coll.entry.keyNode, "collection '\(collection)' has no \(kind.rawValue) '\(name)'")
            }
            return doc.removeElement(in: listEntry, at: index)
        }
    }

    /// Adds a collection under `collections:` (or replaces the one named `replacing`), item = its
    /// keys (name is the mapping key: pass it separately).
    ///
    /// A replacement rewrites only the keys whose value changed and removes the keys `body` leaves
    /// out — except `streams`, `attributes` and `segments`, which stay as they are unless `body`
    /// gives them (they are edited with `setStreams`, `upsert` and `remove`).
    public mutating func upsertCollection(name: String, body: [YAMLEntryPair], replacing: String?) throws {
        try edit { doc in
            guard !name.isEmpty else { throw doc.error("a collection needs a name") }
            let collections = doc.collectionsEntry
            let existing = collections.flatMap { $0.value.mapping.map { doc.entries($0) } } ?? []
            if let replacing {
                guard let old = existing.first(where: { $0.key == replacing }), let m = old.value.mapping else {
                    throw doc.error("there is no collection '\(replacing)'")
                }
                if name != replacing, let other = existing.first(where: { $0.key == name }) {
                    throw doc.error(at: other.keyNode, "there is already a collection named '\(name)'")
                }
                var edits: [LineEdit]
                if let merged = doc.mergeMapping(m, with: body, isDashItem: false, level: 0, keep: ["streams", "attributes", "segments"]) {
                    edits = merged
                } else {
                    var full = body
                    for e in doc.entries(m) where ["streams", "attributes", "segments"].contains(e.key) && !body.contains(where: { $0.key == e.key }) {
                        full.append(YAMLEntryPair(e.key, doc.value(of: e.value)))
                    }
                    return doc.replaceEntry(old, with: .map(full), level: 0)
                }
                if name != replacing { edits.append(doc.renameKey(old, to: name)) }
                return edits
            }
            if let other = existing.first(where: { $0.key == name }) {
                throw doc.error(at: other.keyNode, "there is already a collection named '\(name)'")
            }
            let layout = doc.layout
            guard let collections else {
                // No `collections:` key yet: append one at the end of the file.
                var lines = ["collections:"] + DefinitionsYAMLWriter.entry(name, .map(body), indent: layout.step, level: 0, layout: layout)
                let at = doc.lastContentLine + 1
                if at > 0, !doc.isBlank(at - 1) { lines.insert("", at: 0) }
                return [LineEdit(start: at, end: at, lines: lines)]
            }
            guard let last = existing.last else {
                if let m = collections.value.mapping, m.style == .flow {
                    return doc.replaceEntry(collections, with: .map([YAMLEntryPair(name, .map(body))]), level: 0)
                }
                let lines = DefinitionsYAMLWriter.entry(name, .map(body), indent: collections.column + layout.step, level: 0, layout: layout)
                return [LineEdit(start: collections.end + 1, end: collections.end + 1, lines: lines)]
            }
            if collections.value.mapping?.style == .flow {
                var pairs = existing.map { YAMLEntryPair($0.key, doc.value(of: $0.value)) }
                pairs.append(YAMLEntryPair(name, .map(body)))
                return doc.replaceEntry(collections, with: .map(pairs), level: 0)
            }
            var lines = DefinitionsYAMLWriter.entry(name, .map(body), indent: last.column, level: 0, layout: layout)
            // Separate collections with a blank line when the file does.
            let lastTop = doc.leadingCommentStart(before: last.start, after: -1)
            if lastTop > 0, doc.isBlank(lastTop - 1) { lines.insert("", at: 0) }
            return [LineEdit(start: last.end + 1, end: last.end + 1, lines: lines)]
        }
    }

    /// Replaces just the `streams:` list of a collection (its links and match pairs).
    ///
    /// Links whose content is unchanged keep their text, comments and flow style.
    public mutating func setStreams(collection: String, streams: YAMLEntryValue) throws {
        try edit { doc in
            guard case .list(let links) = streams else { throw doc.error("streams must be a list of links") }
            let coll = try doc.collection(collection)
            if let entry = coll.entries.first(where: { $0.key == "streams" }) {
                if DefinitionsEditorDocument.matches(entry.value, streams) { return [] }
                return doc.replaceEntryValue(entry, with: streams, level: 0)
            }
            if links.isEmpty { return [] }
            let layout = doc.layout
            let lines = DefinitionsYAMLWriter.entry("streams", streams, indent: coll.column, level: 0, layout: layout)
            if let next = coll.entries.first(where: { $0.key == "attributes" || $0.key == "segments" }) {
                let at = doc.leadingCommentStart(before: next.start, after: coll.entry.start)
                return [LineEdit(start: at, end: at, lines: lines)]
            }
            let at = coll.entries.last.map { $0.end + 1 } ?? coll.entry.end + 1
            return [LineEdit(start: at, end: at, lines: lines)]
        }
    }

    /// Renames an attribute or segment and rewrites every reference to it in the same collection:
    /// computed attribute `expression:`s and segment `condition:`s (attributes are referenced by
    /// bare identifier; use ExprLexer tokens so only identifier tokens equal to the old name change
    /// — not string literals, not `properties.x` paths, not function names). Returns what was
    /// rewritten.
    ///
    /// The result reads like `["attribute is_vip", "segment lapsing_vips"]`. Renaming a segment
    /// also renames it in the `segments:` of `destinations:` when no other collection has a
    /// segment of the old name.
    @discardableResult
    public mutating func rename(_ kind: DefinitionItemKind, collection: String, from: String, to: String) throws -> [String] {
        var rewritten: [String] = []
        try edit { doc in
            guard !to.isEmpty else { throw doc.error("the new name is empty") }
            let coll = try doc.collection(collection)
            guard let listEntry = coll.entries.first(where: { $0.key == kind.listKey }) else {
                throw doc.error(at: coll.entry.keyNode, "collection '\(collection)' has no \(kind.rawValue) '\(from)'")
            }
            let elements = doc.namedElements(listEntry.value)
            guard let index = elements.firstIndex(where: { $0.name == from }) else {
                throw doc.error(at: coll.entry.keyNode, "collection '\(collection)' has no \(kind.rawValue) '\(from)'")
            }
            if from == to { return [] }
            if let other = elements.first(where: { $0.name == to }) {
                throw doc.error(at: other.node, "collection '\(collection)' already has \(kind.article) \(kind.rawValue) named '\(to)'")
            }
            var edits: [LineEdit] = []
            // Per list: element index → new pairs.
            var changes: [String: [Int: [YAMLEntryPair]]] = [:]
            func pairs(_ listKey: String, _ i: Int, _ node: Node) -> [YAMLEntryPair] {
                changes[listKey]?[i] ?? doc.pairs(of: node)
            }
            var renamed = pairs(kind.listKey, index, elements[index].node)
            if let n = renamed.firstIndex(where: { $0.key == "name" }) { renamed[n].value = .string(to) }
            changes[kind.listKey, default: [:]][index] = renamed

            if kind == .attribute {
                for (listKey, exprKey, what) in [("attributes", "expression", "attribute"), ("segments", "condition", "segment")] {
                    guard let entry = coll.entries.first(where: { $0.key == listKey }) else { continue }
                    for (i, element) in doc.namedElements(entry.value).enumerated() {
                        var p = pairs(listKey, i, element.node)
                        guard let k = p.firstIndex(where: { $0.key == exprKey }), case .string(let expr) = p[k].value,
                              let newExpr = rewriteDefinitionReferences(in: expr, from: from, to: to) else { continue }
                        p[k].value = .string(newExpr)
                        changes[listKey, default: [:]][i] = p
                        rewritten.append("\(what) \(element.name)")
                    }
                }
            }
            for (listKey, byIndex) in changes {
                guard let entry = coll.entries.first(where: { $0.key == listKey }) else { continue }
                if entry.value.sequence?.style == .flow {
                    var list = (entry.value.sequence.map { Array($0) } ?? []).map { doc.value(of: $0) }
                    for (i, p) in byIndex { list[i] = .map(p) }
                    edits += doc.replaceEntry(entry, with: .list(list), level: 0)
                } else {
                    for (i, p) in byIndex.sorted(by: { $0.key < $1.key }) {
                        edits += doc.replaceElement(in: entry, at: i, with: .map(p), level: 0)
                    }
                }
            }

            if kind == .segment, let dests = doc.rootEntries.first(where: { $0.key == "destinations" }),
               let seq = dests.value.sequence, !doc.segmentExistsElsewhere(from, except: collection) {
                var list = Array(seq).map { doc.value(of: $0) }
                var changed: [Int] = []
                for (i, d) in Array(seq).enumerated() {
                    guard let m = d.mapping, let segs = m["segments"] else { continue }
                    var newSegs: YAMLEntryValue
                    if let s = segs.sequence {
                        guard s.contains(where: { $0.scalar?.string == from }) else { continue }
                        newSegs = .list(Array(s).map { $0.scalar?.string == from ? .string(to) : doc.value(of: $0) })
                    } else if segs.scalar?.string == from {
                        newSegs = .string(to)
                    } else { continue }
                    var p = doc.pairs(of: d)
                    if let k = p.firstIndex(where: { $0.key == "segments" }) { p[k].value = newSegs }
                    list[i] = .map(p)
                    changed.append(i)
                    let dn = m["name"]?.scalar?.string ?? "#\(i + 1)"
                    rewritten.append("destination \(dn)")
                }
                if !changed.isEmpty {
                    if seq.style == .flow {
                        edits += doc.replaceEntry(dests, with: .list(list), level: 0)
                    } else {
                        for i in changed { edits += doc.replaceElement(in: dests, at: i, with: list[i], level: 0) }
                    }
                }
            }
            return edits
        }
        return rewritten
    }

    /// Saves a form's item: a new one (`originalName` nil), or the one named `originalName`,
    /// renamed first (rewriting what reads it) when `item`'s name differs. Returns the history
    /// action (`create`, `edit` or `rename`) and the name before a rename.
    public mutating func save(_ kind: DefinitionItemKind, collection: String, name: String, item: [YAMLEntryPair],
                              originalName: String?) throws -> (action: String, oldName: String?) {
        guard let original = originalName else {
            try upsert(kind, collection: collection, item: item, replacing: nil)
            return ("create", nil)
        }
        if original != name {
            try rename(kind, collection: collection, from: original, to: name)
            try upsert(kind, collection: collection, item: item, replacing: name)
            return ("rename", original)
        }
        try upsert(kind, collection: collection, item: item, replacing: name)
        return ("edit", nil)
    }

    /// A line diff of two texts: `@@ -a,b +c,d @@` hunks of ` `, `-` and `+` lines with `context`
    /// unchanged lines around each change; empty when the texts are equal.
    public static func unifiedDiff(old: String, new: String, context: Int = 2) -> String {
        DefinitionsLineDiff.unified(old: old, new: new, context: context)
    }

    private mutating func edit(_ body: (DefinitionsEditorDocument) throws -> [LineEdit]) throws {
        let doc = try DefinitionsEditorDocument(text: text, file: file)
        let edits = try body(doc)
        if edits.isEmpty { return }
        let newText = try doc.applying(edits)
        do {
            _ = try Yams.compose(yaml: newText)
        } catch {
            throw DefinitionsEditorError(file: file, message: "the edit would leave \(file) unreadable (\(error)); nothing was changed")
        }
        text = newText
    }
}

extension DefinitionItemKind {
    var listKey: String { self == .attribute ? "attributes" : "segments" }
    var article: String { self == .attribute ? "an" : "a" }
}

// MARK: - Line edits

/// Replaces `lines[start..<end]` with `lines` (an insertion when start == end).
struct LineEdit: Sendable, Equatable {
    var start: Int
    var end: Int
    var lines: [String]
}

// MARK: - The document being edited

/// cohort.yaml as lines plus its composed YAML tree, with the ranges of lines each key and list
/// item occupies.
struct DefinitionsEditorDocument {
    let file: String
    var lines: [String]
    let newline: String
    let root: Node.Mapping?

    init(text: String, file: String) throws {
        self.file = file
        let raw = Self.splitLines(text)
        let lfCount = raw.count - 1
        let crlf = lfCount > 0 && raw.dropLast().allSatisfy { $0.hasSuffix("\r") }
        newline = crlf ? "\r\n" : "\n"
        lines = crlf ? raw.enumerated().map { $0.offset < lfCount ? String($0.element.dropLast()) : $0.element } : raw
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            let d = YAMLDiagnostics.diagnostic(for: e, file: file, duplicateHint: "names must be unique")
            throw DefinitionsEditorError(file: file, location: SourceLocation(line: d.line, column: d.column), message: d.message)
        } catch {
            throw DefinitionsEditorError(file: file, message: "cannot read YAML: \(error)")
        }
        if let node {
            guard let m = node.mapping else {
                throw DefinitionsEditorError(file: file, location: node.sourceLocation, message: "the top level of \(file) must be a mapping")
            }
            if m.style == .flow {
                throw DefinitionsEditorError(file: file, location: node.sourceLocation, message: "a flow-style top level ({ … }) cannot be edited")
            }
            root = m
        } else {
            root = nil
        }
    }

    /// The lines of `text` split at each LF (a CRLF pair is one Character, so this goes by UTF-8).
    static func splitLines(_ text: String) -> [String] {
        var out: [String] = []
        let u = text.utf8
        var start = u.startIndex
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == 10 {
                out.append(String(text[start..<i]))
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        out.append(String(text[start...]))
        return out
    }

    func applying(_ edits: [LineEdit]) throws -> String {
        // Later edits first; at one position a replacement goes before an insertion so the
        // inserted lines land in front of the replaced ones.
        let sorted = edits.sorted { a, b in
            if a.start != b.start { return a.start > b.start }
            return (a.end > a.start) && b.end == b.start
        }
        var out = lines
        var limit = Int.max
        for e in sorted {
            guard e.start <= e.end, e.end <= limit, e.end <= out.count else {
                throw DefinitionsEditorError(file: file, message: "internal error: overlapping edits; nothing was changed")
            }
            out.replaceSubrange(e.start..<e.end, with: e.lines)
            limit = e.start
        }
        return out.joined(separator: newline)
    }

    func error(at node: Node? = nil, _ message: String) -> DefinitionsEditorError {
        DefinitionsEditorError(file: file, location: node?.mark.map { SourceLocation(line: $0.line, column: $0.column) }, message: message)
    }

    // MARK: Lines

    func indent(_ i: Int) -> Int { lines[i].utf8.prefix(while: { $0 == 32 }).count }

    func isBlank(_ i: Int) -> Bool { lines[i].allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }

    func isComment(_ i: Int) -> Bool { lines[i].drop(while: { $0 == " " || $0 == "\t" }).first == "#" }

    func isContent(_ i: Int) -> Bool { !isBlank(i) && !isComment(i) }

    /// The last non-blank, non-comment line (-1 when there is none).
    var lastContentLine: Int {
        var i = lines.count - 1
        while i >= 0, !isContent(i) { i -= 1 }
        return i
    }

    /// A comment that heads a group of items rather than describing the next one:
    /// `# --- Email ---`, `# ===`, `## …` or a bare `#`.
    func isSectionHeading(_ i: Int) -> Bool {
        let t = lines[i].drop(while: { $0 == " " || $0 == "\t" })
        let body = t.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        return t.hasPrefix("##") || body.isEmpty || body.hasPrefix("---") || body.hasPrefix("===") || body.hasPrefix("***")
    }

    /// The first line of the comment block directly above `line` (no blank line between), not
    /// reaching back to `after` or above, and leaving out section headings.
    func leadingCommentStart(before line: Int, after: Int) -> Int {
        var k = line
        while k - 1 > after, isComment(k - 1), !isSectionHeading(k - 1) { k -= 1 }
        return k
    }

    /// The last line a node ends on by its marks, and for a block scalar the indentation of the
    /// line it starts on (its content is indented deeper). Nil for an absent (empty) value.
    func lastPoint(_ node: Node) -> (line: Int, blockIndent: Int?)? {
        switch node {
        case .scalar(let s):
            guard let mark = s.mark else { return nil }
            if s.style == .plain || s.style == .any, s.string.isEmpty { return nil }
            let line = mark.line - 1
            if s.style == .literal || s.style == .folded, line < lines.count { return (line, indent(line)) }
            return (line, nil)
        case .mapping(let m):
            for pair in Array(m).reversed() {
                if let p = lastPoint(pair.value) ?? lastPoint(pair.key) { return p }
            }
            return m.mark.map { ($0.line - 1, nil) }
        case .sequence(let s):
            for e in Array(s).reversed() {
                if let p = lastPoint(e) { return p }
            }
            return s.mark.map { ($0.line - 1, nil) }
        case .alias(let a):
            return a.mark.map { ($0.line - 1, nil) }
        }
    }

    /// The last line of something that starts at or before `minEnd` and ends before the first
    /// content line indented `threshold` or less; trailing blank and comment lines are left out
    /// (they belong to what follows), except the content of a trailing block scalar.
    func extentEnd(minEnd: Int, threshold: Int, blockIndent: Int?) -> Int {
        var j = minEnd + 1
        while j < lines.count, !(isContent(j) && indent(j) <= threshold) { j += 1 }
        var end = j - 1
        while end > minEnd {
            if isBlank(end) { end -= 1; continue }
            if isComment(end), !(blockIndent.map { indent(end) > $0 } ?? false) { end -= 1; continue }
            break
        }
        return end
    }

    // MARK: Mappings and lists

    /// One key of a block mapping and the lines it spans (key line to the end of its value).
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
        var start: Int
        var end: Int
        /// 0-based column of the key.
        var column: Int
    }

    func entries(_ m: Node.Mapping) -> [Entry] {
        m.compactMap { pair in
            guard let mark = pair.key.mark else { return nil }
            let start = mark.line - 1, column = mark.column - 1
            var minEnd = start
            var blockIndent: Int?
            if let p = lastPoint(pair.value), p.line > start {
                minEnd = p.line
                blockIndent = p.blockIndent
            } else if let p = lastPoint(pair.value) {
                blockIndent = p.blockIndent
            }
            let end = extentEnd(minEnd: minEnd, threshold: column, blockIndent: blockIndent)
            return Entry(key: pair.key.scalar?.string ?? "", keyNode: pair.key, value: pair.value, start: start, end: end, column: column)
        }
    }

    /// One element of a block list and the lines it spans.
    struct Item {
        var node: Node
        var dashLine: Int
        var dashIndent: Int
        /// 0-based column of the element's first key (or of its value).
        var contentColumn: Int
        var end: Int
        /// The first line of the comment block directly above the dash.
        var commentStart: Int
    }

    func items(_ s: Node.Sequence) -> [Item] {
        var result: [Item] = []
        var prevEnd = -1
        for node in s {
            guard let mark = node.mark else { continue }
            let markLine = mark.line - 1, markColumn = mark.column - 1
            var dashLine = markLine
            if !lines[markLine].prefix(markColumn).contains("-") {
                var k = markLine - 1
                while k > prevEnd, !isContent(k) { k -= 1 }
                if k > prevEnd { dashLine = k }
            }
            let dashIndent = indent(dashLine)
            let contentColumn = node.mapping != nil && dashLine == markLine ? markColumn : dashIndent + 2
            let p = lastPoint(node)
            let minEnd = max(dashLine, p?.line ?? dashLine)
            let end = extentEnd(minEnd: minEnd, threshold: dashIndent, blockIndent: p?.blockIndent)
            let commentStart = leadingCommentStart(before: dashLine, after: prevEnd)
            result.append(Item(node: node, dashLine: dashLine, dashIndent: dashIndent, contentColumn: contentColumn, end: end, commentStart: commentStart))
            prevEnd = end
        }
        return result
    }

    var rootEntries: [Entry] { root.map { entries($0) } ?? [] }

    var collectionsEntry: Entry? { rootEntries.first { $0.key == "collections" } }

    /// A collection's entry under `collections:` and its keys.
    struct CollectionRef {
        var entry: Entry
        var mapping: Node.Mapping
        var entries: [Entry]
        /// 0-based column of the collection's keys.
        var column: Int
    }

    func collection(_ name: String) throws -> CollectionRef {
        guard let cs = collectionsEntry, let m = cs.value.mapping,
              let entry = entries(m).first(where: { $0.key == name }) else {
            throw error("there is no collection '\(name)'")
        }
        guard let cm = entry.value.mapping else {
            throw error(at: entry.value, "collection '\(name)' must be a mapping of keys to values")
        }
        if m.style == .flow || cm.style == .flow {
            throw error(at: entry.value, "collection '\(name)' is written in flow style ({ … }) and cannot be edited here")
        }
        let es = entries(cm)
        return CollectionRef(entry: entry, mapping: cm, entries: es, column: es.first?.column ?? entry.column + layout.step)
    }

    func itemName(_ item: [YAMLEntryPair]) throws -> String {
        guard let p = item.first(where: { $0.key == "name" }), case .string(let name) = p.value, !name.isEmpty else {
            throw error("the item has no name")
        }
        return name
    }

    /// The elements of a list with their `name:` (or `stream:`) values.
    func namedElements(_ list: Node) -> [(name: String, node: Node)] {
        guard let s = list.sequence else { return [] }
        return s.map { node in (node.mapping?["name"]?.scalar?.string ?? node.mapping?["stream"]?.scalar?.string ?? "", node) }
    }

    func segmentExistsElsewhere(_ name: String, except collection: String) -> Bool {
        guard let m = collectionsEntry?.value.mapping else { return false }
        for e in entries(m) where e.key != collection {
            if let segs = e.value.mapping?["segments"], namedElements(segs).contains(where: { $0.name == name }) { return true }
        }
        return false
    }

    /// The indentation the file uses: per nesting level, and from a key to its list's dashes.
    var layout: DefinitionsYAMLWriter.Layout {
        var layout = DefinitionsYAMLWriter.Layout(step: 2, listOffset: 2)
        guard let cs = collectionsEntry, let m = cs.value.mapping else { return layout }
        var foundStep = false
        for c in entries(m) {
            guard let cm = c.value.mapping, cm.style != .flow else { continue }
            let es = entries(cm)
            if !foundStep, let first = es.first, first.column > c.column {
                layout.step = first.column - c.column
                foundStep = true
            }
            for e in es where ["streams", "attributes", "segments"].contains(e.key) {
                if let s = e.value.sequence, s.style != .flow, let first = items(s).first {
                    layout.listOffset = max(0, first.dashIndent - e.column)
                    return layout
                }
            }
        }
        return layout
    }

    // MARK: Values

    /// A node as a value to write (plain `true`/`12` become bool/int).
    func value(of node: Node) -> YAMLEntryValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain || s.style == .any {
                let tag = Resolver.default.resolveTag(of: Node(s.string))
                if tag == .bool, let b = node.bool { return .bool(b) }
                if tag == .int, let i = node.int, String(i) == s.string { return .int(i) }
            }
            return .string(s.string)
        case .mapping(let m):
            return .map(m.map { YAMLEntryPair($0.key.scalar?.string ?? "", value(of: $0.value)) })
        case .sequence(let s):
            return .list(s.map { value(of: $0) })
        case .alias:
            return .string("")
        }
    }

    func pairs(of node: Node) -> [YAMLEntryPair] {
        if case .map(let p) = value(of: node) { return p }
        return []
    }

    /// Whether a node already holds `value` as the parser reads it (so its text can stay).
    static func matches(_ node: Node, _ value: YAMLEntryValue) -> Bool {
        switch value {
        case .string(let s):
            return node.scalar?.string == s
        case .bool(let b):
            return node.scalar != nil && node.bool == b
        case .int(let i):
            return node.scalar != nil && node.int == i
        case .list(let xs):
            if let seq = node.sequence {
                let elems = Array(seq)
                return elems.count == xs.count && zip(elems, xs).allSatisfy { matches($0, $1) }
            }
            // The parser reads a single value where a list is allowed as a list of one.
            return xs.count == 1 && matches(node, xs[0])
        case .map(let ps):
            guard let m = node.mapping, m.count == ps.count else { return false }
            return ps.allSatisfy { p in m[p.key].map { matches($0, p.value) } ?? false }
        }
    }

    // MARK: Edits

    /// The key line's trailing comment: its column and text.
    func trailingComment(line i: Int, from column: Int) -> (column: Int, text: String)? {
        let chars = Array(lines[i])
        var k = column
        var expecting = true
        while k < chars.count {
            let c = chars[k]
            if c == " " || c == "\t" { k += 1; continue }
            if c == "#", k == 0 || chars[k - 1] == " " || chars[k - 1] == "\t" {
                var text = String(chars[k...])
                while text.last == " " || text.last == "\r" { text.removeLast() }
                return (k, text)
            }
            if expecting, c == "\"" || c == "'" {
                k += 1
                while k < chars.count {
                    if c == "\"", chars[k] == "\\" { k += 2; continue }
                    if chars[k] == c {
                        if c == "'", k + 1 < chars.count, chars[k + 1] == "'" { k += 2; continue }
                        k += 1
                        break
                    }
                    k += 1
                }
                expecting = false
                continue
            }
            if c == "[" || c == "{" || c == "," {
                expecting = true
            } else if c == ":", k + 1 == chars.count || chars[k + 1] == " " || chars[k + 1] == "\t" {
                expecting = true
            } else if c == "-", expecting, k + 1 == chars.count || chars[k + 1] == " " {
                expecting = true
            } else {
                expecting = false
            }
            k += 1
        }
        return nil
    }

    /// Rewrites an entry (key line to the end of its value) with a new value, keeping what
    /// stands before the key on its line (`- ` of a list item) and the key line's comment.
    func replaceEntry(_ e: Entry, with value: YAMLEntryValue, level: Int) -> [LineEdit] {
        var out = DefinitionsYAMLWriter.entry(e.key, value, indent: e.column, level: level, layout: layout)
        let prefix = String(lines[e.start].prefix(e.column))
        out[0] = prefix + out[0].dropFirst(e.column)
        if let c = trailingComment(line: e.start, from: e.column) {
            out[0] = out[0].count < c.column ? out[0] + String(repeating: " ", count: c.column - out[0].count) + c.text : out[0] + " " + c.text
        }
        return [LineEdit(start: e.start, end: e.end + 1, lines: out)]
    }

    /// Rewrites an entry's value, merging item by item when both old and new are lists of
    /// mappings and key by key when both are mappings.
    func replaceEntryValue(_ e: Entry, with value: YAMLEntryValue, level: Int) -> [LineEdit] {
        if Self.matches(e.value, value) { return [] }
        if case .list(let xs) = value, let seq = e.value.sequence, seq.style != .flow, !seq.isEmpty,
           xs.allSatisfy({ if case .map = $0 { return true } else { return false } }),
           let merged = mergeList(e, seq, xs, level: level) {
            return merged
        }
        if case .map(let ps) = value, let m = e.value.mapping, m.style != .flow, !m.isEmpty,
           let merged = mergeMapping(m, with: ps, isDashItem: false, level: level) {
            return merged
        }
        return replaceEntry(e, with: value, level: level)
    }

    /// Edits that turn a block mapping into `pairs`, touching only keys whose value changed;
    /// nil when that cannot be done line by line (the caller rewrites the whole thing).
    func mergeMapping(_ m: Node.Mapping, with pairs: [YAMLEntryPair], isDashItem: Bool, level: Int, keep: Set<String> = []) -> [LineEdit]? {
        guard m.style != .flow else { return nil }
        let es = entries(m)
        guard let first = es.first, Set(es.map(\.key)).count == es.count else { return nil }
        let newKeys = pairs.map(\.key)
        if isDashItem, !newKeys.contains(first.key) { return nil }
        var edits: [LineEdit] = []
        for e in es {
            if let p = pairs.first(where: { $0.key == e.key }) {
                edits += replaceEntryValue(e, with: p.value, level: level)
            } else if !keep.contains(e.key) {
                edits.append(LineEdit(start: e.start, end: e.end + 1, lines: []))
            }
        }
        // New keys go after the nearest earlier key (in `pairs` order) that already exists.
        var inserts: [Int: [String]] = [:]
        var order: [Int] = []
        for (i, p) in pairs.enumerated() where !es.contains(where: { $0.key == p.key }) {
            var at: Int
            if let anchor = pairs[..<i].reversed().lazy.compactMap({ a in es.first { $0.key == a.key } }).first {
                at = anchor.end + 1
            } else {
                at = isDashItem ? first.end + 1 : first.start
            }
            if inserts[at] == nil { order.append(at) }
            inserts[at, default: []] += DefinitionsYAMLWriter.entry(p.key, p.value, indent: first.column, level: level, layout: layout)
        }
        for at in order { edits.append(LineEdit(start: at, end: at, lines: inserts[at]!)) }
        return edits
    }

    /// Edits that turn a block list of mappings into `xs`, matching elements by `name` (or
    /// `stream`); unchanged elements keep their text. Nil when elements cannot be matched or
    /// moved (the caller rewrites the list).
    func mergeList(_ e: Entry, _ seq: Node.Sequence, _ xs: [YAMLEntryValue], level: Int) -> [LineEdit]? {
        let news: [[YAMLEntryPair]] = xs.compactMap { if case .map(let p) = $0 { return p } else { return nil } }
        guard news.count == xs.count else { return nil }
        let idKey: String
        if news.allSatisfy({ $0.contains { $0.key == "name" } }) { idKey = "name" }
        else if news.allSatisfy({ $0.contains { $0.key == "stream" } }) { idKey = "stream" }
        else { return nil }
        func id(_ p: [YAMLEntryPair]) -> String? {
            if case .string(let s)? = p.first(where: { $0.key == idKey })?.value { return s }
            return nil
        }
        let olds = items(seq)
        let oldIds = olds.map { $0.node.mapping?[idKey]?.scalar?.string }
        let newIds = news.map(id)
        guard !oldIds.contains(nil), !newIds.contains(nil), Set(oldIds).count == olds.count, Set(newIds).count == news.count else { return nil }
        let matched: [Int?] = newIds.map { nid in oldIds.firstIndex(of: nid) }
        let order = matched.compactMap { $0 }
        guard order == order.sorted() else { return nil }
        var edits: [LineEdit] = []
        for (i, old) in olds.enumerated() where !matched.contains(i) {
            edits.append(LineEdit(start: old.commentStart, end: old.end + 1, lines: []))
        }
        let ref = olds[0]
        var inserts: [Int: [String]] = [:]
        var insertOrder: [Int] = []
        for (j, p) in news.enumerated() {
            if let i = matched[j] {
                edits += replaceItem(olds[i], with: .map(p), level: level)
                continue
            }
            let at: Int
            if let prev = matched[..<j].reversed().lazy.compactMap({ $0 }).first {
                at = olds[prev].end + 1
            } else if let next = matched[j...].lazy.compactMap({ $0 }).first {
                at = olds[next].commentStart
            } else {
                at = olds.last!.end + 1
            }
            if inserts[at] == nil { insertOrder.append(at) }
            inserts[at, default: []] += DefinitionsYAMLWriter.element(.map(p), dashIndent: ref.dashIndent, contentIndent: ref.contentColumn, level: level, layout: layout)
        }
        for at in insertOrder { edits.append(LineEdit(start: at, end: at, lines: inserts[at]!)) }
        return edits
    }

    /// Edits that turn one list element into `value`: key by key when it is a block mapping,
    /// else the element is written anew.
    func replaceItem(_ item: Item, with value: YAMLEntryValue, level: Int) -> [LineEdit] {
        if Self.matches(item.node, value) { return [] }
        if case .map(let ps) = value, let m = item.node.mapping,
           let merged = mergeMapping(m, with: ps, isDashItem: item.dashLine == (m.mark?.line ?? 0) - 1, level: level + 1) {
            return merged
        }
        var out = DefinitionsYAMLWriter.element(value, dashIndent: item.dashIndent, contentIndent: item.contentColumn, level: level, layout: layout)
        out[0] = String(lines[item.dashLine].prefix(item.dashIndent)) + out[0].dropFirst(item.dashIndent)
        return [LineEdit(start: item.dashLine, end: item.end + 1, lines: out)]
    }

    /// Replaces element `index` of the list under `entry`.
    func replaceElement(in entry: Entry, at index: Int, with value: YAMLEntryValue, level: Int) -> [LineEdit] {
        guard let seq = entry.value.sequence else { return [] }
        if seq.style == .flow {
            var list = Array(seq).map { self.value(of: $0) }
            list[index] = value
            return replaceEntry(entry, with: .list(list), level: level)
        }
        return replaceItem(items(seq)[index], with: value, level: level)
    }

    /// Removes element `index` of the list under `entry`, with its comment block.
    func removeElement(in entry: Entry, at index: Int) -> [LineEdit] {
        guard let seq = entry.value.sequence else { return [] }
        if seq.style == .flow {
            var list = Array(seq).map { value(of: $0) }
            list.remove(at: index)
            return replaceEntry(entry, with: .list(list), level: 0)
        }
        let item = items(seq)[index]
        return [LineEdit(start: item.commentStart, end: item.end + 1, lines: [])]
    }

    /// Appends an element to the collection's `listKey` list, creating the key when absent.
    func appendElement(_ value: YAMLEntryValue, listKey: String, in coll: CollectionRef) -> [LineEdit] {
        let layout = self.layout
        if let entry = coll.entries.first(where: { $0.key == listKey }) {
            if let seq = entry.value.sequence, seq.style != .flow, let last = items(seq).last {
                let out = DefinitionsYAMLWriter.element(value, dashIndent: last.dashIndent, contentIndent: last.contentColumn, level: 0, layout: layout)
                return [LineEdit(start: last.end + 1, end: last.end + 1, lines: out)]
            }
            if let s = entry.value.scalar, s.string.isEmpty, s.style == .plain || s.style == .any {
                let dash = entry.column + layout.listOffset
                let out = DefinitionsYAMLWriter.element(value, dashIndent: dash, contentIndent: dash + 2, level: 0, layout: layout)
                return [LineEdit(start: entry.end + 1, end: entry.end + 1, lines: out)]
            }
            let old = entry.value.sequence.map { Array($0).map { self.value(of: $0) } } ?? []
            return replaceEntry(entry, with: .list(old + [value]), level: 0)
        }
        let out = DefinitionsYAMLWriter.entry(listKey, .list([value]), indent: coll.column, level: 0, layout: layout)
        if listKey == "attributes", let segs = coll.entries.first(where: { $0.key == "segments" }) {
            let at = leadingCommentStart(before: segs.start, after: coll.entry.start)
            return [LineEdit(start: at, end: at, lines: out)]
        }
        let after = coll.entries.first(where: { $0.key == "attributes" && listKey == "segments" }) ?? coll.entries.last
        let at = after.map { $0.end + 1 } ?? coll.entry.end + 1
        return [LineEdit(start: at, end: at, lines: out)]
    }

    /// Renames a mapping key on its line, keeping the rest of the line.
    func renameKey(_ e: Entry, to name: String) -> LineEdit {
        let chars = Array(lines[e.start])
        var k = e.column
        if k < chars.count, chars[k] == "\"" || chars[k] == "'" {
            let q = chars[k]
            k += 1
            while k < chars.count {
                if q == "\"", chars[k] == "\\" { k += 2; continue }
                if chars[k] == q { k += 1; break }
                k += 1
            }
        }
        while k < chars.count, !(chars[k] == ":" && (k + 1 == chars.count || chars[k + 1] == " " || chars[k + 1] == "\t" || chars[k + 1] == "\r")) { k += 1 }
        let line = String(chars[..<e.column]) + DefinitionsYAMLWriter.key(name) + String(chars[min(k, chars.count)...])
        return LineEdit(start: e.start, end: e.start + 1, lines: [line])
    }
}

// MARK: - Writing YAML text

/// How new YAML text is spelled: scalars plain when YAML reads them back unchanged, else
/// double-quoted; expressions always double-quoted; flow style for short mappings and lists of
/// scalars inside an item, as in the demo workspace.
enum DefinitionsYAMLWriter {
    /// Indentation per nesting level and from a key to the dashes of its list.
    struct Layout: Sendable {
        var step: Int
        var listOffset: Int
    }

    /// Keys whose values are expressions, always written double-quoted.
    static let expressionKeys: Set<String> = ["condition", "expression", "where"]

    static func needsQuotes(_ s: String, flow: Bool) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if first.properties.isWhitespace || last.properties.isWhitespace { return true }
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF { return true }
        }
        if s.contains(": ") || s.hasSuffix(":") || s.contains(" #") { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return true }
        if flow, s.unicodeScalars.contains(where: { ",[]{}:#".unicodeScalars.contains($0) }) { return true }
        return Resolver.default.resolveTag(of: Node(s)) != .str
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                let v = u.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                    let hex = String(v, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func scalar(_ s: String, flow: Bool) -> String { needsQuotes(s, flow: flow) ? doubleQuoted(s) : s }

    static func key(_ k: String, flow: Bool = false) -> String { scalar(k, flow: flow) }

    static func isScalar(_ v: YAMLEntryValue) -> Bool {
        switch v {
        case .string, .bool, .int: return true
        case .list, .map: return false
        }
    }

    static func scalarText(_ v: YAMLEntryValue, key: String?, flow: Bool) -> String {
        switch v {
        case .string(let s): return key.map { expressionKeys.contains($0) } == true ? doubleQuoted(s) : scalar(s, flow: flow)
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .list(let xs): return flowList(xs)
        case .map(let ps): return flowMap(ps)
        }
    }

    static func flowList(_ xs: [YAMLEntryValue]) -> String {
        "[" + xs.map { scalarText($0, key: nil, flow: true) }.joined(separator: ", ") + "]"
    }

    static func flowMap(_ ps: [YAMLEntryPair]) -> String {
        if ps.isEmpty { return "{}" }
        return "{ " + ps.map { key($0.key, flow: true) + ": " + scalarText($0.value, key: $0.key, flow: true) }.joined(separator: ", ") + " }"
    }

    static func pad(_ n: Int) -> String { String(repeating: " ", count: max(0, n)) }

    /// `key: value` at `indent`, over as many lines as the value needs. `level` counts the list
    /// items it is inside: within an item, mappings of scalars are written `{ a: b }`.
    static func entry(_ k: String, _ value: YAMLEntryValue, indent: Int, level: Int, layout: Layout) -> [String] {
        let head = pad(indent) + key(k) + ":"
        switch value {
        case .string, .bool, .int:
            return [head + " " + scalarText(value, key: k, flow: false)]
        case .list(let xs):
            if xs.isEmpty { return [head + " []"] }
            if xs.allSatisfy(isScalar) { return [head + " " + flowList(xs)] }
            let dash = indent + layout.listOffset
            return [head] + xs.flatMap { element($0, dashIndent: dash, contentIndent: dash + 2, level: level, layout: layout) }
        case .map(let ps):
            if ps.isEmpty { return [head + " {}"] }
            if level >= 1, ps.allSatisfy({ isScalar($0.value) }) { return [head + " " + flowMap(ps)] }
            return [head] + ps.flatMap { entry($0.key, $0.value, indent: indent + layout.step, level: level, layout: layout) }
        }
    }

    /// A list element `- …` with its dash at `dashIndent` and a mapping's keys at `contentIndent`.
    static func element(_ value: YAMLEntryValue, dashIndent: Int, contentIndent: Int, level: Int, layout: Layout) -> [String] {
        let dash = pad(dashIndent) + "-"
        switch value {
        case .string, .bool, .int:
            return [dash + " " + scalarText(value, key: nil, flow: false)]
        case .map(let ps):
            if ps.isEmpty { return [dash + " {}"] }
            if level >= 1, ps.allSatisfy({ isScalar($0.value) }) { return [dash + " " + flowMap(ps)] }
            let content = max(contentIndent, dashIndent + 2)
            var out = ps.flatMap { entry($0.key, $0.value, indent: content, level: level + 1, layout: layout) }
            out[0] = dash + pad(content - dashIndent - 1) + out[0].dropFirst(content)
            return out
        case .list(let xs):
            if xs.isEmpty || xs.allSatisfy(isScalar) { return [dash + " " + flowList(xs)] }
            return [dash] + xs.flatMap { element($0, dashIndent: dashIndent + 2, contentIndent: dashIndent + 4, level: level + 1, layout: layout) }
        }
    }
}

// MARK: - Line diff

/// A small unified line diff, for the definition history.
enum DefinitionsLineDiff {
    enum Op: Equatable { case same, delete, insert }

    static func split(_ s: String) -> [String] {
        var lines = DefinitionsEditorDocument.splitLines(s).map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    static func unified(old: String, new: String, context: Int) -> String {
        let a = split(old), b = split(new)
        // Common prefix and suffix, then a longest-common-subsequence table for the middle.
        var pre = 0
        while pre < a.count, pre < b.count, a[pre] == b[pre] { pre += 1 }
        var suf = 0
        while suf < a.count - pre, suf < b.count - pre, a[a.count - 1 - suf] == b[b.count - 1 - suf] { suf += 1 }
        let am = Array(a[pre..<(a.count - suf)]), bm = Array(b[pre..<(b.count - suf)])
        var ops: [Op] = Array(repeating: .same, count: pre)
        let n = am.count, m = bm.count
        if n > 0, m > 0, n * m <= 16_000_000 {
            var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
            let w = m + 1
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    table[i * w + j] = am[i] == bm[j] ? table[(i + 1) * w + j + 1] + 1 : max(table[(i + 1) * w + j], table[i * w + j + 1])
                }
            }
            var i = 0, j = 0
            while i < n || j < m {
                if i < n, j < m, am[i] == bm[j] { ops.append(.same); i += 1; j += 1 }
                else if i < n, j == m || table[(i + 1) * w + j] >= table[i * w + j + 1] { ops.append(.delete); i += 1 }
                else { ops.append(.insert); j += 1 }
            }
        } else {
            ops += Array(repeating: .delete, count: n) + Array(repeating: .insert, count: m)
        }
        ops += Array(repeating: .same, count: suf)

        // Old/new line index before each op.
        var oldAt: [Int] = [], newAt: [Int] = []
        var oi = 0, ni = 0
        for op in ops {
            oldAt.append(oi); newAt.append(ni)
            if op != .insert { oi += 1 }
            if op != .delete { ni += 1 }
        }
        let changes = ops.indices.filter { ops[$0] != .same }
        guard !changes.isEmpty else { return "" }
        var out = ""
        var k = 0
        while k < changes.count {
            var last = changes[k]
            var next = k + 1
            while next < changes.count, changes[next] - last <= 2 * context + 1 { last = changes[next]; next += 1 }
            let lo = max(0, changes[k] - context), hi = min(ops.count, last + context + 1)
            var oldCount = 0, newCount = 0
            var body = ""
            for x in lo..<hi {
                switch ops[x] {
                case .same: body += " " + a[oldAt[x]] + "\n"; oldCount += 1; newCount += 1
                case .delete: body += "-" + a[oldAt[x]] + "\n"; oldCount += 1
                case .insert: body += "+" + b[newAt[x]] + "\n"; newCount += 1
                }
            }
            let oldStart = oldCount == 0 ? oldAt[lo] : oldAt[lo] + 1
            let newStart = newCount == 0 ? newAt[lo] : newAt[lo] + 1
            out += "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n" + body
            k = next
        }
        return out
    }
}
