/// Turns a `DemoWorld` into the text of the workspace's data files: the three CSV tables and
/// the four NDJSON streams, with the deliberate defects placed into the streams.

/// A line of an events file that is there on purpose to exercise Cohort's handling of bad
/// input, with its 1-based line number.
public struct DemoDeliberateLine: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Not valid JSON, or missing a required field, or a field of the wrong form: quarantined.
        case malformed
        /// An empty line: skipped.
        case blank
        /// An `event_id` seen before in the same stream.
        case duplicate
        /// A valid event whose identity matches no customer.
        case unknownIdentity
    }

    public var stream: String
    public var line: Int
    public var kind: Kind
    public var reason: String
}

struct DemoStreamFile {
    var stream: DemoStream
    var text: String
    /// Non-blank lines.
    var lines: Int
    /// Valid, distinct events by type, in the stream's type order.
    var typeCounts: [(type: String, count: Int)]
    var matched: Int
    var anonymous: Int
    var unknown: Int
    var outOfOrder: Int
    var withFraction: Int
    var withOffset: Int
    var notes: [DemoDeliberateLine]
}

enum DemoFiles {
    static let typeOrder: [[String]] = [
        ["page_view", "product_view", "search", "add_to_cart", "purchase"],
        ["send", "open", "click", "unsubscribe", "bounce"],
        ["store_visit", "purchase", "points_earned", "points_redeemed", "tier_changed"],
        ["sms_sent", "sms_click", "sms_opt_out", "sms_opt_in"],
    ]

    // MARK: - CSV

    static func csvField(_ s: String) -> String {
        if s.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    static func csvRow(_ fields: [String]) -> String {
        var out = ""
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += csvField(f)
        }
        return out + "\n"
    }

    static let customerColumns = ["amperity_id", "given_name", "surname", "email", "phone", "address", "city", "state",
                                  "postal_code", "loyalty_id", "loyalty_tier", "signup_date", "birth_date",
                                  "email_opt_in", "home_store_id"]

    static func customerRow(_ c: DemoCustomer) -> [String] {
        [c.id, c.given, c.surname, c.email ?? "", c.phone ?? "", c.address ?? "", c.city, c.state, c.postal,
         c.loyaltyId ?? "", c.tier >= 0 ? DemoCatalog.tiers[c.tier] : "",
         DemoFormat.date(CivilTime.day(ofMicros: c.signupT * 1_000_000)),
         c.birthDay.map(DemoFormat.date) ?? "", c.emailOptIn.map { $0 ? "true" : "false" } ?? "",
         DemoCatalog.stores[c.homeStore].id]
    }

    static func customersCSV(_ w: DemoWorld) -> String {
        var out = csvRow(customerColumns)
        out.reserveCapacity(w.customers.count * 190)
        for c in w.customers { out += csvRow(customerRow(c)) }
        return out
    }

    static let transactionColumns = ["order_id", "amperity_id", "store_id", "order_datetime", "channel", "amount",
                                     "items", "category", "discount"]

    static func transactionsCSV(_ w: DemoWorld) -> String {
        var out = csvRow(transactionColumns)
        out.reserveCapacity(w.orders.count * 90)
        for i in w.orderFileOrder {
            let o = w.orders[i]
            out += csvRow([o.id, o.customer >= 0 ? w.customers[o.customer].id : "",
                           o.store >= 0 ? DemoCatalog.stores[o.store].id : "ECOM",
                           o.t.map { DemoFormat.timestamp($0) } ?? "", o.store >= 0 ? "store" : "web",
                           DemoFormat.money(o.cents), String(o.items), DemoCatalog.categories[o.category].name,
                           DemoFormat.money(o.discountCents)])
        }
        return out
    }

    static let storeColumns = ["store_id", "name", "city", "state", "region", "opened", "square_feet"]

