enum CompareOp: Sendable, Equatable {
    case eq, ne, lt, le, gt, ge, nullSafeEq

    var spelling: String {
        switch self {
        case .eq: return "="
        case .ne: return "!="
        case .lt: return "<"
        case .le: return "<="
        case .gt: return ">"
        case .ge: return ">="
        case .nullSafeEq: return "<=>"
        }
    }
}

/// A parsed expression node with its source position.
struct ExprNode: Sendable {
    indirect enum Kind: Sendable {
        /// A literal; `intDigits` is set for integer literals (Spark gives them a minimal
        /// decimal precision when they meet a decimal).
        case literal(Value, ExprType, intDigits: Int?)
        case name(String)
        case negate(ExprNode)
        case plus(ExprNode)
        case arith(ExprRuntime.ArithOp, String, ExprNode, ExprNode)
        case concat([ExprNode])
        case compare(CompareOp, String, ExprNode, ExprNode)
        case and([ExprNode])
        case or([ExprNode])
        case not(ExprNode)
        case isNull(ExprNode, negated: Bool)
        case isBool(ExprNode, value: Bool, negated: Bool)
        case inList(ExprNode, [ExprNode], negated: Bool)
        case between(ExprNode, ExprNode, ExprNode, negated: Bool)
        case like(ExprNode, ExprNode, escape: Unicode.Scalar, negated: Bool)
        case rlike(ExprNode, ExprNode, negated: Bool)
        case caseWhen(subject: ExprNode?, branches: [(ExprNode, ExprNode)], otherwise: ExprNode?)
        case cast(ExprNode, ExprType)
        case call(String, [ExprNode])
    }

    var kind: Kind
    /// Where the node starts.
    var pos: ExprPos
    /// Where its operator or keyword is (the start for nodes without one).
    var opPos: ExprPos
    var height: Int
}

/// A recursive-descent parser for Spark SQL's expression grammar and precedence.
struct ExprParser {
    static let maxDepth = 256

    private var toks: [ExprToken]
    private var k = 0
    private var depth = 0

    init(tokens: [ExprToken]) { toks = tokens }

    /// An upper bound on how deeply parsing `tokens` recurses: open parentheses and CASEs
    /// plus the longest run of prefix operators.
    static func nestingEstimate(_ tokens: [ExprToken]) -> Int {
        var depth = 0, chain = 0, best = 0
        var prefixPosition = true
        for t in tokens {
            let isPrefixOp = prefixPosition && (t.isOp("-") || t.isOp("+") || t.isOp("!") || t.isKeyword("NOT"))
            chain = isPrefixOp ? chain + 1 : 0
            if t.isOp("(") || t.isKeyword("CASE") { depth += 1 }
            if t.isOp(")") || t.isKeyword("END") { depth = max(0, depth - 1) }
            best = max(best, depth + chain)
            switch t.kind {
            case .op: prefixPosition = !t.isOp(")")
            case .identifier: prefixPosition = reserved.contains(t.keyword) || t.keyword == "NOT" || t.keyword == "CASE"
            default: prefixPosition = false
            }
        }
        return best
    }

    private var cur: ExprToken { toks[k] }
    private var nextTok: ExprToken { toks[min(k + 1, toks.count - 1)] }

    @discardableResult
    private mutating func take() -> ExprToken {
        let t = toks[k]
        if k < toks.count - 1 { k += 1 }
        return t
    }

    private func fail(_ p: ExprPos, _ message: String, hint: String? = nil) -> ExpressionError {
        ExpressionError(line: p.line, column: p.column, message: message, hint: hint)
    }

    private var tooDeep: ExpressionError {
        fail(cur.pos, "expression nests too deeply (over \(ExprParser.maxDepth) levels)")
    }

    private mutating func enter() throws(ExpressionError) {
        depth += 1
        if depth > ExprParser.maxDepth { throw tooDeep }
    }

    private mutating func leave() { depth -= 1 }

    private func node(_ kind: ExprNode.Kind, _ pos: ExprPos, op: ExprPos? = nil, children: [ExprNode]) throws(ExpressionError) -> ExprNode {
        var h = 0
        for c in children where c.height > h { h = c.height }
        h += 1
        if h > ExprParser.maxDepth {
            throw fail(op ?? pos, "expression nests too deeply (over \(ExprParser.maxDepth) levels)")
        }
        return ExprNode(kind: kind, pos: pos, opPos: op ?? pos, height: h)
    }

