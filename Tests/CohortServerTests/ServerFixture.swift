import CohortEngine
import CohortStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import CohortServer

/// A small workspace served in-process: three customers, a `web` stream that takes live events,
/// a `paused` one in drop mode and a `closed` one in reject mode; `email` is PII.
final class ServerFixture: @unchecked Sendable {
    let directory: String
    let served: ServedWorkspace
    let loop: ServeLoop
    /// events:write + profiles:read, unlimited; profiles:read only; all three scopes; a slow one.
    let writer: String, reader: String, piiReader: String, limited: String

    static let yaml = """
        tables:
          customers:
            file: tables/customers.csv
            key: id
        streams:
          web: { file: events/web.ndjson }
          paused: { mode: drop }
          closed: { mode: reject }
        collections:
          people:
            table: customers
            key: id
            streams:
              - stream: web
                match:
                  - { event: customer_id, profile: id }
                  - { event: email, profile: email }
            attributes:
              - name: email
                column: email
                pii: true
              - name: city
                column: city
              - name: carts_1d
                function: count
                events: [add_to_cart]
                timeframe: 1d
              - name: spend
                function: sum
                field: properties.amount
                events: [purchase]
                timeframe: all_time
            segments:
              - name: carting
                condition: "carts_1d > 0"
              - name: spenders
                condition: "spend > 100"
        """

    static let customers = """
        id,email,city
        C1,ana@example.com,Lisbon
        C2,bo@example.com,Oslo
        C3,shared@example.com,Rome
        C4,shared@example.com,Rome
        C5,,Paris
        """

    /// One recorded purchase, long ago, so C1 starts as a spender.
    static let webEvents = """
        {"event_id":"w1","type":"purchase","timestamp":"2026-01-01T00:00:00Z","customer_id":"C1","properties":{"amount":150}}
        """

    init(directory existing: String? = nil, replay: Bool = false) throws {
        if let existing {
            directory = existing
        } else {
            directory = NSTemporaryDirectory() + "cohort-server-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory + "/tables", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/events", withIntermediateDirectories: true)
            try Self.yaml.write(toFile: directory + "/cohort.yaml", atomically: true, encoding: .utf8)
            try (Self.customers + "\n").write(toFile: directory + "/tables/customers.csv", atomically: true, encoding: .utf8)
            try (Self.webEvents + "\n").write(toFile: directory + "/events/web.ndjson", atomically: true, encoding: .utf8)
        }
        let ws = Workspace.load(directory: directory)
        precondition(ws.errors.isEmpty, "\(ws.errors)")
        served = try ServedWorkspace.open(workspace: ws, directory: directory)
        loop = try ServeLoop(api: served.api, replay: replay, speed: 1e9)
        loop.start()
        let tokens = try served.store.tokens()
        if tokens.isEmpty {
            writer = try Tokens.create(in: served.store, scopes: [.eventsWrite, .profilesRead], rate: 0).token
            reader = try Tokens.create(in: served.store, scopes: [.profilesRead], rate: 0).token
            piiReader = try Tokens.create(in: served.store, scopes: [.profilesRead, .piiRead], rate: 0).token
            limited = try Tokens.create(in: served.store, scopes: [.profilesRead], rate: 1, burst: 3).token
            try [writer, reader, piiReader, limited].joined(separator: "\n").write(toFile: directory + "/.cohort/test-tokens", atomically: true, encoding: .utf8)
        } else {
            let saved = try String(contentsOfFile: directory + "/.cohort/test-tokens", encoding: .utf8).split(separator: "\n").map(String.init)
            (writer, reader, piiReader, limited) = (saved[0], saved[1], saved[2], saved[3])
        }
    }

    func stop() { loop.stop() }

    /// Runs `body` against the API through Hummingbird's test client (`.router`: no sockets).
    func test(_ mode: TestingSetup = .router, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: served.api.router())
        try await app.test(mode, body)
    }

    static func now() -> String { CivilTime.formatTimestamp(CohortStore.wallMicroseconds() / 1_000_000 * 1_000_000) }
}

extension TestClientProtocol {
    /// A request with a bearer token and, for a body, a content type.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, contentType: String? = "application/json", body: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

/// An event line for the fixture's `web` stream.
func webEvent(_ id: String, _ type: String, customer: String? = "C2", at: String = ServerFixture.now(), properties: String = "{}") -> String {
    var s = "{\"event_id\":\"\(id)\",\"type\":\"\(type)\",\"timestamp\":\"\(at)\""
    if let customer { s += ",\"customer_id\":\"\(customer)\"" }
    return s + ",\"properties\":\(properties)}"
}