    static func storesCSV() -> String {
        var out = csvRow(storeColumns)
        for s in DemoCatalog.stores {
            out += csvRow([s.id, s.name, s.city, s.state, s.region,
                           DemoFormat.date(CivilTime.days(year: s.opened.0, month: s.opened.1, day: s.opened.2)),
                           String(s.squareFeet)])
        }
        return out
    }

    // MARK: - Streams

    static func render(_ w: DemoWorld, _ e: DemoEvent, id: String, t: Int64? = nil) -> String {
        var s = "{\"event_id\":\"" + id + "\",\"type\":\"" + e.type + "\",\"timestamp\":\""
            + DemoFormat.timestamp(t ?? e.t, fraction: e.fraction, offsetMinutes: e.offsetMinutes) + "\""
        if !e.identity.isEmpty { s += "," + e.identity }
        s += ",\"properties\":{"
        if e.order >= 0 {
            s += "\"order_id\":\"" + w.orders[e.order].id + "\""
            if !e.props.isEmpty { s += "," }
        }
        return s + e.props + "}}"
    }

    private struct Insertion {
        /// Inserted after the event at this index of the sorted stream; -1 for the start.
        var after: Int
        var text: String
        var kind: DemoDeliberateLine.Kind
        /// The reason; `{orig}` is replaced by the line number of the event at `refers`.
        var reason: String
        var refers: Int = -1
    }

