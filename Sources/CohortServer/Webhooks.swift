import AsyncHTTPClient
import CohortEngine
import CohortStore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// How a deliverer retries a POST that did not get a 2xx.
public struct RetryPolicy: Sendable, Hashable {
    /// POSTs per record before it is `failed` (at least 1).
    public var attempts: Int
    /// The pause after the first failed attempt; it doubles after each further one.
    public var baseDelay: Duration
    /// The longest pause between attempts.
    public var maxDelay: Duration
    /// The longest `Retry-After` (on a 429 or 503) that is honoured as given; longer ones are cut to it.
    public var maxRetryAfter: Duration
    /// How long one POST may take, connection and answer included.
    public var timeout: Duration
    /// How often the deliverer looks for deliveries a replay queued.
    public var queuePollInterval: Duration

    public init(attempts: Int = 6, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(30),
                maxRetryAfter: Duration = .seconds(300), timeout: Duration = .seconds(10), queuePollInterval: Duration = .seconds(1)) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.timeout = timeout
        self.queuePollInterval = queuePollInterval
    }

    /// The pause after failed attempt `attempt` (1-based) when the answer names none:
    /// `baseDelay` × 2^(attempt − 1), at most `maxDelay`.
    public func delay(afterAttempt attempt: Int) -> Duration {
        var d = baseDelay
        var n = 1
        while n < attempt {
            if d >= maxDelay { return maxDelay }
            d = d * 2
            n += 1
        }
        return min(d, maxDelay)
    }
}

/// A webhook destination as the deliverer uses it: cohort.yaml's `destinations:` entry without
/// source positions.
public struct WebhookDestination: Sendable, Hashable {
    public var name: String
    public var url: String
    /// Segment names it follows; empty follows every segment.
    public var segments: [String]
    public var onEnter: Bool
    public var onExit: Bool

    public init(name: String, url: String, segments: [String], onEnter: Bool = true, onExit: Bool = true) {
        self.name = name
        self.url = url
        self.segments = segments
        self.onEnter = onEnter
        self.onExit = onExit
    }

    public init(_ definition: DestinationDefinition) {
        self.init(name: definition.name.value, url: definition.url.value, segments: definition.segments.map(\.value),
                  onEnter: definition.onEnter, onExit: definition.onExit)
    }

    /// The changes it is sent: `["enter"]`, `["exit"]` or both.
    public var on: [String] { (onEnter ? ["enter"] : []) + (onExit ? ["exit"] : []) }

    /// Whether an activation is sent to it.
    public func follows(_ activation: Activation) -> Bool {
        guard activation.change == .enter ? onEnter : onExit else { return false }
        return segments.isEmpty || segments.contains(activation.segment)
    }
}

/// A destination and its delivery state, as `GET /v1/destinations` and `cohort destinations` show it.
public struct DestinationStatus: Sendable, Hashable, Codable {
    public var name: String
    public var url: String
    public var segments: [String]
    public var on: [String]
    /// The number of the last activation the destination has dealt with (delivered, failed or
    /// not followed).
    public var cursor: Int64
    public var delivered: Int
    public var failed: Int
    public var queued: Int
    /// The last error a POST got (also one later retried with success); nil when none did.
    public var lastError: String?

    public init(name: String, url: String, segments: [String], on: [String], cursor: Int64,
                delivered: Int, failed: Int, queued: Int, lastError: String?) {
        self.name = name
        self.url = url
        self.segments = segments
        self.on = on
        self.cursor = cursor
        self.delivered = delivered
        self.failed = failed
        self.queued = queued
        self.lastError = lastError
    }

    /// The object `GET /v1/destinations` lists, fields in the documented order.
    public var json: String {
        func str(_ s: String) -> String {
            var out = ""
            JSONWriter.writeString(s, to: &out)
            return out
        }
        return "{\"name\":\(str(name)),\"url\":\(str(url)),\"segments\":[\(segments.map(str).joined(separator: ","))],"
            + "\"on\":[\(on.map(str).joined(separator: ","))],\"cursor\":\(cursor),\"delivered\":\(delivered),"
            + "\"failed\":\(failed),\"queued\":\(queued),\"last_error\":\(lastError.map(str) ?? "null")}"
    }

