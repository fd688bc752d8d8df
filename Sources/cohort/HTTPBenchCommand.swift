import ArgumentParser
import CohortEngine
import CohortServer
import CohortStore
import CohortTUI
import Foundation

/// `cohort bench http`: the HTTP API under load from wrk on loopback, and the time from a
/// posted event to its segment enter on the SSE stream.
struct HTTPBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Measure cohort serve with wrk on loopback (profile look-ups, single and NDJSON ingest, event→SSE latency).",
        discussion: """
        Serves a scratch copy of the workspace (demo-data by default) in this process on a free \
        port with an unlimited token, then runs wrk (Debian package 'wrk') against it: profile \
        look-ups by key, one event per POST, and NDJSON batches of --batch events; then posts \
        --sse-events events one at a time, each bringing a different profile into a segment, and \
        times each until its enter arrives on /v1/activations/stream. Targets (issue 7): look-up \
        p99 ≤ 1 ms at ≥ 10,000 requests/s; ≥ 50,000 single events/s; ≥ 500,000 batched events/s; \
        event→SSE p99 ≤ 5 ms. The machine's two cores are shared by wrk and the server.
        """
    )

    @OptionGroup var options: WorkspaceOptions

    @Option(help: "Seconds per wrk run.")
    var seconds = 10

    @Option(help: "wrk connections for look-ups and single events.")
    var connections = 32

    @Option(help: "Events per NDJSON batch.")
    var batch = 2000

    @Option(help: "Events timed from POST to their SSE enter.")
    var sseEvents = 1000

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build, many times slower; measure with 'swift run -c release cohort bench http'")
        #endif
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile) else {
            printError("cohort: wrk is not installed (apt-get install wrk)")
            throw ExitCode(1)
        }
        // A scratch workspace: the definitions copied, tables and events linked, so the store
        // and the posted events never land in the real one.
        let source = URL(fileURLWithPath: options.directory).standardizedFileURL.path
        let dir = NSTemporaryDirectory() + "cohort-bench-http-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        try fm.copyItem(atPath: source + "/cohort.yaml", toPath: dir + "/cohort.yaml")
        for sub in ["tables", "events"] where fm.fileExists(atPath: source + "/" + sub) {
            try fm.createSymbolicLink(atPath: dir + "/" + sub, withDestinationPath: source + "/" + sub)
        }
        let ws = Workspace.load(directory: dir)
        guard ws.errors.isEmpty, let collection = ws.collections.first,
              let stream = collection.links.first.map({ ws.streams[$0.stream].name.value }),
              let idField = collection.links.first?.pairs.first?.eventField else {
            printError("cohort: the workspace needs a collection with a linked stream; run 'cohort check'")
            throw ExitCode(1)
        }
        let served = try ServedWorkspace.open(workspace: ws, directory: dir)
        let loop = try ServeLoop(api: served.api, replay: false, speed: 1)
        loop.start()
        let token = try Tokens.create(in: served.store, scopes: [.eventsWrite, .profilesRead, .piiRead], rate: 0).token
        let portBox = LockedBox<Int?>(nil)
        let server = Task {
            try await HTTPServer.run(api: served.api, host: "127.0.0.1", port: 0) { portBox.set($0) }
        }
        defer {
            server.cancel()
            loop.stop()
        }
        while portBox.get() == nil { Thread.sleep(forTimeInterval: 0.05) }
        let port = portBox.get()!
        let keys = (0..<collection.table.rows.count).map { collection.key(ofRow: $0) }
        print("cohort bench http: \(Format.grouped(keys.count)) profiles of '\(collection.name)', stream '\(stream)', port \(port), wrk -t2 -c\(connections) -d\(seconds)s")

        let scripts = dir + "/wrk"
        try fm.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        let keyList = keys.prefix(10_000).map { "\"\($0)\"" }.joined(separator: ",")
        let now = CivilTime.formatTimestamp(CohortStore.wallMicroseconds() / 1_000_000 * 1_000_000)
        let common = """
            local keys = {\(keyList)}
            local n = 0
            local tid = 0
            local counter = 0
            function setup(thread) counter = counter + 1; thread:set("tid", counter) end
            local auth = "Bearer \(token)"

            """
        try (common + """
            request = function()
              n = n + 1
              return wrk.format("GET", "/v1/collections/\(collection.name)/profiles/" .. keys[(n % #keys) + 1], {["Authorization"] = auth})
            end
            """).write(toFile: scripts + "/lookup.lua", atomically: true, encoding: .utf8)
        func eventLua(_ prefix: String) -> String {
            """
            local function event(i)
              return string.format('{"event_id":"\(prefix)-%d-%d","type":"page_view","timestamp":"\(now.dropLast()).%06dZ","\(idField)":"%s","properties":{"url":"/bench"}}', tid, i, i % 1000000, keys[(i % #keys) + 1])
            end

            """
        }
        try (common + eventLua("s") + """
            request = function()
              n = n + 1
              return wrk.format("POST", "/v1/streams/\(stream)/events", {["Authorization"] = auth, ["Content-Type"] = "application/json"}, event(n))
            end
            """).write(toFile: scripts + "/single.lua", atomically: true, encoding: .utf8)
        try (common + eventLua("b") + """
            request = function()
              local lines = {}
              for j = 1, \(batch) do n = n + 1; lines[j] = event(n) end
              return wrk.format("POST", "/v1/streams/\(stream)/events", {["Authorization"] = auth, ["Content-Type"] = "application/x-ndjson"}, table.concat(lines, "\\n"))
            end
            """).write(toFile: scripts + "/batch.lua", atomically: true, encoding: .utf8)

        func runWrk(_ script: String, connections c: Int) throws -> WrkResult {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: wrk)
            p.arguments = ["-t2", "-c\(c)", "-d\(seconds)s", "--latency", "-s", scripts + "/" + script, "http://127.0.0.1:\(port)"]
            let out = dir + "/wrk.out"
            _ = fm.createFile(atPath: out, contents: nil)
            p.standardOutput = FileHandle(forWritingAtPath: out)
            p.standardError = FileHandle(forWritingAtPath: out)
            try p.run()
            p.waitUntilExit()
            return WrkResult(String(decoding: fm.contents(atPath: out) ?? Data(), as: UTF8.self))
        }
        func report(_ name: String, _ r: WrkResult, perRequest: Int = 1, target: String) {
            let rate = r.requestsPerSecond * Double(perRequest)
            print(String(format: "%-24@ %12@ %@/s   p50 %@  p99 %@   non-2xx %@   (%@)", name as NSString,
                         Format.grouped(Int(rate)) as NSString, (perRequest == 1 ? "req" : "events") as NSString,
                         r.p50 as NSString, r.p99 as NSString, String(r.non2xx) as NSString, target as NSString))
        }

        let lookupFew = try runWrk("lookup.lua", connections: 4)
        report("look-up (4 conns)", lookupFew, target: "p99 ≤ 1 ms at ≥ 10,000 req/s")
        let lookup = try runWrk("lookup.lua", connections: connections)
        report("look-up (\(connections) conns)", lookup, target: "saturation")
        let single = try runWrk("single.lua", connections: connections)
        report("ingest, one event", single, target: "≥ 50,000 events/s")
        let batched = try runWrk("batch.lua", connections: 4)
        report("ingest, NDJSON ×\(batch)", batched, perRequest: batch, target: "≥ 500,000 events/s")

        // Event → SSE enter: each event brings a different profile into a segment.
        try sseLatency(port: port, token: token, ws: ws, collection: collection, stream: stream, idField: idField, served: served)
    }

    /// Posts events one at a time, each for a profile not yet in the segment it enters, and
    /// times each from the POST to its `enter` line on the SSE stream.
    private func sseLatency(port: Int, token: String, ws: Workspace, collection: CollectionModel, stream: String, idField: String, served: ServedWorkspace) throws {
        let sse = try LoopbackClient(port: port, timeoutSeconds: 10)
        try sse.send("GET /v1/activations/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        while try !sse.readLine().contains(": connected") {}
        let poster = try LoopbackClient(port: port)
        let headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        let now = CivilTime.formatTimestamp(CohortStore.wallMicroseconds() / 1_000_000 * 1_000_000)
        var samples: [Double] = []
        var missed = 0
        // Profiles the wrk runs did not touch are not in a browsing segment yet; the look-up
        // runs touched none, the ingest runs sent page views to the first 10,000 keys.
        let candidates = (0..<collection.table.rows.count).map { collection.key(ofRow: $0) }.reversed()
        for key in candidates.prefix(sseEvents) {
            let body = "{\"event_id\":\"sse-\(key)\",\"type\":\"add_to_cart\",\"timestamp\":\"\(now)\",\"\(idField)\":\"\(key)\",\"properties\":{\"sku\":\"B\",\"category\":\"packs\",\"amount\":10,\"channel\":\"web\"}}"
            let start = DispatchTime.now().uptimeNanoseconds
            let r = try poster.request("POST", "/v1/streams/\(stream)/events", headers: headers, body: body)
            guard r.status == 202 else { missed += 1; continue }
            var found = false
            let deadline = Date().addingTimeInterval(1)
            while !found, Date() < deadline {
                let line = try sse.readLine()
                if line.hasPrefix("data: "), line.contains("\"key\":\"\(key)\""), line.contains("\"change\":\"enter\"") { found = true }
            }
            if found { samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) } else { missed += 1 }
        }
        samples.sort()
        func pct(_ p: Double) -> String { samples.isEmpty ? "-" : String(format: "%.2f ms", samples[min(samples.count - 1, Int(Double(samples.count) * p))]) }
        print("event → SSE enter        \(samples.count) timed (\(missed) without an enter)   p50 \(pct(0.5))  p99 \(pct(0.99))  max \(pct(1.0))   (p99 ≤ 5 ms)")
    }
}

/// What wrk printed: requests/s, latency percentiles, non-2xx answers.
struct WrkResult {
    var requestsPerSecond = 0.0
    var p50 = "-", p99 = "-"
    var non2xx = 0

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.first == "Requests/sec:", f.count > 1 { requestsPerSecond = Double(f[1]) ?? 0 }
            if f.first == "50%", f.count > 1 { p50 = String(f[1]) }
            if f.first == "99%", f.count > 1 { p99 = String(f[1]) }
            if line.contains("Non-2xx or 3xx responses:"), let n = f.last.flatMap({ Int($0) }) { non2xx = n }
        }
    }
}
