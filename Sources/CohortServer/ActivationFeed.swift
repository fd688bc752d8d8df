import CohortEngine
import CohortStore
import Foundation
import Synchronization

/// The activation log as the API serves it: every membership change numbered in order (the
/// number is the cursor of `GET /v1/activations`, the SSE `id:` and a webhook's delivery id),
/// the recent ones kept in memory and the older ones read back from the store, and live
/// subscribers (SSE streams, webhook deliverers) woken as records are published.
///
/// Numbers continue the store's, so a cursor stays valid across restarts.
public final class ActivationFeed: Sendable {
    /// One numbered activation with its §7 line, formatted once.
    public struct Entry: Sendable, Hashable {
        public let seq: Int64
        public let activation: Activation
        public let line: String
    }

    private struct State {
        var ring: [Entry] = []
        /// Index in `ring` of its oldest entry (the ring is trimmed in halves).
        var lastSeq: Int64
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
    }

    private struct Subscriber {
        let continuation: AsyncStream<Entry>.Continuation
        /// How many entries it may have waiting before it is cut off (it reconnects with its cursor).
        var pending: Int
    }

    private let state: Mutex<State>
    private let store: CohortStore?
    /// Entries kept in memory.
    public let capacity: Int
    /// Entries a subscriber may have unread before its stream ends (it then resumes from its cursor).
    public let subscriberBuffer: Int

    public init(store: CohortStore?, capacity: Int = 200_000, subscriberBuffer: Int = 50_000) throws {
        self.store = store
        self.capacity = capacity
        self.subscriberBuffer = subscriberBuffer
        state = Mutex(State(lastSeq: try store?.lastActivationSeq() ?? 0))
    }

    /// The number of the newest entry (0 when there is none).
    public var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    /// Numbers activations, keeps them and hands them to every subscriber; returns the entries
    /// (the caller persists them).
    @discardableResult
    public func publish(_ activations: [Activation]) -> [Entry] {
        guard !activations.isEmpty else { return [] }
        let (out, cut) = state.withLock { s -> ([Entry], [AsyncStream<Entry>.Continuation]) in
            var out: [Entry] = []
            out.reserveCapacity(activations.count)
            for a in activations {
                s.lastSeq += 1
                out.append(Entry(seq: s.lastSeq, activation: a, line: ProfileWriter.activationLine(a)))
            }
            s.ring.append(contentsOf: out)
            if s.ring.count > capacity + capacity / 2 { s.ring.removeFirst(s.ring.count - capacity) }
            var cut: [Int] = []
            for (id, var sub) in s.subscribers {
                if sub.pending + out.count > subscriberBuffer {
                    cut.append(id)
                    continue
                }
                sub.pending += out.count
                s.subscribers[id] = sub
                for e in out { sub.continuation.yield(e) }
            }
            return (out, cut.compactMap { s.subscribers.removeValue(forKey: $0)?.continuation })
        }
        // Outside the lock: finishing runs the stream's onTermination, which takes it.
        for c in cut { c.finish() }
        return out
    }

    /// Up to `limit` entries numbered above `after`, oldest first: from memory, or from the
    /// store for numbers memory no longer holds.
    public func entries(after: Int64, limit: Int) throws -> [Entry] {
        let (memory, oldest) = state.withLock { s -> ([Entry], Int64?) in
            guard let first = s.ring.first else { return ([], nil) }
            guard after >= first.seq - 1 else { return ([], first.seq) }
            let start = Int(after - first.seq + 1)
            guard start < s.ring.count else { return ([], first.seq) }
            return (Array(s.ring[start..<min(s.ring.count, start + limit)]), first.seq)
        }
        if !memory.isEmpty || oldest.map({ after >= $0 - 1 }) == true { return memory }
        guard let store else { return [] }
        return try store.activations(after: after, limit: limit).map { seq, r in
            let a = Activation(collection: r.collection, segment: r.segment, key: r.key,
                               change: Activation.Change(rawValue: r.change) ?? .enter, at: r.at, cause: .replay)
            return Entry(seq: seq, activation: a, line: ProfileWriter.activationLine(a))
        }
    }

    /// A live stream of the entries published from now on, and the number of the last entry
    /// before them (read the backlog up to it with `entries(after:limit:)`). Cancelling or
    /// dropping the stream unsubscribes.
    public func subscribe() -> (stream: AsyncStream<Entry>, from: Int64, ack: @Sendable (Int) -> Void) {
        let (stream, continuation) = AsyncStream<Entry>.makeStream(bufferingPolicy: .unbounded)
        let (id, from) = state.withLock { s -> (Int, Int64) in
            let id = s.nextSubscriber
            s.nextSubscriber += 1
            s.subscribers[id] = Subscriber(continuation: continuation, pending: 0)
            return (id, s.lastSeq)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        let ack: @Sendable (Int) -> Void = { [weak self] n in
            self?.state.withLock { s in
                if var sub = s.subscribers[id] {
                    sub.pending = max(0, sub.pending - n)
                    s.subscribers[id] = sub
                }
            }
        }
        return (stream, from, ack)
    }

    /// Ends every live subscription (at shutdown: SSE clients reconnect with their cursor).
    public func finishAll() {
        let all = state.withLock { s -> [AsyncStream<Entry>.Continuation] in
            defer { s.subscribers.removeAll() }
            return s.subscribers.values.map(\.continuation)
        }
        for c in all { c.finish() }
    }

    /// Live subscribers (SSE streams and deliverers).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
