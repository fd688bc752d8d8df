/// A 1-based position within an expression's text.
struct ExprPos: Sendable, Equatable {
    var line: Int
    var column: Int
}

struct ExprToken: Sendable {
    enum Kind: Sendable, Equatable {
        case identifier       // a bare word (keywords included)
        case quotedIdentifier // `like this`
        case string
        case integer          // digits, maybe with an S or Y suffix
        case bigintLiteral    // 123L
        case decimal          // 1.5, 1.5BD
        case double           // 1e3, 1.5D
        case narrowLiteral    // 1S, 1Y, 1.5F: smallint, tinyint and float, outside the subset
        case badNumber        // 1.5abc
        case op               // punctuation and operators
        case eof
    }

    var kind: Kind
    /// Identifier text, string value, number digits or operator spelling.
    var text: String
    var pos: ExprPos
    /// The position just after the token.
    var end: ExprPos

    /// The uppercased text of a bare word, for keyword checks.
    var keyword: String { kind == .identifier ? text.uppercased() : "" }

    func isKeyword(_ k: String) -> Bool {
        kind == .identifier && text.count == k.count && text.uppercased() == k
    }

    func isOp(_ o: String) -> Bool { kind == .op && text == o }

    /// How the token reads in a message.
    var display: String {
        switch kind {
        case .eof: return "the end of the expression"
        case .string: return "'\(text)'"
        case .quotedIdentifier: return "`\(text)`"
        default: return "'\(text)'"
        }
    }
}

/// Splits expression text into tokens, following Spark SQL's lexical rules.
struct ExprLexer {
    private let scalars: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var column = 1

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    private var pos: ExprPos { ExprPos(line: line, column: column) }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? {
        i + k < scalars.count ? scalars[i + k] : nil
    }

    private mutating func advance() {
        if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
        i += 1
    }

