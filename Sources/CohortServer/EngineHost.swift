import CohortEngine
import CohortStore
import Foundation
import Synchronization

/// The engine as a job sees it: the engine itself, how to apply a live event (the console also
/// logs it for its Streams screen), and the write batch the turn's results go to.
public final class EngineTurn {
    public let engine: LiveEngine
    let applyEvent: (Event) -> LiveEngine.Outcome
    /// Accepted events and quarantined lines of this turn, committed together after it.
    var batch = ServeBatch()
    /// Run once the batch is in the store (true) or could not be written (false).
    var afterCommit: [@Sendable (Result<Void, StoreFailure>) -> Void] = []

    /// The clock instant of a profile's last change since the server started (collection, row).
    let updatedAt: (Int, Int) -> Int64?

    public init(engine: LiveEngine, apply: @escaping (Event) -> LiveEngine.Outcome, updatedAt: @escaping (Int, Int) -> Int64?) {
        self.engine = engine
        applyEvent = apply
        self.updatedAt = updatedAt
    }

    /// Hands the turn's batch to the writer, whose waiters run once it is stored.
    func commit(to writer: BatchWriter) {
        writer.submit(batch, waiters: afterCommit)
        batch = ServeBatch()
        afterCommit = []
    }

    public func apply(_ event: Event) -> LiveEngine.Outcome { applyEvent(event) }
}

/// An owner of the engine that lets other threads use it under its lock (`cohort serve`'s loop):
/// a request then runs at once on its own thread instead of waiting for the owner's next turn.
public protocol DirectEngine: AnyObject, Sendable {
    /// Runs `body` with the engine locked, then publishes and commits what it did.
    func perform<T>(_ body: (EngineTurn) -> T) -> T
}

public struct StoreFailure: Error, Sendable {
    public let message: String
}

/// Jobs for the thread that owns the engine. HTTP handlers submit closures and await their
/// results; the owner (`ServeLoop`'s thread, or the console's frame loop) runs every queued job
/// in one turn, so reads see the state after whole events and never wait for long.
public final class EngineHost: Sendable {
    typealias Job = @Sendable (EngineTurn) -> Void
    private struct Queue {
        var jobs: [Job] = []
        /// For each queued job, what tells its caller the server closed first.
        var cancels: [@Sendable () -> Void] = []
        var closed = false
    }
    private let queue = Mutex(Queue())
    private let signal = DispatchSemaphore(value: 0)
    /// When set, jobs run on the caller's thread under the owner's lock, not in its turns.
    private let directEngine = Mutex<(any DirectEngine)?>(nil)
    public init() {}

    /// Lets jobs run on the callers' threads under `owner`'s lock.
    func attach(direct owner: any DirectEngine) { directEngine.withLock { $0 = owner } }

    private var direct: (any DirectEngine)? {
        directEngine.withLock { d in queue.withLock { $0.closed } ? nil : d }
    }

    /// Runs `body` with the engine and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable (EngineTurn) -> T) async throws -> T {
        try await schedule { turn, c in c.resume(returning: body(turn)) }
    }

    /// Runs `body` with the engine; the result is returned once the turn's batch (with what
    /// `body` added to it) is in the store.
    public func runDurably<T: Sendable>(_ body: @escaping @Sendable (EngineTurn) -> T) async throws -> T {
        try await schedule { turn, c in
            let value = body(turn)
            turn.afterCommit.append { result in
                switch result {
                case .success: c.resume(returning: value)
                case .failure(let f): c.resume(throwing: f)
                }
            }
        }
    }

    /// Runs `job` with the engine: at once under the owner's lock when it lends it, else in
    /// the owner's next turn (failing with `ServerClosed` if the host closes first). `job`
    /// resumes the continuation.
    private func schedule<T: Sendable>(_ job: @escaping @Sendable (EngineTurn, CheckedContinuation<T, any Error>) -> Void) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            if let d = direct {
                d.perform { job($0, c) }
                return
            }
            let accepted = queue.withLock { q -> Bool in
                guard !q.closed else { return false }
                q.jobs.append { job($0, c) }
                q.cancels.append { c.resume(throwing: ServerClosed()) }
                return true
            }
            if accepted { signal.signal() } else { c.resume(throwing: ServerClosed()) }
        }
    }

    /// Waits up to `timeoutMillis` for a job, then takes every queued one.
    func take(timeoutMillis: Int) -> [Job] {
        if queue.withLock({ $0.jobs.isEmpty }) {
            _ = signal.wait(timeout: .now() + .milliseconds(timeoutMillis))
        }
        return queue.withLock { q in
            let jobs = q.jobs
            q.jobs.removeAll(keepingCapacity: true)
            q.cancels.removeAll(keepingCapacity: true)
            return jobs
        }
    }

    /// Runs every queued job against `turn` (the caller then commits the turn's batch).
    public func drain(_ turn: EngineTurn) {
        for job in take(timeoutMillis: 0) { job(turn) }
    }

    /// Refuses new jobs and fails the queued ones (their callers answer 503).
    func close() {
        let cancels = queue.withLock { q -> [@Sendable () -> Void] in
            q.closed = true
            defer {
                q.jobs.removeAll()
                q.cancels.removeAll()
            }
            return q.cancels
        }
        for cancel in cancels { cancel() }
        signal.signal()
    }
}

public struct ServerClosed: Error, Sendable {}

/// Commits serve batches on its own thread, merging what queued up while the previous commit
/// ran (a group commit: one fsync for many requests), then tells each waiter.
final class BatchWriter: Sendable {
    private struct Pending {
        var batch = ServeBatch()
        var waiters: [@Sendable (Result<Void, StoreFailure>) -> Void] = []
        var stopped = false
    }
    private let pending = Mutex(Pending())
    private let signal = DispatchSemaphore(value: 0)
    private let store: CohortStore
    private let done = DispatchSemaphore(value: 0)

    init(store: CohortStore) {
        self.store = store
        let thread = Thread { [self] in loop() }
        thread.name = "cohort-writer"
        thread.start()
    }

    func submit(_ batch: ServeBatch, waiters: [@Sendable (Result<Void, StoreFailure>) -> Void]) {
        guard !batch.isEmpty || !waiters.isEmpty else { return }
        pending.withLock { p in
            p.batch.merge(batch)
            p.waiters += waiters
        }
        signal.signal()
    }

    /// Writes what is pending and stops the thread.
    func stop() {
        pending.withLock { $0.stopped = true }
        signal.signal()
        done.wait()
    }

    private func loop() {
        while true {
            signal.wait()
            let (batch, waiters, stopped) = pending.withLock { p in
                defer { p.batch = ServeBatch(); p.waiters = [] }
                return (p.batch, p.waiters, p.stopped)
            }
            var result: Result<Void, StoreFailure> = .success(())
            do { try store.commit(batch) } catch { result = .failure(StoreFailure(message: "\(error)")) }
            for w in waiters { w(result) }
            if stopped {
                done.signal()
                return
            }
        }
    }
}
