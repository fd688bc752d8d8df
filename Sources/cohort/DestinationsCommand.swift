import ArgumentParser
import CohortEngine
import CohortServer
import CohortStore
import CohortTUI
import Foundation

/// `cohort destinations`: the webhook destinations of cohort.yaml and their deliveries, as
/// the workspace's store records them (a running `cohort serve` writes it).
struct DestinationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destinations",
        abstract: "Show webhook destinations, their delivery log, and replay failed deliveries.",
        discussion: """
        Destinations are the top-level 'destinations:' of cohort.yaml; 'cohort serve' delivers \
        activation records to them and keeps each one's cursor and delivery log in .cohort/.
        """,
        subcommands: [List.self, Log.self, Replay.self],
        defaultSubcommand: List.self
    )

    /// `cohort destinations list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the destinations with their cursor and delivery counts (the default)."
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Flag(help: "One JSON object per destination, as GET /v1/destinations gives them.")
        var json = false

        func run() throws {
            let destinations = try DestinationsCommand.definitions(workspace)
            let store = try DestinationsCommand.openStore(workspace)
            var statuses: [(DestinationStatus, stored: Bool)] = []
            for d in destinations {
                let cursor = try store.destinationCursor(d.name)
                let counts = try store.deliveryCounts(destination: d.name)
                statuses.append((DestinationStatus(name: d.name, url: d.url, segments: d.segments, on: d.on, cursor: cursor ?? 0,
                                                   delivered: counts.delivered, failed: counts.failed, queued: counts.queued,
                                                   lastError: try store.lastDeliveryError(destination: d.name)),
                                 cursor != nil))
            }
            if json {
                for (s, _) in statuses { print(s.json) }
                return
            }
            guard !statuses.isEmpty else {
                print("no destinations in \(workspace.directory)/cohort.yaml (add a top-level 'destinations:' list)")
                return
            }
            var rows = [["NAME", "URL", "ON", "SEGMENTS", "CURSOR", "DELIVERED", "FAILED", "QUEUED"]]
            for (s, stored) in statuses {
                rows.append([s.name, s.url, s.on.joined(separator: ","), s.segments.isEmpty ? "(all)" : s.segments.joined(separator: ","),
                             stored ? String(s.cursor) : "-", Format.grouped(s.delivered), Format.grouped(s.failed), Format.grouped(s.queued)])
            }
            printTable(rows, rightAligned: [4, 5, 6, 7])
            print("latest activation: \(try store.lastActivationSeq())" + (statuses.contains { !$0.stored } ? " ('-': not started by a server yet)" : ""))
            for (s, _) in statuses where s.failed > 0 {
                print("\(s.name): \(Format.grouped(s.failed)) failed, last error: \(s.lastError ?? "?") — 'cohort destinations replay \(s.name)' retries them")
            }
        }
    }

    /// `cohort destinations log NAME`.
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a destination's delivery log: one row per activation it was sent (oldest first)."
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The destination's name.", valueName: "NAME"))
        var name: String

        @Flag(help: "Only the failed deliveries.")
        var failed = false

        @Option(help: ArgumentHelp("Show the last N rows (0: all).", valueName: "N"))
        var limit = 100

        @Flag(help: "One JSON object per row.")
        var json = false

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        }

        func run() throws {
            let store = try DestinationsCommand.openStore(workspace)
            try DestinationsCommand.requireKnown(name, workspace, store)
            let status: DeliveryStatus? = failed ? .failed : nil
            let rows = limit == 0
                ? try allDeliveries(store, status)
                : try store.recentDeliveries(destination: name, status: status, limit: limit)
            if json {
                for r in rows {
                    var line = "{\"destination\":\(jsonString(r.destination)),\"seq\":\(r.seq),\"status\":\"\(r.status.rawValue)\","
                    line += "\"attempts\":\(r.attempts),\"last_error\":\(r.lastError.map(jsonString) ?? "null"),"
                    line += "\"updated\":\"\(CivilTime.formatTimestamp(r.updatedWall / 1_000_000 * 1_000_000))\"}"
                    print(line)
                }
                return
            }
            guard !rows.isEmpty else {
                print(failed ? "\(name) has no failed deliveries" : "\(name) has no deliveries yet")
                return
            }
            var table = [["SEQ", "STATUS", "ATTEMPTS", "UPDATED", "ACTIVATION", "LAST ERROR"]]
            for r in rows {
                let activation = try store.activations(after: r.seq - 1, limit: 1).first.flatMap { $0.seq == r.seq ? $0.record : nil }
                table.append([String(r.seq), r.status.rawValue, String(r.attempts),
                              CivilTime.formatTimestamp(r.updatedWall / 1_000_000 * 1_000_000),
                              activation.map { "\($0.change) \($0.collection)/\($0.segment) \($0.key)" } ?? "",
                              r.lastError ?? ""])
            }
            printTable(table, rightAligned: [0, 2])
            let counts = try store.deliveryCounts(destination: name)
            let total = counts.delivered + counts.failed + counts.queued
            print("\(Format.grouped(total)) deliveries: \(Format.grouped(counts.delivered)) delivered, \(Format.grouped(counts.failed)) failed, \(Format.grouped(counts.queued)) queued"
                  + (rows.count < (failed ? counts.failed : total) ? " (the last \(rows.count) shown; --limit 0 shows all)" : ""))
        }

        private func allDeliveries(_ store: CohortStore, _ status: DeliveryStatus?) throws -> [DeliveryRecord] {
            var out: [DeliveryRecord] = []
            var after: Int64 = 0
            while true {
                let page = try store.deliveries(destination: name, status: status, after: after, limit: 10_000)
                out += page
                guard let last = page.last, page.count == 10_000 else { return out }
                after = last.seq
            }
        }
    }

    /// `cohort destinations replay NAME`.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a destination's failed deliveries again; a running server retries them within a second."
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The destination's name.", valueName: "NAME"))
        var name: String

        func run() throws {
            let store = try DestinationsCommand.openStore(workspace)
            try DestinationsCommand.requireKnown(name, workspace, store)
            let n = try store.requeueFailed(destination: name)
            if n == 0 {
                print("\(name) has no failed deliveries; nothing queued")
            } else {
                print("queued \(Format.grouped(n)) failed deliver\(n == 1 ? "y" : "ies") of \(name); a running 'cohort serve' retries \(n == 1 ? "it" : "them") within a second")
            }
        }
    }

    // MARK: Shared

    /// The destinations of cohort.yaml (only the file is read: no tables or events). Exits 1
    /// with the positioned messages when it does not parse.
    static func definitions(_ workspace: WorkspaceOptions) throws -> [WebhookDestination] {
        let path = (workspace.directory as NSString).appendingPathComponent("cohort.yaml")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            printError("cohort: cannot read \(path)")
            throw ExitCode(1)
        }
        let (defs, diagnostics) = DefinitionsParser.parse(source: text)
        let errors = diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            for d in errors { printError(d.description) }
            printError("cohort: \(errors.count) error\(errors.count == 1 ? "" : "s") in \(path); run 'cohort check' for details")
            throw ExitCode(1)
        }
        return defs.destinations.map(WebhookDestination.init)
    }

    static func openStore(_ workspace: WorkspaceOptions) throws -> CohortStore {
        do {
            return try CohortStore.open(workspaceDirectory: workspace.directory)
        } catch {
            printError("cohort: \(error)")
            throw ExitCode(1)
        }
    }

    /// A destination of cohort.yaml, or one the store still has deliveries of.
    static func requireKnown(_ name: String, _ workspace: WorkspaceOptions, _ store: CohortStore) throws {
        let defined = try definitions(workspace).map(\.name)
        if defined.contains(name) { return }
        if try store.deliveryDestinations().contains(name) { return }
        let hint = suggestion(for: name, among: defined).map { "; did you mean '\($0)'?" } ?? ""
        printError("cohort: no destination '\(name)' in cohort.yaml" + hint
                   + (defined.isEmpty ? "" : " (destinations: \(defined.joined(separator: ", ")))"))
        throw ExitCode(1)
    }
}

/// Columns padded to their widest cell, two spaces apart.
private func printTable(_ rows: [[String]], rightAligned: Set<Int> = []) {
    guard let header = rows.first else { return }
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    for row in rows {
        var line = ""
        for (i, cell) in row.enumerated() {
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            let last = i == row.count - 1
            line += rightAligned.contains(i) ? pad + cell : (last ? cell : cell + pad)
            if !last { line += "  " }
        }
        while line.last == " " { line.removeLast() }
        print(line)
    }
}

private func jsonString(_ s: String) -> String {
    let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
}
