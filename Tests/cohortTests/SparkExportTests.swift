import Foundation
import Testing

/// `cohort export spark` (SPEC §9): the job it writes, what it refuses, and the proof that the
/// job computes the same profiles as the engine (spark/check.sh on demo-data).
@Suite("Spark export")
struct SparkExportTests {
    static func export(_ workspace: String) throws -> (CLI.Output, String?) {
        let out = NSTemporaryDirectory() + "cohort-spark-export-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CLI.run(["export", "spark", "--workspace", workspace, "--out", out])
        return (result, try? String(contentsOfFile: out + "/job.py", encoding: .utf8))
    }

    @Test("the job declares each collection in one function named after it, with cohort.yaml's Spark SQL verbatim")
    func readableJob() throws {
        let (result, job) = try Self.export(CLI.demo)
        #expect(result.status == 0, "\(result.stderr)")
        let text = try #require(job)
        #expect(text.hasPrefix("#!/usr/bin/env python3\n"))
        for line in [
            "def customers(job):",
            "def stores(job):",
            #"    c.link("web", [("customer_id", "amperity_id"), ("email", "email")])"#,
            #"    c.events("web_purchases_1d", "count", events=["purchase"], where="properties.channel = 'web'", reads=["properties.channel"], timeframe="1d")"#,
            #"    c.table("store_orders_365d", "count", table="unified_transactions", row="amperity_id", profile="amperity_id", where="channel = 'store'", timeframe="365d")"#,
            #"    c.computed("is_vip", "coalesce(lifetime_spend, 0) >= 1600 OR current_tier <=> 'platinum'","#,
            #"    c.segment("cart_abandoners", "cart_adds_1d > 0 AND web_purchases_1d = 0","#,
            "spark.sql.session.timeZone",
            "spark.sql.ansi.enabled",
        ] {
            #expect(text.contains(line), "job.py lacks: \(line)")
        }
        // Never a hard-coded master: spark-submit's, or --master.
        #expect(!text.contains(".master(\"local"))
        // The job is valid Python.
        let path = NSTemporaryDirectory() + "cohort-job-\(UUID().uuidString).py"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try shell("python3 -m py_compile \(path)") == 0)
    }

    @Test("definitions the job could not compute exactly are refused with their position and nothing is written")
    func refusals() throws {
        let ws = try CLI.temporaryDirectory()
        for sub in ["/tables", "/events"] { try FileManager.default.createDirectory(atPath: ws + sub, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: ws) }
        try "id,name\nA,Ann\n".write(toFile: ws + "/tables/people.csv", atomically: true, encoding: .utf8)
        try #"{"event_id":"e1","type":"visit","timestamp":"2026-01-01T00:00:00Z","person":"A","properties":{"first-name":"x"}}"#
            .write(toFile: ws + "/events/web.ndjson", atomically: true, encoding: .utf8)
        try """
        tables:
          people: { file: tables/people.csv, key: id }
        streams:
          web: { file: events/web.ndjson }
        collections:
          people:
            table: people
            key: id
            streams:
              - stream: web
                match: { event: person, profile: id }
            attributes:
              - name: __visits
                function: count
                events: [visit]
                timeframe: 7d
              - name: first_name_seen
                function: first
                field: properties.first-name
                timeframe: all_time
        """.write(toFile: ws + "/cohort.yaml", atomically: true, encoding: .utf8)
        let out = ws + "/job"
        let result = try CLI.run(["export", "spark", "--workspace", ws, "--out", out])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cohort.yaml:13:15: error: cannot export to Spark: the name '__visits' starts with '__'"), "\(result.stderr)")
        #expect(result.stderr.contains("cohort.yaml:19:16: error: cannot export to Spark: event field 'properties.first-name'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/job.py"))
    }

    @Test("a workspace with errors is not exported")
    func brokenDefinitions() throws {
        let ws = try CLI.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: ws + "/tables", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: ws) }
        try "id\nA\n".write(toFile: ws + "/tables/people.csv", atomically: true, encoding: .utf8)
        try """
        tables:
          people: { file: tables/people.csv, key: id }
        collections:
          people:
            table: people
            key: id
            attributes:
              - name: shout
                expression: "upper(nmae)"
        """.write(toFile: ws + "/cohort.yaml", atomically: true, encoding: .utf8)
        let (result, job) = try Self.export(ws)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cohort.yaml:9:"), "\(result.stderr)")
        #expect(job == nil)
    }

    /// The proof of SPEC §9 on demo-data: the exported job, run by a local Spark at the latest
    /// event and at the instant a day window expires, writes what `cohort replay --until`
    /// writes (spark/check.sh --quick). Needs PySpark and Java, which .ci/run installs.
    @Test("the Spark job's profiles equal cohort replay's on demo-data", .enabled(if: SparkExportTests.sparkAvailable))
    func sameProfilesAsReplay() throws {
        let log = NSTemporaryDirectory() + "cohort-spark-check-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try shell("COHORT_BIN='\(CLI.binary)' bash '\(CLI.packageRoot)/spark/check.sh' --quick > '\(log)' 2>&1")
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "spark/check.sh --quick exited \(status):\n\(output.suffix(6000))")
    }

    static var sparkAvailable: Bool {
        (try? shell("python3 -c 'import pyspark' >/dev/null 2>&1 && command -v java >/dev/null 2>&1")) == 0
    }
}

/// Runs a shell command line (output as the line redirects it); its exit status.
private func shell(_ line: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", line]
    p.currentDirectoryURL = URL(fileURLWithPath: CLI.packageRoot)
    p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
