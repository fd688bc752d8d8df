import Foundation

/// A segment condition as the visual form shows it: rows of attribute, operator and value,
/// each after the first joined to the rows before it by AND or OR (AND binds tighter, as in
/// SQL, so `a AND b OR c` is `(a AND b) OR c`). `code` turns rows into the Spark SQL
/// condition; `parse` turns a condition back into rows when it has that shape.
public struct ConditionRow: Sendable, Equatable {
    /// How a row compares its attribute with its value.
    public enum Operator: String, Sendable, CaseIterable {
        case equals = "equals", notEquals = "not equals", moreThan = "more than", atLeast = "at least"
        case lessThan = "less than", atMost = "at most", between = "between", inList = "in"
        case contains = "contains", startsWith = "starts with", isEmpty = "is empty", isNull = "is null"
        case isTrue = "is true", isFalse = "is false"

        /// Whether the operator takes a value (`is null` and its kind do not).
        public var takesValue: Bool {
            switch self {
            case .isEmpty, .isNull, .isTrue, .isFalse: return false
            default: return true
            }
        }

        /// What the value field holds, for a hint under it.
        public var valueHint: String {
            switch self {
            case .between: return "two values: low, high"
            case .inList: return "values separated by commas"
            case .contains, .startsWith: return "text"
            default: return takesValue ? "a value: 3, 12.5, 'text', DATE '2026-09-01'" : ""
            }
        }
    }

    public enum Joiner: String, Sendable { case and = "AND", or = "OR" }

    /// How this row joins the rows before it (ignored on the first row).
    public var joiner: Joiner
    public var attribute: String
    public var op: Operator
    /// SQL literal text (`3`, `'gold'`, `DATE '2026-09-01'`); for `between` two and for `in`
    /// any number of literals separated by commas. Unquoted text for a string attribute is
    /// quoted when the code is generated.
    public var value: String

    public init(joiner: Joiner = .and, attribute: String, op: Operator, value: String = "") {
        self.joiner = joiner
        self.attribute = attribute
        self.op = op
        self.value = value
    }

    /// The condition for `rows`: each row's comparison, joined by its joiner. `types` gives
    /// attribute types, so a bare word compared with a string attribute becomes a string.
    public static func code(_ rows: [ConditionRow], types: [String: ValueType] = [:]) -> String {
        var out = ""
        for (i, r) in rows.enumerated() {
            if i > 0 { out += " \(r.joiner.rawValue) " }
            out += r.code(type: types[r.attribute])
        }
        return out
    }

    /// This row alone as SQL.
    public func code(type: ValueType?) -> String {
        let a = Self.identifier(attribute)
        let isList: Bool = { if case .array = type { return true } else { return false } }()
        let isText = type == .string
        func lit(_ text: String) -> String { Self.literal(text, asText: isText) }
        let parts = Self.splitValues(value)
        switch op {
        case .equals: return "\(a) = \(lit(value))"
        case .notEquals: return "\(a) != \(lit(value))"
        case .moreThan: return "\(a) > \(lit(value))"
        case .atLeast: return "\(a) >= \(lit(value))"
        case .lessThan: return "\(a) < \(lit(value))"
        case .atMost: return "\(a) <= \(lit(value))"
        case .between:
            let lo = parts.first ?? "", hi = parts.count > 1 ? parts[1] : ""
            return "\(a) BETWEEN \(lit(lo)) AND \(lit(hi))"
        case .inList: return "\(a) IN (\(parts.map(lit).joined(separator: ", ")))"
        case .contains:
            return isList ? "array_contains(\(a), \(lit(value)))" : "contains(\(a), \(Self.literal(value, asText: true)))"
        case .startsWith: return "startswith(\(a), \(Self.literal(value, asText: true)))"
        case .isEmpty: return isList ? "size(\(a)) = 0" : "\(a) = ''"
        case .isNull: return "\(a) IS NULL"
        case .isTrue: return "\(a) IS TRUE"
        case .isFalse: return "\(a) IS FALSE"
        }
    }

