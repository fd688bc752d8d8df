import ArgumentParser
import Foundation
import CohortEngine

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write((text + "\n").data(using: .utf8)!)
}

enum FileSystem {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Writes lines to a file atomically (a temporary file renamed into place).
    static func writeLines(_ lines: [String], to path: String) throws {
        var data = Data()
        data.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        for line in lines {
            var line = line
            line.withUTF8 { data.append($0) }
            data.append(0x0A)
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Parses `--until`/`--now`: an RFC 3339 timestamp, or a date meaning its midnight UTC.
func parseInstant(_ text: String, option: String) throws -> Int64 {
    if let t = CivilTime.parseTimestamp(text) { return t }
    if let d = CivilTime.parseDate(text) { return Int64(d) * CivilTime.microsPerDay }
    if let t = CivilTime.parseTimestamp(text, requireZone: false) { return t }
    throw ValidationError("\(option) '\(text)' is not a timestamp; use RFC 3339 such as 2026-09-15T12:00:00Z, or a date such as 2026-09-15")
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
struct ProgressBar {
    let enabled = isatty(STDERR_FILENO) == 1
    var last = -1

    mutating func update(_ fraction: Double, label: String) {
        guard enabled else { return }
        let pct = Int(fraction * 100)
        guard pct != last else { return }
        last = pct
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write("\r\(label) \(bar) \(pct)%".data(using: .utf8)!)
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!)
    }
}
