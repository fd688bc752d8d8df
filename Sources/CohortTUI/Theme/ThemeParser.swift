import CohortEngine
import Yams

/// One theme file as written, before `extends` and palette names are resolved.
struct ThemeSource {
    /// A colour as written in a role: a literal, or a word that is a palette name or an ANSI name.
    struct ColorSpec {
        enum Value { case literal(ThemeColor), word(String) }
        var value: Value
        var file: String
        var location: SourceLocation
    }

    /// A role as written: colours left out are the terminal's own.
    struct RoleSpec {
        var fg: ColorSpec?
        var bg: ColorSpec?
        var attributes: TextAttributes
    }

    var file: String
    /// The `name:` key, when given.
    var declaredName: (value: String, location: SourceLocation)?
    var extends: (name: String, location: SourceLocation)?
    var palette: [String: ThemeColor] = [:]
    var roles: [Role: RoleSpec] = [:]
    var mono: [Role: TextAttributes] = [:]
}

/// Reads one theme YAML file into a `ThemeSource`, reporting every problem with its position.
struct ThemeParser {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    static let topKeys = ["name", "description", "extends", "palette", "roles", "mono"]
    static let roleKeys = ["fg", "bg", "attrs"]
    static let attributeNames: [(String, TextAttributes)] = [
        ("bold", .bold), ("underline", .underline), ("reverse", .reverse), ("dim", .dim), ("italic", .italic),
    ]
    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    init(file: String) { self.file = file }

    /// Parses a theme's source; nil when it is not even a mapping.
    static func parse(file: String, source: String) -> (ThemeSource?, [Diagnostic]) {
        var p = ThemeParser(file: file)
        let s = p.run(source)
        return (s, p.diagnostics)
    }

