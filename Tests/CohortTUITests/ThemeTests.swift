import CohortEngine
import Foundation
import Testing
@testable import CohortTUI

/// The shipped `themes/` folder of this package.
private let shippedThemes: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("themes").path
}()

/// A temporary folder of theme files, removed when the test ends.
private final class ThemeFolder {
    let path: String

    init(_ files: [String: String]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cohort-themes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: (path as NSString).appendingPathComponent(name + ".yaml"), atomically: true, encoding: .utf8)
        }
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name + ".yaml") }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A small valid default theme for folders built by tests.
private let miniDefault = """
name: default
roles:
  text: { fg: default }
  accent: { fg: "#5fafff", attrs: [bold] }

"""

@Suite struct ThemeTests {
    // MARK: Shipped themes

    @Test func shipsTheRequiredThemes() {
        let names = ThemeLoader.available(in: shippedThemes)
        for required in ["default", "light", "high-contrast", "mono", "okabe-ito"] {
            #expect(names.contains(required), "missing themes/\(required).yaml")
        }
        #expect(names == names.sorted())
    }

    @Test(arguments: ["default", "light", "high-contrast", "mono", "okabe-ito"])
    func shippedThemeParsesAndGivesEveryRole(name: String) throws {
        var diagnostics: [Diagnostic] = []
        let resolved = try #require(ThemeLoader.resolve(name, in: shippedThemes, diagnostics: &diagnostics))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
        let missing = Role.allCases.filter { !resolved.rolesGiven.contains($0) }
        #expect(missing.isEmpty, "\(name) leaves \(missing.map(\.rawValue)) to the built-in theme")
        let (theme, loadDiagnostics) = ThemeLoader.load(named: name, in: shippedThemes)
        #expect(theme.name == name)
        #expect(loadDiagnostics.isEmpty)
        #expect(theme.styles.count == Role.allCases.count && theme.monoStyles.count == Role.allCases.count)
    }

    @Test func everyShippedFileInTheFolderParses() {
        for name in ThemeLoader.available(in: shippedThemes) {
            let (theme, diagnostics) = ThemeLoader.load(named: name, in: shippedThemes)
            #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
            #expect(theme.name == name)
        }
    }

    @Test func defaultFileMatchesItsPalette() {
        let (theme, _) = ThemeLoader.load(named: "default", in: shippedThemes)
        #expect(theme.style(.accent) == Style(fg: .rgb(0x5f, 0xaf, 0xff), attributes: .bold))
        #expect(theme.style(.selection) == Style(fg: .terminalDefault, bg: .rgb(0x30, 0x3a, 0x4a), attributes: .bold))
        #expect(theme.monoStyle(.selection).attributes == .reverse)
        #expect(theme.monoStyle(.deltaDown).attributes == .underline)
    }

    @Test func monoThemeHasNoColours() {
        let (theme, _) = ThemeLoader.load(named: "mono", in: shippedThemes)
        for role in Role.allCases {
            #expect(theme.style(role).fg == .terminalDefault && theme.style(role).bg == .terminalDefault, "\(role.rawValue)")
            #expect(theme.style(role).attributes == theme.monoStyle(role).attributes, "\(role.rawValue)")
        }
    }

    @Test func colourBlindSafeDeltasDifferBeyondHue() {
        let (theme, _) = ThemeLoader.load(named: "okabe-ito", in: shippedThemes)
        let up = theme.style(.deltaUp), down = theme.style(.deltaDown)
        #expect(up.fg != down.fg)
        #expect(up.attributes != down.attributes)
        #expect(theme.monoStyle(.deltaUp).attributes != theme.monoStyle(.deltaDown).attributes)
        // Still apart on a 16-colour terminal.
        #expect(theme.style(.deltaUp, depth: .sixteen).fg != theme.style(.deltaDown, depth: .sixteen).fg)
    }

    @Test func lightThemeRecoloursTheDefaultThroughItsPalette() {
        let (light, _) = ThemeLoader.load(named: "light", in: shippedThemes)
        // `muted` is only in default.yaml, as `fg: dim`; light.yaml redefines `dim`.
        #expect(light.style(.muted).fg == .rgb(0x6c, 0x6c, 0x6c))
        #expect(light.style(.tableHeader).attributes == [.bold, .underline])
    }

    // MARK: extends

