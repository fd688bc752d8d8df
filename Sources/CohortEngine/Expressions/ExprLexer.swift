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
        case double           // 1e3, 1.5D, 1.5F
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
                // No doubling escape: 'it''s' is two adjacent literals, which concatenate.
                advance()
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

    /// A number, or an identifier that starts with digits (Spark allows `30d_total`).
    private mutating func lexNumberOrWord(start: ExprPos) -> ExprToken {
        let begin = i
        var run = ""
        while let c = peek(), ExprLexer.isIdentChar(c) { run.unicodeScalars.append(c); advance() }
        let upper = run.uppercased()
        func allDigits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        if run.isEmpty || allDigits(Substring(run)) {
            // Possibly a fraction and an exponent follow.
            var text = run
            var isDecimal = false
            if peek() == "." {
                isDecimal = true
                text.append(".")
                advance()
                while ExprLexer.isDigit(peek()) { text.unicodeScalars.append(peek()!); advance() }
            }
            var isDouble = false
            if let e = peek(), e == "e" || e == "E" {
                var k = 1
                if let s = peek(1), s == "+" || s == "-" { k = 2 }
                if ExprLexer.isDigit(peek(k)) {
                    isDouble = true
                    text.append("e")
                    advance()
                    if k == 2 { text.unicodeScalars.append(peek()!); advance() }
                    while ExprLexer.isDigit(peek()) { text.unicodeScalars.append(peek()!); advance() }
                }
            }
            // Suffixes.
            var suffix = ""
            while let c = peek(), ExprLexer.isIdentChar(c) { suffix.unicodeScalars.append(c); advance() }
            switch suffix.uppercased() {
            case "":
                if isDouble { return ExprToken(kind: .double, text: text, pos: start, end: start) }
                return ExprToken(kind: isDecimal ? .decimal : .integer, text: text, pos: start, end: start)
            case "D", "F":
                return ExprToken(kind: .double, text: text, pos: start, end: start)
            case "BD":
                return ExprToken(kind: isDouble ? .double : .decimal, text: text, pos: start, end: start)
            case "L" where !isDecimal && !isDouble:
                return ExprToken(kind: .bigintLiteral, text: text, pos: start, end: start)
            case "S", "Y":
                if !isDecimal && !isDouble { return ExprToken(kind: .integer, text: text, pos: start, end: start) }
            default:
                break
            }
            // Not a number after all: treat the whole run as a word.
            return ExprToken(kind: .identifier, text: String(String.UnicodeScalarView(scalars[begin..<i])), pos: start, end: start)
        }
        // Digits followed by letters: a suffixed literal or a word.
        let digitsEnd = run.utf8.firstIndex(where: { !($0 >= 48 && $0 <= 57) }) ?? run.utf8.endIndex
        let digits = String(run[run.startIndex..<digitsEnd])
        let rest = upper[upper.index(upper.startIndex, offsetBy: digits.count)...]
        if !digits.isEmpty {
            switch rest {
            case "L": return ExprToken(kind: .bigintLiteral, text: digits, pos: start, end: start)
            case "S", "Y": return ExprToken(kind: .integer, text: digits, pos: start, end: start)
            case "D", "F": return ExprToken(kind: .double, text: digits, pos: start, end: start)
            case "BD": return ExprToken(kind: .decimal, text: digits, pos: start, end: start)
            default:
                if rest.first == "E", rest.count > 1, allDigits(rest.dropFirst()) {
                    return ExprToken(kind: .double, text: digits + "e" + rest.dropFirst(), pos: start, end: start)
                }
                if rest == "E", let s = peek(), s == "+" || s == "-", ExprLexer.isDigit(peek(1)) {
                    var text = digits + "e"
                    text.unicodeScalars.append(s); advance()
                    while ExprLexer.isDigit(peek()) { text.unicodeScalars.append(peek()!); advance() }
                    return ExprToken(kind: .double, text: text, pos: start, end: start)
                }
            }
        }
        return ExprToken(kind: .identifier, text: run, pos: start, end: start)
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
