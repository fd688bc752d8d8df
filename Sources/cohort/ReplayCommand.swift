import ArgumentParser
import CohortEngine
import CohortTUI
import Foundation

/// `cohort replay`: replays the recorded events headless and summarises what happened.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay the workspace's events and print a summary.",
        discussion: "Events from every stream are merged by timestamp; profiles and segments are computed at the clock (the latest event, or --until)."
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Option(help: ArgumentHelp("Replay only events at or before this instant (RFC 3339, or a date for its midnight UTC); the clock ends there.", valueName: "TS"))
    var until: String?

    @Option(help: ArgumentHelp("Write every profile as NDJSON, sorted by collection then key.", valueName: "FILE"))
    var profilesOut: String?

    @Option(help: ArgumentHelp("Write every segment enter and exit as NDJSON, in time order.", valueName: "FILE"))
    var activationsOut: String?

    func run() throws {
        let untilMicros = try until.map { try parseInstant($0, option: "--until") }
        let started = DispatchTime.now()
        let ws = try workspace.loadOrExit()
        var bar = ProgressBar()
        let result = Replay(workspace: ws, until: untilMicros, recordActivations: activationsOut != nil)
            .run { bar.update($0, label: "replaying") }
        bar.finish()
        if let profilesOut { try FileSystem.writeLines(ProfileWriter.profileLines(result), to: profilesOut) }
        if let activationsOut { try FileSystem.writeLines(result.activations.map(ProfileWriter.activationLine), to: activationsOut) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        print(ReplaySummary(result: result, seconds: seconds).text)
    }
}

/// The text `cohort replay` prints when it finishes.
struct ReplaySummary {
    let result: ReplayResult
    let seconds: Double

    var text: String {
        var lines: [String] = []
        let valid = result.streams.reduce(0) { $0 + $1.valid }
        let clock = result.clock.map(CivilTime.formatTimestamp) ?? "no events"
        lines.append("replayed \(Format.grouped(valid)) events from \(result.streams.count) streams in \(String(format: "%.2f", seconds))s; clock \(clock)")
        lines.append("")
        let header = ["stream", "lines", "valid", "applied", "duplicate", "unmatched", "quarantined"]
        var rows: [[String]] = []
        var totals = [0, 0, 0, 0, 0, 0]
        for s in result.streams {
            let applied = s.valid - s.unmatched
            let nums = [s.lines, s.valid, applied, s.duplicate, s.unmatched, s.quarantined]
            for i in nums.indices { totals[i] += nums[i] }
            rows.append([s.name] + nums.map(Format.grouped))
        }
        rows.append(["total"] + totals.map(Format.grouped))
        lines += table(header: header, rows: rows)
        for c in result.collections {
            lines.append("")
            lines.append("collection \(c.model.name): \(Format.grouped(c.model.table.rows.count)) profiles, \(c.model.attributes.count) attributes")
            let segRows = c.model.segments.indices.map { s -> [String] in
                let size = c.segmentSize(s)
                let pct = c.model.table.rows.isEmpty ? 0 : Double(size) * 100 / Double(c.model.table.rows.count)
                return [c.model.segments[s].name, Format.grouped(size), String(format: "%.1f%%", pct)]
            }
            if !segRows.isEmpty { lines += table(header: ["segment", "members", "share"], rows: segRows) }
            for (i, w) in c.typeWarnings.enumerated() where w > 0 {
                lines.append("warning: attribute '\(c.model.attributes[i].name)' skipped \(Format.grouped(w)) non-numeric value\(w == 1 ? "" : "s")")
            }
        }
        if !result.activations.isEmpty {
            let enters = result.activations.filter { $0.change == .enter }.count
            lines.append("")
            lines.append("activations: \(Format.grouped(enters)) enter, \(Format.grouped(result.activations.count - enters)) exit")
        }
        if result.skippedMidnights > 0 {
            lines.append("note: the clock jumped more than a year at once; conditions reading current_date() were evaluated at the first "
                         + "\(LiveEngine.midnightsPerMove) midnights of each jump and its last, not at the \(Format.grouped(result.skippedMidnights)) between")
        }
        return lines.joined(separator: "\n")
    }

    /// A left-aligned first column and right-aligned numbers, two spaces apart.
    func table(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