    static let reserved: Set<String> = [
        "AND", "OR", "IS", "IN", "BETWEEN", "LIKE", "ILIKE", "RLIKE", "REGEXP", "THEN", "WHEN",
        "ELSE", "END", "AS", "DIV", "FROM", "ESCAPE",
    ]

    private func canStart(_ t: ExprToken) -> Bool {
        switch t.kind {
        case .eof: return false
        case .identifier: return !ExprParser.reserved.contains(t.keyword)
        case .op: return ["(", "-", "+", "!", "~"].contains(t.text)
        default: return true
        }
    }

    private func describe(_ t: ExprToken) -> String {
        t.kind == .identifier && (ExprParser.reserved.contains(t.keyword) || t.keyword == "NOT") ? t.keyword : "'\(t.text)'"
    }

    /// Checks that an operand follows `after` (an operator or keyword token).
    private func expectOperand(after: ExprToken) throws(ExpressionError) {
        if !canStart(cur) {
            throw fail(cur.pos, "expected an expression after \(describe(after))",
                       hint: cur.kind == .eof ? nil : "found \(cur.display)")
        }
    }

    // MARK: Entry

    mutating func parse() throws(ExpressionError) -> ExprNode {
        if cur.kind == .eof { throw fail(cur.pos, "the expression is empty") }
        if !canStart(cur) {
            throw fail(cur.pos, "expected an expression", hint: "found \(cur.display)")
        }
        let e = try parseExpr()
        if cur.kind != .eof {
            if cur.isOp(")") { throw fail(cur.pos, "unexpected ')'", hint: "there is no '(' for it to close") }
            throw fail(cur.pos, "unexpected \(cur.display)", hint: "expected an operator or the end of the expression")
        }
        return e
    }

    private mutating func parseExpr() throws(ExpressionError) -> ExprNode {
        try parseOr()
    }

    private mutating func parseOr() throws(ExpressionError) -> ExprNode {
        let first = try parseAnd()
        guard cur.isKeyword("OR") else { return first }
        var items = [first]
        var opPos = cur.pos
        while cur.isKeyword("OR") {
            let op = take()
            if items.count == 1 { opPos = op.pos }
            try expectOperand(after: op)
            items.append(try parseAnd())
        }
        return try node(.or(items), first.pos, op: opPos, children: items)
    }

    private mutating func parseAnd() throws(ExpressionError) -> ExprNode {
        let first = try parseNot()
        guard cur.isKeyword("AND") else { return first }
        var items = [first]
        var opPos = cur.pos
        while cur.isKeyword("AND") {
            let op = take()
            if items.count == 1 { opPos = op.pos }
            try expectOperand(after: op)
            items.append(try parseNot())
        }
        return try node(.and(items), first.pos, op: opPos, children: items)
    }

    private mutating func parseNot() throws(ExpressionError) -> ExprNode {
        if cur.isKeyword("NOT") || cur.isOp("!") {
            let op = take()
            try enter()
            try expectOperand(after: op)
            let inner = try parseNot()
            leave()
            return try node(.not(inner), op.pos, children: [inner])
        }
        return try parsePredicated()
    }

