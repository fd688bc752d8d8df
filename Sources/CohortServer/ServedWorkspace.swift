import CohortEngine
import CohortStore
import Foundation
import AsyncHTTPClient
import Synchronization

/// A workspace opened for serving: its store, activation feed and API, and the webhook
/// deliverer for its destinations. `cohort serve` and `cohort --serve` both start from here.
public final class ServedWorkspace: Sendable {
    public let api: CohortAPI
    public let store: CohortStore
    public let feed: ActivationFeed
    private let destinationsTask = Mutex<Task<Void, Never>?>(nil)

    private init(api: CohortAPI, store: CohortStore, feed: ActivationFeed) {
        self.api = api
        self.store = store
        self.feed = feed
    }

    public static func open(workspace: Workspace, directory: String, store: CohortStore? = nil) throws -> ServedWorkspace {
        let store = try store ?? CohortStore.open(workspaceDirectory: directory)
        let feed = try ActivationFeed(store: store)
        let api = try CohortAPI(workspace: workspace, store: store, host: EngineHost(), feed: feed, openAPIText: HTTPServer.findOpenAPI())
        return ServedWorkspace(api: api, store: store, feed: feed)
    }

    /// Starts delivering activations to the workspace's webhook destinations (call it after
    /// the engine's start-up catch-up, so a new destination starts at the newest record).
    public func startDestinations() throws {
        let d = try WebhookDeliverer(destinations: api.workspace.definitions.destinations, feed: feed, store: store, client: .shared)
        api.attach(destinations: d.hooks)
        destinationsTask.withLock { $0 = Task { await d.run() } }
    }

    /// Stops the deliveries (what is not delivered yet stays queued by its cursor).
    public func stopDestinations() {
        destinationsTask.withLock { $0?.cancel() }
    }
}
