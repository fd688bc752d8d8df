import CohortStore
import Crypto
import Foundation
import Synchronization

/// What a token may do (SPEC §8).
public enum Scope: String, Sendable, CaseIterable {
    case eventsWrite = "events:write"
    case profilesRead = "profiles:read"
    case piiRead = "pii:read"
}

/// API tokens: `coh_<id>_<secret>`, of which the store keeps only a SHA-256. The id finds the
/// record; the hash of the whole text must match it.
public enum Tokens {
    /// The default limit of a new token: requests per second and burst.
    public static let defaultRate = 1000.0
    public static let defaultBurst = 2000

    /// Creates a token, stores its hash, and returns its text (shown once) and record.
    public static func create(in store: CohortStore, scopes: [Scope], rate: Double = defaultRate, burst: Int = defaultBurst) throws -> (token: String, record: TokenRecord) {
        let id = randomHex(bytes: 6)
        let token = "coh_\(id)_\(randomHex(bytes: 24))"
        let record = TokenRecord(id: id, hash: hash(token), scopes: scopes.map(\.rawValue), rate: rate, burst: burst)
        try store.insertToken(record)
        return (token, record)
    }

    /// SHA-256 of the token's text, in hex.
    public static func hash(_ token: String) -> String {
        hex(SHA256.hash(data: Data(token.utf8)))
    }

    /// Lower-case hex of bytes (on every request: no String(format:), which is slow).
    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The id part of a token's text, if it has the token's shape.
    static func id(of token: String) -> String? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "coh", parts[1].count == 12, parts[2].count == 48,
              parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit) else { return nil }
        return String(parts[1])
    }

    static func randomHex(bytes: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return hex((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) })
    }
}

/// A token that passed authentication.
public struct Caller: Sendable {
    public let tokenID: String
    public let scopes: Set<Scope>
    public let rate: Double
    public let burst: Int
    public func can(_ scope: Scope) -> Bool { scopes.contains(scope) }
}

/// Checks bearer tokens against the store's hashes. Tokens created while the server runs are
/// found on first use (an unknown id is one indexed read), and all are re-read every second,
/// so a revocation takes effect within a second.
public final class Authenticator: Sendable {
    private struct State {
        var byID: [String: TokenRecord] = [:]
        var lastReload: Double = 0
        /// Authorization headers already checked, and whom they name (cleared on every reload,
        /// so a revocation still takes effect within a second).
        var verified: [String: Caller] = [:]
    }
    private let state = Mutex(State())
    private let store: CohortStore

    public init(store: CohortStore) throws {
        self.store = store
        try reload(force: true)
    }

    private func reload(force: Bool, maxAge: Double = 0.2) throws {
        let now = Date().timeIntervalSinceReferenceDate
        let due = state.withLock { s in force || now - s.lastReload >= maxAge }
        guard due else { return }
        let records = try store.tokens()
        state.withLock { s in
            s.byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            s.lastReload = now
            s.verified.removeAll()
        }
    }

    public enum Failure: Error, Sendable {
        case missing, malformed, unknown, revoked
        public var message: String {
            switch self {
            case .missing: return "no token: send 'Authorization: Bearer <token>' (create one with 'cohort token create')"
            case .malformed: return "the Authorization header must be 'Bearer <token>' with a token from 'cohort token create'"
            case .unknown: return "the token is not valid"
            case .revoked: return "the token was revoked"
            }
        }
    }

    /// The caller an `Authorization` header names.
    public func authenticate(_ header: String?) -> Result<Caller, Failure> {
        guard let header else { return .failure(.missing) }
        // Revocations and new tokens reach a running server within a second.
        try? reload(force: false, maxAge: 1.0)
        if let known = state.withLock({ $0.verified[header] }) { return .success(known) }
        let result = check(header)
        if case .success(let caller) = result {
            state.withLock { s in
                if s.verified.count > 10_000 { s.verified.removeAll() }
                s.verified[header] = caller
            }
        }
        return result
    }

    private func check(_ header: String) -> Result<Caller, Failure> {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .failure(.malformed) }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard let id = Tokens.id(of: token) else { return .failure(.unknown) }
        var record = state.withLock { $0.byID[id] }
        if record == nil {
            // Created after the last reload: one indexed read (a forged id costs no more).
            if let found = try? store.token(id: id) {
                state.withLock { $0.byID[id] = found }
                record = found
            }
        }
        guard let record, constantTimeEqual(record.hash, Tokens.hash(token)) else { return .failure(.unknown) }
        guard !record.revoked else { return .failure(.revoked) }
        return .success(Caller(tokenID: record.id, scopes: Set(record.scopes.compactMap(Scope.init(rawValue:))),
                               rate: record.rate, burst: record.burst))
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// Per-token token buckets: `rate` requests a second refill up to `burst`.
public final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var at: Double }
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.clock = clock
    }

    public struct Decision: Sendable {
        public let allowed: Bool
        public let limit: Int
        public let remaining: Int
        /// Seconds until the bucket is full again.
        public let reset: Int
        /// Seconds until one request is allowed (when refused).
        public let retryAfter: Int
    }

    /// Takes one request from the caller's bucket; nil for an unlimited token.
    public func take(_ caller: Caller) -> Decision? {
        guard caller.rate > 0 else { return nil }
        let now = clock()
        let burst = Double(max(1, caller.burst))
        return buckets.withLock { all in
            var b = all[caller.tokenID] ?? Bucket(tokens: burst, at: now)
            b.tokens = min(burst, b.tokens + (now - b.at) * caller.rate)
            b.at = now
            let allowed = b.tokens >= 1
            if allowed { b.tokens -= 1 }
            all[caller.tokenID] = b
            let reset = Int(((burst - b.tokens) / caller.rate).rounded(.up))
            let retry = allowed ? 0 : max(1, Int(((1 - b.tokens) / caller.rate).rounded(.up)))
            return Decision(allowed: allowed, limit: Int(burst), remaining: max(0, Int(b.tokens)), reset: reset, retryAfter: retry)
        }
    }
}