    enum CodingKeys: String, CodingKey {
        case name, url, segments, on, cursor, delivered, failed, queued
        case lastError = "last_error"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(url, forKey: .url)
        try c.encode(segments, forKey: .segments)
        try c.encode(on, forKey: .on)
        try c.encode(cursor, forKey: .cursor)
        try c.encode(delivered, forKey: .delivered)
        try c.encode(failed, forKey: .failed)
        try c.encode(queued, forKey: .queued)
        try c.encode(lastError, forKey: .lastError) // null, not absent
    }
}

/// Delivers activation records to the webhook destinations of cohort.yaml.
///
/// One task per destination follows the activation feed from the destination's cursor, in
/// order: records it follows (segment and enter/exit) are POSTed one at a time — body the §7
/// activation line, headers `Content-Type: application/json`, `Cohort-Destination: <name>`
/// and `Cohort-Activation-Id: <seq>` (receivers dedupe on it). A 2xx is `delivered`; anything
/// else, a connection error or no answer within the timeout is retried with exponential
/// backoff (honouring `Retry-After` on 429/503), and after the last attempt the record is
/// `failed` and kept for a replay while the destination moves on. Each outcome is stored with
/// the cursor in one transaction, so a restart neither skips nor (unless it stops between a
/// POST and its record) repeats a record. A second task per destination retries the rows a
/// replay `queued` (`replayFailed`, or `cohort destinations replay` from another process)
/// within `queuePollInterval`.
///
/// Without a store the cursors start at the feed's newest record on each start and failed
/// deliveries are kept in memory (still replayable).
public final class WebhookDeliverer: Sendable {
    public let destinations: [WebhookDestination]
    public let retry: RetryPolicy
    private let feed: ActivationFeed
    private let store: CohortStore?
    private let client: HTTPClient
    private let lanes: [Lane]
    private let started = Mutex(false)

    /// Records read from the feed per backlog read.
    static let backlogBatch = 256

    /// Reads each destination's cursor and counts from the store; a destination seen for the
    /// first time starts at the feed's newest record (it is not sent the history), and that
    /// cursor is stored at once.
    public convenience init(destinations: [DestinationDefinition], feed: ActivationFeed, store: CohortStore?, client: HTTPClient,
                            retry: RetryPolicy = RetryPolicy()) throws {
        try self.init(targets: destinations.map(WebhookDestination.init), feed: feed, store: store, client: client, retry: retry)
    }

    public init(targets: [WebhookDestination], feed: ActivationFeed, store: CohortStore?, client: HTTPClient,
                retry: RetryPolicy = RetryPolicy()) throws {
        self.destinations = targets
        self.retry = retry
        self.feed = feed
        self.store = store
        self.client = client
        let start = feed.lastSeq
        var lanes: [Lane] = []
        for d in targets {
            var state = LaneState(cursor: start, storedCursor: start)
            if let store {
                if let c = try store.destinationCursor(d.name) {
                    state.cursor = c
                    state.storedCursor = c
                    if c > start {
                        // A cursor past the log (reset under it) would skip the next records.
                        try store.setDestinationCursor(d.name, to: start)
                        state.cursor = start
                        state.storedCursor = start
                    }
                } else {
                    try store.setDestinationCursor(d.name, to: start)
                }
                state.counts = try store.deliveryCounts(destination: d.name)
                state.lastError = try store.lastDeliveryError(destination: d.name)
            }
            lanes.append(Lane(destination: d, state: state))
        }
        self.lanes = lanes
    }

    // MARK: Status and replay

    /// Each destination's state, in cohort.yaml's order (from memory: cheap).
    public func status() -> [DestinationStatus] {
        lanes.map { lane in
            let d = lane.destination
            return lane.state.withLock { s in
                DestinationStatus(name: d.name, url: d.url, segments: d.segments, on: d.on, cursor: s.cursor,
                                  delivered: s.counts.delivered, failed: s.counts.failed, queued: s.counts.queued, lastError: s.lastError)
            }
        }
    }

    /// `{"destinations":[…]}`, as `GET /v1/destinations` answers (fields in the documented order).
    public func statusJSON() -> String {
        "{\"destinations\":[" + status().map(\.json).joined(separator: ",") + "]}"
    }

    /// What the routes ask of this deliverer.
    public var hooks: DestinationHooks {
        DestinationHooks(statusJSON: { [self] in statusJSON() }, replayFailed: { [self] in try replayFailed(destination: $0) })
    }

