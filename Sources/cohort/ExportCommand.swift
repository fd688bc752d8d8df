import ArgumentParser
import CohortEngine
import Foundation

/// `cohort export`: the workspace's definitions for engines beyond one machine.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the workspace's definitions to run elsewhere.",
        subcommands: [ExportSparkCommand.self]
    )
}

/// `cohort export spark --out DIR`: a self-contained PySpark job computing the same profiles.
struct ExportSparkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spark",
        abstract: "Write a PySpark job (DIR/job.py) that computes the workspace's profiles on Spark.",
        discussion: """
        The job reads the workspace's tables and event files (or, with --tables and --events, the \
        same file names under any Spark-readable directory), applies the definitions at a clock \
        and writes the profiles exactly as 'cohort replay --profiles-out' does:

          python DIR/job.py --now 2026-09-30T00:00:00Z --out profiles/
          spark-submit --master spark://host:7077 DIR/job.py --events s3a://bucket/events --out s3a://bucket/profiles

        Definitions the job could not compute exactly are refused with their position.
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Option(help: ArgumentHelp("The directory to write job.py into (created when missing).", valueName: "DIR"))
    var out: String

    func run() throws {
        let ws = Workspace.load(directory: workspace.directory)
        let output = SparkExport.export(ws)
        guard let job = output.job else {
            for d in output.diagnostics { printError(d.description) }
            let n = output.diagnostics.count
            printError(ws.errors.isEmpty
                ? "nothing exported: \(n) definition\(n == 1 ? "" : "s") cannot run on Spark as written"
                : "nothing exported: the workspace has \(n) error\(n == 1 ? "" : "s") ('cohort check' lists the same)")
            throw ExitCode(1)
        }
        for d in ws.warnings { printError(d.description) }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = (out as NSString).appendingPathComponent("job.py")
            try AtomicFile.write(path: path, data: Data(job.utf8))
            _ = chmod(path, 0o755)
            print("wrote \(path) (\(ws.collections.count) collection\(ws.collections.count == 1 ? "" : "s")); run it with: python3 \(path) --out PATH [--now TS]")
        } catch {
            printError("cannot write \(out)/job.py: \(error)")
            throw ExitCode(1)
        }
    }
}
