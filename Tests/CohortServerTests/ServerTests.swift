import CohortEngine
import CohortStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import CohortServer

@Suite("HTTP API", .serialized)
struct ServerTests {
    @Test("ingest answers every status of SPEC §8")
    func ingestStatuses() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        try await f.test { c in
            var r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: webEvent("e1", "add_to_cart"))
            #expect(r.status == .accepted)
            #expect(r.text == #"{"accepted":1,"duplicate":0,"unmatched":0,"quarantined":0,"errors":[]}"#)

            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: webEvent("e2", "page_view", customer: "nobody"))
            #expect(r.text == #"{"accepted":1,"duplicate":0,"unmatched":1,"quarantined":0,"errors":[]}"#)

            // A single malformed event: 400 with the reason, the counts, and the error body.
            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: #"{"event_id":"e3","type":"x"}"#)
            #expect(r.status == .badRequest)
            #expect(r.json["message"] as? String == "missing required field 'timestamp'")
            #expect(r.json["quarantined"] as? Int == 1)
            #expect(r.json["status"] as? Int == 400 && (r.json["request_id"] as? String)?.hasPrefix("req_") == true)

            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: "{not json")
            #expect(r.status == .badRequest)
            #expect((r.json["message"] as? String)?.hasPrefix("invalid JSON") == true)

            r = try await c.call(.post, "/v1/streams/nope/events", token: f.writer, body: webEvent("e4", "x"))
            #expect(r.status == .notFound)
            #expect(r.json["message"] as? String == "no stream 'nope'; streams: web, paused, closed")

            r = try await c.call(.post, "/v1/streams/closed/events", token: f.writer, body: webEvent("e5", "x"))
            #expect(r.status == .conflict)
            r = try await c.call(.post, "/v1/streams/paused/events", token: f.writer, body: webEvent("e6", "x"))
            #expect(r.status == .noContent)
            #expect(r.text == "")

            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, contentType: "text/plain", body: webEvent("e7", "x"))
            #expect(r.status == .unsupportedMediaType)
            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, contentType: "application/json; charset=utf-8", body: webEvent("e8", "x"))
            #expect(r.status == .accepted)

            let big = webEvent("e9", "x", properties: "{\"pad\":\"\(String(repeating: "x", count: 70_000))\"}")
            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: big)
            #expect(r.status == .contentTooLarge)
            #expect(r.json["message"] as? String == "the body is \(big.utf8.count) bytes; one event may have at most 65536")
            // The same size is fine as a batch.
            r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, contentType: "application/x-ndjson", body: big)
            #expect(r.status == .accepted)

            r = try await c.call(.post, "/v1/streams/web/events", token: nil, body: webEvent("e10", "x"))
            #expect(r.status == .unauthorized)
            r = try await c.call(.post, "/v1/streams/web/events", token: "coh_000000000000_" + String(repeating: "0", count: 48), body: webEvent("e10", "x"))
            #expect(r.status == .unauthorized)
            #expect(r.json["message"] as? String == "the token is not valid")
            r = try await c.call(.post, "/v1/streams/web/events", token: f.reader, body: webEvent("e10", "x"))
            #expect(r.status == .forbidden)
            #expect(r.json["message"] as? String == "the token lacks the 'events:write' scope")

            r = try await c.call(.delete, "/v1/streams/web/events", token: f.writer)
            #expect(r.status == .methodNotAllowed)
            r = try await c.call(.get, "/v1/nothing", token: f.writer)
            #expect(r.status == .notFound)
            #expect(r.headers[HTTPField.Name("X-Request-Id")!] == r.json["request_id"] as? String)
        }
        // Every bad line is quarantined with its stream, line and reason.
        let q = try f.served.store.quarantine(stream: "web").filter { $0.source == "api" }
        #expect(q.map(\.reason) == ["missing required field 'timestamp'", q.count > 1 ? q[1].reason : ""])
        #expect(q.count == 2 && q[1].reason.hasPrefix("invalid JSON"))
    }

    @Test("a batch: good lines taken, bad ones reported by line, duplicates counted, nothing lost")
    func batch() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        try await f.test { c in
            let body = [webEvent("b1", "add_to_cart"), "", "not json", webEvent("b1", "add_to_cart"), webEvent("b2", "page_view", customer: nil),
                        webEvent("b3", "x", at: "2031-01-01T00:00:00Z")].joined(separator: "\n")
            let r = try await c.call(.post, "/v1/streams/web/events", token: f.writer, contentType: "application/x-ndjson", body: body)
            #expect(r.status == .accepted)
            #expect(r.json["accepted"] as? Int == 2)
            #expect(r.json["duplicate"] as? Int == 1)
            #expect(r.json["unmatched"] as? Int == 1)
            #expect(r.json["quarantined"] as? Int == 2)
            let errors = r.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["line"] as? Int } == [3, 6])
            #expect((errors.last?["reason"] as? String)?.contains("ahead of the server clock") == true)

            // Nothing valid at all: 400.
            let none = try await c.call(.post, "/v1/streams/web/events", token: f.writer, contentType: "application/x-ndjson", body: "x\ny\n")
            #expect(none.status == .badRequest)
            #expect(none.json["message"] as? String == "no line is a valid event; line 1: invalid JSON: unexpected character, expected a JSON value at column 1")
        }
        // Accepted events are in the store when the answer comes.
        #expect(try f.served.store.ingestedEventCount(stream: "web") == 2)
    }

    @Test("ingest is idempotent by event_id, across a restart too")
    func idempotency() async throws {
        let f = try ServerFixture()
        let event = webEvent("same", "purchase", customer: "C2", properties: #"{"amount":120}"#)
        try await f.test { c in
            let first = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: event)
            #expect(first.json["accepted"] as? Int == 1)
            let again = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: event)
            #expect(again.json["duplicate"] as? Int == 1)
            #expect(again.json["accepted"] as? Int == 0)
            let p = try await c.call(.get, "/v1/collections/people/profiles/C2", token: f.reader)
            #expect((p.json["attributes"] as? [String: Any])?["spend"] as? Int == 120)
        }
        f.stop()
        // A new server on the same workspace applies the stored event once, and still refuses it again.
        let g = try ServerFixture(directory: f.directory)
        defer { g.stop() }
        #expect(g.loop.startup.storedEvents == 1)
        try await g.test { c in
            let p = try await c.call(.get, "/v1/collections/people/profiles/C2", token: g.reader)
            #expect((p.json["attributes"] as? [String: Any])?["spend"] as? Int == 120)
            #expect(p.json["segments"] as? [String] == ["spenders"])
            let again = try await c.call(.post, "/v1/streams/web/events", token: g.writer, body: event)
            #expect(again.json["duplicate"] as? Int == 1)
        }
    }

    @Test("profiles, PII redaction and look-ups by linking field")
    func profilesAndPII() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        try await f.test { c in
            var r = try await c.call(.get, "/v1/collections/people/profiles/C1", token: f.reader)
            #expect(r.status == .ok)
            #expect(r.text == #"{"collection":"people","key":"C1","attributes":{"email":null,"city":"Lisbon","carts_1d":0,"spend":150},"segments":["spenders"],"updated_at":null,"redacted":["email"]}"#)
            r = try await c.call(.get, "/v1/collections/people/profiles/C1", token: f.piiReader)
            #expect(r.text.contains(#""email":"ana@example.com""#) && r.text.hasSuffix(#""redacted":[]}"#))

            r = try await c.call(.get, "/v1/collections/people/lookup?email=ana@example.com", token: f.reader)
            #expect(r.status == .forbidden)
            r = try await c.call(.get, "/v1/collections/people/lookup?email=ana%40example.com", token: f.piiReader)
            #expect(r.status == .ok)
            #expect(r.json["key"] as? String == "C1")
            r = try await c.call(.get, "/v1/collections/people/lookup?email=shared@example.com", token: f.piiReader)
            #expect(r.status == .conflict)
            #expect(r.json["keys"] as? [String] == ["C3", "C4"])
            r = try await c.call(.get, "/v1/collections/people/lookup?email=none@example.com", token: f.piiReader)
            #expect(r.status == .notFound)
            r = try await c.call(.get, "/v1/collections/people/lookup?id=C2", token: f.reader)
            #expect(r.json["key"] as? String == "C2")
            r = try await c.call(.get, "/v1/collections/people/lookup?city=Rome", token: f.reader)
            #expect(r.status == .badRequest)
            #expect(r.json["message"] as? String == "'city' is not a linking field of collection 'people' (fields: email, id)")
            r = try await c.call(.get, "/v1/collections/people/lookup", token: f.reader)
            #expect(r.status == .badRequest)

            r = try await c.call(.get, "/v1/collections/people/profiles/C9", token: f.reader)
            #expect(r.status == .notFound)
            r = try await c.call(.get, "/v1/collections/nope/profiles/C1", token: f.reader)
            #expect(r.json["message"] as? String == "no collection 'nope'; collections: people")
            r = try await c.call(.get, "/v1/collections/people/profiles/C1/segments", token: f.reader)
            #expect(r.text == #"{"collection":"people","key":"C1","segments":["spenders"]}"#)
        }
    }

    @Test("an event changes the profile, its segments and updated_at at once")
    func liveUpdate() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        try await f.test { c in
            _ = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: webEvent("c1", "add_to_cart", customer: nil).replacingOccurrences(of: "\"properties\"", with: "\"email\":\"bo@example.com\",\"properties\""))
            let r = try await c.call(.get, "/v1/collections/people/profiles/C2", token: f.reader)
            #expect((r.json["attributes"] as? [String: Any])?["carts_1d"] as? Int == 1)
            #expect(r.json["segments"] as? [String] == ["carting"])
            #expect(r.json["updated_at"] is String)
            let s = try await c.call(.get, "/v1/collections/people/stats", token: f.reader)
            let segs = s.json["segments"] as? [[String: Any]] ?? []
            #expect(segs.map { "\($0["name"]!)=\($0["members"]!)" } == ["carting=1", "spenders=1"])
        }
    }

    @Test("segment members page by cursor, in key order, with the total")
    func members() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        try await f.test { c in
            let body = ["C1", "C2", "C3", "C4", "C5"].map { (k: String) in webEvent("m-\(k)", "add_to_cart", customer: k) }.joined(separator: "\n")
            let posted = try await c.call(.post, "/v1/streams/web/events", token: f.writer, contentType: "application/x-ndjson", body: body)
            #expect(posted.json["accepted"] as? Int == 5)
            var keys: [String] = []
            var cursor: String? = nil
            var pages = 0
            repeat {
                let uri = "/v1/collections/people/segments/carting/members?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let r = try await c.call(.get, uri, token: f.reader)
                #expect(r.json["total"] as? Int == 5)
                keys += r.json["members"] as? [String] ?? []
                cursor = r.json["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(keys == ["C1", "C2", "C3", "C4", "C5"])
            #expect(pages == 3)
            var r = try await c.call(.get, "/v1/collections/people/segments/carting/members?limit=0", token: f.reader)
            #expect(r.status == .badRequest)
            r = try await c.call(.get, "/v1/collections/people/segments/carting/members?cursor=%%%", token: f.reader)
            #expect(r.status == .badRequest)
            r = try await c.call(.get, "/v1/collections/people/segments/nope/members", token: f.reader)
            #expect(r.status == .notFound)
        }
    }

    @Test("activations page by cursor; the numbers continue after a restart")
    func activations() async throws {
        let f = try ServerFixture()
        try await f.test { c in
            _ = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: webEvent("a1", "add_to_cart", customer: "C2"))
            _ = try await c.call(.post, "/v1/streams/web/events", token: f.writer, body: webEvent("a2", "add_to_cart", customer: "C3"))
            var r = try await c.call(.get, "/v1/activations?limit=1", token: f.reader)
            var lines = r.json["activations"] as? [[String: Any]] ?? []
            #expect(lines.map { "\($0["key"]!) \($0["change"]!) \($0["segment"]!)" } == ["C2 enter carting"])
            let next = r.json["next_cursor"] as? String ?? ""
            r = try await c.call(.get, "/v1/activations?after=\(next)", token: f.reader)
            lines = r.json["activations"] as? [[String: Any]] ?? []
            #expect(lines.map { "\($0["key"]!)" } == ["C3"])
            #expect(r.json["next_cursor"] as? String == "2")
            r = try await c.call(.get, "/v1/activations?after=-1", token: f.reader)
            #expect(r.status == .badRequest)
        }
        f.stop()
        let g = try ServerFixture(directory: f.directory)
        defer { g.stop() }
        try await g.test { c in
            _ = try await c.call(.post, "/v1/streams/web/events", token: g.writer, body: webEvent("a3", "add_to_cart", customer: "C4"))
            let r = try await c.call(.get, "/v1/activations?after=2", token: g.reader)
            #expect(r.text.contains(#""key":"C4""#))
            #expect(r.json["next_cursor"] as? String == "3")
        }
    }

    @Test("a token over its rate gets 429 with Retry-After and RateLimit headers")
    func rateLimit() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        try await f.test { c in
            var statuses: [Int] = []
            var last: TestResponse?
            for _ in 0..<6 {
                let r = try await c.call(.get, "/v1/collections/people/stats", token: f.limited)
                statuses.append(r.status.code)
                last = r
            }
            #expect(statuses.prefix(3) == [200, 200, 200])
            #expect(statuses.suffix(2) == [429, 429])
            let h = last!.headers
            #expect(h[.retryAfter] == "1")
            #expect(h[HTTPField.Name("RateLimit-Limit")!] == "3")
            #expect(h[HTTPField.Name("RateLimit-Remaining")!] == "0")
            #expect(h[HTTPField.Name("RateLimit-Reset")!] != nil)
            #expect(last!.json["status"] as? Int == 429)
            // Other tokens are not affected.
            let other = try await c.call(.get, "/v1/collections/people/stats", token: f.reader)
            #expect(other.status == .ok)
        }
    }

    @Test("--replay plays the recorded events instead of applying them at start")
    func replayMode() async throws {
        let f = try ServerFixture(replay: true)
        defer { f.stop() }
        #expect(f.loop.startup.replaying)
        try await f.test { c in
            var spend: Int?
            for _ in 0..<50 where spend == nil {
                let p = try await c.call(.get, "/v1/collections/people/profiles/C1", token: f.reader)
                spend = (p.json["attributes"] as? [String: Any])?["spend"] as? Int
                if spend == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(spend == 150)
            // Its activation is in the log, at the event's instant.
            let a = try await c.call(.get, "/v1/activations", token: f.reader)
            #expect(a.text.contains(#""segment":"spenders","key":"C1","change":"enter","at":"2026-01-01T00:00:00Z""#))
        }
    }

    @Test("requests still queued for the engine when it closes fail (503), none hangs")
    func closedHost() async throws {
        let host = EngineHost()
        let waiting = Task { try await host.run { _ in 1 } }
        try await Task.sleep(for: .milliseconds(50))
        host.close()
        await #expect(throws: ServerClosed.self) { try await waiting.value }
        await #expect(throws: ServerClosed.self) { try await host.run { _ in 2 } }
    }

    @Test("a revoked token is refused at once")
    func revoked() async throws {
        let f = try ServerFixture()
        defer { f.stop() }
        let id = try #require(Tokens.id(of: f.reader))
        try await f.test { c in
            #expect(try await c.call(.get, "/v1/collections", token: f.reader).status == .ok)
            try f.served.store.revokeToken(id: id)
            try await Task.sleep(for: .milliseconds(1100))
            let r = try await c.call(.get, "/v1/collections", token: f.reader)
            #expect(r.status == .unauthorized)
            #expect(r.json["message"] as? String == "the token was revoked")
        }
    }
}