    /// Queues the destination's failed deliveries again (the running deliverer retries them
    /// within `queuePollInterval`); returns how many, or nil for an unknown destination.
    public func replayFailed(destination name: String) throws -> Int? {
        guard let lane = lanes.first(where: { $0.destination.name == name }) else { return nil }
        return try lane.recording.withLock { _ throws -> Int in
            if let store {
                let n = try store.requeueFailed(destination: name)
                let counts = try store.deliveryCounts(destination: name)
                lane.state.withLock { $0.counts = counts }
                return n
            }
            return lane.state.withLock { s in
                let now = CohortStore.wallMicroseconds()
                var n = 0
                for (seq, var row) in s.memory where row.status == .failed {
                    row.status = .queued
                    row.updatedWall = now
                    s.memory[seq] = row
                    n += 1
                }
                s.counts.failed -= n
                s.counts.queued += n
                return n
            }
        }
    }

    // MARK: Running

    /// Delivers until the task is cancelled: per destination, one task following the feed and
    /// one retrying queued deliveries. A second call while one runs returns at once.
    public func run() async {
        guard started.withLock({ s in defer { s = true }; return !s }) else { return }
        defer { started.withLock { $0 = false } }
        await withDiscardingTaskGroup { group in
            for lane in lanes {
                group.addTask { await self.followFeed(lane) }
                group.addTask { await self.retryQueued(lane) }
            }
        }
    }

    /// Reads the records after the lane's cursor — the backlog from `entries(after:limit:)`,
    /// then live ones — and deals with each in order.
    private func followFeed(_ lane: Lane) async {
        defer { persistCursor(lane) }
        while !Task.isCancelled {
            // Subscribe first so that nothing published while the backlog is read is missed.
            let subscription = feed.subscribe()
            var cursor = lane.state.withLock { $0.cursor }
            var emptyReads = 0
            while cursor < subscription.from {
                let batch: [ActivationFeed.Entry]
                do {
                    batch = try feed.entries(after: cursor, limit: Self.backlogBatch)
                } catch {
                    lane.state.withLock { $0.lastError = "cannot read the activation log: \(error)" }
                    guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
                    continue
                }
                if batch.isEmpty {
                    // The store may not have committed them yet; past a few seconds they are gone.
                    emptyReads += 1
                    if emptyReads <= 10 {
                        guard (try? await Task.sleep(for: .milliseconds(500))) != nil else { return }
                        continue
                    }
                    let gap = "activations \(cursor + 1)…\(subscription.from) are no longer in the activation log; skipped"
                    lane.state.withLock { $0.lastError = gap }
                    skip(lane, to: subscription.from)
                    cursor = subscription.from
                    break
                }
                emptyReads = 0
                for entry in batch {
                    guard await handle(entry, lane) else { return }
                    cursor = entry.seq
                }
                persistCursor(lane)
            }
            for await entry in subscription.stream {
                defer { subscription.ack(1) }
                guard entry.seq > cursor else { continue }
                guard await handle(entry, lane) else { return }
                cursor = entry.seq
            }
            // The stream ended: cancelled, or cut off for lagging (then read the backlog again).
        }
    }

    /// Delivers one record if the destination follows it and stores the outcome with the
    /// cursor; false when the task was cancelled before the outcome was stored.
    private func handle(_ entry: ActivationFeed.Entry, _ lane: Lane) async -> Bool {
        guard lane.destination.follows(entry.activation) else {
            skip(lane, to: entry.seq)
            return true
        }
        guard let outcome = await deliver(entry, lane, priorAttempts: 0) else { return false }
        let record = DeliveryRecord(destination: lane.destination.name, seq: entry.seq, status: outcome.delivered ? .delivered : .failed,
                                    attempts: outcome.attempts, lastError: outcome.lastError)
        return await self.record(record, lane, previous: nil, advanceCursor: true)
    }

