import AsyncHTTPClient
import CohortEngine
import CohortStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import XCTest

@testable import CohortServer

/// Webhook deliveries against a local receiver (a live Hummingbird server on 127.0.0.1).
final class WebhookTests: XCTestCase {

    func testRetriesUntilDeliveredOnceInOrder() async throws {
        let (dir, store) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = try ActivationFeed(store: store)
        let receiver = Receiver(.failFirst(2))
        try await receiver.serve { port in
            let hook = WebhookDestination(name: "crm", url: "http://127.0.0.1:\(port)/hook/crm", segments: ["vip"])
            let deliverer = try WebhookDeliverer(targets: [hook], feed: feed, store: store, client: .shared, retry: fast)
            try await running(deliverer) {
                let entries = feed.publish([act("vip", "k1", .enter), act("vip", "k2", .enter), act("vip", "k1", .exit)])
                try await eventually { try store.deliveryCounts(destination: "crm").delivered == 3 }

                let arrivals = receiver.arrivals
                XCTAssertEqual(arrivals.count, 9, "each record answered 500 twice, then 200")
                let accepted = arrivals.filter { $0.answered == 200 }
                XCTAssertEqual(accepted.map(\.id), ["1", "2", "3"], "each record accepted exactly once, in order")
                XCTAssertEqual(accepted.map(\.body), entries.map(\.line))
                XCTAssertEqual(arrivals.map(\.id), ["1", "1", "1", "2", "2", "2", "3", "3", "3"], "a record is not sent before the previous one is done")
                for a in arrivals {
                    XCTAssertEqual(a.destination, "crm")
                    XCTAssertEqual(a.contentType, "application/json")
                    XCTAssertEqual(a.path, "/hook/crm")
                }
                let rows = try store.deliveries(destination: "crm")
                XCTAssertEqual(rows.map(\.seq), [1, 2, 3])
                XCTAssertEqual(rows.map(\.status), [.delivered, .delivered, .delivered])
                XCTAssertEqual(rows.map(\.attempts), [3, 3, 3])
                XCTAssertTrue(rows[0].lastError?.hasPrefix("HTTP 500") == true, rows[0].lastError ?? "nil")
                XCTAssertEqual(try store.destinationCursor("crm"), 3)
                let s = try XCTUnwrap(deliverer.status().first)
                XCTAssertEqual(s.cursor, 3)
                XCTAssertEqual([s.delivered, s.failed, s.queued], [3, 0, 0])
                XCTAssertEqual(s.on, ["enter", "exit"])
                XCTAssertEqual(s.segments, ["vip"])
                XCTAssertEqual(deliverer.statusJSON(), #"{"destinations":[{"name":"crm","url":"http://127.0.0.1:\#(port)/hook/crm","segments":["vip"],"on":["enter","exit"],"cursor":3,"delivered":3,"failed":0,"queued":0,"last_error":"HTTP 500 Internal Server Error: no"}]}"#)
            }
        }
    }

    func testFailedDeliveryIsKeptAndReplayed() async throws {
        let (dir, store) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = try ActivationFeed(store: store)
        let receiver = Receiver(.always(503))
        try await receiver.serve { port in
            let hook = WebhookDestination(name: "crm", url: "http://127.0.0.1:\(port)/hook/crm", segments: [])
            let deliverer = try WebhookDeliverer(targets: [hook], feed: feed, store: store, client: .shared, retry: fast)
            try await running(deliverer) {
                feed.publish([act("vip", "k1", .enter)])
                try await eventually { try store.deliveryCounts(destination: "crm").failed == 1 }
                var row = try XCTUnwrap(store.deliveries(destination: "crm").first)
                XCTAssertEqual(row.status, .failed)
                XCTAssertEqual(row.attempts, 3)
                XCTAssertEqual(row.lastError, "HTTP 503 Service Unavailable: down for maintenance")
                XCTAssertEqual(try store.destinationCursor("crm"), 1, "the deliverer moved on")
                var s = try XCTUnwrap(deliverer.status().first)
                XCTAssertEqual([s.delivered, s.failed, s.queued], [0, 1, 0])
                XCTAssertEqual(s.lastError, "HTTP 503 Service Unavailable: down for maintenance")

                // The next record goes on while the first waits for a replay.
                feed.publish([act("vip", "k2", .enter)])
                try await eventually { try store.deliveryCounts(destination: "crm").failed == 2 }
                XCTAssertEqual(receiver.arrivals.count, 6)

                XCTAssertNil(try deliverer.replayFailed(destination: "nope"))
                receiver.mode = .always(200)
                XCTAssertEqual(try deliverer.replayFailed(destination: "crm"), 2)
                try await eventually { try store.deliveryCounts(destination: "crm") == DeliveryCounts(delivered: 2) }
                row = try XCTUnwrap(store.deliveries(destination: "crm").first)
                XCTAssertEqual(row.status, .delivered)
                XCTAssertEqual(row.attempts, 4, "three failed attempts, then the replay's first")
                XCTAssertEqual(receiver.arrivals.filter { $0.answered == 200 }.map(\.id).sorted(), ["1", "2"])
                s = try XCTUnwrap(deliverer.status().first)
                XCTAssertEqual([s.delivered, s.failed, s.queued], [2, 0, 0])
                XCTAssertEqual(try deliverer.replayFailed(destination: "crm"), 0)

                // A replay queued by another process (`cohort destinations replay`) straight in the store.
                receiver.mode = .always(500)
                feed.publish([act("vip", "k3", .exit)])
                try await eventually { deliverer.status().first?.failed == 1 }
                receiver.mode = .always(204)
                XCTAssertEqual(try store.requeueFailed(destination: "crm"), 1)
                try await eventually { try store.deliveryCounts(destination: "crm") == DeliveryCounts(delivered: 3) }
                try await eventually { deliverer.status().first.map { [$0.delivered, $0.failed, $0.queued] } == [3, 0, 0] }
            }
        }
    }

    func testFiltersBySegmentAndChange() async throws {
        let (dir, store) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = try ActivationFeed(store: store)
        let receiver = Receiver(.always(200))
        try await receiver.serve { port in
            // From cohort.yaml's own syntax, through the parser.
            let (defs, diagnostics) = DefinitionsParser.parse(source: """
                destinations:
                  - name: vip-enter
                    url: http://127.0.0.1:\(port)/hook/a
                    segments: [vip]
                    on: [enter]
                  - name: all-exits
                    url: http://127.0.0.1:\(port)/hook/b
                    on: exit
                  - name: two
                    url: http://127.0.0.1:\(port)/hook/c
                    segments: [vip, churn]
                """)
            // (Only the destinations are given: the parser's complaints about the missing tables and collections are beside the point.)
            XCTAssertEqual(diagnostics.filter { $0.line > 1 }.count, 0, "\(diagnostics)")
            XCTAssertEqual(defs.destinations.count, 3)
            let deliverer = try WebhookDeliverer(destinations: defs.destinations, feed: feed, store: store, client: .shared, retry: fast)
            try await running(deliverer) {
                feed.publish([act("vip", "k1", .enter),    // 1: vip-enter, two
                              act("lapsed", "k1", .enter), // 2: —
                              act("vip", "k2", .exit),     // 3: all-exits, two
                              act("churn", "k3", .enter),  // 4: two
                              act("lapsed", "k4", .exit),  // 5: all-exits
                              act("vip", "k5", .enter)])   // 6: vip-enter, two
                try await eventually { deliverer.status().allSatisfy { $0.cursor == 6 } }
                let byPath = Dictionary(grouping: receiver.arrivals, by: \.path).mapValues { $0.map(\.id) }
                XCTAssertEqual(byPath["/hook/a"], ["1", "6"])
                XCTAssertEqual(byPath["/hook/b"], ["3", "5"])
                XCTAssertEqual(byPath["/hook/c"], ["1", "3", "4", "6"])
                XCTAssertEqual(deliverer.status().map(\.delivered), [2, 2, 4])
                XCTAssertEqual(deliverer.status().map(\.on), [["enter"], ["exit"], ["enter", "exit"]])
                XCTAssertEqual(try store.deliveries(destination: "all-exits").map(\.seq), [3, 5])
            }
        }
        // Records not followed are skipped without a row; the cursor still passes them.
        XCTAssertEqual(try store.destinationCursor("vip-enter"), 6)
    }

    func testCursorSurvivesRestart() async throws {
        let (dir, store) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let receiver = Receiver(.always(200))
        try await receiver.serve { port in
            let crm = WebhookDestination(name: "crm", url: "http://127.0.0.1:\(port)/hook/crm", segments: [])
            // A first server run: two records delivered, then it stops.
            let feed1 = try ActivationFeed(store: store)
            let first = try WebhookDeliverer(targets: [crm], feed: feed1, store: store, client: .shared, retry: fast)
            try await running(first) {
                try persist(feed1.publish([act("vip", "k1", .enter), act("vip", "k2", .enter)]), store)
                try await eventually { try store.deliveryCounts(destination: "crm").delivered == 2 }
            }
            // While it is down, another record is logged (as `cohort serve` does, in the store).
            try persist(feed1.publish([act("vip", "k3", .enter)]), store)

            // The next run reads the log from the store: it sends only the one it missed, and a
            // destination new in cohort.yaml starts at the newest record instead of the history.
            let late = WebhookDestination(name: "late", url: "http://127.0.0.1:\(port)/hook/late", segments: [])
            let feed2 = try ActivationFeed(store: store)
            XCTAssertEqual(feed2.lastSeq, 3)
            let second = try WebhookDeliverer(targets: [crm, late], feed: feed2, store: store, client: .shared, retry: fast)
            XCTAssertEqual(second.status().map(\.cursor), [2, 3])
            XCTAssertEqual(second.status().map(\.delivered), [2, 0], "counts come back from the store")
            try await running(second) {
                try await eventually { try store.deliveryCounts(destination: "crm").delivered == 3 }
                try persist(feed2.publish([act("vip", "k4", .exit)]), store)
                try await eventually { try store.deliveryCounts(destination: "late").delivered == 1 && store.deliveryCounts(destination: "crm").delivered == 4 }
            }
            let ids = Dictionary(grouping: receiver.arrivals, by: \.path).mapValues { $0.map(\.id) }
            XCTAssertEqual(ids["/hook/crm"], ["1", "2", "3", "4"], "nothing sent twice")
            XCTAssertEqual(ids["/hook/late"], ["4"])
            XCTAssertEqual(try store.destinationCursor("crm"), 4)
            XCTAssertEqual(try store.destinationCursor("late"), 4)
        }
    }

    func testLaggingDestinationCatchesUpFromTheLog() async throws {
        // A feed that cuts a subscriber off after 5 unread records: the deliverer falls back to
        // reading the log after its cursor, and still sends each record once, in order.
        // ActivationFeed.publish finishes a cut-off subscriber's stream inside its lock, and the
        // stream's onTermination takes that lock again: "Recursive call to lock Mutex" kills the
        // process. Remove this skip once publish finishes the streams after unlocking.
        let (dir, store) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = try ActivationFeed(store: store, capacity: 1000, subscriberBuffer: 5)
        let receiver = Receiver(.failFirst(1))
        try await receiver.serve { port in
            let hook = WebhookDestination(name: "crm", url: "http://127.0.0.1:\(port)/hook/crm", segments: [])
            let deliverer = try WebhookDeliverer(targets: [hook], feed: feed, store: store, client: .shared, retry: fast)
            try await running(deliverer) {
                for batch in 0..<6 {
                    feed.publish((0..<(batch == 0 ? 3 : 10)).map { act("vip", "k\(batch)-\($0)", .enter) })
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await eventually { try store.deliveryCounts(destination: "crm").delivered == 53 }
                let accepted = receiver.arrivals.filter { $0.answered == 200 }.map(\.id)
                XCTAssertEqual(accepted, (1...53).map(String.init))
                XCTAssertEqual(try store.destinationCursor("crm"), 53)
                XCTAssertEqual(feed.subscriberCount, 1, "subscribed again after being cut off")
            }
        }
    }

    func testRetryAfterIsHonoured() async throws {
        let (dir, store) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = try ActivationFeed(store: store)
        let receiver = Receiver(.retryAfterFirst(seconds: 1))
        try await receiver.serve { port in
            let hook = WebhookDestination(name: "crm", url: "http://127.0.0.1:\(port)/hook/crm", segments: [])
            let deliverer = try WebhookDeliverer(targets: [hook], feed: feed, store: store, client: .shared, retry: fast)
            try await running(deliverer) {
                let start = ContinuousClock.now
                feed.publish([act("vip", "k1", .enter)])
                try await eventually { try store.deliveryCounts(destination: "crm").delivered == 1 }
                XCTAssertGreaterThanOrEqual(start.duration(to: .now), .milliseconds(950), "waited as Retry-After said, not 5 ms")
                let row = try XCTUnwrap(store.deliveries(destination: "crm").first)
                XCTAssertEqual(row.attempts, 2)
                XCTAssertEqual(row.lastError?.hasPrefix("HTTP 429"), true)
            }
        }
    }

    func testConnectionErrorsWithoutStore() async throws {
        // Nothing listens on the port: every attempt is a connection error. Without a store the
        // failure is kept in memory and can still be replayed.
        let port = try await Receiver(.always(200)).serve { $0 } // a port that was free and is closed again
        let feed = try ActivationFeed(store: nil)
        let hook = WebhookDestination(name: "gone", url: "http://127.0.0.1:\(port)/hook", segments: [])
        // (AsyncHTTPClient keeps trying to connect until the request's deadline: each attempt takes the timeout.)
        let policy = RetryPolicy(attempts: 2, baseDelay: .milliseconds(5), timeout: .milliseconds(300), queuePollInterval: .milliseconds(50))
        let deliverer = try WebhookDeliverer(targets: [hook], feed: feed, store: nil, client: .shared, retry: policy)
        try await running(deliverer) {
            feed.publish([act("vip", "k1", .enter)])
            try await eventually { deliverer.status().first?.failed == 1 }
            let s = try XCTUnwrap(deliverer.status().first)
            XCTAssertEqual(s.cursor, 1)
            XCTAssertTrue(s.lastError?.contains("Connection refused") == true, s.lastError ?? "nil")
            XCTAssertEqual(try deliverer.replayFailed(destination: "gone"), 1)
            XCTAssertEqual(deliverer.status().first?.queued, 1)
            try await eventually { deliverer.status().first?.failed == 1 && deliverer.status().first?.queued == 0 }
        }
    }

    func testRetryPolicyAndRetryAfterParsing() {
        let p = RetryPolicy()
        XCTAssertEqual(p.attempts, 6)
        XCTAssertEqual((1...9).map { p.delay(afterAttempt: $0) },
                       [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30)])
        XCTAssertEqual(p.timeout, .seconds(10))
        XCTAssertEqual(WebhookDeliverer.retryAfter("7"), .seconds(7))
        XCTAssertEqual(WebhookDeliverer.retryAfter(" 0 "), .seconds(0))
        let now = Date(timeIntervalSince1970: 1_445_412_480) // Wed, 21 Oct 2015 07:28:00 GMT
        XCTAssertEqual(WebhookDeliverer.retryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now), .seconds(30))
        XCTAssertEqual(WebhookDeliverer.retryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now: now), .seconds(0))
        XCTAssertNil(WebhookDeliverer.retryAfter("soon"))
    }

    func testStatusEncodesAsTheAPIDoes() throws {
        let s = DestinationStatus(name: "crm", url: "https://x.test/h", segments: ["vip"], on: ["enter"], cursor: 4,
                                  delivered: 3, failed: 1, queued: 0, lastError: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        XCTAssertEqual(String(decoding: try encoder.encode(s), as: UTF8.self),
                       #"{"cursor":4,"delivered":3,"failed":1,"last_error":null,"name":"crm","on":["enter"],"queued":0,"segments":["vip"],"url":"https://x.test/h"}"#)
        XCTAssertEqual(s.json, #"{"name":"crm","url":"https://x.test/h","segments":["vip"],"on":["enter"],"cursor":4,"delivered":3,"failed":1,"queued":0,"last_error":null}"#)
    }
}

// MARK: Helpers

/// Tiny pauses so that retries take milliseconds.
private let fast = RetryPolicy(attempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20), timeout: .seconds(5),
                               queuePollInterval: .milliseconds(50))

private func makeStore() throws -> (String, CohortStore) {
    let dir = NSTemporaryDirectory() + "cohort-webhooks-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return (dir, try CohortStore.open(workspaceDirectory: dir))
}

/// Runs the deliverer while `body` runs, then stops it.
private func running(_ deliverer: WebhookDeliverer, _ body: () async throws -> Void) async throws {
    let task = Task { await deliverer.run() }
    do {
        try await body()
    } catch {
        task.cancel()
        await task.value
        throw error
    }
    task.cancel()
    await task.value
}

/// Waits (up to 10 s) until `condition` holds.
private func eventually(file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    XCTFail("timed out waiting", file: file, line: line)
    throw CancellationError()
}

private func act(_ segment: String, _ key: String, _ change: Activation.Change, at: Int64 = 1_790_000_000_000_000) -> Activation {
    Activation(collection: "customers", segment: segment, key: key, change: change, at: at)
}

/// Writes published entries to the store's activation log, as the server does.
private func persist(_ entries: [ActivationFeed.Entry], _ store: CohortStore) throws {
    var batch = ServeBatch()
    batch.activations = entries.map { (seq: $0.seq, record: ActivationRecord($0.activation)) }
    try store.commit(batch)
}

/// A webhook receiver that answers as its mode says and remembers every request.
private final class Receiver: Sendable {
    enum Mode: Sendable {
        /// 500 the first `n` times a record arrives, 200 after.
        case failFirst(Int)
        /// Always this status.
        case always(Int)
        /// 429 with `Retry-After` the first time a record arrives, 200 after.
        case retryAfterFirst(seconds: Int)
    }

    struct Arrival: Sendable {
        var path: String
        var id: String
        var destination: String
        var contentType: String
        var body: String
        var answered: Int
    }

    private struct State {
        var mode: Mode
        var arrivals: [Arrival] = []
    }

    private let state: Mutex<State>

    init(_ mode: Mode) { state = Mutex(State(mode: mode)) }

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    var arrivals: [Arrival] { state.withLock { $0.arrivals } }

    /// Runs a live server on 127.0.0.1 (a free port) while `body` runs with the port.
    func serve<T: Sendable>(_ body: @Sendable @escaping (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/hook/:name") { request, _ -> Response in try await self.answer(request) }
        router.post("/hook") { request, _ -> Response in try await self.answer(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in try await body(try XCTUnwrap(client.port)) }
    }

    private func answer(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let id = request.headers[HTTPField.Name("Cohort-Activation-Id")!] ?? ""
        var arrival = Arrival(path: request.uri.path, id: id, destination: request.headers[HTTPField.Name("Cohort-Destination")!] ?? "",
                              contentType: request.headers[.contentType] ?? "", body: String(buffer: body), answered: 0)
        let (status, retryAfter) = state.withLock { s -> (Int, Int?) in
            let earlier = s.arrivals.filter { $0.id == id && $0.path == arrival.path }.count
            let answer: (Int, Int?) = switch s.mode {
            case .failFirst(let n): earlier < n ? (500, nil) : (200, nil)
            case .always(let code): (code, nil)
            case .retryAfterFirst(let seconds): earlier == 0 ? (429, seconds) : (200, nil)
            }
            arrival.answered = answer.0
            s.arrivals.append(arrival)
            return answer
        }
        var headers = HTTPFields()
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let text = status == 503 ? "down for maintenance\n" : (status >= 400 ? "no\n" : "")
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
