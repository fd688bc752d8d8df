/// Where an expression names an attribute: the identifier tokens (bare or back-quoted) that read
/// it, found with the expression lexer so string literals, dotted paths such as `properties.x`
/// and function names never count.
struct DefinitionReference: Sendable, Equatable {
    /// Unicode-scalar offsets of the token within the expression text.
    var range: Range<Int>
    /// Whether the token was written `` `like this` ``.
    var quoted: Bool
}

/// The references to `name` in `expression`, or nil when the expression does not lex.
func definitionReferences(in expression: String, to name: String) -> [DefinitionReference]? {
    guard !name.isEmpty else { return [] }
    var lexer = ExprLexer(expression)
    guard let tokens = try? lexer.tokenize() else { return nil }
    // Line starts as Unicode-scalar offsets, to turn the lexer's line/column into offsets.
    var lineStarts = [0]
    for (i, c) in expression.unicodeScalars.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    func offset(_ p: ExprPos) -> Int {
        let line = min(max(p.line, 1), lineStarts.count)
        return lineStarts[line - 1] + p.column - 1
    }
    var result: [DefinitionReference] = []
    for (k, tok) in tokens.enumerated() {
        guard tok.kind == .identifier || tok.kind == .quotedIdentifier, tok.text == name else { continue }
        let prev: ExprToken? = k > 0 ? tokens[k - 1] : nil
        let next: ExprToken? = k + 1 < tokens.count ? tokens[k + 1] : nil
        if next?.isOp("(") == true { continue }                       // a function name
        if prev?.isOp(".") == true || next?.isOp(".") == true { continue } // part of a dotted path
        if prev?.isKeyword("AS") == true { continue }                  // a type name in CAST(x AS t)
        if tok.kind == .identifier, ["DATE", "TIMESTAMP", "TIMESTAMP_LTZ"].contains(tok.keyword), next?.kind == .string { continue }
        result.append(DefinitionReference(range: offset(tok.pos)..<offset(tok.end), quoted: tok.kind == .quotedIdentifier))
    }
    return result
}

/// Whether `expression` reads `name` (false when it does not lex).
func expressionReferences(_ expression: String, name: String) -> Bool {
    !(definitionReferences(in: expression, to: name) ?? []).isEmpty
}

/// `expression` with every reference to `from` renamed to `to`; nil when nothing changes or the
/// expression does not lex.
func rewriteDefinitionReferences(in expression: String, from: String, to: String) -> String? {
    guard from != to, let refs = definitionReferences(in: expression, to: from), !refs.isEmpty else { return nil }
    var scalars = Array(expression.unicodeScalars)
    for ref in refs.reversed() {
        let spelling = ref.quoted ? quotedIdentifierSpelling(to) : identifierSpelling(to)
        scalars.replaceSubrange(ref.range, with: spelling.unicodeScalars)
    }
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
}

/// How a name is written in an expression: bare when it lexes as one plain, non-reserved word,
/// else back-quoted.
func identifierSpelling(_ name: String) -> String {
    let scalars = Array(name.unicodeScalars)
    if let first = scalars.first, ExprLexer.isIdentStart(first), scalars.allSatisfy(ExprLexer.isIdentChar),
       !ExprParser.reserved.contains(name.uppercased()),
       !["TRUE", "FALSE", "NULL", "NOT", "CASE", "CAST", "TRY_CAST", "INTERVAL"].contains(name.uppercased()) {
        return name
    }
    return quotedIdentifierSpelling(name)
}

private func quotedIdentifierSpelling(_ name: String) -> String {
    "`" + String(name.flatMap { $0 == "`" ? ["`", "`"] : [$0] }) + "`"
}

/// What reads an attribute: computed attributes and segments of the same collection whose
/// expression names it (by identifier token).
public func definitionDependents(of attribute: String, in collection: CollectionDefinition) -> [(kind: DefinitionItemKind, name: String)] {
    var result: [(kind: DefinitionItemKind, name: String)] = []
    for attr in collection.attributes {
        if case .computed(let expression) = attr.kind, expressionReferences(expression.value, name: attribute) {
            result.append((.attribute, attr.name.value))
        }
    }
    for segment in collection.segments where expressionReferences(segment.condition.value, name: attribute) {
        result.append((.segment, segment.name.value))
    }
    return result
}