    /// Every `queuePollInterval`, retries the lane's `queued` deliveries.
    private func retryQueued(_ lane: Lane) async {
        let name = lane.destination.name
        while true {
            guard (try? await Task.sleep(for: retry.queuePollInterval)) != nil else { return }
            var rows: [DeliveryRecord]
            if let store {
                do {
                    rows = try store.deliveries(destination: name, status: .queued, limit: 100)
                    // Another process (`cohort destinations replay`) may have queued them: recount.
                    if !rows.isEmpty { try refreshCounts(lane, store) }
                } catch {
                    lane.state.withLock { $0.lastError = "\(error)" }
                    continue
                }
            } else {
                rows = lane.state.withLock { s in s.memory.values.filter { $0.status == .queued }.sorted { $0.seq < $1.seq } }
            }
            for row in rows {
                if Task.isCancelled { return }
                let entry: ActivationFeed.Entry?
                do {
                    entry = try feed.entries(after: row.seq - 1, limit: 1).first.flatMap { $0.seq == row.seq ? $0 : nil }
                } catch {
                    lane.state.withLock { $0.lastError = "cannot read the activation log: \(error)" }
                    break
                }
                var result = row
                result.updatedWall = CohortStore.wallMicroseconds()
                if let entry {
                    guard let outcome = await deliver(entry, lane, priorAttempts: row.attempts) else { return }
                    result.status = outcome.delivered ? .delivered : .failed
                    result.attempts = outcome.attempts
                    result.lastError = outcome.lastError ?? row.lastError
                } else {
                    result.status = .failed
                    result.lastError = "activation \(row.seq) is no longer in the activation log"
                    lane.state.withLock { $0.lastError = result.lastError }
                }
                guard await record(result, lane, previous: .queued, advanceCursor: false) else { return }
            }
        }
    }

    // MARK: Delivering

    private struct Outcome {
        var delivered: Bool
        /// Attempts in all, earlier ones (before a replay) included.
        var attempts: Int
        var lastError: String?
    }

    /// POSTs a record until it gets a 2xx or runs out of attempts; nil when cancelled.
    private func deliver(_ entry: ActivationFeed.Entry, _ lane: Lane, priorAttempts: Int) async -> Outcome? {
        var lastError: String?
        let attempts = max(1, retry.attempts)
        for attempt in 1...attempts {
            if Task.isCancelled { return nil }
            switch await post(entry, to: lane.destination) {
            case .delivered:
                return Outcome(delivered: true, attempts: priorAttempts + attempt, lastError: lastError)
            case .cancelled:
                return nil
            case .failed(let message, let retryAfter):
                lastError = message
                lane.state.withLock { $0.lastError = message }
                if attempt < attempts {
                    let pause = retryAfter.map { min($0, retry.maxRetryAfter) } ?? retry.delay(afterAttempt: attempt)
                    guard (try? await Task.sleep(for: pause)) != nil else { return nil }
                }
            }
        }
        return Outcome(delivered: false, attempts: priorAttempts + attempts, lastError: lastError)
    }

    private enum PostResult {
        case delivered
        case failed(String, retryAfter: Duration?)
        case cancelled
    }

