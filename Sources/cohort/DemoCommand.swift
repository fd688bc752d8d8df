import ArgumentParser
import CohortEngine
import CohortTUI

/// `cohort demo`: the demo workspace.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Work with the synthetic demo workspace.",
        subcommands: [Generate.self]
    )

    /// `cohort demo generate`: writes a deterministic synthetic workspace.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic synthetic retail workspace; the same arguments give byte-identical files."
        )

        @Option(help: ArgumentHelp("The folder to write (created if missing).", valueName: "DIR"))
        var out: String

        @Option(help: "Number of customers.")
        var customers = 2400

        @Option(help: "Days of events, ending 2026-09-30.")
        var days = 90

        @Option(help: "Random seed.")
        var seed: UInt64 = 42

        func validate() throws {
            guard customers >= 1 && customers <= 10_000_000 else { throw ValidationError("--customers must be between 1 and 10,000,000") }
            guard days >= 1 && days <= 3650 else { throw ValidationError("--days must be between 1 and 3,650") }
        }

        func run() throws {
            let summary = try DemoGenerator(customers: customers, days: days, seed: seed).write(to: out)
            let events = summary.eventsPerStream.reduce(0) { $0 + $1.count }
            print("wrote \(out): \(Format.grouped(summary.customers)) customers, \(Format.grouped(summary.transactions)) transactions, \(Format.grouped(events)) events ("
                  + summary.eventsPerStream.map { "\($0.stream) \(Format.grouped($0.count))" }.joined(separator: ", ")
                  + "), \(Format.grouped(summary.bytesWritten)) bytes")
        }
    }
}
