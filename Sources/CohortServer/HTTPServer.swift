import Foundation
import Hummingbird
import Logging
import NIOCore

/// The Hummingbird application serving a `CohortAPI`.
public enum HTTPServer {
    /// Serves until SIGINT or SIGTERM (or until the task is cancelled); `onRunning` gets the
    /// bound port (useful with port 0).
    public static func run(api: CohortAPI, host: String, port: Int, onRunning: @escaping @Sendable (Int) -> Void) async throws {
        var logger = Logger(label: "cohort.http")
        logger.logLevel = ProcessInfo.processInfo.environment["COHORT_HTTP_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let app = Application(
            router: api.router(),
            // A connection that sends nothing for a minute (a stalled upload) is closed.
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(host, port: port), serverName: "cohort", backlog: 1024),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
        try await app.runService()
    }

    /// The OpenAPI document: `openapi.yaml` in the current folder or in a folder above the
    /// executable (the repository when run from `.build`), else nil.
    public static func findOpenAPI() -> String? {
        HTTPServerDocument.find(startingAt: CommandLine.arguments.first ?? ".")
    }
}

/// Where the OpenAPI document is looked for.
public enum HTTPServerDocument {
    /// `openapi.yaml` in the current folder, or in the executable's folder or one of the six above it.
    public static func find(startingAt executable: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.path)
            dir.deleteLastPathComponent()
        }
        for c in candidates {
            let path = (c as NSString).appendingPathComponent("openapi.yaml")
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("openapi:") { return text }
        }
        return nil
    }
}