    private mutating func run(_ source: String) -> ThemeSource? {
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: source) else {
                error(at: .unknown, "the theme file is empty", hint: "start with 'name:' and 'roles:' (see themes/default.yaml)")
                return nil
            }
            root = r
        } catch let e as YamlError {
            report(e)
            return nil
        } catch {
            self.error(at: .unknown, "cannot read YAML: \(error)")
            return nil
        }
        guard let top = root.mapping else {
            error(at: location(root), "a theme is a mapping of name, extends, palette, roles and mono")
            return nil
        }
        var src = ThemeSource(file: file)
        for (k, v) in top {
            guard let key = key(k) else { continue }
            switch key {
            case "name":
                if let s = scalarString(v, "the theme name") { src.declaredName = (s, location(v)) }
            case "description":
                break
            case "extends":
                if let s = scalarString(v, "'extends'") { src.extends = (s, location(v)) }
            case "palette":
                guard let m = mapping(v, "the palette", hint: "write palette: { name: \"#rrggbb\", … }") else { break }
                for (pk, pv) in m {
                    guard let name = self.key(pk) else { continue }
                    if let c = literalColor(pv, context: "palette colour '\(name)'") { src.palette[name] = c }
                }
            case "roles":
                guard let m = mapping(v, "roles", hint: "write roles: { text: { fg: …, bg: …, attrs: […] }, … }") else { break }
                for (rk, rv) in m {
                    guard let role = role(rk) else { continue }
                    if let spec = roleSpec(rv, role: role) { src.roles[role] = spec }
                }
            case "mono":
                guard let m = mapping(v, "mono", hint: "write mono: { role: { attrs: […] }, … }") else { break }
                for (rk, rv) in m {
                    guard let role = role(rk) else { continue }
                    if let a = monoSpec(rv, role: role) { src.mono[role] = a }
                }
            default:
                error(at: location(k), "unknown key '\(key)' in a theme", hint: didYouMean(key, Self.topKeys) ?? "a theme has \(Self.topKeys.joined(separator: ", "))")
            }
        }
        return src
    }

    // MARK: Roles

    private mutating func role(_ keyNode: Node) -> Role? {
        guard let name = key(keyNode) else { return nil }
        if let r = Role(rawValue: name) { return r }
        let names = Role.allCases.map(\.rawValue)
        error(at: location(keyNode), "unknown role '\(name)'", hint: didYouMean(name, names) ?? "roles are \(names.joined(separator: ", "))")
        return nil
    }

    private mutating func roleSpec(_ node: Node, role: Role) -> ThemeSource.RoleSpec? {
        guard let m = mapping(node, "role '\(role.rawValue)'", hint: "write \(role.rawValue): { fg: …, bg: …, attrs: […] }") else { return nil }
        var spec = ThemeSource.RoleSpec(fg: nil, bg: nil, attributes: [])
        for (k, v) in m {
            guard let key = key(k) else { continue }
            switch key {
            case "fg": spec.fg = colorSpec(v, context: "the foreground of '\(role.rawValue)'")
            case "bg": spec.bg = colorSpec(v, context: "the background of '\(role.rawValue)'")
            case "attrs": spec.attributes = attributes(v)
            default:
                error(at: location(k), "unknown key '\(key)' in role '\(role.rawValue)'", hint: didYouMean(key, Self.roleKeys) ?? "a role has fg, bg and attrs")
            }
        }
        return spec
    }

    private mutating func monoSpec(_ node: Node, role: Role) -> TextAttributes? {
        guard let m = mapping(node, "mono role '\(role.rawValue)'", hint: "write \(role.rawValue): { attrs: […] }") else { return nil }
        var attrs: TextAttributes = []
        for (k, v) in m {
            guard let key = key(k) else { continue }
            switch key {
            case "attrs": attrs = attributes(v)
            case "fg", "bg":
                error(at: location(k), "mono styles have no colours", hint: "give only attrs (bold, underline, reverse, dim, italic)")
            default:
                error(at: location(k), "unknown key '\(key)' in mono role '\(role.rawValue)'", hint: didYouMean(key, ["attrs"]) ?? "a mono role has only attrs")
            }
        }
        return attrs
    }

    private mutating func attributes(_ node: Node) -> TextAttributes {
        let items: [Node]
        if let seq = node.sequence { items = Array(seq) } else if node.scalar != nil, node.null == nil { items = [node] } else if node.null != nil { return [] } else {
            error(at: location(node), "attrs must be a list", hint: "write attrs: [bold, underline]")
            return []
        }
        var attrs: TextAttributes = []
        let names = Self.attributeNames.map(\.0)
        for item in items {
            guard let s = item.scalar?.string else {
                error(at: location(item), "an attribute must be a word", hint: "use \(names.joined(separator: ", "))")
                continue
            }
            if let a = Self.attributeNames.first(where: { $0.0 == s.lowercased() }) {
                attrs.insert(a.1)
            } else {
                error(at: location(item), "unknown attribute '\(s)'", hint: didYouMean(s, names) ?? "use \(names.joined(separator: ", "))")
            }
        }
        return attrs
    }

    // MARK: Colours

    /// A colour in a role: a literal, or a word to resolve against the palette and ANSI names.
    private mutating func colorSpec(_ node: Node, context: String) -> ThemeSource.ColorSpec? {
        guard let text = colorText(node, context: context) else { return nil }
        let at = location(node)
        if text.hasPrefix("#") || text.first?.isNumber == true {
            guard let c = literalColor(text, at: at, context: context) else { return nil }
            return .init(value: .literal(c), file: file, location: at)
        }
        return .init(value: .word(text), file: file, location: at)
    }

    /// A colour that must be a literal (palette entries).
    private mutating func literalColor(_ node: Node, context: String) -> ThemeColor? {
        guard let text = colorText(node, context: context) else { return nil }
        return literalColor(text, at: location(node), context: context)
    }

    private mutating func literalColor(_ text: String, at: SourceLocation, context: String) -> ThemeColor? {
        if let c = Self.literalColor(text) { return c }
        if text.hasPrefix("#") {
            error(at: at, "'\(text)' is not a colour for \(context)", hint: "write hex colours as #rrggbb, such as \"#5fafff\"")
        } else if text.first?.isNumber == true {
            error(at: at, "colour \(text) for \(context) is out of range", hint: "indexed colours are 0–255")
        } else {
            let names = Self.ansiNames + Self.ansiNames.map { "bright-" + $0 } + ["default"]
            error(at: at, "unknown colour '\(text)' for \(context)",
                  hint: didYouMean(text, names) ?? "palette colours are #rrggbb, 0–255, an ANSI name (red, bright-blue, …) or default")
        }
        return nil
    }

    /// The text of a colour node; a YAML null most often means an unquoted `#` started a comment.
    private mutating func colorText(_ node: Node, context: String) -> String? {
        if node.null != nil {
            error(at: location(node), "no colour for \(context)", hint: "quote hex colours (\"#ff0000\"): YAML reads an unquoted # as a comment")
            return nil
        }
        guard let s = node.scalar?.string else {
            error(at: location(node), "\(context) must be a colour", hint: "use #rrggbb, 0–255, an ANSI name, default or a palette name")
            return nil
        }
        return s
    }

    /// A literal colour: `#rrggbb`, 0–255, an ANSI name (`red`, `bright-red`, `brightred`) or `default`.
    static func literalColor(_ text: String) -> ThemeColor? {
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.count == 6, let v = UInt32(hex, radix: 16) else { return nil }
            return .rgb(UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
        }
        if text.first?.isNumber == true {
            guard text.allSatisfy(\.isASCII), let n = Int(text), (0...255).contains(n) else { return nil }
            return .indexed(UInt8(n))
        }
        if text.lowercased() == "default" { return .terminalDefault }
        return ansiColor(text)
    }

    /// An ANSI colour name: the 8 basic names, with `bright-`, `bright_` or `bright` for 8–15.
    static func ansiColor(_ text: String) -> ThemeColor? {
        var s = text.lowercased()
        var offset: UInt8 = 0
        if s.hasPrefix("bright") {
            s.removeFirst("bright".count)
            if s.hasPrefix("-") || s.hasPrefix("_") || s.hasPrefix(" ") { s.removeFirst() }
            offset = 8
        }
        guard let i = ansiNames.firstIndex(of: s) else { return nil }
        return .indexed(UInt8(i) + offset)
    }

    // MARK: Nodes

    private mutating func key(_ node: Node) -> String? {
        guard let s = node.scalar?.string else {
            error(at: location(node), "a key must be a name")
            return nil
        }
        return s
    }

    private mutating func scalarString(_ node: Node, _ what: String) -> String? {
        guard let s = node.scalar?.string, node.null == nil, !s.isEmpty else {
            error(at: location(node), "\(what) must be a name")
            return nil
        }
        return s
    }

    private mutating func mapping(_ node: Node, _ what: String, hint: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        if node.null != nil { return Node.Mapping([]) }
        error(at: location(node), "\(what) must be a mapping", hint: hint)
        return nil
    }

    private func location(_ node: Node) -> SourceLocation { node.sourceLocation }

    private func didYouMean(_ name: String, _ candidates: [String]) -> String? {
        suggestion(for: name, among: candidates).map { "did you mean '\($0)'?" }
    }

    private mutating func error(at loc: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: file, line: loc.line, column: loc.column, message: message, hint: hint))
    }

    private mutating func report(_ e: YamlError) {
        diagnostics.append(YAMLDiagnostics.diagnostic(for: e, file: file, syntaxHint: "check the indentation and quote hex colours (\"#ff0000\")",
                                                      duplicateHint: "give each role once"))
    }
}