    static func stream(_ w: DemoWorld, _ stream: DemoStream) -> DemoStreamFile {
        var events = w.events[stream.rawValue]
        events.sort { $0.arrival != $1.arrival ? $0.arrival < $1.arrival : $0.seq < $1.seq }
        let n = events.count
        let prefix = stream.idPrefix + "-"
        func eventId(_ k: Int) -> String { prefix + CivilTime.pad(k + 1, 6) }
        var lines: [String] = []
        lines.reserveCapacity(n + 16)
        for (k, e) in events.enumerated() { lines.append(render(w, e, id: eventId(k))) }

        var rng = DemoRandom(seed: w.seed, label: "defects", index: stream.rawValue)
        var fresh = n
        func freshId() -> String {
            fresh += 1
            return prefix + CivilTime.pad(fresh, 6)
        }
        func pos(_ fraction: Double) -> Int {
            guard n > 0 else { return -1 }
            return min(n - 1, Int(Double(n) * fraction) + rng.int(max(1, n / 25)))
        }
        /// A plain event (Z timestamp, matched, of one of `types` when given) at or after p.
        func plain(_ p: Int, _ types: [String] = []) -> Int {
            guard p >= 0 else { return -1 }
            for k in p..<n {
                let e = events[k]
                if e.offsetMinutes == nil && e.fraction.isEmpty && e.who == .matched && e.arrival == e.t
                    && (types.isEmpty || types.contains(e.type)) { return k }
            }
            return p
        }
        func after(_ p: Int, _ lo: Int, _ hi: Int) -> Int { p < 0 ? -1 : min(n - 1, p + rng.between(lo, hi)) }
        func near(_ p: Int) -> DemoEvent {
            if p >= 0 { return events[p] }
            w.seq += 1
            return DemoEvent(t: w.startT + 3600, arrival: w.startT + 3600, seq: w.seq,
                             type: DemoFiles.typeOrder[stream.rawValue][0], identity: "", props: "", who: .unknown)
        }
        func clock(_ t: Int64) -> String {
            let z = DemoFormat.timestamp(t)
            return String(z.prefix(10)) + " " + String(z.dropFirst(11).prefix(8))
        }

        var inserts: [Insertion] = []
        func duplicate(_ p: Int, shift: Int64, why: String) {
            guard p >= 0 else { return }
            let e = events[p]
            let text = render(w, e, id: eventId(p), t: e.t + shift)
            inserts.append(Insertion(after: after(p, 3, 30), text: text, kind: .duplicate,
                                     reason: "event_id \(eventId(p)) again (first on line {orig}); " + why, refers: p))
        }
        func minutes(_ s: Int64) -> String {
            let m = abs(s) / 60, r = abs(s) % 60
            return r == 0 ? "\(m) min" : "\(m) min \(r) s"
        }

        switch stream {
        case .web:
            duplicate(plain(pos(0.15)), shift: 0, why: "an exact re-delivery, ignored")
            let later = Int64(rng.between(45, 600))
            duplicate(plain(pos(0.42)), shift: later, why: "re-sent with a timestamp \(minutes(later)) later; the first line counts")
            let earlier = -Int64(rng.between(60, 900))
            duplicate(plain(pos(0.7)), shift: earlier,
                      why: "re-sent with a timestamp \(minutes(earlier)) earlier; this copy counts (earliest timestamp wins) and line {orig} is the ignored duplicate")
            var p = pos(0.25)
            var full = render(w, near(p), id: freshId())
            let cut = full.utf8.count * 2 / 3
            full = String(decoding: Array(full.utf8.prefix(cut)), as: UTF8.self)
            inserts.append(Insertion(after: p, text: full, kind: .malformed, reason: "invalid JSON: the line is cut off mid-object (a truncated upload)"))
            p = pos(0.5)
            var e = near(p)
            let zoneless = clock(e.t)
            let line = render(w, e, id: freshId())
            if let r = line.range(of: "\"timestamp\":\"") {
                let end = line[r.upperBound...].firstIndex(of: "\"")!
                inserts.append(Insertion(after: p, text: String(line[..<r.upperBound]) + zoneless + String(line[end...]), kind: .malformed,
                                         reason: "timestamp \"\(zoneless)\" has no zone (neither Z nor an offset)"))
            }
            p = pos(0.86)
            e = near(p)
            inserts.append(Insertion(after: p, text: "{\"event_id\":\"\(freshId())\",\"type\":\"page_view\",\"timestamp\":\"\(DemoFormat.timestamp(e.t))\",\"anonymous_id\":\"anon-3f9c2a7b1d04\",\"properties\":[\"url\",\"/sale\"]}",
                                     kind: .malformed, reason: "properties is an array, not an object"))
            inserts.append(Insertion(after: pos(0.6), text: "", kind: .blank, reason: "an empty line: skipped, not quarantined"))
        case .email:
            duplicate(plain(pos(0.3), ["send"]), shift: 0, why: "the email service provider's webhook retried; ignored")
            var p = pos(0.45)
            var e = near(p)
            let line = render(w, e, id: "x")
            inserts.append(Insertion(after: p, text: line.replacingOccurrences(of: "\"event_id\":\"x\",", with: ""),
                                     kind: .malformed, reason: "no event_id"))
            p = pos(0.76)
            e = near(p)
            inserts.append(Insertion(after: p, text: "{\"event_id\":\"\(freshId())\",\"type\":\"click\",\"timestamp\":\"\(DemoFormat.timestamp(e.t + 7))\",\(e.identity.isEmpty ? "\"email\":\"someone@example.com\"" : e.identity),\"properties\":\"campaign=labor-day&url=/sale\"}",
                                     kind: .malformed, reason: "properties is a string, not an object"))
        case .loyalty:
            let later = Int64(rng.between(60, 300))
            duplicate(plain(pos(0.5)), shift: later, why: "the point-of-sale resent it \(minutes(later)) later; the first line counts")
            var p = pos(0.3)
            var e = near(p)
            let bad = render(w, e, id: freshId()).replacingOccurrences(of: "\"", with: "'")
            inserts.append(Insertion(after: p, text: bad, kind: .malformed,
                                     reason: "invalid JSON: single quotes instead of double quotes (a line written by a debugging script)"))
            p = pos(0.62)
            if p >= 0 {
                let target = min(n - 1, p + rng.between(4, 12))
                e = events[target]
                var line = render(w, e, id: eventId(target))
                if let r = line.range(of: ",\"timestamp\":\"") {
                    let end = line[r.upperBound...].firstIndex(of: "\"")!
                    line = String(line[..<r.lowerBound] + line[line.index(after: end)...])
                }
                inserts.append(Insertion(after: p, text: line, kind: .malformed,
                                         reason: "no timestamp; its event_id \(eventId(target)) comes again, valid, on line {orig}, which counts (a quarantined line's id is not seen)",
                                         refers: target))
            }
        case .sms:
            duplicate(plain(pos(0.4)), shift: 0, why: "an exact re-delivery from the SMS gateway, ignored")
            var p = pos(0.2)
            var e = near(p)
            let line = render(w, e, id: freshId())
            inserts.append(Insertion(after: p, text: line.replacingOccurrences(of: "\"type\":\"\(e.type)\",", with: ""),
                                     kind: .malformed, reason: "no type"))
            p = pos(0.66)
            e = near(p)
            let epoch = e.t
            let numeric = render(w, e, id: freshId()).replacingOccurrences(
                of: "\"timestamp\":\"\(DemoFormat.timestamp(e.t, fraction: e.fraction, offsetMinutes: e.offsetMinutes))\"",
                with: "\"timestamp\":\(epoch)")
            inserts.append(Insertion(after: p, text: numeric, kind: .malformed,
                                     reason: "timestamp is a number (epoch seconds), not an RFC 3339 string"))
            inserts.append(Insertion(after: pos(0.9), text: "", kind: .blank, reason: "an empty line: skipped, not quarantined"))
        }

