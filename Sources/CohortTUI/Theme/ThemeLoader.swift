import CohortEngine
import Foundation

/// Finds, reads and resolves theme files (`themes/NAME.yaml`) into `Theme`s.
///
/// A theme may `extends:` another in the same folder; its palette entries override the
/// parent's (so the parent's roles take the child's colours), and each role it gives replaces
/// the parent's role whole. Roles given nowhere in the chain come from `Theme.builtin`.
/// In roles, a word is looked up in the palette first, then as an ANSI name.
public enum ThemeLoader {
    /// The theme used when none is chosen, and the one that takes over when a theme is broken.
    public static let defaultName = "default"

    /// Loads the theme `name` from `directory`. On any error the default theme (default.yaml,
    /// else `Theme.builtin`) is returned, with diagnostics saying why. With no directory the
    /// built-in theme is used.
    public static func load(named name: String, in directory: String?) -> (Theme, [Diagnostic]) {
        guard let directory else { return (.builtin, []) }
        var diagnostics: [Diagnostic] = []
        if let resolved = resolve(name, in: directory, diagnostics: &diagnostics) {
            return (resolved.theme, diagnostics)
        }
        if name != defaultName {
            var fallback: [Diagnostic] = []
            if let resolved = resolve(defaultName, in: directory, diagnostics: &fallback) {
                return (resolved.theme, diagnostics + fallback)
            }
            diagnostics += fallback
        }
        return (.builtin, diagnostics)
    }