    @Test func extendsInheritsOverridesAndFallsBackToBuiltin() throws {
        let folder = try ThemeFolder([
            "default": miniDefault,
            "base": """
            name: base
            palette:
              hot: "#ff0000"
            roles:
              text: { fg: default }
              accent: { fg: hot, attrs: [bold] }
              title: { fg: 33, bg: black, attrs: [underline] }
            mono:
              title: { attrs: [underline] }

            """,
            "child": """
            name: child
            extends: base
            palette:
              hot: "#00ff00"
            roles:
              title: { fg: bright-magenta }

            """,
        ])
        let (theme, diagnostics) = ThemeLoader.load(named: "child", in: folder.path)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
        #expect(theme.name == "child")
        // The parent's role, with the child's palette colour.
        #expect(theme.style(.accent) == Style(fg: .rgb(0, 255, 0), attributes: .bold))
        // The child's role replaces the parent's whole.
        #expect(theme.style(.title) == Style(fg: .indexed(13)))
        // Mono roles are inherited too.
        #expect(theme.monoStyle(.title).attributes == .underline)
        // Roles given nowhere come from the built-in theme.
        #expect(theme.style(.statusWarn) == Theme.builtin.style(.statusWarn))
    }

    @Test func extendsCycleIsReportedAndDefaultTakesOver() throws {
        let folder = try ThemeFolder([
            "default": miniDefault,
            "a": "name: a\nextends: b\n",
            "b": "name: b\nroles:\n  text: { fg: red }\nextends: a\n",
        ])
        let (theme, diagnostics) = ThemeLoader.load(named: "a", in: folder.path)
        #expect(theme.name == "default")
        let d = try #require(diagnostics.first)
        #expect(d.file == folder.file("b"))
        #expect((d.line, d.column) == (4, 10))
        #expect(d.message.contains("cycle: a → b → a"))
    }