    /// Splits `a, b, 'c, d'` at commas outside quotes.
    static func splitValues(_ text: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        var quoted = false
        for ch in text {
            if ch == "'" { quoted.toggle() }
            if ch == ",", !quoted {
                parts.append(cur.trimmingCharacters(in: .whitespaces))
                cur = ""
            } else {
                cur.append(ch)
            }
        }
        if !cur.trimmingCharacters(in: .whitespaces).isEmpty || !parts.isEmpty { parts.append(cur.trimmingCharacters(in: .whitespaces)) }
        return parts
    }

    /// A value as SQL: kept when it already reads as a literal (a number, a quoted string,
    /// true/false/null, DATE or TIMESTAMP '…'), else quoted as a string. `asText` quotes
    /// numbers too (a string attribute compared with `0042`).
    static func literal(_ text: String, asText: Bool) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("'"), t.hasSuffix("'") { return t }
        let upper = t.uppercased()
        if (upper.hasPrefix("DATE '") || upper.hasPrefix("TIMESTAMP '")) && t.hasSuffix("'") { return t }
        if !asText {
            if ["TRUE", "FALSE", "NULL"].contains(upper) { return upper.lowercased() }
            if !t.isEmpty, Double(t) != nil, !t.contains("e"), !t.contains("E"), !t.lowercased().contains("n") { return t }
        }
        return "'" + t.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func identifier(_ name: String) -> String {
        let simple = !name.isEmpty && name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            && !name.first!.isNumber && !ExprParser.reserved.contains(name.uppercased())
        return simple ? name : "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }

    /// The rows a condition reads as, or nil with the reason when it has another shape
    /// (nested parentheses across AND/OR, NOT, arithmetic, functions other than the ones
    /// the operators use). Parsing errors come back as the error.
    public static func parse(_ source: String) -> Result<[ConditionRow], ConditionShapeError> {
        let tokens: [ExprToken]
        let ast: ExprNode
        do throws(ExpressionError) {
            var lexer = ExprLexer(source)
            tokens = try lexer.tokenize()
            guard ExprParser.nestingEstimate(tokens) < 64 else { return .failure(.shape("it nests too deeply")) }
            var parser = ExprParser(tokens: tokens)
            ast = try parser.parse()
        } catch {
            return .failure(.syntax(error))
        }
        let reader = LiteralReader(source: source, tokens: tokens)
        var rows: [ConditionRow] = []
        let disjuncts: [ExprNode]
        if case .or(let items) = ast.kind { disjuncts = items } else { disjuncts = [ast] }
        for (i, d) in disjuncts.enumerated() {
            let conjuncts: [ExprNode]
            if case .and(let items) = d.kind { conjuncts = items } else { conjuncts = [d] }
            for (j, c) in conjuncts.enumerated() {
                guard var row = reader.row(c) else {
                    return .failure(.shape("'\(reader.text(c))' has no row form"))
                }
                row.joiner = (i > 0 && j == 0) ? .or : .and
                rows.append(row)
            }
        }
        return .success(rows)
    }
}

/// Why a condition cannot be shown as rows.
public enum ConditionShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    case syntax(ExpressionError)
    case shape(String)

    public var description: String {
        switch self {
        case .syntax(let e): return e.description
        case .shape(let why): return "the condition cannot be shown as rows: \(why); keep editing it as code"
        }
    }
}

/// Reads the source text of literal nodes, so the visual form shows values as written.
private struct LiteralReader {
    let scalars: [Unicode.Scalar]
    let tokens: [ExprToken]
    /// Scalar offset of the first scalar of each line.
    let lineStarts: [Int]

    init(source: String, tokens: [ExprToken]) {
        scalars = Array(source.unicodeScalars)
        self.tokens = tokens
        var starts = [0]
        for (i, s) in scalars.enumerated() where s == "\n" { starts.append(i + 1) }
        lineStarts = starts
    }

    func offset(_ p: ExprPos) -> Int {
        let line = min(max(1, p.line), lineStarts.count)
        return min(scalars.count, lineStarts[line - 1] + p.column - 1)
    }