    private func post(_ entry: ActivationFeed.Entry, to destination: WebhookDestination) async -> PostResult {
        var request = HTTPClientRequest(url: destination.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Cohort-Destination", value: destination.name)
        request.headers.add(name: "Cohort-Activation-Id", value: String(entry.seq))
        request.headers.add(name: "User-Agent", value: "cohort-webhooks")
        request.body = .bytes(ByteBuffer(string: entry.line))
        do {
            let response = try await client.execute(request, timeout: Self.timeAmount(retry.timeout))
            let code = Int(response.status.code)
            if (200..<300).contains(code) {
                // Drain what little there is so the connection can be reused; the answer counts either way.
                _ = try? await Self.excerpt(of: response.body)
                return .delivered
            }
            let body = (try? await Self.excerpt(of: response.body)) ?? ""
            var message = "HTTP \(code)"
            if !response.status.reasonPhrase.isEmpty { message += " \(response.status.reasonPhrase)" }
            if !body.isEmpty { message += ": \(body)" }
            var retryAfter: Duration?
            if code == 429 || code == 503, let value = response.headers.first(name: "Retry-After") {
                retryAfter = Self.retryAfter(value)
            }
            return .failed(message, retryAfter: retryAfter)
        } catch {
            if Task.isCancelled { return .cancelled }
            return .failed(describe(error), retryAfter: nil)
        }
    }

    private func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout { return "no answer within \(Self.seconds(retry.timeout))" }
            if e == .connectTimeout { return "connection timed out" }
            if e == .remoteConnectionClosed { return "the connection closed before an answer" }
            return "\(e)"
        }
        return "\(error)"
    }

    /// The start of a response body on one line, at most 200 characters (reads at most 64 KiB).
    static func excerpt(of body: HTTPClientResponse.Body) async throws -> String {
        var text = ""
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            if text.utf8.count < 1024 { text += String(buffer: chunk) }
            if total > 65_536 { break }
        }
        let oneLine = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine
    }

    /// A `Retry-After` value: whole seconds, or an HTTP date.
    static func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let s = Int(v) { return .seconds(max(0, s)) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: v) else { return nil }
        return .milliseconds(max(0, Int((date.timeIntervalSince(now) * 1000).rounded(.up))))
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (s, atto) = d.components
        return .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }

    static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        if atto == 0 { return "\(s) s" }
        return String(format: "%.3g s", Double(s) + Double(atto) / 1e18)
    }

    // MARK: Recording

    /// Stores an outcome (with the cursor when `advanceCursor`) and mirrors it in the lane's
    /// counters. A failing store write is retried every second (the error shows as the lane's
    /// last error) so that no outcome is lost; false when cancelled meanwhile.
    private func record(_ record: DeliveryRecord, _ lane: Lane, previous: DeliveryStatus?, advanceCursor: Bool) async -> Bool {
        while true {
            let failure: String? = lane.recording.withLock { _ -> String? in
                if let store {
                    do {
                        try store.recordDelivery(record, advancingCursorTo: advanceCursor ? record.seq : nil)
                    } catch {
                        return "\(error)"
                    }
                }
                let keepInMemory = store == nil
                lane.state.withLock { s in
                    switch previous {
                    case .delivered: s.counts.delivered -= 1
                    case .failed: s.counts.failed -= 1
                    case .queued: s.counts.queued -= 1
                    case nil: break
                    }
                    switch record.status {
                    case .delivered: s.counts.delivered += 1
                    case .failed: s.counts.failed += 1
                    case .queued: s.counts.queued += 1
                    }
                    if advanceCursor {
                        s.cursor = max(s.cursor, record.seq)
                        if !keepInMemory { s.storedCursor = max(s.storedCursor, record.seq) }
                    }
                    if keepInMemory {
                        if record.status == .delivered { s.memory.removeValue(forKey: record.seq) } else { s.memory[record.seq] = record }
                    }
                }
                return nil
            }
            guard let failure else { return true }
            lane.state.withLock { $0.lastError = failure }
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return false }
        }
    }

    /// Moves the cursor past a record the destination does not follow; stored at most once a
    /// second (a restart re-reads, and again skips, the few since).
    private func skip(_ lane: Lane, to seq: Int64) {
        let due = lane.state.withLock { s -> Bool in
            s.cursor = max(s.cursor, seq)
            return s.cursor > s.storedCursor && s.lastCursorWrite.duration(to: .now) >= .seconds(1)
        }
        if due { persistCursor(lane) }
    }

    /// Stores the lane's cursor if it moved since it was last stored.
    private func persistCursor(_ lane: Lane) {
        guard let store else { return }
        lane.recording.withLock { _ in
            let (cursor, stored) = lane.state.withLock { ($0.cursor, $0.storedCursor) }
            guard cursor > stored else { return }
            do {
                try store.advanceDestinationCursor(lane.destination.name, to: cursor)
                lane.state.withLock { s in
                    s.storedCursor = max(s.storedCursor, cursor)
                    s.lastCursorWrite = .now
                }
            } catch {
                lane.state.withLock { $0.lastError = "\(error)" }
            }
        }
    }

    private func refreshCounts(_ lane: Lane, _ store: CohortStore) throws {
        try lane.recording.withLock { _ throws in
            let counts = try store.deliveryCounts(destination: lane.destination.name)
            lane.state.withLock { $0.counts = counts }
        }
    }
}

/// One destination's state.
private final class Lane: Sendable {
    let destination: WebhookDestination
    let state: Mutex<LaneState>
    /// Held while a store write and the counter update that mirrors it happen, so counts read
    /// back from the store never race the in-memory ones.
    let recording = Mutex<Void>(())

    init(destination: WebhookDestination, state: LaneState) {
        self.destination = destination
        self.state = Mutex(state)
    }
}

private struct LaneState {
    var cursor: Int64
    var storedCursor: Int64
    var lastCursorWrite = ContinuousClock.now
    var counts = DeliveryCounts()
    var lastError: String?
    /// Failed and queued deliveries when there is no store.
    var memory: [Int64: DeliveryRecord] = [:]
}
