import CohortServer
import Foundation
import Testing

/// The server checked against openapi.yaml by schemathesis (Tests/api/schemathesis.sh): every
/// operation driven with generated and malformed input; no 5xx, every answer as documented.
@Suite("OpenAPI conformance")
struct OpenAPITests {
    @Test("schemathesis finds no answer that contradicts openapi.yaml and no server error")
    func schemathesis() throws {
        let script = CLI.packageRoot + "/Tests/api/schemathesis.sh"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script, CLI.binary]
        p.currentDirectoryURL = URL(fileURLWithPath: CLI.packageRoot)
        let log = NSTemporaryDirectory() + "cohort-schemathesis-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        p.standardOutput = FileHandle(forWritingAtPath: log)
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try p.run()
        p.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // 2: schemathesis is missing (pip install schemathesis; .ci/run installs it).
        #expect(p.terminationStatus == 0, "schemathesis.sh exited \(p.terminationStatus):\n\(output.suffix(6000))")
    }

    @Test("the server serves the repository's openapi.yaml")
    func servedDocument() throws {
        let text = try String(contentsOfFile: CLI.packageRoot + "/openapi.yaml", encoding: .utf8)
        #expect(text.hasPrefix("openapi: 3.1.0") || text.contains("\nopenapi: 3.1.0"))
        // The running server finds it from the binary's folder (.build/…/cohort).
        let found = try #require(HTTPServerDocument.find(startingAt: CLI.binary))
        #expect(found == text)
    }
}
