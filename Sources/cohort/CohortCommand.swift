import ArgumentParser
import CohortEngine

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
                      BenchCommand.self]
    )

    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        _ = workspace
        printError("cohort: the console is not built yet; try 'cohort replay' or 'cohort --help'")
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
