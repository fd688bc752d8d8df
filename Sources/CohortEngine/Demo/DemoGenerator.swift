import Foundation

/// Writes a deterministic synthetic workspace for an invented retailer, Ridgeline Outfitters:
/// `cohort.yaml`, `README.md`, `tables/*.csv` and `events/*.ndjson`.
///
/// The same arguments give byte-identical files on every run and machine: all randomness
/// comes from the generator's own seeded PRNG, the time span is fixed (the `days` days ending
/// 2026-09-30T23:59:59Z) and nothing depends on hashing, locale or the wall clock.
public struct DemoGenerator: Sendable {
    public var customers: Int
    public var days: Int
    public var seed: UInt64

    public init(customers: Int, days: Int, seed: UInt64) {
        self.customers = customers
        self.days = days
        self.seed = seed
    }

    /// The last second of every generated window.
    public static let windowEnd = "2026-09-30T23:59:59Z"

    /// Writes the workspace into `directory` (created if missing; other files in it are left
    /// alone) and returns a summary.
    public func write(to directory: String) throws -> DemoSummary {
        let files = try render()
        let fm = FileManager.default
        for sub in ["", "/tables", "/events"] {
            try fm.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
        }
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        for file in files.contents {
            try file.data.write(to: base.appendingPathComponent(file.path), options: .atomic)
        }
        return files.summary
    }

    struct Rendered {
        var contents: [(path: String, data: Data)]
        var summary: DemoSummary
    }

    /// Builds every file in memory.
    func render() throws -> Rendered {
        guard customers >= 1 else { throw DemoGeneratorError.invalid("--customers must be at least 1 (got \(customers))") }
        guard customers <= 10_000_000 else { throw DemoGeneratorError.invalid("--customers must be at most 10000000 (got \(customers))") }
        guard days >= 1 else { throw DemoGeneratorError.invalid("--days must be at least 1 (got \(days))") }
        guard days <= 3650 else { throw DemoGeneratorError.invalid("--days must be at most 3650 (got \(days))") }

        let world = DemoWorld(customers: customers, days: days, seed: seed)
        world.build()
        let thresholds = DemoThresholds(world)
        let command = "cohort demo generate --out <dir> --customers \(customers) --days \(days) --seed \(seed)"

        var contents: [(path: String, data: Data)] = []
        var infos: [DemoDocs.FileInfo] = []
        func add(_ path: String, _ text: String, rows: String) {
            let data = Data(text.utf8)
            contents.append((path, data))
            infos.append(DemoDocs.FileInfo(path: path, rows: rows, bytes: data.count))
        }
        add("tables/customer_360.csv", DemoFiles.customersCSV(world), rows: DemoFormat.count(world.customers.count))
        add("tables/unified_transactions.csv", DemoFiles.transactionsCSV(world), rows: DemoFormat.count(world.orders.count))
        add("tables/stores.csv", DemoFiles.storesCSV(), rows: String(DemoCatalog.stores.count))
        var streams: [DemoStreamFile] = []
        for s in DemoStream.allCases {
            let file = DemoFiles.stream(world, s)
            streams.append(file)
            add("events/\(s.name).ndjson", file.text, rows: DemoFormat.count(file.lines))
        }
        add("cohort.yaml", DemoDocs.yaml(world, thresholds, command: command), rows: "")
        let readme = DemoDocs.readme(world, thresholds, streams: streams, files: infos, command: command)
        add("README.md", readme, rows: "")

        let summary = DemoSummary(
            customers: world.customers.count,
            transactions: world.orders.count,
            eventsPerStream: streams.map { ($0.stream.name, $0.lines) },
            bytesWritten: contents.reduce(0) { $0 + $1.data.count },
            files: contents.map { ($0.path, $0.data.count) },
            deliberateLines: streams.flatMap(\.notes))
        return Rendered(contents: contents, summary: summary)
    }
}

public struct DemoSummary: Sendable {
    public var customers: Int
    /// Rows of unified_transactions.csv.
    public var transactions: Int
    /// Non-blank lines of each events file, in the order web, email, loyalty, sms (deliberate
    /// duplicates and malformed lines included).
    public var eventsPerStream: [(stream: String, count: Int)]
    public var bytesWritten: Int
    /// Every file written, relative to the workspace, with its size.
    public var files: [(path: String, bytes: Int)]
    /// The lines of the events files that are bad or odd on purpose.
    public var deliberateLines: [DemoDeliberateLine]

    public init(customers: Int, transactions: Int, eventsPerStream: [(stream: String, count: Int)], bytesWritten: Int,
                files: [(path: String, bytes: Int)] = [], deliberateLines: [DemoDeliberateLine] = []) {
        self.customers = customers
        self.transactions = transactions
        self.eventsPerStream = eventsPerStream
        self.bytesWritten = bytesWritten
        self.files = files
        self.deliberateLines = deliberateLines
    }

    /// All events lines written.
    public var totalEvents: Int { eventsPerStream.reduce(0) { $0 + $1.count } }
}

public enum DemoGeneratorError: Error, CustomStringConvertible, Sendable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        }
    }
}
