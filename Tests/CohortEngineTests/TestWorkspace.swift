import Foundation
@testable import CohortEngine

/// A throwaway workspace folder written from strings, for tests.
struct TestWorkspace {
    let directory: String

    init(yaml: String, files: [String: String] = [:]) throws {
        directory = NSTemporaryDirectory() + "cohort-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try yaml.write(toFile: directory + "/cohort.yaml", atomically: true, encoding: .utf8)
        for (path, content) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    func load() -> Workspace { Workspace.load(directory: directory) }

    /// The diagnostics' printed lines.
    func messages() -> [String] { load().diagnostics.map(\.description) }
}

/// A small valid workspace that tests vary one piece of.
enum Fixture {
    static let customers = """
    amperity_id,email,tier,spend,signup,zip
    AMP-1,ana@example.com,gold,10.5,2026-01-02,02134
    AMP-2,bo@example.com,silver,3,2026-02-03,90210
    AMP-3,,bronze,,2026-03-04,
    """

    static let orders = """
    order_id,amperity_id,order_datetime,amount,category
    o1,AMP-1,2026-09-01T10:00:00Z,100,shoes
    o2,AMP-1,2026-08-01T10:00:00Z,50,hats
    o3,AMP-2,2026-09-02T10:00:00Z,20,shoes
    o4,AMP-1,,7,socks
    """

    static let web = """
    {"event_id":"w1","type":"purchase","timestamp":"2026-09-01T00:00:00Z","customer_id":"AMP-1","properties":{"amount":10,"category":"shoes"}}
    {"event_id":"w2","type":"purchase","timestamp":"2026-09-02T00:00:00Z","customer_id":"AMP-1","properties":{"amount":"5.5","category":"hats"}}
    {"event_id":"w3","type":"page_view","timestamp":"2026-09-03T00:00:00Z","email":"bo@example.com","properties":{}}
    {"event_id":"w4","type":"page_view","timestamp":"2026-09-03T12:00:00Z","customer_id":"AMP-404","properties":{}}

    not json
    {"event_id":"w1","type":"purchase","timestamp":"2026-09-05T00:00:00Z","customer_id":"AMP-1","properties":{"amount":999}}
    """

    static func yaml(attributes: String = "", segments: String = "") -> String {
        """
        tables:
          customer_360:
            file: tables/customer_360.csv
            key: amperity_id
          unified_transactions:
            file: tables/unified_transactions.csv
            timestamp: order_datetime
        streams:
          web:
            file: events/web.ndjson
        collections:
          customers:
            table: customer_360
            key: amperity_id
            streams:
              - stream: web
                match:
                  - { event: customer_id, profile: amperity_id }
                  - { event: email, profile: email }
            attributes:
              - name: email
                column: email
              - name: purchases_7d
                function: count
                events: [purchase]
                timeframe: 7d
              - name: spend
                function: sum
                field: properties.amount
                events: [purchase]
              - name: lifetime_spend
                function: sum
                field: amount
                table: unified_transactions
                match: { row: amperity_id, profile: amperity_id }
        \(attributes)
            segments:
              - name: buyers
                condition: "purchases_7d > 0"
        \(segments)
        """
    }

    static func workspace(yaml: String = Fixture.yaml(), web: String = Fixture.web) throws -> TestWorkspace {
        try TestWorkspace(yaml: yaml, files: [
            "tables/customer_360.csv": customers,
            "tables/unified_transactions.csv": orders,
            "events/web.ndjson": web,
        ])
    }
}
