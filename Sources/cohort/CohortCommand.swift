import ArgumentParser
import CohortEngine
import CohortTUI

/// The `cohort` command: the console by default, and the headless subcommands of SPEC §7.
@main
struct CohortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohort",
        abstract: "Live customer profiles: attributes and segments kept current as events land.",
        discussion: """
        With no subcommand, opens the console on the workspace (demo-data/ by default) and \
        replays its events live. The subcommands work headless on the same engine.
        """,
        version: "0.1.0",
        subcommands: [CheckCommand.self, ReplayCommand.self, ProfileCommand.self, EvalCommand.self, DemoCommand.self,
                      ServeCommand.self, TokenCommand.self, DestinationsCommand.self, ExportCommand.self, BenchCommand.self]
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Option(help: ArgumentHelp("Colour theme: a name from themes/ (default, light, high-contrast, mono, okabe-ito).", valueName: "NAME"))
    var theme: String = "default"

    @Option(help: ArgumentHelp("Replay speed: a multiple of real time (1 to 100000) or 'max'.", valueName: "N"))
    var speed: String = "10000"

    @Flag(help: "Also serve the HTTP API (as 'cohort serve' does) on the console's engine; posted events show on the Streams screen.")
    var serve = false

    // Named apart from `serve --host/--port`: a parent's option would take a subcommand's.
    @Option(help: ArgumentHelp("With --serve: the address to listen on.", valueName: "HOST"))
    var serveHost: String = "127.0.0.1"

    @Option(help: ArgumentHelp("With --serve: the port (0 picks a free one).", valueName: "N"))
    var servePort: Int = 8080

    func validate() throws {
        guard speed == "max" || (Double(speed).map { $0 >= 1 } ?? false) else {
            throw ValidationError("--speed takes a number ≥ 1 or 'max', e.g. --speed 1000")
        }
        // A theme that does not exist is a typo: say so before the screen starts. A theme
        // file that exists but is broken is reported inside the console instead.
        if let dir = ThemeLoader.themesDirectory() {
            let names = ThemeLoader.available(in: dir)
            if !names.isEmpty, !names.contains(theme) {
                let hint = suggestion(for: theme, among: names).map { "did you mean '\($0)'? " } ?? ""
                throw ValidationError("no theme '\(theme)' in \(dir)/; \(hint)themes: \(names.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        do {
            try ConsoleRunner.run(directory: workspace.directory, themeName: theme, speed: speed == "max" ? .infinity : Double(speed)!,
                                  serve: serve ? (serveHost, servePort) : nil)
        } catch let e as ExitCodeError {
            throw ExitCode(e.code)
        }
    }
}

/// `--workspace DIR`, shared by every command that reads a workspace.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The workspace folder (default: ./ when it holds cohort.yaml, else demo-data/).", valueName: "DIR"))
    var workspace: String?

    /// The folder to open: the option, else the current folder if it is a workspace, else demo-data/.
    var directory: String {
        if let workspace { return workspace }
        if FileSystem.exists("cohort.yaml") { return "." }
        return "demo-data"
    }

    /// Loads the workspace, printing its diagnostics; exits 1 when it has errors.
    func loadOrExit(showWarnings: Bool = false) throws -> Workspace {
        let ws = Workspace.load(directory: directory)
        if !ws.errors.isEmpty {
            for d in ws.diagnostics where d.severity == .error { printError(d.description) }
            printError("cohort: \(ws.errors.count) error\(ws.errors.count == 1 ? "" : "s") in \(directory); run 'cohort check' for details")
            throw ExitCode(1)
        }
        if showWarnings { for d in ws.warnings { printError(d.description) } }
        return ws
    }
}