    func slice(_ from: ExprPos, _ to: ExprPos) -> String {
        let a = offset(from), b = max(a, offset(to))
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[a..<b])
        return String(s)
    }

    func tokenIndex(at p: ExprPos) -> Int? { tokens.firstIndex { $0.pos == p } }

    /// The source of a literal node (with a leading minus), or nil when it is not one.
    func literalText(_ n: ExprNode) -> String? {
        switch n.kind {
        case .literal:
            guard let k = tokenIndex(at: n.pos) else { return nil }
            var end = tokens[k].end
            if tokens[k].isOp("-"), k + 1 < tokens.count { end = tokens[k + 1].end }
            if tokens[k].kind == .identifier, ["DATE", "TIMESTAMP"].contains(tokens[k].keyword), k + 1 < tokens.count {
                end = tokens[k + 1].end
            }
            return slice(n.pos, end)
        case .negate(let inner):
            guard case .literal = inner.kind, let t = literalText(inner) else { return nil }
            return "-" + t
        default:
            return nil
        }
    }

    func attribute(_ n: ExprNode) -> String? {
        if case .name(let s) = n.kind { return s }
        return nil
    }

    /// The whole text of a node, for messages: from its start to the last token before the
    /// next node's start (approximate, good enough to name it).
    func text(_ n: ExprNode) -> String {
        guard let k = tokenIndex(at: n.pos) else { return "?" }
        var depth = 0
        var j = k
        while j < tokens.count, tokens[j].kind != .eof {
            if tokens[j].isOp("(") { depth += 1 }
            if tokens[j].isOp(")") { if depth == 0 { break }; depth -= 1 }
            if depth == 0, j > k, tokens[j].isKeyword("AND") || tokens[j].isKeyword("OR") { break }
            j += 1
        }
        return slice(n.pos, tokens[max(k, j - 1)].end)
    }

    func row(_ n: ExprNode) -> ConditionRow? {
        typealias Op = ConditionRow.Operator
        switch n.kind {
        case .compare(let op, _, let l, let r):
            // `size(x) = 0` is "is empty" for lists.
            if op == .eq, case .call(let f, let args) = l.kind, f.lowercased() == "size", args.count == 1,
               let a = attribute(args[0]), literalText(r) == "0" {
                return ConditionRow(attribute: a, op: .isEmpty)
            }
            guard let a = attribute(l), let v = literalText(r) else { return nil }
            let map: [CompareOp: Op] = [.eq: .equals, .ne: .notEquals, .gt: .moreThan, .ge: .atLeast, .lt: .lessThan, .le: .atMost]
            guard let o = map[op] else { return nil }
            if o == .equals, v == "''" { return ConditionRow(attribute: a, op: .isEmpty) }
            return ConditionRow(attribute: a, op: o, value: v)
        case .between(let x, let lo, let hi, negated: false):
            guard let a = attribute(x), let l = literalText(lo), let h = literalText(hi) else { return nil }
            return ConditionRow(attribute: a, op: .between, value: "\(l), \(h)")
        case .inList(let x, let items, negated: false):
            guard let a = attribute(x) else { return nil }
            let texts = items.compactMap(literalText)
            guard texts.count == items.count else { return nil }
            return ConditionRow(attribute: a, op: .inList, value: texts.joined(separator: ", "))
        case .isNull(let x, negated: false):
            return attribute(x).map { ConditionRow(attribute: $0, op: .isNull) }
        case .isBool(let x, let value, negated: false):
            return attribute(x).map { ConditionRow(attribute: $0, op: value ? .isTrue : .isFalse) }
        case .call(let name, let args) where args.count == 2:
            guard let a = attribute(args[0]), let v = literalText(args[1]) else { return nil }
            switch name.lowercased() {
            case "contains", "array_contains": return ConditionRow(attribute: a, op: .contains, value: v)
            case "startswith": return ConditionRow(attribute: a, op: .startsWith, value: v)
            default: return nil
            }
        default:
            return nil
        }
    }
}

extension CompareOp: Hashable {}