    @Test func extendingAMissingThemeSuggestsOne() throws {
        let folder = try ThemeFolder(["default": miniDefault, "x": "extends: defualt\n"])
        let (theme, diagnostics) = ThemeLoader.load(named: "x", in: folder.path)
        #expect(theme.name == "default")
        #expect(diagnostics.map(\.description) == [
            "\(folder.file("x")):1:10: error: no theme 'defualt' to extend — did you mean 'default'?",
        ])
    }

    // MARK: Errors

    @Test func brokenFileReportsPositionAndDefaultTakesOver() throws {
        let folder = try ThemeFolder([
            "default": miniDefault,
            "broken": """
            name: broken
            palette:
              sea: "#0077be"
            roles:
              text:   { fg: see }
              border: { fg: "#12345" }

            """,
        ])
        let (theme, diagnostics) = ThemeLoader.load(named: "broken", in: folder.path)
        #expect(theme.name == "default")
        #expect(theme.style(.accent) == Style(fg: .rgb(0x5f, 0xaf, 0xff), attributes: .bold))
        #expect(diagnostics.map(\.description) == [
            "\(folder.file("broken")):6:17: error: '#12345' is not a colour for the foreground of 'border' — write hex colours as #rrggbb, such as \"#5fafff\"",
            "\(folder.file("broken")):5:17: error: unknown colour 'see' — did you mean 'sea'?",
        ])
    }

    @Test func unknownRoleSuggestsTheNearestName() throws {
        let folder = try ThemeFolder(["default": miniDefault, "t": "roles:\n  border.focsu: { fg: red }\n"])
        let (theme, diagnostics) = ThemeLoader.load(named: "t", in: folder.path)
        #expect(theme.name == "default")
        let d = try #require(diagnostics.first)
        #expect((d.line, d.column) == (2, 3))
        #expect(d.message == "unknown role 'border.focsu'")
        #expect(d.hint == "did you mean 'border.focus'?")
    }

    @Test func badAttributesAndKeysAreReported() throws {
        let folder = try ThemeFolder([
            "default": miniDefault,
            "t": """
            roles:
              text: { fg: red, attrs: [blod, underline] }
              muted: { colour: red }
            mono:
              text: { fg: red }
            role: {}

            """,
        ])
        let (_, diagnostics) = ThemeLoader.load(named: "t", in: folder.path)
        let lines = diagnostics.map { "\($0.line):\($0.column) \($0.message) — \($0.hint ?? "")" }
        #expect(lines == [
            "2:28 unknown attribute 'blod' — did you mean 'bold'?",
            "3:12 unknown key 'colour' in role 'muted' — a role has fg, bg and attrs",
            "5:11 mono styles have no colours — give only attrs (bold, underline, reverse, dim, italic)",
            "6:1 unknown key 'role' in a theme — did you mean 'roles'?",
        ])
    }

    @Test func yamlSyntaxErrorHasItsPosition() throws {
        let folder = try ThemeFolder(["default": miniDefault, "t": "roles:\n  text: { fg: red\n  muted: { fg: blue }\n"])
        let (theme, diagnostics) = ThemeLoader.load(named: "t", in: folder.path)
        #expect(theme.name == "default")
        let d = try #require(diagnostics.first)
        #expect(d.file == folder.file("t"))
        #expect(d.message.hasPrefix("YAML syntax:"))
        #expect(d.line == 3)
    }

    @Test func unquotedHexColourHintsAtTheComment() throws {
        let folder = try ThemeFolder(["default": miniDefault, "t": "palette:\n  sea: #0077be\n"])
        let (_, diagnostics) = ThemeLoader.load(named: "t", in: folder.path)
        #expect(diagnostics.first?.hint?.contains("quote hex colours") == true)
        #expect(diagnostics.first.map { ($0.line, $0.column) } ?? (0, 0) == (2, 7))
    }

    @Test func outOfRangeIndexAndUnknownAnsiName() throws {
        let folder = try ThemeFolder(["default": miniDefault, "t": "palette:\n  a: 300\n  b: bright-gren\n"])
        let (_, diagnostics) = ThemeLoader.load(named: "t", in: folder.path)
        #expect(diagnostics.map(\.message) == ["colour 300 for palette colour 'a' is out of range", "unknown colour 'bright-gren' for palette colour 'b'"])
        #expect(diagnostics.last?.hint == "did you mean 'bright-green'?")
    }

    @Test func missingThemeFallsBackWithASuggestion() throws {
        let folder = try ThemeFolder(["default": miniDefault, "light": miniDefault.replacingOccurrences(of: "name: default", with: "name: light")])
        let (theme, diagnostics) = ThemeLoader.load(named: "ligth", in: folder.path)
        #expect(theme.name == "default")
        #expect(diagnostics.map(\.description) == ["\(folder.file("ligth")):1:1: error: no theme 'ligth' — did you mean 'light'?"])
    }

    @Test func brokenDefaultFallsBackToBuiltin() throws {
        let folder = try ThemeFolder(["default": "roles: [\n"])
        let (theme, diagnostics) = ThemeLoader.load(named: "default", in: folder.path)
        #expect(theme.name == Theme.builtin.name)
        #expect(!diagnostics.isEmpty)
        let (none, noDiagnostics) = ThemeLoader.load(named: "default", in: nil)
        #expect(none.name == Theme.builtin.name && noDiagnostics.isEmpty)
    }

    @Test func mismatchedNameIsOnlyAWarning() throws {
        let folder = try ThemeFolder(["default": miniDefault, "dark": "name: night\n"])
        let (theme, diagnostics) = ThemeLoader.load(named: "dark", in: folder.path)
        #expect(theme.name == "dark")
        #expect(diagnostics.map(\.severity) == [.warning])
    }

    @Test func colourSyntax() {
        #expect(ThemeParser.literalColor("#FF8000") == .rgb(255, 128, 0))
        #expect(ThemeParser.literalColor("0") == .indexed(0))
        #expect(ThemeParser.literalColor("255") == .indexed(255))
        #expect(ThemeParser.literalColor("256") == nil)
        #expect(ThemeParser.literalColor("#fff") == nil)
        #expect(ThemeParser.literalColor("default") == .terminalDefault)
        #expect(ThemeParser.literalColor("cyan") == .indexed(6))
        #expect(ThemeParser.literalColor("bright-cyan") == .indexed(14))
        #expect(ThemeParser.literalColor("brightblack") == .indexed(8))
        #expect(ThemeParser.literalColor("Bright_White") == .indexed(15))
        #expect(ThemeParser.literalColor("purple") == nil)
    }

    // MARK: Finding the folder

    @Test func themesDirectoryLookup() throws {
        #expect(ThemeLoader.themesDirectory(environment: ["COHORT_THEMES": "/x/y"], currentDirectory: "/", executablePaths: []) == "/x/y")
        // Walking up from the executable: <root>/themes/default.yaml found from <root>/.build/…/cohort.
        let project = try ThemeFolder([:])
        try FileManager.default.createDirectory(atPath: project.path + "/themes", withIntermediateDirectories: true)
        try miniDefault.write(toFile: project.path + "/themes/default.yaml", atomically: true, encoding: .utf8)
        #expect(ThemeLoader.themesDirectory(environment: [:], currentDirectory: "/nonexistent",
                                            executablePaths: [project.path + "/.build/x86_64/debug/cohort"]) == project.path + "/themes")
        #expect(ThemeLoader.themesDirectory(environment: [:], currentDirectory: project.path, executablePaths: []) == project.path + "/themes")
        #expect(ThemeLoader.themesDirectory(environment: ["COHORT_THEMES": ""], currentDirectory: "/nonexistent", executablePaths: ["/usr/bin/cohort"]) == nil)
    }

    // MARK: Colour reduction

    @Test func hexToXterm256() {
        #expect(reduced(.rgb(0xff, 0, 0), to: .c256) == .indexed(196))
        #expect(reduced(.rgb(0x5f, 0xaf, 0xff), to: .c256) == .indexed(75))
        #expect(reduced(.rgb(0, 0, 0), to: .c256) == .indexed(16))
        #expect(reduced(.rgb(0xff, 0xff, 0xff), to: .c256) == .indexed(231))
        #expect(reduced(.rgb(0x80, 0x80, 0x80), to: .c256) == .indexed(244))
        #expect(reduced(.rgb(0x0a, 0x0a, 0x0a), to: .c256) == .indexed(232))
        #expect(reduced(.rgb(0x30, 0x3a, 0x4a), to: .c256) == .indexed(237))
        #expect(reduced(.rgb(0xe6, 0x9f, 0x00), to: .c256) == .indexed(178))
        #expect(reduced(.indexed(123), to: .c256) == .indexed(123))
        #expect(reduced(.terminalDefault, to: .c256) == .terminalDefault)
    }

    @Test func everyCubeAndGreyColourMapsToItself() {
        for i in 16...255 {
            let (r, g, b) = XtermPalette.rgb(UInt8(i))
            #expect(reduced(.rgb(r, g, b), to: .c256) == .indexed(UInt8(i)), "\(i)")
        }
    }

    @Test func hexToSixteenAndEight() {
        #expect(reduced(.rgb(0xff, 0, 0), to: .sixteen) == .indexed(9))
        #expect(reduced(.rgb(0xcd, 0, 0), to: .sixteen) == .indexed(1))
        #expect(reduced(.rgb(0xff, 0, 0), to: .eight) == .indexed(1))
        // A mint green stays green (plain RGB distance would pick cyan).
        #expect(reduced(.rgb(0x5f, 0xd7, 0x87), to: .sixteen) == .indexed(2))
        #expect(reduced(.rgb(0x5f, 0xd7, 0x87), to: .eight) == .indexed(2))
        #expect(reduced(.rgb(0xff, 0x5f, 0x5f), to: .sixteen) == .indexed(9))
        #expect(reduced(.rgb(0xff, 0xd7, 0x5f), to: .sixteen) == .indexed(11))
        #expect(reduced(.rgb(0x5f, 0xaf, 0xff), to: .sixteen) == .indexed(12))
        #expect(reduced(.rgb(0x00, 0x00, 0x80), to: .eight) == .indexed(4))
        // Greys: grey on 16, white or black on 8.
        #expect(reduced(.rgb(0x8a, 0x8f, 0x98), to: .sixteen) == .indexed(8))
        #expect(reduced(.rgb(0x8a, 0x8f, 0x98), to: .eight) == .indexed(7))
        #expect(reduced(.rgb(0x26, 0x26, 0x26), to: .eight) == .indexed(0))
        #expect(reduced(.rgb(0xff, 0xff, 0xff), to: .sixteen) == .indexed(15))
        // Indexed colours above the depth are mapped down.
        #expect(reduced(.indexed(196), to: .sixteen) == .indexed(9))
        #expect(reduced(.indexed(196), to: .eight) == .indexed(1))
        #expect(reduced(.indexed(12), to: .eight) == .indexed(4))
        #expect(reduced(.indexed(12), to: .sixteen) == .indexed(12))
        #expect(reduced(.indexed(250), to: .sixteen) == .indexed(7))
    }

    @Test func noColourAndDirect() {
        #expect(reduced(.rgb(1, 2, 3), to: .none) == .terminalDefault)
        #expect(reduced(.indexed(4), to: .none) == .terminalDefault)
        #expect(reduced(.rgb(1, 2, 3), to: .direct) == .rgb(1, 2, 3))
        #expect(ColorDepth(colorCount: 0) == .none)
        #expect(ColorDepth(colorCount: 8) == .eight)
        #expect(ColorDepth(colorCount: 16) == .sixteen)
        #expect(ColorDepth(colorCount: 88) == .sixteen)
        #expect(ColorDepth(colorCount: 256) == .c256)
        #expect(ColorDepth(colorCount: 0x1000000) == .direct)
    }

    @Test func styleAtDepth() {
        let theme = Theme.builtin
        #expect(theme.style(.selection, depth: .none) == Style(attributes: .reverse))
        #expect(theme.style(.selection, depth: .c256) == theme.style(.selection))
        // 8/16 colours add the mono emphasis so a collapsed background still shows.
        #expect(theme.style(.selection, depth: .eight).attributes == [.bold, .reverse])
        #expect(theme.style(.deltaUp, depth: .sixteen).fg == .indexed(2))
    }
}
