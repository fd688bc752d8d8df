import CohortEngine
import CohortStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An answer other than success: its status, message, extra JSON members and headers.
struct APIError: Error {
    var status: HTTPResponse.Status
    var message: String
    /// Extra members of the error body, as JSON text after the standard ones (`"keys":[…]`).
    var extra: String? = nil
    var headers: HTTPFields = [:]
}

/// Turns every error into the `{status, message, request_id}` body and stamps every answer
/// with its `X-Request-Id`.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let api: CohortAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = api.requestID()
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as APIError {
            response = Self.errorResponse(e.status, e.message, id: id, extra: e.extra, headers: e.headers)
        } catch is NIOTooManyBytesError {
            response = Self.errorResponse(.contentTooLarge, "the body is larger than this endpoint takes (65,536 bytes for one event, 1,048,576 for a batch)", id: id)
        } catch let e as HTTPError where e.status == .notFound && !Self.allowed(request.uri.path).isEmpty {
            let allow = Self.allowed(request.uri.path)
            response = Self.errorResponse(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); use \(allow.joined(separator: " or "))",
                                          id: id, headers: [.allow: allow.joined(separator: ", ")])
        } catch let e as HTTPError {
            let message: String
            switch e.status {
            case .notFound: message = "no such path: \(request.method) \(request.uri.path) (see /openapi.yaml)"
            case .methodNotAllowed: message = "\(request.method) is not allowed on \(request.uri.path)"
            case .contentTooLarge: message = "the body is larger than this endpoint takes"
            default: message = e.body ?? e.status.reasonPhrase
            }
            response = Self.errorResponse(e.status, message, id: id, headers: e.headers)
        } catch is ServerClosed {
            response = Self.errorResponse(.serviceUnavailable, "the server is shutting down", id: id)
        } catch let e as StoreFailure {
            response = Self.errorResponse(.serviceUnavailable, "the events were applied but could not be stored: \(e.message)", id: id)
        } catch {
            response = Self.errorResponse(.internalServerError, "internal error: \(error)", id: id)
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = id
        return response
    }

    /// The routes, for telling a wrong method (405) from a wrong path (404).
    static var routes: [(pattern: [String], methods: [String])] { [
        (["openapi.yaml"], ["GET"]), (["v1", "health"], ["GET"]), (["v1", "streams", "*", "events"], ["POST"]),
        (["v1", "collections"], ["GET"]), (["v1", "collections", "*", "profiles", "*"], ["GET"]),
        (["v1", "collections", "*", "profiles", "*", "segments"], ["GET"]), (["v1", "collections", "*", "lookup"], ["GET"]),
        (["v1", "collections", "*", "segments", "*", "members"], ["GET"]), (["v1", "collections", "*", "stats"], ["GET"]),
        (["v1", "activations"], ["GET"]), (["v1", "activations", "stream"], ["GET"]), (["v1", "destinations"], ["GET"]),
        (["v1", "destinations", "*", "replay"], ["POST"]),
    ] }

    static func allowed(_ path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return routes.filter { r in
            r.pattern.count == parts.count && zip(r.pattern, parts).allSatisfy { $0 == "*" || $0 == $1 }
        }.flatMap(\.methods)
    }

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, id: String, extra: String? = nil, headers: HTTPFields = [:]) -> Response {
        var body = "{\"status\":\(status.code),\"message\":\(JSONText.string(message)),\"request_id\":\(JSONText.string(id))"
        if let extra { body += "," + extra }
        body += "}"
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension CohortAPI {
    static let maxEventBytes = 65_536
    static let maxBatchBytes = 1_048_576

    /// The router of SPEC §8 over this API.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorBodyMiddleware(api: self))
        router.get("/openapi.yaml") { _, _ in
            guard let text = self.openAPIText else { throw APIError(status: .notFound, message: "openapi.yaml was not found next to the server") }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/v1/health") { _, _ in
            let (clock, events) = try await self.host.run { turn in (turn.engine.clock, turn.engine.streamStats.reduce(0) { $0 + $1.valid }) }
            return Self.json("{\"status\":\"ok\",\"clock\":\(JSONText.timestamp(clock)),\"events\":\(events),\"activations\":\(self.feed.lastSeq)}")
        }
        router.post("/v1/streams/:stream/events") { request, context in
            try await self.guarded(request, .eventsWrite) { _ in try await self.ingest(request, stream: Self.param(context, "stream")) }
        }
        let collections = collectionsJSON()
        router.get("/v1/collections") { request, _ in
            try await self.guarded(request, .profilesRead) { _ in Self.json(collections) }
        }
        router.get("/v1/collections/:c/profiles/:key") { request, context in
            try await self.guarded(request, .profilesRead) { caller in
                let (c, model, _, row) = try self.profile(context)
                let pii = caller.can(.piiRead)
                let format = self.formats[c]
                return Self.json(try await self.host.run { turn in turn.profileJSON(format, model, collection: c, row: row, pii: pii, updatedAt: turn.updatedAt(c, row)) })
            }
        }
        router.get("/v1/collections/:c/profiles/:key/segments") { request, context in
            try await self.guarded(request, .profilesRead) { _ in
                let (c, model, key, row) = try self.profile(context)
                let names = try await self.host.run { turn in
                    model.segments.indices.filter { turn.engine.isMember(collection: c, row: row, segment: $0) }.map { model.segments[$0].name }.sorted()
                }
                return Self.json("{\"collection\":\(JSONText.string(model.name)),\"key\":\(JSONText.string(key)),\"segments\":\(JSONText.strings(names))}")
            }
        }
        router.get("/v1/collections/:c/lookup") { request, context in
            try await self.guarded(request, .profilesRead) { caller in try await self.lookup(request, context, caller) }
        }
        router.get("/v1/collections/:c/segments/:s/members") { request, context in
            try await self.guarded(request, .profilesRead) { _ in try await self.members(request, context) }
        }
        router.get("/v1/collections/:c/stats") { request, context in
            try await self.guarded(request, .profilesRead) { _ in try await self.stats(context) }
        }
        router.get("/v1/activations") { request, _ in
            try await self.guarded(request, .profilesRead) { _ in try self.activations(request) }
        }
        router.get("/v1/activations/stream") { request, _ in
            try await self.guarded(request, .profilesRead) { _ in try self.activationStream(request) }
        }
        router.get("/v1/destinations") { request, _ in
            try await self.guarded(request, .profilesRead) { _ in
                Self.json(self.destinations.withLock { $0 }?.statusJSON() ?? "{\"destinations\":[]}")
            }
        }
        router.post("/v1/destinations/:name/replay") { request, context in
            try await self.guarded(request, .eventsWrite) { _ in
                let name = Self.param(context, "name")
                guard let hooks = self.destinations.withLock({ $0 }), let n = try hooks.replayFailed(name) else {
                    throw APIError(status: .notFound, message: "no destination '\(name)' in cohort.yaml")
                }
                return Self.json("{\"queued\":\(n)}")
            }
        }
        return router
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Authenticates, checks the scope and the rate limit, runs `body`, and adds the
    /// RateLimit headers to whatever it answers.
    func guarded(_ request: Request, _ scope: Scope, _ body: (Caller) async throws -> Response) async throws -> Response {
        let caller: Caller
        switch auth.authenticate(request.headers[.authorization]) {
        case .success(let c): caller = c
        case .failure(let f):
            throw APIError(status: .unauthorized, message: f.message, headers: [.wwwAuthenticate: "Bearer realm=\"cohort\""])
        }
        var headers: HTTPFields = [:]
        if let d = limiter.take(caller) {
            headers[HTTPField.Name("RateLimit-Limit")!] = String(d.limit)
            headers[HTTPField.Name("RateLimit-Remaining")!] = String(d.remaining)
            headers[HTTPField.Name("RateLimit-Reset")!] = String(d.reset)
            if !d.allowed {
                headers[.retryAfter] = String(d.retryAfter)
                throw APIError(status: .tooManyRequests,
                               message: "rate limit of \(Self.format(caller.rate)) requests/s (burst \(caller.burst)) reached; retry in \(d.retryAfter) s",
                               headers: headers)
            }
        }
        guard caller.can(scope) else {
            throw APIError(status: .forbidden, message: "the token lacks the '\(scope.rawValue)' scope", headers: headers)
        }
        do {
            var response = try await body(caller)
            for f in headers { response.headers.append(f) }
            return response
        } catch var e as APIError {
            for f in headers { e.headers.append(f) }
            throw e
        }
    }

    /// A path parameter, percent-decoded.
    static func param(_ context: BasicRequestContext, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The query string's pairs as a form encodes them: `+` is a space, then percent-decoding
    /// (once), for names and values.
    static func formPairs(_ request: Request) -> [(String, String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    /// The collection and profile a `…/profiles/{key}` path names, or 404.
    func profile(_ context: BasicRequestContext) throws -> (Int, CollectionModel, String, Int) {
        let (c, model) = try collection(context)
        let key = Self.param(context, "key")
        guard let row = model.row(forKey: key) else {
            throw APIError(status: .notFound, message: "no profile with key '\(key)' in collection '\(model.name)'")
        }
        return (c, model, key, row)
    }

    func collection(_ context: BasicRequestContext) throws -> (Int, CollectionModel) {
        let name = Self.param(context, "c")
        guard let c = collectionIndex(name) else {
            throw APIError(status: .notFound, message: "no collection '\(name)'; collections: \(workspace.collections.map(\.name).joined(separator: ", "))")
        }
        return (c, workspace.collections[c])
    }

    // MARK: Ingest

    func ingest(_ request: Request, stream name: String) async throws -> Response {
        guard let s = workspace.streamIndex(name) else {
            throw APIError(status: .notFound, message: "no stream '\(name)'; streams: \(workspace.streams.map(\.name.value).joined(separator: ", "))")
        }
        switch workspace.streams[s].mode {
        case .reject:
            throw APIError(status: .conflict, message: "stream '\(name)' is in reject mode: it takes no live events (set mode: active in cohort.yaml)")
        case .drop:
            return Response(status: .noContent)
        case .active: break
        }
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let ndjson: Bool
        switch type {
        case "application/json": ndjson = false
        case "application/x-ndjson": ndjson = true
        default:
            throw APIError(status: .unsupportedMediaType,
                           message: type.isEmpty ? "no Content-Type: send application/json (one event) or application/x-ndjson (a batch)"
                                                 : "Content-Type '\(type)' is not taken: send application/json (one event) or application/x-ndjson (a batch)")
        }
        let limit = ndjson ? Self.maxBatchBytes : Self.maxEventBytes
        let length = request.headers[.contentLength]
        let chunked = request.headers[.transferEncoding]?.lowercased().contains("chunked") ?? false
        guard length != nil || chunked else {
            throw APIError(status: .lengthRequired, message: "send a Content-Length header or a chunked body")
        }
        if let length, let n = Int(length), n > limit {
            throw APIError(status: .contentTooLarge, message: "the body is \(n) bytes; \(ndjson ? "a batch" : "one event") may have at most \(limit)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch let e as HTTPError where e.status == .contentTooLarge {
            _ = e
            throw APIError(status: .contentTooLarge, message: "the body is over \(limit) bytes, the most \(ndjson ? "a batch" : "one event") may have")
        } catch is NIOTooManyBytesError {
            throw APIError(status: .contentTooLarge, message: "the body is over \(limit) bytes, the most \(ndjson ? "a batch" : "one event") may have")
        }
        let lineCount = ndjson ? buffer.readableBytesView.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 } : 1
        let firstLine = reserveLines(stream: s, count: lineCount)
        let wall = CohortStore.wallMicroseconds()
        let parsed = buffer.withUnsafeReadableBytes { raw in
            IngestParser.parse(raw.bindMemory(to: UInt8.self), ndjson: ndjson, stream: s, firstLine: firstLine, wallNow: wall)
        }
        if parsed.lines == 0 {
            throw APIError(status: .badRequest, message: "the body holds no event",
                           extra: IngestResult().members)
        }
        let qFirst = reserveQuarantineLines(stream: s, count: parsed.errors.count)
        let result = try await host.runDurably { turn in turn.ingest(parsed, stream: s, streamName: name, quarantineFirstLine: qFirst) }
        if parsed.events.isEmpty && parsed.duplicatesInBody == 0 {
            let reason = result.errors.first.map { ndjson ? "no line is a valid event; line \($0.line): \($0.reason)" : $0.reason } ?? "malformed event"
            throw APIError(status: .badRequest, message: reason, extra: result.members)
        }
        return Self.json(result.json, status: .accepted)
    }

    // MARK: Profiles

    func collectionsJSON() -> String {
        let items = workspace.collections.enumerated().map { c, m in
            "{\"name\":\(JSONText.string(m.name)),\"profiles\":\(m.table.rows.count),\"attributes\":\(JSONText.strings(m.attributes.map(\.name))),\"segments\":\(JSONText.strings(m.segments.map(\.name))),\"lookup_fields\":\(JSONText.strings(lookupIndex[c].keys.sorted()))}"
        }
        return "{\"collections\":[" + items.joined(separator: ",") + "]}"
    }

    func lookup(_ request: Request, _ context: BasicRequestContext, _ caller: Caller) async throws -> Response {
        let (c, model) = try collection(context)
        let params = Self.formPairs(request)
        let fields = lookupIndex[c].keys.sorted()
        guard params.count == 1, let (field, value2) = params.first else {
            throw APIError(status: .badRequest, message: "give exactly one query parameter, a linking field and its value (fields: \(fields.joined(separator: ", ")))")
        }
        guard let index = lookupIndex[c][field] else {
            throw APIError(status: .badRequest, message: "'\(field)' is not a linking field of collection '\(model.name)' (fields: \(fields.joined(separator: ", ")))")
        }
        if piiFields[c].contains(field), !caller.can(.piiRead) {
            throw APIError(status: .forbidden, message: "'\(field)' is personal data: looking profiles up by it needs the 'pii:read' scope")
        }
        let rows = index[value2] ?? []
        if rows.isEmpty { throw APIError(status: .notFound, message: "no profile of '\(model.name)' has \(field) = '\(value2)'") }
        if rows.count > 1 {
            let keys = rows.map { model.key(ofRow: Int($0)) }.sorted()
            throw APIError(status: .conflict, message: "\(rows.count) profiles of '\(model.name)' have \(field) = '\(value2)'", extra: "\"keys\":\(JSONText.strings(keys))")
        }
        let row = Int(rows[0])
        let pii = caller.can(.piiRead)
        let format = formats[c]
        return Self.json(try await host.run { turn in turn.profileJSON(format, model, collection: c, row: row, pii: pii, updatedAt: turn.updatedAt(c, row)) })
    }

    func members(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (c, model) = try collection(context)
        let name = Self.param(context, "s")
        guard let s = model.segments.firstIndex(where: { $0.name == name }) else {
            throw APIError(status: .notFound, message: "no segment '\(name)' in collection '\(model.name)'")
        }
        let q = request.uri.queryParameters
        var limit = 100
        if let l = q["limit"] {
            guard let n = Int(l), (1...1000).contains(n) else { throw APIError(status: .badRequest, message: "limit must be a whole number from 1 to 1000, not '\(l)'") }
            limit = n
        }
        var start = 0
        if let cursor = q["cursor"] {
            guard let key = Self.decodeCursor(String(cursor)) else { throw APIError(status: .badRequest, message: "the cursor '\(cursor)' is not one this server gave") }
            // The first key after the cursor's, whatever joined or left since.
            let order = rowsByKey[c]
            var lo = 0, hi = order.count
            while lo < hi {
                let mid = (lo + hi) / 2
                // At or before the cursor's key: the page starts after it.
                if !key.utf8Precedes(model.key(ofRow: Int(order[mid]))) { lo = mid + 1 } else { hi = mid }
            }
            start = lo
        }
        let order = rowsByKey[c]
        let (first, pageSize) = (start, limit)
        let (keys, more, total) = try await host.run { turn -> ([String], Bool, Int) in
            var keys: [String] = []
            var i = first
            while i < order.count, keys.count < pageSize {
                if turn.engine.isMember(collection: c, row: Int(order[i]), segment: s) { keys.append(model.key(ofRow: Int(order[i]))) }
                i += 1
            }
            var more = false
            while i < order.count, !more {
                more = turn.engine.isMember(collection: c, row: Int(order[i]), segment: s)
                i += 1
            }
            var total = 0
            for r in 0..<order.count where turn.engine.isMember(collection: c, row: r, segment: s) { total += 1 }
            return (keys, more, total)
        }
        let next = more ? JSONText.string(Self.encodeCursor(keys.last!)) : "null"
        return Self.json("{\"members\":\(JSONText.strings(keys)),\"next_cursor\":\(next),\"total\":\(total)}")
    }

    static func encodeCursor(_ key: String) -> String {
        Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ text: String) -> String? {
        var b = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard !text.isEmpty, let data = Data(base64Encoded: b), let s = String(data: data, encoding: .utf8) else { return nil }
        return s
    }

    func stats(_ context: BasicRequestContext) async throws -> Response {
        let (c, model) = try collection(context)
        let streams = workspace.streams
        let linked = Set(model.links.map(\.stream))
        let text = try await host.run { turn -> String in
            let e = turn.engine
            let n = e.profileCount(collection: c)
            let segs = model.segments.enumerated().map { s, seg in
                var members = 0
                for r in 0..<n where e.isMember(collection: c, row: r, segment: s) { members += 1 }
                return "{\"name\":\(JSONText.string(seg.name)),\"members\":\(members)}"
            }
            let st = streams.indices.filter { linked.contains($0) }.map { i in
                let s = e.streamStats[i]
                return "{\"name\":\(JSONText.string(streams[i].name.value)),\"mode\":\"\(streams[i].mode.rawValue)\",\"valid\":\(s.valid),\"duplicate\":\(s.duplicate),\"unmatched\":\(s.unmatched),\"quarantined\":\(s.quarantined)}"
            }
            return "{\"collection\":\(JSONText.string(model.name)),\"profiles\":\(n),\"clock\":\(JSONText.timestamp(e.clock)),\"segments\":[\(segs.joined(separator: ","))],\"streams\":[\(st.joined(separator: ","))]}"
        }
        return Self.json(text)
    }

    // MARK: Activations

    func activationParams(_ request: Request, readsLimit: Bool = true) throws -> (after: Int64?, limit: Int) {
        let q = request.uri.queryParameters
        var after: Int64?
        if let a = q["after"] {
            guard let n = Int64(a), n >= 0 else { throw APIError(status: .badRequest, message: "after must be a cursor this server gave (a whole number ≥ 0), not '\(a)'") }
            after = n
        }
        var limit = 100
        if readsLimit, let l = q["limit"] {
            guard let n = Int(l), (1...1000).contains(n) else { throw APIError(status: .badRequest, message: "limit must be a whole number from 1 to 1000, not '\(l)'") }
            limit = n
        }
        return (after, limit)
    }

    func activations(_ request: Request) throws -> Response {
        let (after, limit) = try activationParams(request)
        let from = after ?? 0
        let entries = try feed.entries(after: from, limit: limit)
        let next = entries.last?.seq ?? from
        return Self.json("{\"activations\":[" + entries.map(\.line).joined(separator: ",") + "],\"next_cursor\":\"\(next)\"}")
    }

    /// Server-sent events: the backlog after the client's cursor, then each record as it is
    /// published. A client that falls too far behind is cut off and resumes from its cursor.
    func activationStream(_ request: Request) throws -> Response {
        let (afterParam, _) = try activationParams(request, readsLimit: false)
        var after = afterParam
        if let last = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let n = Int64(last.trimmingCharacters(in: .whitespaces)), n >= 0 else {
                throw APIError(status: .badRequest, message: "Last-Event-ID must be an id this stream sent, not '\(last)'")
            }
            after = n
        }
        let (stream, from, ack) = feed.subscribe()
        let feed = self.feed
        let start = after
        let body = ResponseBody { writer in
            var cursor = start ?? from
            // The backlog, up to where the live stream starts.
            while cursor < from {
                let page = try feed.entries(after: cursor, limit: 1000).filter { $0.seq <= from }
                if page.isEmpty { break }
                try await writer.write(ByteBuffer(string: page.map(Self.sse).joined()))
                cursor = page.last!.seq
            }
            try await writer.write(ByteBuffer(string: ": connected, cursor \(cursor)\n\n"))
            // Records and, every 15 s without one, a keep-alive comment (nil).
            let (merged, sink) = AsyncStream<ActivationFeed.Entry?>.makeStream()
            let forward = Task {
                for await e in stream { sink.yield(e) }
                sink.finish()
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(15))
                    sink.yield(nil)
                }
            }
            defer {
                forward.cancel()
                ticker.cancel()
            }
            for await item in merged {
                guard let e = item else {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    continue
                }
                ack(1)
                if e.seq <= cursor { continue }
                try await writer.write(ByteBuffer(string: Self.sse(e)))
                cursor = e.seq
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func sse(_ e: ActivationFeed.Entry) -> String {
        "event: \(e.activation.change.rawValue)\nid: \(e.seq)\ndata: \(e.line)\n\n"
    }
}