        // Merge: inserted lines go after their event, in the order they were planned.
        var byAfter: [Int: [Insertion]] = [:]
        for ins in inserts { byAfter[ins.after, default: []].append(ins) }
        var output = ""
        output.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 } + 4096)
        var lineNumber = 0
        var eventLine = Array(repeating: 0, count: n)
        var placed: [(Insertion, Int)] = []
        func put(_ text: String) {
            output += text
            output += "\n"
            lineNumber += 1
        }
        for ins in byAfter[-1] ?? [] { put(ins.text); placed.append((ins, lineNumber)) }
        for k in 0..<n {
            put(lines[k])
            eventLine[k] = lineNumber
            for ins in byAfter[k] ?? [] { put(ins.text); placed.append((ins, lineNumber)) }
        }

        var notes: [DemoDeliberateLine] = []
        for (ins, line) in placed {
            var reason = ins.reason
            if ins.refers >= 0 { reason = reason.replacingOccurrences(of: "{orig}", with: String(eventLine[ins.refers])) }
            notes.append(DemoDeliberateLine(stream: stream.name, line: line, kind: ins.kind, reason: reason))
        }
        for k in 0..<n where events[k].who == .unknown {
            notes.append(DemoDeliberateLine(stream: stream.name, line: eventLine[k], kind: .unknownIdentity,
                                            reason: "\(events[k].type) from \(events[k].identity.replacingOccurrences(of: "\"", with: "")), which matches no customer"))
        }
        notes.sort { $0.line < $1.line }

        var counts = Array(repeating: 0, count: typeOrder[stream.rawValue].count)
        var matched = 0, anonymous = 0, unknown = 0, late = 0, fractions = 0, offsets = 0
        var maxT = Int64.min
        for e in events {
            if let i = typeOrder[stream.rawValue].firstIndex(of: e.type) { counts[i] += 1 }
            switch e.who {
            case .matched: matched += 1
            case .anonymous: anonymous += 1
            case .unknown: unknown += 1
            }
            if e.t < maxT { late += 1 }
            maxT = max(maxT, e.t)
            if !e.fraction.isEmpty { fractions += 1 }
            if e.offsetMinutes != nil { offsets += 1 }
        }
        let blank = inserts.filter { $0.kind == .blank }.count
        return DemoStreamFile(
            stream: stream, text: output, lines: lineNumber - blank,
            typeCounts: zip(typeOrder[stream.rawValue], counts).map { ($0, $1) },
            matched: matched, anonymous: anonymous, unknown: unknown, outOfOrder: late,
            withFraction: fractions, withOffset: offsets, notes: notes)
    }
}