    static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }

    static func isIdentChar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || (c.value >= 48 && c.value <= 57)
    }

    static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return c.value >= 48 && c.value <= 57
    }

    static func error(_ p: ExprPos, _ message: String, hint: String? = nil) -> ExpressionError {
        ExpressionError(line: p.line, column: p.column, message: message, hint: hint)
    }

    mutating func tokenize() throws(ExpressionError) -> [ExprToken] {
        var tokens: [ExprToken] = []
        var lastEnd = ExprPos(line: 1, column: 1)
        while true {
            try skipTrivia()
            guard let c = peek() else { break }
            let start = pos
            var tok: ExprToken
            if c == "'" || c == "\"" {
                tok = ExprToken(kind: .string, text: try lexString(quote: c, start: start), pos: start, end: start)
            } else if c == "`" {
                tok = ExprToken(kind: .quotedIdentifier, text: try lexQuotedIdentifier(start: start), pos: start, end: start)
            } else if ExprLexer.isDigit(c) || (c == "." && ExprLexer.isDigit(peek(1))) {
                tok = lexNumberOrWord(start: start)
            } else if (c == "r" || c == "R"), let q = peek(1), q == "'" || q == "\"" {
                // A raw string: no escapes.
                advance(); advance()
                var text = String.UnicodeScalarView()
                var closed = false
                while let ch = peek() {
                    advance()
                    if ch == q { closed = true; break }
                    text.append(ch)
                }
                if !closed { throw ExprLexer.error(start, "unterminated string literal", hint: "close it with \(q)") }
                tok = ExprToken(kind: .string, text: String(text), pos: start, end: start)
            } else if ExprLexer.isIdentStart(c) {
                var text = ""
                while let ch = peek(), ExprLexer.isIdentChar(ch) { text.unicodeScalars.append(ch); advance() }
                tok = ExprToken(kind: .identifier, text: text, pos: start, end: start)
            } else {
                tok = ExprToken(kind: .op, text: try lexOperator(start: start), pos: start, end: start)
            }
            tok.end = pos
            lastEnd = pos
            tokens.append(tok)
        }
        tokens.append(ExprToken(kind: .eof, text: "", pos: lastEnd, end: lastEnd))
        return tokens
    }

    private mutating func skipTrivia() throws(ExpressionError) {
        while let c = peek() {
            if c.properties.isWhitespace || c == "\u{FEFF}" {
                advance()
            } else if c == "-", peek(1) == "-" {
                while let ch = peek(), ch != "\n" { _ = ch; advance() }
            } else if c == "/", peek(1) == "*" {
                let start = pos
                advance(); advance()
                var closed = false
                var level = 1
                while peek() != nil {
                    if peek() == "/", peek(1) == "*" { advance(); advance(); level += 1; continue }
                    if peek() == "*", peek(1) == "/" {
                        advance(); advance()
                        level -= 1
                        if level == 0 { closed = true; break }
                        continue
                    }
                    advance()
                }
                if !closed { throw ExprLexer.error(start, "unterminated comment", hint: "close it with */") }
            } else {
                return
            }
        }
    }

    /// Spark's `unescapeSQLString`.
    private mutating func lexString(quote: Unicode.Scalar, start: ExprPos) throws(ExpressionError) -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw ExprLexer.error(start, "unterminated string literal", hint: "close it with \(quote)")
            }
            if c == quote {
                advance()
                // A doubled quote stands for one quote character: 'it''s' is it's.
                if peek() == quote { out.append(quote); advance(); continue }
                break
            }
            if c == "\\" {
                advance()
                guard let e = peek() else {
                    throw ExprLexer.error(start, "unterminated string literal", hint: "close it with \(quote)")
                }
                // Octal \NNN with the first digit 0-3.
                if let d1 = peek(), let d2 = peek(1), let d3 = peek(2),
                   ("0"..."3").contains(d1), ("0"..."7").contains(d2), ("0"..."7").contains(d3) {
                    let v = (d1.value - 48) * 64 + (d2.value - 48) * 8 + (d3.value - 48)
                    out.append(Unicode.Scalar(v)!)
                    advance(); advance(); advance()
                    continue
                }
                if e == "u", let hex = hexScalar(at: i + 1, count: 4) {
                    out.append(hex)
                    for _ in 0..<5 { advance() }
                    continue
                }
                advance()
                switch e {
                case "0": out.append("\u{0}")
                case "b": out.append("\u{8}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "Z": out.append("\u{1A}")
                case "%": out.append("\\"); out.append("%")
                case "_": out.append("\\"); out.append("_")
                default: out.append(e)
                }
                continue
            }
            out.append(c)
            advance()
        }
        return String(out)
    }

    private func hexScalar(at k: Int, count: Int) -> Unicode.Scalar? {
        guard k + count <= scalars.count else { return nil }
        var v: UInt32 = 0
        for j in k..<(k + count) {
            guard let d = UInt32(String(scalars[j]), radix: 16) else { return nil }
            v = v * 16 + d
        }
        return Unicode.Scalar(v)
    }

    private mutating func lexQuotedIdentifier(start: ExprPos) throws(ExpressionError) -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw ExprLexer.error(start, "unterminated quoted identifier", hint: "close it with `")
            }
            advance()
            if c == "`" {
                if peek() == "`" { out.append("`"); advance(); continue }
                break
            }
            out.append(c)
        }
        if out.isEmpty { throw ExprLexer.error(start, "empty quoted identifier") }
        return String(out)
    }

    /// A number, or an identifier that starts with digits (Spark allows `30d_total`), following
    /// Spark's lexer: `DIGITS`, `DIGITS.DIGITS`, `.DIGITS`, an optional exponent `E[+-]DIGITS`,
    /// and an optional suffix `L`, `S`, `Y`, `D`, `F` or `BD` (any case).
    private mutating func lexNumberOrWord(start: ExprPos) -> ExprToken {
        let begin = i
        var text = ""
        while ExprLexer.isDigit(peek()) { text.unicodeScalars.append(peek()!); advance() }
        let intOnly = !text.isEmpty
        var isDecimal = false
        if peek() == ".", !text.isEmpty || ExprLexer.isDigit(peek(1)) {
            isDecimal = true
            text.append(".")
            advance()
            while ExprLexer.isDigit(peek()) { text.unicodeScalars.append(peek()!); advance() }
        }
        var isExponent = false
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let s = peek(1), s == "+" || s == "-" { k = 2 }
            if ExprLexer.isDigit(peek(k)) {
                isExponent = true
                text.append("e")
                advance()
                if k == 2 { text.unicodeScalars.append(peek()!); advance() }
                while ExprLexer.isDigit(peek()) { text.unicodeScalars.append(peek()!); advance() }
            }
        }
        var suffix = ""
        while let c = peek(), ExprLexer.isIdentChar(c) { suffix.unicodeScalars.append(c); advance() }
        func token(_ kind: ExprToken.Kind) -> ExprToken { ExprToken(kind: kind, text: text, pos: start, end: start) }
        switch suffix.uppercased() {
        case "":
            if isExponent { return token(.double) }
            return token(isDecimal ? .decimal : .integer)
        case "D": return token(.double)
        case "BD": return token(.decimal)
        case "L" where intOnly && !isDecimal && !isExponent: return token(.bigintLiteral)
        case "S" where intOnly && !isDecimal && !isExponent, "Y" where intOnly && !isDecimal && !isExponent, "F":
            return ExprToken(kind: .narrowLiteral, text: text + suffix, pos: start, end: start)
        default:
            break
        }
        // Not a number after all: the whole run is a word (`30d_total`), unless it has a
        // fraction, which no identifier has.
        let raw = String(String.UnicodeScalarView(scalars[begin..<i]))
        return ExprToken(kind: isDecimal ? .badNumber : .identifier, text: raw, pos: start, end: start)
    }

    private mutating func lexOperator(start: ExprPos) throws(ExpressionError) -> String {
        let c = peek()!
        let n = peek(1)
        let three: String? = {
            if c == "<", n == "=", peek(2) == ">" { return "<=>" }
            return nil
        }()
        if let three { advance(); advance(); advance(); return three }
        let two: [String] = ["==", "!=", "<>", "<=", ">=", "||", "::", "&&", "!>", "!<"]
        if let n {
            let s = String(c) + String(n)
            if two.contains(s) {
                advance(); advance()
                // Spark reads !> as <= and !< as >=.
                if s == "!>" { return "<=" }
                if s == "!<" { return ">=" }
                return s
            }
        }
        switch c {
        case "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "!", "[", "]", "~", "&", "|", "^", ";":
            advance()
            return String(c)
        default:
            let shown = c.properties.isWhitespace || c.value < 32 ? "U+\(String(c.value, radix: 16, uppercase: true))" : String(c)
            throw ExprLexer.error(start, "unexpected character '\(shown)'")
        }
    }
}
