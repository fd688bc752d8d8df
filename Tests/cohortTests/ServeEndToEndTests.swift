import CohortServer
import Foundation
import Testing

/// `cohort serve` as a user runs it: the real binary, real sockets.
@Suite("cohort serve end to end", .serialized)
struct ServeEndToEndTests {
    /// A running `cohort serve` on a scratch copy of demo-data, on a free port.
    final class Server {
        let dir: String
        let pid: pid_t
        let port: Int
        let out: String
        let token: String

        init() throws {
            dir = try ConsoleEndToEndTests.scratchDemo()
            let created = try CLI.run(["token", "create", "--workspace", dir, "--scope", "events:write", "--scope", "profiles:read", "--rate", "0"])
            token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            out = dir + "/serve.out"
            pid = try spawn([CLI.binary, "serve", "--workspace", dir, "--port", "0"], stdout: out, stderr: dir + "/serve.err")
            // The line 'cohort: serving http://127.0.0.1:PORT' says it is up.
            var port: Int?
            let deadline = Date().addingTimeInterval(90)
            while port == nil, Date() < deadline {
                let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                if let r = text.range(of: "serving http://127.0.0.1:") {
                    port = Int(text[r.upperBound...].prefix { $0.isNumber })
                } else {
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            guard let port else {
                kill(pid, SIGKILL)
                throw CocoaError(.fileReadUnknown, userInfo: ["stderr": (try? String(contentsOfFile: dir + "/serve.err", encoding: .utf8)) ?? ""])
            }
            self.port = port
        }

        func client() throws -> LoopbackClient { try LoopbackClient(port: port, timeoutSeconds: 10) }

        var auth: [String: String] { ["Authorization": "Bearer \(token)"] }

        /// Stops it with SIGINT and returns its exit status and stderr.
        func stop() -> (Int32, String) {
            kill(pid, SIGINT)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let err = (try? String(contentsOfFile: dir + "/serve.err", encoding: .utf8)) ?? ""
            return ((status >> 8) & 0xff, err)
        }
    }

    @Test("an event posted over HTTP brings a segment enter on the SSE stream; bad requests get their status; Ctrl-C stops cleanly")
    func eventToSSE() throws {
        let server = try Server()
        var stopped = false
        defer { if !stopped { _ = server.stop() } }

        let sse = try server.client()
        try sse.send("GET /v1/activations/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.token)\r\n\r\n")
        #expect(try sse.readLine() == "HTTP/1.1 200 OK")
        while try !sse.readLine().contains(": connected") {}

        // A slow client holds a half-sent body; the server keeps serving everyone else.
        let slow = try server.client()
        try slow.send("POST /v1/streams/web/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.token)\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"event_id\":")

        let now = ISO8601DateFormatter().string(from: Date())
        let event = #"{"event_id":"e2e-1","type":"add_to_cart","timestamp":"\#(now)","customer_id":"AMP-000048","properties":{"sku":"X","category":"packs","amount":20,"channel":"web"}}"#
        let c = try server.client()
        let posted = try c.request("POST", "/v1/streams/web/events", headers: server.auth.merging(["Content-Type": "application/json"]) { $1 }, body: event)
        #expect(posted.status == 202)
        #expect(posted.body == #"{"accepted":1,"duplicate":0,"unmatched":0,"quarantined":0,"errors":[]}"#)

        var data = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let line = try sse.readLine()
            if line.hasPrefix("data: "), line.contains(#""key":"AMP-000048""#) {
                data = line
                break
            }
        }
        #expect(data.contains(#""segment":"cart_abandoners""#))
        #expect(data.contains(#""change":"enter""#))

        // Neither Content-Length nor chunked: 411.
        let raw = try server.client()
        try raw.send("POST /v1/streams/web/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.token)\r\nContent-Type: application/json\r\n\r\n")
        let r411 = try raw.readResponse()
        #expect(r411.status == 411)
        #expect(r411.body.contains(#""message":"send a Content-Length header or a chunked body""#))

        // The profile shows it; the posted event is in the store.
        let profile = try c.request("GET", "/v1/collections/customers/profiles/AMP-000048/segments", headers: server.auth)
        #expect(profile.body.contains("cart_abandoners"))
        let health = try c.request("GET", "/v1/health")
        #expect(health.status == 200)

        let (status, err) = server.stop()
        stopped = true
        #expect(status == 0)
        // The stalled upload is cut off after the 5 s grace; the SSE stream ends at once.
        #expect(err.contains("cohort: stopped (connections still open after 5 s were closed); every accepted event is stored"))
    }
}
