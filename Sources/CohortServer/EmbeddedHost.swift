import CohortEngine
import CohortStore
import Foundation

/// Serving from inside another owner of the engine (the console, `cohort --serve`): its frame
/// loop runs the API's jobs once per frame against whatever engine it has then, and hands the
/// membership changes it logs to the feed, which numbers them for the API and stores them.
public final class EmbeddedHost: @unchecked Sendable {
    public let served: ServedWorkspace
    private let writer: BatchWriter

    public init(served: ServedWorkspace) {
        self.served = served
        writer = BatchWriter(store: served.store)
    }

    /// Runs every queued API job: `apply` takes a live event (the console also logs it),
    /// `updatedAt` answers a profile's last change (collection, row).
    public func runJobs(engine: LiveEngine, apply: @escaping (Event) -> LiveEngine.Outcome, updatedAt: @escaping (Int, Int) -> Int64?) {
        let turn = EngineTurn(engine: engine, apply: apply, updatedAt: updatedAt)
        served.api.host.drain(turn)
        turn.commit(to: writer)
    }

    /// Numbers activations into the feed (SSE, webhooks, `GET /v1/activations`) and stores them.
    public func publish(_ activations: [Activation]) {
        let entries = served.feed.publish(activations)
        guard !entries.isEmpty else { return }
        var batch = ServeBatch()
        batch.activations = entries.map { ($0.seq, ActivationRecord($0.activation)) }
        writer.submit(batch, waiters: [])
    }

    /// Stores what is pending and stops.
    public func stop() {
        served.api.host.close()
        served.feed.finishAll()
        writer.stop()
    }
}
