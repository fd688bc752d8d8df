import Foundation

/// Why a LIKE or RLIKE pattern is invalid.
struct PatternError: Error, Sendable {
    let message: String
}

/// A compiled SQL LIKE pattern (`%` any run, `_` any one character, an escape character
/// before `%`, `_` or itself for the literal).
struct LikePattern: Sendable {
    private enum Token: Sendable, Equatable {
        case char(Unicode.Scalar)
        case one
        case many
    }

    private let tokens: [Token]
    /// Literal runs between `%`s when the pattern has no `_` (matched on UTF-8 bytes).
    private let segments: [[UInt8]]?
    private let leadingMany: Bool
    private let trailingMany: Bool

    /// Compiles `pattern`; the error text explains an invalid escape.
    static func compile(_ pattern: String, escape: Unicode.Scalar) -> Result<LikePattern, PatternError> {
        var tokens: [Token] = []
        let s = Array(pattern.unicodeScalars)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == escape {
                guard i + 1 < s.count else {
                    return .failure(PatternError(message: "the pattern '\(pattern)' is invalid: it may not end with the escape character"))
                }
                let n = s[i + 1]
                guard n == "%" || n == "_" || n == escape else {
                    return .failure(PatternError(message: "the pattern '\(pattern)' is invalid: the escape character is not allowed to precede '\(n)'"))
                }
                tokens.append(.char(n))
                i += 2
                continue
            }
            if c == "%" {
                if tokens.last != .many { tokens.append(.many) }
            } else if c == "_" {
                tokens.append(.one)
            } else {
                tokens.append(.char(c))
            }
            i += 1
        }
        return .success(LikePattern(tokens: tokens))
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
        if tokens.contains(.one) {
            segments = nil
            leadingMany = false
            trailingMany = false
        } else {
            var segs: [[UInt8]] = []
            var current = String.UnicodeScalarView()
            for t in tokens {
                switch t {
                case .char(let c): current.append(c)
                case .many:
                    segs.append(Array(String(current).utf8))
                    current = String.UnicodeScalarView()
                case .one: break
                }
            }
            segs.append(Array(String(current).utf8))
            segments = segs
            leadingMany = tokens.first == .many
            trailingMany = tokens.last == .many
        }
    }

    func matches(_ s: String) -> Bool {
        if let segments {
            var s = s
            return s.withUTF8 { matchSegments(segments, $0) }
        }
        return matchGeneral(Array(s.unicodeScalars))
    }

    private func matchSegments(_ segs: [[UInt8]], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if segs.count == 1 {
            let p = segs[0]
            return p.count == b.count && p.elementsEqual(b)
        }
        let first = segs[0], last = segs[segs.count - 1]
        guard first.count + last.count <= b.count else { return false }
        if !first.isEmpty, !b.prefix(first.count).elementsEqual(first) { return false }
        if !last.isEmpty, !b.suffix(last.count).elementsEqual(last) { return false }
        var pos = first.count
        let limit = b.count - last.count
        if segs.count > 2 {
            for k in 1..<(segs.count - 1) {
                let seg = segs[k]
                if seg.isEmpty { continue }
                guard let found = LikePattern.find(seg, in: b, from: pos, to: limit) else { return false }
                pos = found + seg.count
            }
        }
        return pos <= limit
    }

    static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        let n = needle.count
        if n == 0 { return from }
        guard to - from >= n else { return nil }
        let first = needle[0]
        var i = from
        while i <= to - n {
            if hay[i] == first {
                var j = 1
                while j < n, hay[i + j] == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }

    /// Wildcard matching with single-star backtracking: O(n·m), never exponential.
    private func matchGeneral(_ s: [Unicode.Scalar]) -> Bool {
        var si = 0, pi = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < tokens.count {
                switch tokens[pi] {
                case .many:
                    starP = pi; starS = si; pi += 1
                    continue
                case .one:
                    si += 1; pi += 1
                    continue
                case .char(let c):
                    if c == s[si] { si += 1; pi += 1; continue }
                }
            }
            if starP >= 0 {
                pi = starP + 1
                starS += 1
                si = starS
            } else {
                return false
            }
        }
        while pi < tokens.count, tokens[pi] == .many { pi += 1 }
        return pi == tokens.count
    }
}

/// A compiled Java-style regular expression for RLIKE (a match anywhere in the string).
final class RegexPattern: @unchecked Sendable {
    /// nil for the empty pattern, which matches every string (ICU refuses it, Java does not).
    private let regex: NSRegularExpression?

    static func compile(_ pattern: String) -> Result<RegexPattern, PatternError> {
        if pattern.isEmpty { return .success(RegexPattern(nil)) }
        do {
            return .success(RegexPattern(try NSRegularExpression(pattern: icuPattern(pattern), options: [])))
        } catch {
            return .failure(PatternError(message: "invalid regular expression '\(pattern)'"))
        }
    }

    private init(_ r: NSRegularExpression?) { regex = r }

    func matches(_ s: String) -> Bool {
        guard let regex else { return true }
        return regex.firstMatch(in: s, options: [], range: NSRange(s.startIndex..<s.endIndex, in: s)) != nil
    }

    /// A Java pattern rewritten where ICU reads it differently: ICU takes `[:name:]` for a
    /// POSIX class, Java for a set of the characters `:`, `n`, `a`, … (so `[\:` keeps Java's
    /// meaning). Escapes and `\Q…\E` quotes are copied as they are.
    static func icuPattern(_ pattern: String) -> String {
        let p = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var quoted = false
        while i < p.count {
            let c = p[i]
            if quoted {
                if c == "\\", i + 1 < p.count, p[i + 1] == "E" { quoted = false; out.append(c); out.append(p[i + 1]); i += 2; continue }
                out.append(c); i += 1
                continue
            }
            if c == "\\", i + 1 < p.count {
                if p[i + 1] == "Q" { quoted = true }
                out.append(c); out.append(p[i + 1]); i += 2
                continue
            }
            if c == "[", i + 1 < p.count, p[i + 1] == ":" {
                out.append("["); out.append("\\"); out.append(":"); i += 2
                continue
            }
            out.append(c); i += 1
        }
        return String(out)
    }
}
