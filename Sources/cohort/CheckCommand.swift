import ArgumentParser
import CohortEngine
import CohortTUI

/// `cohort check`: validates the workspace and reports every problem with its position.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the workspace's definitions, tables and streams.",
        discussion: "Prints every error as FILE:LINE:COL: error: MESSAGE and exits 1 when there is one; on a clean workspace prints a one-line summary."
    )

    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let ws = Workspace.load(directory: workspace.directory)
        for d in ws.diagnostics { printError(d.description) }
        let errors = ws.errors.count, warnings = ws.warnings.count
        if errors > 0 {
            printError("\(errors) error\(errors == 1 ? "" : "s")" + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : ""))
            throw ExitCode(1)
        }
        let attributes = ws.collections.reduce(0) { $0 + $1.attributes.count }
        let segments = ws.collections.reduce(0) { $0 + $1.segments.count }
        func plural(_ n: Int, _ word: String) -> String { "\(Format.grouped(n)) \(word)\(n == 1 ? "" : "s")" }
        print("ok: " + [plural(ws.collections.count, "collection"), plural(attributes, "attribute"), plural(segments, "segment"),
                        plural(ws.streams.count, "stream"), plural(ws.tables.count, "table")].joined(separator: ", ")
              + (warnings > 0 ? " (\(plural(warnings, "warning")))" : ""))
    }
}
