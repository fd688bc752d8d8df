import Foundation
import Testing

/// Runs the built `cohort` binary and captures what it prints.
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let demo = packageRoot + "/demo-data"

    /// The `cohort` executable beside the test bundle (SwiftPM builds it for this target).
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [beside, beside.deletingLastPathComponent(), URL(fileURLWithPath: packageRoot + "/.build/debug")] {
            let candidate = dir.appendingPathComponent("cohort").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return packageRoot + "/.build/debug/cohort"
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], in directory: String = packageRoot) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        // Output goes to files, so a chatty process can never block on a full pipe.
        let base = NSTemporaryDirectory() + "cohort-run-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        try p.run()
        p.waitUntilExit()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Output(status: p.terminationStatus, stdout: read(base + ".out"), stderr: read(base + ".err"))
    }

    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "cohort-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// The command line end to end, on the committed demo workspace.
@Suite("cohort command line", .serialized)
struct CommandLineTests {
    @Test("check prints the one-line summary of demo-data and exits 0")
    func checkDemo() throws {
        let r = try CLI.run(["check", "--workspace", CLI.demo])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("ok: 2 collections, "))
        #expect(r.stdout.contains(" segments, 4 streams, 3 tables"))
    }

    @Test("check reports every error with file, line and column and exits 1")
    func checkErrors() throws {
        let dir = try CLI.temporaryDirectory()
        try """
        tables:
          people: { file: tables/people.csv, key: id }
        streams:
          web: { file: events/web.ndjson }
        collections:
          people:
            table: peeple
            key: id
            streams:
              - stream: wbe
                match: { event: id, profile: id }
        """.write(toFile: dir + "/cohort.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(r.stderr == """
        cohort.yaml:2:19: error: table 'people': file 'tables/people.csv' not found
        cohort.yaml:4:16: error: stream 'web': file 'events/web.ndjson' not found
        cohort.yaml:7:12: error: unknown table 'peeple' — did you mean 'people'?
        3 errors

        """)
    }

    @Test("replay writes one profile line per profile, sorted by collection then key, and a summary")
    func replay() throws {
        let dir = try CLI.temporaryDirectory()
        let r = try CLI.run(["replay", "--workspace", CLI.demo, "--profiles-out", dir + "/p.ndjson", "--activations-out", dir + "/a.ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("replayed "))
        #expect(r.stdout.contains("quarantined"))
        #expect(r.stdout.contains("collection customers: "))
        let lines = try String(contentsOfFile: dir + "/p.ndjson", encoding: .utf8).split(separator: "\n")
        let customers = try String(contentsOfFile: CLI.demo + "/tables/customer_360.csv", encoding: .utf8).split(separator: "\n").count - 1
        let stores = try String(contentsOfFile: CLI.demo + "/tables/stores.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(lines.count == customers + stores)
        var previous: (String, String) = ("", "")
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(obj.keys) == ["collection", "key", "attributes", "segments"])
            let current = (obj["collection"] as! String, obj["key"] as! String)
            #expect(previous.0 < current.0 || (previous.0 == current.0 && previous.1 < current.1))
            previous = current
        }
        let activations = try String(contentsOfFile: dir + "/a.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(activations.contains { $0.contains(#""change":"exit""#) })
        #expect(activations.contains { $0.contains(#""change":"enter""#) })

        // `profile` prints the same line as --profiles-out.
        let key = "AMP-000001"
        let p = try CLI.run(["profile", key, "--workspace", CLI.demo])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(lines.contains { $0 == p.stdout.dropLast() })
    }

    @Test("eval prints JSON; a bad expression exits 1 with its position")
    func eval() throws {
        #expect(try CLI.run(["eval", "1/0"]).stdout == "null\n")
        #expect(try CLI.run(["eval", "round(2.5) + 7 div 2"]).stdout == "6\n")
        #expect(try CLI.run(["eval", "-7 % 3"]).stdout == "-1\n")      // a leading '-' is not an option
        #expect(try CLI.run(["eval", "concat_ws('-', 'a', null, 'b')"]).stdout == "\"a-b\"\n")
        #expect(try CLI.run(["eval", "date_add(current_date(), 1)", "--now", "2026-09-30T23:00:00Z"]).stdout == "\"2026-10-01\"\n")
        let bad = try CLI.run(["eval", "1 +"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("1:"))
        #expect(bad.stderr.contains("error:"))
        let profile = try CLI.run(["eval", "--workspace", CLI.demo, "--profile", "AMP-000001", "key_is_set OR true"])
        #expect(profile.status == 1)
        #expect(profile.stderr.contains("unknown attribute 'key_is_set'"))
    }

    @Test("demo generate gives byte-identical folders for the same seed, and demo-data is its output")
    func demoGenerate() throws {
        let a = try CLI.temporaryDirectory(), b = try CLI.temporaryDirectory()
        let r = try CLI.run(["demo", "generate", "--out", a, "--customers", "2400", "--days", "90", "--seed", "42"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("wrote "))
        _ = try CLI.run(["demo", "generate", "--out", b, "--customers", "2400", "--days", "90", "--seed", "42"])
        let files = try FileManager.default.subpathsOfDirectory(atPath: a).sorted().filter { !$0.hasPrefix(".cohort") }
        #expect(files.contains("cohort.yaml"))
        for f in files {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: a + "/" + f, isDirectory: &isDir)
            if isDir.boolValue { continue }
            let x = FileManager.default.contents(atPath: a + "/" + f)
            #expect(x == FileManager.default.contents(atPath: b + "/" + f), "\(f) differs between two runs")
            #expect(x == FileManager.default.contents(atPath: CLI.demo + "/" + f), "demo-data/\(f) is not what the generator writes")
        }
    }

    @Test("a theme that does not exist is refused before the screen starts")
    func unknownTheme() throws {
        let r = try CLI.run(["--theme", "nosuch"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("no theme 'nosuch' in themes/"))
        #expect(r.stderr.contains("okabe-ito"))
    }

    @Test("plain cohort without a terminal says the console needs one and exits 1")
    func consoleWithoutTerminal() throws {
        let r = try CLI.run([])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cohort: the console needs a terminal"))
        #expect(r.stdout.isEmpty)
    }
}
