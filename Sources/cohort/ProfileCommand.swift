import ArgumentParser
import CohortEngine

/// `cohort profile KEY`: one profile as JSON after a replay.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Print one profile as JSON after replaying the events."
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Argument(help: "The profile's key (omit with --by).")
    var key: String?

    @Option(help: ArgumentHelp("The collection (default: the first one defined).", valueName: "NAME"))
    var collection: String?

    @Option(help: ArgumentHelp("Find the profile by a column of the collection's table instead of its key.", valueName: "COLUMN=VALUE"))
    var by: String?

    @Option(help: ArgumentHelp("Replay only up to this instant.", valueName: "TS"))
    var until: String?

    func validate() throws {
        if key == nil && by == nil { throw ValidationError("give a profile KEY or --by COLUMN=VALUE") }
        if key != nil && by != nil { throw ValidationError("give either a KEY or --by, not both") }
    }

    func run() throws {
        let untilMicros = try until.map { try parseInstant($0, option: "--until") }
        let ws = try workspace.loadOrExit()
        let model = try ProfileLookup.collection(collection, in: ws)
        let row = try ProfileLookup.row(key: key, by: by, in: model)
        let result = Replay(workspace: ws, until: untilMicros).run()
        guard let state = result.collections.first(where: { $0.model.name == model.name }) else { throw ExitCode(1) }
        print(ProfileWriter.profileLine(state, row: row))
    }
}

/// Finds collections and profiles named on the command line, with helpful errors.
enum ProfileLookup {
    static func collection(_ name: String?, in ws: Workspace) throws -> CollectionModel {
        guard let name else {
            guard let first = ws.collections.first else {
                printError("cohort: the workspace defines no collection")
                throw ExitCode(1)
            }
            return first
        }
        if let c = ws.collection(name) { return c }
        let names = ws.collections.map(\.name)
        printError("cohort: unknown collection '\(name)'" + (suggestion(for: name, among: names).map { " — did you mean '\($0)'?" } ?? " — collections: " + names.joined(separator: ", ")))
        throw ExitCode(1)
    }

    static func row(key: String?, by: String?, in model: CollectionModel) throws -> Int {
        if let key {
            if let r = model.row(forKey: key) { return r }
            printError("cohort: no profile '\(key)' in collection '\(model.name)'")
            throw ExitCode(1)
        }
        let parts = by!.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("--by takes COLUMN=VALUE") }
        guard let col = model.table.columnIndex(parts[0]) else {
            printError("cohort: no column '\(parts[0])' in table '\(model.table.name)'" + (suggestion(for: parts[0], among: model.table.columns).map { " — did you mean '\($0)'?" } ?? ""))
            throw ExitCode(1)
        }
        let rows = model.table.text.indices.filter { model.table.text[$0][col] == parts[1] }
        switch rows.count {
        case 0:
            printError("cohort: no profile of collection '\(model.name)' has \(parts[0]) = '\(parts[1])'")
            throw ExitCode(1)
        case 1:
            return rows[0]
        default:
            printError("cohort: \(rows.count) profiles have \(parts[0]) = '\(parts[1])': " + rows.prefix(10).map { model.key(ofRow: $0) }.joined(separator: ", "))
            throw ExitCode(1)
        }
    }
}