    /// The names of the themes in `directory`, sorted.
    public static func available(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(".yaml".count)) }
            .sorted()
    }

    /// The folder holding the themes: `$COHORT_THEMES` when set, else `./themes` when it has
    /// default.yaml, else the first `themes/default.yaml` (or `share/cohort/themes/default.yaml`)
    /// found walking up from the executable; nil when there is none.
    public static func themesDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePaths: [String]? = nil
    ) -> String? {
        if let env = environment["COHORT_THEMES"], !env.isEmpty { return env }
        let fm = FileManager.default
        let local = (currentDirectory as NSString).appendingPathComponent("themes")
        if fm.fileExists(atPath: (local as NSString).appendingPathComponent("default.yaml")) {
            // Relative when it can be, so diagnostics read `themes/light.yaml:3:5`.
            return currentDirectory == fm.currentDirectoryPath ? "themes" : local
        }
        for exe in executablePaths ?? defaultExecutablePaths(currentDirectory: currentDirectory) {
            var dir = (exe as NSString).deletingLastPathComponent
            while !dir.isEmpty {
                for candidate in ["themes", "share/cohort/themes"] {
                    let themes = (dir as NSString).appendingPathComponent(candidate)
                    if fm.fileExists(atPath: (themes as NSString).appendingPathComponent("default.yaml")) { return themes }
                }
                if dir == "/" { break }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        return nil
    }

    /// Where the running executable is: /proc/self/exe resolved, and `argv[0]` made absolute.
    static func defaultExecutablePaths(currentDirectory: String) -> [String] {
        var paths: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { paths.append(exe) }
        if let arg0 = CommandLine.arguments.first, arg0.contains("/") {
            let abs = arg0.hasPrefix("/") ? arg0 : (currentDirectory as NSString).appendingPathComponent(arg0)
            let std = (abs as NSString).standardizingPath
            paths.append(std)
            let real = (std as NSString).resolvingSymlinksInPath
            if real != std { paths.append(real) }
        }
        return paths
    }

    /// The path of theme `name` in `directory`.
    static func path(of name: String, in directory: String) -> String {
        (directory as NSString).appendingPathComponent(name + ".yaml")
    }

    // MARK: Resolving

    /// A resolved theme and the roles its files gave (the rest came from `Theme.builtin`).
    struct Resolved {
        var theme: Theme
        var rolesGiven: Set<Role>
        var monoGiven: Set<Role>
    }

    /// Reads `name` and the themes it extends, and resolves them into a theme; nil (with
    /// diagnostics) when any of them has an error.
    static func resolve(_ name: String, in directory: String, diagnostics: inout [Diagnostic]) -> Resolved? {
        let start = diagnostics.count
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            diagnostics.append(Diagnostic(file: directory, line: 1, column: 1, message: "'\(name)' is not a theme name",
                                          hint: "a theme is named after its file in \(directory)"))
            return nil
        }
        // The chain from the named theme up to the root of its `extends`.
        var chain: [ThemeSource] = []
        var seen: [String] = []
        var current = name
        var referrer: (file: String, location: SourceLocation)?
        while true {
            if let first = seen.firstIndex(of: current), let referrer {
                let loop = (seen[first...] + [current]).joined(separator: " → ")
                diagnostics.append(Diagnostic(file: referrer.file, line: referrer.location.line, column: referrer.location.column,
                                              message: "themes extend each other in a cycle: \(loop)",
                                              hint: "one of them must not use 'extends'"))
                return nil
            }
            seen.append(current)
            let file = path(of: current, in: directory)
            guard let source = try? String(contentsOfFile: file, encoding: .utf8) else {
                let names = available(in: directory)
                let hint = suggestion(for: current, among: names).map { "did you mean '\($0)'?" }
                    ?? (names.isEmpty ? "no themes in \(directory)" : "themes are \(names.joined(separator: ", "))")
                if let referrer {
                    diagnostics.append(Diagnostic(file: referrer.file, line: referrer.location.line, column: referrer.location.column,
                                                  message: "no theme '\(current)' to extend", hint: hint))
                } else {
                    let exists = FileManager.default.fileExists(atPath: file)
                    diagnostics.append(Diagnostic(file: file, line: 1, column: 1,
                                                  message: exists ? "cannot read theme '\(current)'" : "no theme '\(current)'", hint: hint))
                }
                return nil
            }
            let (parsed, found) = ThemeParser.parse(file: file, source: source)
            diagnostics += found
            guard let parsed else { return nil }
            if let declared = parsed.declaredName, declared.value != current {
                diagnostics.append(Diagnostic(file: file, line: declared.location.line, column: declared.location.column, severity: .warning,
                                              message: "theme is named '\(declared.value)' but its file is \(current).yaml",
                                              hint: "the file name is what ':theme' and the picker use"))
            }
            chain.append(parsed)
            guard let ext = parsed.extends else { break }
            current = ext.name
            referrer = (file, ext.location)
        }
        // Merge from the root down: later (more specific) files win.
        var palette: [String: ThemeColor] = [:]
        var roles: [Role: ThemeSource.RoleSpec] = [:]
        var mono: [Role: TextAttributes] = [:]
        for source in chain.reversed() {
            palette.merge(source.palette) { _, new in new }
            roles.merge(source.roles) { _, new in new }
            mono.merge(source.mono) { _, new in new }
        }
        var styles = Theme.builtin.styles
        var monoStyles = Theme.builtin.monoStyles
        for role in Role.allCases {
            if let spec = roles[role] {
                let fg = color(spec.fg, palette: palette, diagnostics: &diagnostics)
                let bg = color(spec.bg, palette: palette, diagnostics: &diagnostics)
                styles[role.index] = Style(fg: fg, bg: bg, attributes: spec.attributes)
            }
            if let attrs = mono[role] { monoStyles[role.index] = Style(attributes: attrs) }
        }
        if diagnostics[start...].contains(where: { $0.severity == .error }) { return nil }
        return Resolved(theme: Theme(name: name, styles: styles, monoStyles: monoStyles),
                        rolesGiven: Set(roles.keys), monoGiven: Set(mono.keys))
    }

    /// A role's colour: a literal, a palette name, or an ANSI name; unset means the terminal's own.
    private static func color(_ spec: ThemeSource.ColorSpec?, palette: [String: ThemeColor], diagnostics: inout [Diagnostic]) -> ThemeColor {
        guard let spec else { return .terminalDefault }
        switch spec.value {
        case .literal(let c):
            return c
        case .word(let w):
            if let c = palette[w] ?? ThemeParser.literalColor(w) { return c }
            let candidates = palette.keys.sorted() + ThemeParser.ansiNames + ["default"]
            diagnostics.append(Diagnostic(file: spec.file, line: spec.location.line, column: spec.location.column,
                                          message: "unknown colour '\(w)'",
                                          hint: suggestion(for: w, among: candidates).map { "did you mean '\($0)'?" }
                                              ?? "use a palette name, #rrggbb, 0–255, an ANSI name or default"))
            return .terminalDefault
        }
    }
}