    private mutating func parsePredicated() throws(ExpressionError) -> ExprNode {
        let left = try parseComparison()
        var negated = false
        var notTok: ExprToken?
        if cur.isKeyword("NOT") {
            let n = nextTok
            if ["BETWEEN", "IN", "LIKE", "ILIKE", "RLIKE", "REGEXP"].contains(n.keyword) {
                notTok = take()
                negated = true
            }
        }
        let kw = cur.keyword
        switch kw {
        case "BETWEEN":
            let op = take()
            try expectOperand(after: op)
            let lo = try parseComparison()
            guard cur.isKeyword("AND") else {
                throw fail(cur.pos, "expected AND in BETWEEN … AND …", hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
            let andTok = take()
            try expectOperand(after: andTok)
            let hi = try parseComparison()
            return try node(.between(left, lo, hi, negated: negated), left.pos, op: notTok?.pos ?? op.pos, children: [left, lo, hi])
        case "IN":
            let op = take()
            guard cur.isOp("(") else {
                throw fail(cur.pos, "expected '(' after IN", hint: "write IN (value, …)")
            }
            let open = take()
            try enter()
            if cur.isOp(")") { throw fail(cur.pos, "IN needs at least one value") }
            var items: [ExprNode] = []
            while true {
                if !canStart(cur) {
                    throw fail(cur.pos, "expected an expression in the IN list", hint: cur.kind == .eof ? nil : "found \(cur.display)")
                }
                items.append(try parseExpr())
                if cur.isOp(",") { take(); continue }
                if cur.isOp(")") { take(); break }
                throw fail(cur.pos, "expected ',' or ')' in the IN list opened at \(open.pos.line):\(open.pos.column)",
                           hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
            leave()
            return try node(.inList(left, items, negated: negated), left.pos, op: notTok?.pos ?? op.pos, children: [left] + items)
        case "LIKE", "ILIKE":
            let op = take()
            try expectOperand(after: op)
            var pattern = try parseComparison()
            var escape: Unicode.Scalar = "\\"
            if cur.isKeyword("ESCAPE") {
                let e = take()
                guard cur.kind == .string else { throw fail(cur.pos, "expected a one-character string after ESCAPE") }
                let s = take()
                guard s.text.unicodeScalars.count == 1 else {
                    throw fail(s.pos, "the ESCAPE string must be a single character", hint: "found '\(s.text)'")
                }
                _ = e
                escape = s.text.unicodeScalars.first!
            }
            var subject = left
            if kw == "ILIKE" {
                // Spark's ILIKE is lower(x) LIKE lower(pattern).
                subject = try node(.call("lower", [left]), left.pos, children: [left])
                pattern = try node(.call("lower", [pattern]), pattern.pos, children: [pattern])
            }
            return try node(.like(subject, pattern, escape: escape, negated: negated), left.pos, op: notTok?.pos ?? op.pos, children: [subject, pattern])
        case "RLIKE", "REGEXP":
            let op = take()
            try expectOperand(after: op)
            let pattern = try parseComparison()
            return try node(.rlike(left, pattern, negated: negated), left.pos, op: notTok?.pos ?? op.pos, children: [left, pattern])
        case "IS":
            let op = take()
            var neg = false
            if cur.isKeyword("NOT") { take(); neg = true }
            if cur.isKeyword("NULL") || cur.isKeyword("UNKNOWN") {
                take()
                return try node(.isNull(left, negated: neg), left.pos, op: op.pos, children: [left])
            }
            if cur.isKeyword("TRUE") || cur.isKeyword("FALSE") {
                let v = take().keyword == "TRUE"
                return try node(.isBool(left, value: v, negated: neg), left.pos, op: op.pos, children: [left])
            }
            if cur.isKeyword("DISTINCT") {
                take()
                guard cur.isKeyword("FROM") else { throw fail(cur.pos, "expected FROM after IS DISTINCT") }
                let from = take()
                try expectOperand(after: from)
                let right = try parseComparison()
                // a IS DISTINCT FROM b  ==  NOT (a <=> b)
                let eq = try node(.compare(.nullSafeEq, "<=>", left, right), left.pos, op: op.pos, children: [left, right])
                return neg ? eq : try node(.not(eq), left.pos, op: op.pos, children: [eq])
            }
            throw fail(cur.pos, "expected NULL, NOT NULL, TRUE, FALSE or DISTINCT FROM after IS",
                       hint: cur.kind == .eof ? nil : "found \(cur.display)")
        default:
            return left
        }
    }

    private func comparisonOp(_ t: ExprToken) -> CompareOp? {
        guard t.kind == .op else { return nil }
        switch t.text {
        case "=", "==": return .eq
        case "!=", "<>": return .ne
        case "<": return .lt
        case "<=": return .le
        case ">": return .gt
        case ">=": return .ge
        case "<=>": return .nullSafeEq
        default: return nil
        }
    }

    private mutating func parseComparison() throws(ExpressionError) -> ExprNode {
        var left = try parseAdditive()
        while let op = comparisonOp(cur) {
            let t = take()
            try expectOperand(after: t)
            let right = try parseAdditive()
            left = try node(.compare(op, t.text, left, right), left.pos, op: t.pos, children: [left, right])
        }
        return left
    }

    private mutating func parseAdditive() throws(ExpressionError) -> ExprNode {
        var left = try parseMultiplicative()
        while cur.isOp("+") || cur.isOp("-") || cur.isOp("||") {
            let t = take()
            try expectOperand(after: t)
            let right = try parseMultiplicative()
            if t.text == "||" {
                if case .concat(var items) = left.kind, left.opPos.line > 0 {
                    items.append(right)
                    left = try node(.concat(items), left.pos, op: left.opPos, children: items)
                } else {
                    left = try node(.concat([left, right]), left.pos, op: t.pos, children: [left, right])
                }
            } else {
                left = try node(.arith(t.text == "+" ? .add : .sub, t.text, left, right), left.pos, op: t.pos, children: [left, right])
            }
        }
        return left
    }

    private mutating func parseMultiplicative() throws(ExpressionError) -> ExprNode {
        var left = try parseUnary()
        while cur.isOp("*") || cur.isOp("/") || cur.isOp("%") || cur.isKeyword("DIV") {
            let t = take()
            try expectOperand(after: t)
            let right = try parseUnary()
            let op: ExprRuntime.ArithOp
            switch t.text {
            case "*": op = .mul
            case "/": op = .div
            case "%": op = .mod
            default: op = .intDiv
            }
            left = try node(.arith(op, t.kind == .op ? t.text : "div", left, right), left.pos, op: t.pos, children: [left, right])
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExprNode {
        if cur.isOp("-") || cur.isOp("+") {
            let t = take()
            try expectOperand(after: t)
            if t.text == "-", [.integer, .bigintLiteral, .decimal, .double].contains(cur.kind),
               !(nextTok.isOp("::")) {
                let lit = take()
                return try literal(lit, negative: true, at: t.pos)
            }
            try enter()
            let inner = try parseUnary()
            leave()
            return try node(t.text == "-" ? .negate(inner) : .plus(inner), t.pos, children: [inner])
        }
        if cur.isOp("~") {
            throw fail(cur.pos, "bitwise operators are not supported")
        }
        if cur.isKeyword("NOT") || cur.isOp("!") {
            throw fail(cur.pos, "NOT cannot appear inside a value", hint: "put the condition in parentheses: (NOT …)")
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(ExpressionError) -> ExprNode {
        var e = try parsePrimary()
        while true {
            if cur.isOp("::") {
                let t = take()
                let type = try parseType()
                e = try node(.cast(e, type), e.pos, op: t.pos, children: [e])
            } else if cur.isOp("[") {
                throw fail(cur.pos, "subscripts are not supported", hint: "use array_contains or size")
            } else if cur.isOp("&") || cur.isOp("|") || cur.isOp("^") {
                throw fail(cur.pos, "bitwise operators are not supported")
            } else if cur.isOp("&&") {
                throw fail(cur.pos, "unexpected '&&'", hint: "write AND")
            } else {
                return e
            }
        }
    }

    private func literal(_ t: ExprToken, negative: Bool, at pos: ExprPos) throws(ExpressionError) -> ExprNode {
        let text = negative ? "-" + t.text : t.text
        switch t.kind {
        case .integer:
            if let v = Int64(text) {
                let digits = t.text.drop(while: { $0 == "0" }).count
                let type: ExprType = (v >= Int64(Int32.min) && v <= Int64(Int32.max)) ? .int : .bigint
                return ExprNode(kind: .literal(.int(v), type, intDigits: max(digits, 1)), pos: pos, opPos: pos, height: 1)
            }
            let d = Double(text) ?? 0
            let digits = t.text.drop(while: { $0 == "0" }).count
            return ExprNode(kind: .literal(.double(d), digits <= 38 ? .decimal(digits, 0) : .double, intDigits: nil), pos: pos, opPos: pos, height: 1)
        case .bigintLiteral:
            guard let v = Int64(text) else {
                throw fail(t.pos, "the number \(text) does not fit in a bigint")
            }
            return ExprNode(kind: .literal(.int(v), .bigint, intDigits: nil), pos: pos, opPos: pos, height: 1)
        case .decimal:
            if let e = t.text.firstIndex(of: "e") {
                // 1.5E2BD: Java's BigDecimal("1.5E2") has scale -1, which Spark widens to
                // decimal(3,0).
                let mantissa = t.text[..<e], exponent = Int(t.text[t.text.index(after: e)...]) ?? 0
                let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
                let frac = parts.count > 1 ? parts[1] : ""
                let significant = max((parts[0] + frac).drop(while: { $0 == "0" }).count, 1)
                let scale = frac.count - exponent
                let type: ExprType = scale < 0 ? .boundedDecimal(significant - scale, 0) : .boundedDecimal(max(significant, scale), scale)
                guard let d = Double(text), d.isFinite else { throw fail(t.pos, "the number \(text) is out of range") }
                return ExprNode(kind: .literal(.double(d), type, intDigits: nil), pos: pos, opPos: pos, height: 1)
            }
            let parts = t.text.split(separator: ".", omittingEmptySubsequences: false)
            let intPart = parts.first.map { $0.drop(while: { $0 == "0" }) } ?? ""
            let frac = parts.count > 1 ? parts[1] : ""
            let scale = frac.count
            var precision = intPart.count + scale
            if intPart.isEmpty { precision = max(scale, 1) }
            let normalized = (negative ? "-" : "") + (intPart.isEmpty ? "0" : String(intPart)) + "." + (frac.isEmpty ? "0" : String(frac))
            let d = Double(normalized) ?? 0
            let type: ExprType = precision <= 38 ? .decimal(max(precision, scale, 1), scale) : .double
            return ExprNode(kind: .literal(.double(d), type, intDigits: nil), pos: pos, opPos: pos, height: 1)
        case .double:
            let d = Double(text) ?? .nan
            if d.isInfinite { throw fail(t.pos, "the number \(text) is out of range for a double") }
            return ExprNode(kind: .literal(.double(d), .double, intDigits: nil), pos: pos, opPos: pos, height: 1)
        default:
            throw fail(t.pos, "expected a number")
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExprNode {
        let t = cur
        switch t.kind {
        case .eof:
            throw fail(t.pos, "expected an expression")
        case .string:
            take()
            var text = t.text
            while cur.kind == .string { text += take().text }
            return ExprNode(kind: .literal(.string(text), .string, intDigits: nil), pos: t.pos, opPos: t.pos, height: 1)
        case .integer, .bigintLiteral, .decimal, .double:
            take()
            return try literal(t, negative: false, at: t.pos)
        case .narrowLiteral:
            let suffix = t.text.last.map { String($0).uppercased() } ?? ""
            let kind = suffix == "S" ? "smallint" : (suffix == "Y" ? "tinyint" : "float")
            let digits = String(t.text.dropLast())
            throw fail(t.pos, "\(kind) literals are outside the expression subset",
                       hint: kind == "float" ? "write \(digits)D for a double" : "write \(digits) for an int")
        case .badNumber:
            throw fail(t.pos, "invalid number '\(t.text)'")
        case .quotedIdentifier:
            return try parsePath()
        case .op:
            if t.isOp("(") {
                take()
                try enter()
                try expectOperand(after: t)
                let e = try parseExpr()
                guard cur.isOp(")") else {
                    if cur.isOp(",") {
                        throw fail(cur.pos, "unexpected ','", hint: "expected ')' to close the '(' at \(t.pos.line):\(t.pos.column)")
                    }
                    throw fail(cur.pos, "expected ')' to close the '(' at \(t.pos.line):\(t.pos.column)",
                               hint: cur.kind == .eof ? nil : "found \(cur.display)")
                }
                take()
                leave()
                return e
            }
            throw fail(t.pos, "expected an expression", hint: "found \(t.display)")
        case .identifier:
            let kw = t.keyword
            switch kw {
            case "TRUE", "FALSE":
                take()
                return ExprNode(kind: .literal(.bool(kw == "TRUE"), .boolean, intDigits: nil), pos: t.pos, opPos: t.pos, height: 1)
            case "NULL":
                take()
                return ExprNode(kind: .literal(.null, .null, intDigits: nil), pos: t.pos, opPos: t.pos, height: 1)
            case "DATE", "TIMESTAMP", "TIMESTAMP_LTZ":
                if nextTok.kind == .string {
                    take()
                    let s = take()
                    if kw == "DATE" {
                        guard let d = SparkText.parseDate(s.text) else {
                            throw fail(s.pos, "invalid DATE literal '\(s.text)'", hint: "write DATE 'YYYY-MM-DD'")
                        }
                        return ExprNode(kind: .literal(.date(d), .date, intDigits: nil), pos: t.pos, opPos: t.pos, height: 1)
                    }
                    guard let ts = SparkText.parseTimestamp(s.text) else {
                        throw fail(s.pos, "invalid TIMESTAMP literal '\(s.text)'", hint: "write TIMESTAMP 'YYYY-MM-DD HH:MM:SS'")
                    }
                    return ExprNode(kind: .literal(.timestamp(ts), .timestamp, intDigits: nil), pos: t.pos, opPos: t.pos, height: 1)
                }
            case "INTERVAL":
                if nextTok.kind == .string || [.integer, .decimal].contains(nextTok.kind) {
                    throw fail(t.pos, "INTERVAL literals are not supported", hint: "use date_add, date_sub or datediff")
                }
            case "CASE":
                return try parseCase()
            case "CAST", "TRY_CAST":
                if nextTok.isOp("(") { return try parseCast() }
            case "NOT":
                throw fail(t.pos, "NOT cannot appear inside a value", hint: "put the condition in parentheses: (NOT …)")
            default:
                if ExprParser.reserved.contains(kw) {
                    throw fail(t.pos, "expected an expression", hint: "found \(kw)")
                }
            }
            if nextTok.isOp("(") { return try parseCall() }
            return try parsePath()
        }
    }

    private mutating func parsePath() throws(ExpressionError) -> ExprNode {
        let first = take()
        var name = first.text
        while cur.isOp(".") {
            let dot = take()
            guard cur.kind == .identifier || cur.kind == .quotedIdentifier else {
                throw fail(cur.pos, "expected a field name after '.'", hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
            _ = dot
            name += "." + take().text
        }
        return ExprNode(kind: .name(name), pos: first.pos, opPos: first.pos, height: 1)
    }

    private mutating func parseCall() throws(ExpressionError) -> ExprNode {
        let nameTok = take()
        let open = take() // (
        try enter()
        var args: [ExprNode] = []
        if cur.isOp(")") {
            take()
        } else {
            if cur.isKeyword("DISTINCT") || cur.isOp("*") {
                throw fail(cur.pos, "aggregate calls are not supported in expressions")
            }
            let isSubstring = ["SUBSTRING", "SUBSTR"].contains(nameTok.keyword)
            while true {
                if !canStart(cur) {
                    throw fail(cur.pos, "expected an argument for \(nameTok.text)()",
                               hint: cur.kind == .eof ? "close the call with ')'" : "found \(cur.display)")
                }
                args.append(try parseExpr())
                if isSubstring, args.count == 1, cur.isKeyword("FROM") {
                    // substring(str FROM pos [FOR len])
                    let from = take()
                    try expectOperand(after: from)
                    args.append(try parseExpr())
                    if cur.isKeyword("FOR") {
                        let forTok = take()
                        try expectOperand(after: forTok)
                        args.append(try parseExpr())
                    }
                    guard cur.isOp(")") else {
                        throw fail(cur.pos, "expected ')' to close \(nameTok.text)(… FROM …)", hint: cur.kind == .eof ? nil : "found \(cur.display)")
                    }
                    take()
                    break
                }
                if cur.isOp(",") { take(); continue }
                if cur.isOp(")") { take(); break }
                throw fail(cur.pos, "expected ',' or ')' after an argument of \(nameTok.text)() opened at \(open.pos.line):\(open.pos.column)",
                           hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
        }
        leave()
        return try node(.call(nameTok.text, args), nameTok.pos, children: args)
    }

    private mutating func parseCase() throws(ExpressionError) -> ExprNode {
        let caseTok = take()
        try enter()
        var subject: ExprNode?
        if !cur.isKeyword("WHEN") {
            if !canStart(cur) {
                throw fail(cur.pos, "expected WHEN after CASE", hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
            subject = try parseExpr()
            if !cur.isKeyword("WHEN") {
                throw fail(cur.pos, "expected WHEN after CASE …", hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
        }
        var branches: [(ExprNode, ExprNode)] = []
        var children: [ExprNode] = subject.map { [$0] } ?? []
        while cur.isKeyword("WHEN") {
            let w = take()
            try expectOperand(after: w)
            let cond = try parseExpr()
            guard cur.isKeyword("THEN") else {
                throw fail(cur.pos, "expected THEN after the WHEN condition", hint: cur.kind == .eof ? nil : "found \(cur.display)")
            }
            let th = take()
            try expectOperand(after: th)
            let value = try parseExpr()
            branches.append((cond, value))
            children.append(cond); children.append(value)
        }
        var otherwise: ExprNode?
        if cur.isKeyword("ELSE") {
            let e = take()
            try expectOperand(after: e)
            let v = try parseExpr()
            otherwise = v
            children.append(v)
        }
        guard cur.isKeyword("END") else {
            throw fail(cur.pos, "expected END to close the CASE at \(caseTok.pos.line):\(caseTok.pos.column)",
                       hint: cur.kind == .eof ? nil : "found \(cur.display)")
        }
        take()
        leave()
        return try node(.caseWhen(subject: subject, branches: branches, otherwise: otherwise), caseTok.pos, children: children)
    }

    private mutating func parseCast() throws(ExpressionError) -> ExprNode {
        let castTok = take()
        take() // (
        try enter()
        try expectOperand(after: ExprToken(kind: .op, text: "(", pos: castTok.pos, end: castTok.pos))
        let inner = try parseExpr()
        guard cur.isKeyword("AS") else {
            throw fail(cur.pos, "expected AS in CAST(… AS type)", hint: cur.kind == .eof ? nil : "found \(cur.display)")
        }
        take()
        let type = try parseType()
        guard cur.isOp(")") else {
            throw fail(cur.pos, "expected ')' to close CAST", hint: cur.kind == .eof ? nil : "found \(cur.display)")
        }
        take()
        leave()
        return try node(.cast(inner, type), castTok.pos, children: [inner])
    }

    static let typeNames = ["int", "integer", "bigint", "long", "double", "float", "string", "varchar",
                            "boolean", "bool", "date", "timestamp", "decimal", "array"]

    private mutating func parseType() throws(ExpressionError) -> ExprType {
        guard cur.kind == .identifier else {
            throw fail(cur.pos, "expected a type name", hint: "one of int, bigint, double, string, boolean, date, timestamp")
        }
        let t = take()
        switch t.text.lowercased() {
        case "int", "integer": return .int
        case "bigint", "long": return .bigint
        case "double": return .double
        case "smallint", "short", "tinyint", "byte", "float", "real":
            throw fail(t.pos, "the type '\(t.text)' is outside the expression subset",
                       hint: ["float", "real"].contains(t.text.lowercased()) ? "cast to double" : "cast to int")
        case "string": return .string
        case "varchar", "char":
            if cur.isOp("(") {
                take()
                guard cur.kind == .integer else { throw fail(cur.pos, "expected a length") }
                take()
                guard cur.isOp(")") else { throw fail(cur.pos, "expected ')'") }
                take()
            }
            return .string
        case "boolean", "bool": return .boolean
        case "date": return .date
        case "timestamp", "timestamp_ltz": return .timestamp
        case "decimal", "dec", "numeric":
            var p = 10, s = 0
            if cur.isOp("(") {
                take()
                guard cur.kind == .integer, let pv = Int(cur.text), pv >= 1, pv <= 38 else {
                    throw fail(cur.pos, "expected a decimal precision from 1 to 38")
                }
                take()
                p = pv
                s = 0
                if cur.isOp(",") {
                    take()
                    guard cur.kind == .integer, let sv = Int(cur.text), sv <= pv else {
                        throw fail(cur.pos, "expected a decimal scale from 0 to the precision")
                    }
                    take()
                    s = sv
                }
                guard cur.isOp(")") else { throw fail(cur.pos, "expected ')' after the decimal precision") }
                take()
            }
            return .decimal(p, s)
        case "array":
            guard cur.isOp("<") else { throw fail(cur.pos, "expected '<' after array") }
            take()
            let e = try parseType()
            guard cur.isOp(">") else { throw fail(cur.pos, "expected '>' to close array<…>") }
            take()
            return .array(e)
        default:
            throw fail(t.pos, "unknown type '\(t.text)'",
                       hint: suggestion(for: t.text, among: ExprParser.typeNames).map { "did you mean '\($0)'?" }
                           ?? "use int, bigint, double, string, boolean, date or timestamp")
        }
    }
}
