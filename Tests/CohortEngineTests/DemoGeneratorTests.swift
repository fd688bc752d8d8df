import Foundation
import Testing
@testable import CohortEngine

@Suite("demo generator")
struct DemoGeneratorTests {
    static let streams = ["web", "email", "loyalty", "sms"]

    /// A fresh, empty temporary folder.
    static func tempDir(_ tag: String) -> String {
        let path = NSTemporaryDirectory() + "cohort-demo-\(tag)-\(UUID().uuidString)"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    static func files(in dir: String) throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for sub in ["", "tables", "events"] {
            let path = sub.isEmpty ? dir : dir + "/" + sub
            for name in try fm.contentsOfDirectory(atPath: path).sorted() {
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: path + "/" + name, isDirectory: &isDir)
                if !isDir.boolValue { out.append(sub.isEmpty ? name : sub + "/" + name) }
            }
        }
        return out
    }

    static func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        #expect(lines.last == "", "\(path) ends with a newline")
        lines.removeLast()
        return lines
    }

    /// Why a line would be quarantined, or nil when it is a valid event.
    static func problem(_ line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { return "invalid JSON" }
        guard let event = object as? [String: Any] else { return "not an object" }
        guard event["event_id"] is String else { return "no event_id" }
        guard event["type"] is String else { return "no type" }
        guard let ts = event["timestamp"] as? String else { return "no timestamp" }
        guard CivilTime.parseTimestamp(ts) != nil else {
            return CivilTime.parseTimestamp(ts, requireZone: false) != nil ? "timestamp without zone" : "bad timestamp"
        }
        guard event["properties"] is [String: Any] else { return "properties not an object" }
        return nil
    }

    @Test("the same arguments give byte-identical files")
    func deterministic() throws {
        let a = Self.tempDir("a"), b = Self.tempDir("b")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let sa = try DemoGenerator(customers: 200, days: 14, seed: 7).write(to: a)
        let sb = try DemoGenerator(customers: 200, days: 14, seed: 7).write(to: b)
        let fa = try Self.files(in: a), fb = try Self.files(in: b)
        #expect(fa == ["README.md", "cohort.yaml", "tables/customer_360.csv", "tables/stores.csv",
                       "tables/unified_transactions.csv", "events/email.ndjson", "events/loyalty.ndjson",
                       "events/sms.ndjson", "events/web.ndjson"])
        #expect(fa == fb)
        for f in fa {
            let da = try Data(contentsOf: URL(fileURLWithPath: a + "/" + f))
            let db = try Data(contentsOf: URL(fileURLWithPath: b + "/" + f))
            #expect(da == db, "\(f) differs between two runs")
        }
        #expect(sa.bytesWritten == sb.bytesWritten)
        #expect(sa.eventsPerStream.map(\.count) == sb.eventsPerStream.map(\.count))
        #expect(sa.deliberateLines == sb.deliberateLines)
        let total = try fa.reduce(0) { $0 + (try Data(contentsOf: URL(fileURLWithPath: a + "/" + $1)).count) }
        #expect(sa.bytesWritten == total)
    }

    @Test("a different seed gives different data")
    func seedMatters() throws {
        let one = try DemoGenerator(customers: 200, days: 14, seed: 7).render()
        let two = try DemoGenerator(customers: 200, days: 14, seed: 8).render()
        for path in ["events/web.ndjson", "events/email.ndjson", "events/loyalty.ndjson", "tables/customer_360.csv"] {
            let x = one.contents.first { $0.path == path }!.data
            let y = two.contents.first { $0.path == path }!.data
            #expect(x != y, "\(path) is the same for seeds 7 and 8")
        }
    }

    @Test("row counts are as asked and the CSV tables are rectangular")
    func counts() throws {
        let dir = Self.tempDir("counts")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try DemoGenerator(customers: 200, days: 14, seed: 3).write(to: dir)
        #expect(summary.customers == 200)
        let customers = try Self.lines(dir + "/tables/customer_360.csv")
        #expect(customers.count == 201)
        #expect(customers[0] == "amperity_id,given_name,surname,email,phone,address,city,state,postal_code,loyalty_id,loyalty_tier,signup_date,birth_date,email_opt_in,home_store_id")
        #expect(customers[1].hasPrefix("AMP-000001,"))
        #expect(customers[200].hasPrefix("AMP-000200,"))
        let orders = try Self.lines(dir + "/tables/unified_transactions.csv")
        #expect(orders.count == summary.transactions + 1)
        #expect(summary.transactions > 200)
        #expect(orders.dropFirst().contains { $0.split(separator: ",", omittingEmptySubsequences: false)[3].isEmpty },
                "some orders have an empty order_datetime")
        let stores = try Self.lines(dir + "/tables/stores.csv")
        #expect(stores.count == 26)

        var types: [String: ColumnType] = [:]
        for (file, columns) in [("customer_360", 15), ("unified_transactions", 9), ("stores", 7)] {
            let (table, problems) = try TableLoader.load(name: file, path: dir + "/tables/\(file).csv")
            #expect(problems.isEmpty, "\(file): \(problems.map(\.message))")
            #expect(table.columns.count == columns)
            for (column, type) in zip(table.columns, table.types) { types[file + "." + column] = type }
        }
        #expect(types["customer_360.postal_code"] == .string)
        #expect(types["customer_360.signup_date"] == .date)
        #expect(types["customer_360.birth_date"] == .date)
        #expect(types["customer_360.email_opt_in"] == .boolean)
        #expect(types["unified_transactions.order_datetime"] == .timestamp)
        #expect(types["unified_transactions.amount"] == .double)
        #expect(types["unified_transactions.items"] == .integer)
        #expect(types["stores.opened"] == .date)
        #expect(types["stores.square_feet"] == .integer)
        for (i, name) in Self.streams.enumerated() {
            let nonBlank = try Self.lines(dir + "/events/\(name).ndjson").filter { !$0.isEmpty }.count
            #expect(summary.eventsPerStream[i].stream == name)
            #expect(summary.eventsPerStream[i].count == nonBlank)
        }
    }

    @Test("every events line is a valid event except the deliberate bad ones")
    func eventLines() throws {
        let dir = Self.tempDir("events")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try DemoGenerator(customers: 200, days: 14, seed: 11).write(to: dir)
        var problems: [String: Int] = [:]
        var duplicates = 0, blanks = 0
        for stream in Self.streams {
            let bad = Dictionary(uniqueKeysWithValues: summary.deliberateLines
                .filter { $0.stream == stream && ($0.kind == .malformed || $0.kind == .blank) }
                .map { ($0.line, $0) })
            var seen = Set<String>()
            var previous = Int64.min
            var late = 0
            for (i, line) in try Self.lines(dir + "/events/\(stream).ndjson").enumerated() {
                let number = i + 1
                if line.isEmpty {
                    #expect(bad[number]?.kind == .blank, "\(stream):\(number) is blank without being listed")
                    blanks += 1
                    continue
                }
                #expect(!line.contains("\": ") && !line.contains(", \""), "\(stream):\(number) is not compact JSON")
                if let why = Self.problem(line) {
                    #expect(bad[number]?.kind == .malformed, "\(stream):\(number) is bad (\(why)) without being listed: \(line)")
                    problems[why, default: 0] += 1
                    continue
                }
                #expect(bad[number] == nil, "\(stream):\(number) is listed as bad but is a valid event")
                let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                if !seen.insert(event["event_id"] as! String).inserted { duplicates += 1 }
                let t = CivilTime.parseTimestamp(event["timestamp"] as! String)!
                if t < previous { late += 1 }
                previous = max(previous, t)
                #expect(t >= CivilTime.parseTimestamp("2026-09-17T00:00:00Z")!)
                #expect(t <= CivilTime.parseTimestamp("2026-09-30T23:59:59Z")!)
            }
            #expect(late > 0 || stream == "sms", "\(stream) has no lines out of time order")
        }
        #expect(problems["invalid JSON", default: 0] >= 2)
        #expect(problems["no event_id", default: 0] >= 1)
        #expect(problems["no timestamp", default: 0] >= 1)
        #expect(problems["timestamp without zone", default: 0] >= 1)
        #expect(problems["properties not an object", default: 0] >= 2)
        #expect(blanks >= 1)
        let malformed = problems.values.reduce(0, +)
        #expect(malformed == summary.deliberateLines.filter { $0.kind == .malformed }.count)
        #expect((5...15).contains(malformed + blanks))
        #expect(duplicates == summary.deliberateLines.filter { $0.kind == .duplicate }.count)
        #expect((3...15).contains(duplicates))
        #expect(summary.deliberateLines.contains { $0.kind == .unknownIdentity && $0.stream == "web" })
        #expect(summary.deliberateLines.contains { $0.kind == .unknownIdentity && $0.stream == "email" })
    }

    @Test("identities in the events point at the tables, apart from the deliberate strangers")
    func identities() throws {
        let rendered = try DemoGenerator(customers: 150, days: 10, seed: 5).render()
        func text(_ path: String) -> String { String(decoding: rendered.contents.first { $0.path == path }!.data, as: UTF8.self) }
        let customers = text("tables/customer_360.csv")
        let web = text("events/web.ndjson")
        var known = 0, unknown = 0, anonymous = 0
        for line in web.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            if let id = object["customer_id"] as? String {
                if customers.contains("\n\(id),") { known += 1 } else { unknown += 1 }
            } else if object["anonymous_id"] != nil {
                anonymous += 1
            }
        }
        #expect(known > 100)
        #expect(anonymous > 10)
        #expect((1...6).contains(unknown))
        // The YAML defines every function and timeframe kind the spec lists.
        let yaml = text("cohort.yaml")
        for function in ["count", "count_distinct", "distinct", "sum", "average", "min", "max", "most_frequent", "first", "last"] {
            #expect(yaml.contains("function: \(function)\n"), "no \(function) attribute")
        }
        for timeframe in ["all_time", "1h", "24h", "1d", "7d", "30d", "90d", "365d"] {
            #expect(yaml.contains("timeframe: \(timeframe)\n"), "no \(timeframe) timeframe")
        }
    }

    @Test("the generated workspace passes cohort check")
    func checks() throws {
        let dir = Self.tempDir("check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try DemoGenerator(customers: 120, days: 7, seed: 1).write(to: dir)
        let ws = Workspace.load(directory: dir)
        // A week of 120 customers may lack a rare event type (a warning); errors there are none.
        #expect(ws.errors.map(\.description) == [])
        #expect(ws.collections.map(\.name) == ["customers", "stores"])
    }

    @Test("tiny and odd sizes work")
    func tiny() throws {
        for (customers, days) in [(1, 1), (3, 2), (17, 5)] {
            let r = try DemoGenerator(customers: customers, days: days, seed: 99).render()
            #expect(r.summary.customers == customers)
            #expect(r.contents.count == 9)
        }
        #expect(throws: DemoGeneratorError.self) { try DemoGenerator(customers: 0, days: 5, seed: 1).render() }
        #expect(throws: DemoGeneratorError.self) { try DemoGenerator(customers: 5, days: 0, seed: 1).render() }
    }

    @Test("the default demo has the intended size and is quick to make")
    func defaultSize() throws {
        let started = Date()
        let r = try DemoGenerator(customers: 2400, days: 90, seed: 42).render()
        let elapsed = Date().timeIntervalSince(started)
        #expect(r.summary.customers == 2400)
        #expect((20_000...40_000).contains(r.summary.totalEvents))
        #expect((3_000_000...6_300_000).contains(r.summary.bytesWritten))
        #expect(elapsed < 15, "took \(elapsed) s")
    }
}
