/// The simulated world behind a demo workspace: customers, their order history and what
/// they do on the four streams during the window. `DemoWorld` only builds data in memory;
/// `DemoFiles` turns it into bytes.
///
/// Times are whole seconds since the epoch (UTC) unless a name says otherwise.

enum DemoStream: Int, CaseIterable {
    case web, email, loyalty, sms

    var name: String { ["web", "email", "loyalty", "sms"][rawValue] }
    var idPrefix: String { ["w", "e", "l", "s"][rawValue] }
}

enum DemoPersona: Int, CaseIterable {
    case loyal, occasional, lapsing, dormant, new

    struct Spec {
        var name: String
        var weight: Int
        /// Identified web sessions, store visits and historical orders per day.
        var web: Double
        var store: Double
        var history: Double
        var open: Double
        var audience: Double
        var cart: Double
        var buy: Double
        var emailOptIn: Double
        var loyalty: Double
        var tierWeights: [Int]
        var sms: Double
    }

    var spec: Spec {
        switch self {
        case .loyal:
            return Spec(name: "loyal", weight: 18, web: 0.0363, store: 0.0275, history: 0.009, open: 0.45, audience: 0.1989,
                        cart: 0.731, buy: 0.3, emailOptIn: 0.82, loyalty: 0.95, tierWeights: [12, 33, 38, 17], sms: 0.1688)
        case .occasional:
            return Spec(name: "occasional", weight: 36, web: 0.0121, store: 0.0088, history: 0.0028, open: 0.18, audience: 0.0969,
                        cart: 0.557, buy: 0.216, emailOptIn: 0.55, loyalty: 0.62, tierWeights: [60, 30, 9, 1], sms: 0.0735)
        case .lapsing:
            return Spec(name: "lapsing", weight: 18, web: 0.0266, store: 0.02, history: 0.0084, open: 0.26, audience: 0.1105,
                        cart: 0.626, buy: 0.24, emailOptIn: 0.62, loyalty: 0.76, tierWeights: [18, 34, 36, 12], sms: 0.0675)
        case .dormant:
            return Spec(name: "dormant", weight: 16, web: 0.0097, store: 0.0063, history: 0.0022, open: 0.04, audience: 0.062,
                        cart: 0.435, buy: 0.18, emailOptIn: 0.36, loyalty: 0.45, tierWeights: [72, 24, 4, 0], sms: 0.0285)
        case .new:
            return Spec(name: "new", weight: 12, web: 0.0315, store: 0.0137, history: 0, open: 0.42, audience: 0.1547,
                        cart: 0.731, buy: 0.276, emailOptIn: 0.76, loyalty: 0.55, tierWeights: [1, 0, 0, 0], sms: 0.1237)
        }
    }
}

struct DemoCustomer {
    var id: String
    var given: String
    var surname: String
    var email: String?
    var phone: String?
    var address: String?
    var city: String
    var state: String
    var postal: String
    var loyaltyId: String?
    /// Index into `DemoCatalog.tiers` at the start of the window; -1 without loyalty.
    var tier: Int
    var signupT: Int64
    var birthDay: Int64?
    var emailOptIn: Bool?
    var homeStore: Int
    var persona: DemoPersona
    var activity: Double
    /// When the customer stops being active; `Int64.max` for never.
    var lapseT: Int64
    var favourite: Int
    var smsSubscribed: Bool
    var badAddress: Bool
    var sharesPhone: Bool
    var anonId: String
}

struct DemoOrder {
    /// nil: a legacy row with an empty order_datetime.
    var t: Int64?
    /// -1: a guest order with no amperity_id.
    var customer: Int
    /// -1: a web order.
    var store: Int
    var cents: Int
    var items: Int
    var category: Int
    var discountCents: Int
    var id: String = ""
}

enum DemoIdentity { case matched, anonymous, unknown }

struct DemoEvent {
    var t: Int64
    /// A fraction of a second written after the seconds, e.g. ".250"; empty for none.
    var fraction: String = ""
    /// nil: written with `Z`; otherwise written in local time with this offset.
    var offsetMinutes: Int? = nil
    var arrival: Int64
    var seq: Int
    var type: String
    /// Top-level identity members, already JSON (`"customer_id":"AMP-000001"`).
    var identity: String
    /// Members of the properties object, already JSON, without braces.
    var props: String
    /// An order whose id is written first in properties; -1 for none.
    var order: Int = -1
    var who: DemoIdentity
    /// The store an event is attributed to (loyalty), -1 for none.
    var store: Int = -1
}

struct DemoProduct {
    var sku: String
    var cents: Int
}

struct DemoSlot {
    var t: Int64
    var day: Int
    var slug: String
    var subject: String
    var category: Int
    var flash: Bool
}

final class DemoWorld {
    let customerCount: Int
    let days: Int
    let seed: UInt64

    /// 2026-09-30T23:59:59Z, the last second of the window.
    let endT: Int64
    let startT: Int64
    /// The epoch day of the window's first UTC day.
    let startDay: Int64

    var customers: [DemoCustomer] = []
    var orders: [DemoOrder] = []
    var events: [[DemoEvent]] = [[], [], [], []]
    var products: [[DemoProduct]] = []
    var emailSlots: [DemoSlot] = []
    var smsSlots: [DemoSlot] = []
    var campaignDay: [Bool] = []
    let flashDay: Int
    let flashStart: Int64
    let flashEnd: Int64
    var seq = 0
    var legacyRows = 0
    var guestOrders = 0
    var householdPairs = 0
    var visitorCount = 0

    static let categoryWeights = DemoCatalog.categories.map(\.weight)
    static let storeWeights = DemoCatalog.stores.map(\.weight)
    static let webHours = [3, 2, 1, 1, 1, 2, 4, 8, 11, 13, 14, 16, 20, 18, 14, 13, 13, 15, 19, 23, 25, 22, 15, 8]
    static let storeHours = [0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 11, 15, 14, 11, 10, 11, 14, 15, 12, 8, 3, 0, 0]

    init(customers: Int, days: Int, seed: UInt64) {
        customerCount = customers
        self.days = days
        self.seed = seed
        let lastDay = CivilTime.days(year: 2026, month: 9, day: 30)
        endT = lastDay * 86_400 + 86_399
        startT = endT + 1 - Int64(days) * 86_400
        startDay = lastDay - Int64(days) + 1
        flashDay = days * 2 / 3
        let fs = (startDay + Int64(flashDay)) * 86_400 + 9 * 3600
            - DemoWorld.offsetSeconds(DemoCatalog.eastern, day: startDay + Int64(flashDay))
        flashStart = max(fs, startT)
        flashEnd = flashStart + 48 * 3600
    }

    // MARK: - Calendar

    static func weekday(_ day: Int64) -> Int { Int(((day + 4) % 7 + 7) % 7) }  // 0 = Sunday

    static func isDST(_ day: Int64) -> Bool {
        let y = CivilTime.civil(fromDays: day).year
        let march1 = CivilTime.days(year: y, month: 3, day: 1)
        let secondSunday = march1 + Int64((7 - weekday(march1)) % 7) + 7
        let nov1 = CivilTime.days(year: y, month: 11, day: 1)
        let firstSunday = nov1 + Int64((7 - weekday(nov1)) % 7)
        return day >= secondSunday && day < firstSunday
    }

    /// The zone's offset from UTC in seconds on a local day (negative west of Greenwich).
    static func offsetSeconds(_ zone: DemoCatalog.Zone, day: Int64) -> Int64 {
        Int64(zone.standardHours * 3600) + (zone.observesDST && isDST(day) ? 3600 : 0)
    }

    func utc(_ zone: DemoCatalog.Zone, localDay: Int64, second: Int) -> Int64 {
        localDay * 86_400 + Int64(second) - DemoWorld.offsetSeconds(zone, day: localDay)
    }

    func localSecondOfDay(_ zone: DemoCatalog.Zone, _ t: Int64) -> Int64 {
        let day = CivilTime.day(ofMicros: t * 1_000_000)
        let local = t + DemoWorld.offsetSeconds(zone, day: day)
        return ((local % 86_400) + 86_400) % 86_400
    }

    func inFlash(_ t: Int64) -> Bool { t >= flashStart && t < flashEnd }

    func webFactor(_ d: Int) -> Double {
        let wd = DemoWorld.weekday(startDay + Int64(d))
        var f = (wd == 0 || wd == 6) ? 1.35 : (wd == 5 ? 1.1 : 1.0)
        if d == flashDay || d == flashDay + 1 { f *= 2.6 }
        if d >= 0, d < campaignDay.count, campaignDay[d] || (d > 0 && campaignDay[d - 1]) { f *= 1.15 }
        return f
    }
    static let maxWebFactor = 1.35 * 2.6 * 1.15

    func storeFactor(_ d: Int) -> Double {
        let wd = DemoWorld.weekday(startDay + Int64(d))
        var f: Double
        switch wd {
        case 6: f = 1.7
        case 0: f = 1.45
        case 5: f = 1.15
        default: f = 0.85
        }
        if d == flashDay || d == flashDay + 1 { f *= 1.6 }
        return f
    }
    static let maxStoreFactor = 1.7 * 1.6

    func life(_ c: DemoCustomer, _ t: Int64) -> Double {
        if t < c.signupT { return 0 }
        if c.persona == .new && t < c.signupT + 21 * 86_400 { return 1.6 }
        if t >= c.lapseT { return 0.04 }
        return 1
    }

    /// Instants of a thinned Poisson process over the window's local days: `rate` a day at
    /// factor 1, scaled by the day's factor and the customer's life cycle; times of day
    /// drawn from `hours` in `zone`.
    func occurrences(_ rng: inout DemoRandom, rate: Double, zone: DemoCatalog.Zone, hours: [Int],
                     maxFactor: Double, factor: (Int) -> Double, customer: DemoCustomer?) -> [Int64] {
        var out: [Int64] = []
        guard rate > 0 else { return out }
        let maxF = maxFactor * 1.6
        let mean = 1 / (rate * maxF)
        var x = -1.0
        let end = Double(days)
        while true {
            x += rng.exponential(mean: mean)
            if x >= end { break }
            let d = Int(x.rounded(.down))
            let sod = rng.weighted(hours) * 3600 + rng.int(3600)
            let t = utc(zone, localDay: startDay + Int64(d), second: sod)
            let accept = rng.unit() * maxF
            guard t >= startT, t <= endT else { continue }
            let l = customer.map { life($0, t) } ?? 1
            if accept < factor(d) * l { out.append(t) }
        }
        return out
    }

    // MARK: - Building

    func build() {
        makeProducts()
        makeSchedule()
        makeCustomers()
        for i in 0..<customers.count { simulate(i) }
        simulateVisitors()
        addOddities()
        makeLegacyAndGuestOrders()
        numberOrders()
    }

    func makeProducts() {
        var rng = DemoRandom(seed: 0x5EED_CA7A_1060, label: "catalog")
        var serial = 10_000
        for cat in DemoCatalog.categories {
            var list: [DemoProduct] = []
            for _ in 0..<28 {
                serial += rng.between(3, 97)
                let dollars = rng.between(cat.low, cat.high)
                let cents = dollars * 100 + [0, 99, 95, 50, 0][rng.int(5)] - (rng.chance(0.5) ? 100 : 0)
                list.append(DemoProduct(sku: "RL-\(serial)", cents: max(cents, 500)))
            }
            products.append(list)
        }
    }

    func makeSchedule() {
        var rng = DemoRandom(seed: seed, label: "schedule")
        campaignDay = Array(repeating: false, count: days + 1)
        var regularDays: [Int] = []
        var d = days - 3
        while d >= 0 {
            if d != flashDay && d != flashDay + 1 && d != flashDay - 1 { regularDays.append(d) }
            d -= 7
        }
        if days < 4 && regularDays.isEmpty && flashDay != 0 { regularDays.append(0) }
        regularDays.reverse()
        var template = rng.int(DemoCatalog.campaigns.count)
        for day in regularDays {
            let c = DemoCatalog.campaigns[template % DemoCatalog.campaigns.count]
            template += 1
            let t = utc(DemoCatalog.eastern, localDay: startDay + Int64(day), second: 10 * 3600 + rng.int(4) * 900)
            emailSlots.append(DemoSlot(t: t, day: day, slug: "\(c.slug)-\(monthDay(day))", subject: c.subject,
                                       category: c.category, flash: false))
            campaignDay[day] = true
        }
        emailSlots.append(DemoSlot(t: flashStart - 1800, day: flashDay, slug: "\(DemoCatalog.flashSaleSlug)-\(monthDay(flashDay))",
                                   subject: DemoCatalog.flashSaleSubject, category: -1, flash: true))
        campaignDay[min(flashDay, days)] = true
        emailSlots.sort { $0.t < $1.t }

        let smsTemplates = ["weekend-deals", "new-drops", "members-night", "restock-alert", "trail-day"]
        var k = rng.int(smsTemplates.count)
        var sd = 5
        while sd < days {
            if abs(sd - flashDay) > 1 {
                let t = utc(DemoCatalog.eastern, localDay: startDay + Int64(sd), second: 12 * 3600 + 30 * 60)
                smsSlots.append(DemoSlot(t: t, day: sd, slug: "sms-\(smsTemplates[k % smsTemplates.count])-\(monthDay(sd))",
                                         subject: "", category: -1, flash: false))
                k += 1
            }
            sd += 14
        }
        smsSlots.append(DemoSlot(t: flashStart + 1800, day: flashDay, slug: "sms-flash-sale-\(monthDay(flashDay))",
                                 subject: "", category: -1, flash: true))
        let reminder = flashEnd - 21 * 3600  // noon Eastern on the last day
        if reminder <= endT {
            smsSlots.append(DemoSlot(t: reminder, day: flashDay + 1, slug: "sms-flash-last-call-\(monthDay(flashDay + 1))",
                                     subject: "", category: -1, flash: true))
        }
        smsSlots.sort { $0.t < $1.t }
    }

    func monthDay(_ d: Int) -> String {
        let (_, m, day) = CivilTime.civil(fromDays: startDay + Int64(d))
        return CivilTime.pad(m, 2) + CivilTime.pad(day, 2)
    }

    static func fold(_ text: String) -> String {
        var out = ""
        for ch in text.lowercased() {
            switch ch {
            case "á", "à", "â", "ä", "ã", "å": out.append("a")
            case "é", "è", "ê", "ë": out.append("e")
            case "í", "ì", "î", "ï": out.append("i")
            case "ó", "ò", "ô", "ö", "õ", "ø": out.append("o")
            case "ú", "ù", "û", "ü": out.append("u")
            case "ñ": out.append("n")
            case "ç": out.append("c")
            case "a"..."z", "0"..."9", "-": out.append(ch)
            default: break
            }
        }
        return out
    }

    static let nicknames: [String: String] = [
        "William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike",
        "Jennifer": "Jen", "Christopher": "Chris", "Alexander": "Alex", "Margaret": "Peggy", "Richard": "Rick",
    ]

    func makeCustomers() {
        let storeWeights = DemoCatalog.stores.map(\.weight)
        let personaWeights = DemoPersona.allCases.map { $0.spec.weight }
        let categoryWeights = DemoCatalog.categories.map(\.weight)
        var usedEmails = Set<String>()
        var usedPhones = Set<String>()
        let loyaltyOffset = Int(seed % 90_000_000)
        let oldest = CivilTime.days(year: 2015, month: 3, day: 1)
        for i in 0..<customerCount {
            var rng = DemoRandom(seed: seed, label: "customer", index: i)
            let persona = DemoPersona.allCases[rng.weighted(personaWeights)]
            let spec = persona.spec
            let storeIndex = rng.weighted(storeWeights)
            let store = DemoCatalog.stores[storeIndex]
            var given = rng.pick(DemoCatalog.givenNames)
            var surname = rng.pick(DemoCatalog.surnames)

            // Sign-up: new customers during (or just before) the window, the others over the
            // years before it.
            var signupT: Int64
            if persona == .new {
                signupT = startT + Int64(rng.int((days + 30) * 86_400)) - 30 * 86_400
                signupT = min(signupT, endT - 3600)
            } else {
                let span = Int(startDay - 45 - oldest)
                let a = rng.int(span), b = rng.int(span)
                let pickDay = oldest + Int64(persona == .dormant ? min(a, b) : max(a, b))
                signupT = pickDay * 86_400 + Int64(rng.int(86_400))
            }
            var lapseT = Int64.max
            if persona == .lapsing {
                lapseT = startT + Int64(rng.between(-150 * 86_400, days * 86_400 * 7 / 10))
            } else if persona == .dormant {
                lapseT = startT - Int64(rng.between(200, 700)) * 86_400
            }
            lapseT = lapseT == .max ? .max : max(lapseT, signupT + 30 * 86_400)

            var place = store.places[0]
            if !rng.chance(0.45) { place = rng.pick(store.places) }
            var postal = place.zip
            if rng.chance(0.35) { postal = CivilTime.pad(Int(place.zip)! + rng.int(10), 5) }

            var address: String? = nil
            if rng.chance(0.96) {
                var a = "\(rng.between(1, 9899)) \(rng.pick(DemoCatalog.streets)) \(rng.pick(DemoCatalog.streetSuffixes))"
                if rng.chance(0.13) {
                    let unit = rng.pick(DemoCatalog.unitWords)
                    let number = rng.chance(0.2) ? String(UnicodeScalar(UInt8(65 + rng.int(6)))) : String(rng.between(1, 420))
                    a += unit == "#" ? ", #\(number)" : ", \(unit) \(number)"
                } else if rng.chance(0.005) {
                    a += ", Apt \"\(String(UnicodeScalar(UInt8(65 + rng.int(4)))))\""
                }
                address = a
            }

            var phone: String? = nil
            var sharesPhone = false
            if i > 0, rng.chance(0.006), let prevPhone = customers[i - 1].phone {
                // A household: same surname, address and phone as the previous customer.
                let prev = customers[i - 1]
                surname = prev.surname
                address = prev.address
                place = DemoCatalog.Place(city: prev.city, state: prev.state, zip: prev.postal)
                postal = prev.postal
                phone = prevPhone
                sharesPhone = true
                householdPairs += 1
            } else if rng.chance(0.81) {
                let codes = rng.chance(0.9) ? store.areaCodes : rng.pick(DemoCatalog.stores).areaCodes
                var candidate: String
                repeat {
                    candidate = "+1 " + rng.pick(codes) + "-" + String(rng.between(201, 989)) + "-" + CivilTime.pad(rng.int(10_000), 4)
                } while usedPhones.contains(candidate)
                usedPhones.insert(candidate)
                phone = candidate
            }

            var email: String? = nil
            if rng.chance(0.93) {
                let g = DemoWorld.fold(given), s = DemoWorld.fold(surname)
                var local: String
                switch rng.int(6) {
                case 0, 1: local = "\(g).\(s)"
                case 2: local = "\(g.prefix(1))\(s)"
                case 3: local = "\(g)\(s)\(rng.between(60, 99))"
                case 4: local = "\(g)_\(s)"
                default: local = "\(s).\(g)"
                }
                let domain = rng.pick(DemoCatalog.emailDomains)
                var candidate = "\(local)@\(domain)"
                var n = 2
                while usedEmails.contains(candidate) {
                    candidate = "\(local)\(n)@\(domain)"
                    n += 1
                }
                usedEmails.insert(candidate)
                email = candidate
            }
            if rng.chance(0.08), let nick = DemoWorld.nicknames[given] { given = "\(given) \"\(nick)\"" }

            let hasLoyalty = rng.chance(spec.loyalty)
            let tier = hasLoyalty ? rng.weighted(spec.tierWeights) : -1
            let loyaltyId = hasLoyalty ? "LY\(10_000_000 + (i &* 7919 &+ loyaltyOffset) % 90_000_000)" : nil
            let birth: Int64? = rng.chance(0.77)
                ? CivilTime.days(year: rng.between(1952, 2006), month: rng.between(1, 12), day: rng.between(1, 28)) : nil
            let optIn: Bool? = email == nil ? nil : rng.chance(spec.emailOptIn)
            let sms = phone != nil && !sharesPhone && rng.chance(spec.sms)
            let bad = email != nil && rng.chance(0.015)
            let favourite = rng.weighted(categoryWeights)
            var hex = ""
            for _ in 0..<12 { hex += String(rng.int(16), radix: 16) }

            customers.append(DemoCustomer(
                id: "AMP-" + CivilTime.pad(i + 1, 6), given: given, surname: surname, email: email, phone: phone,
                address: address, city: place.city, state: place.state, postal: postal, loyaltyId: loyaltyId, tier: tier,
                signupT: signupT, birthDay: birth, emailOptIn: optIn, homeStore: storeIndex, persona: persona,
                activity: rng.uniform(0.5, 1.6), lapseT: lapseT, favourite: favourite, smsSubscribed: sms,
                badAddress: bad, sharesPhone: sharesPhone, anonId: "anon-" + hex))
        }
    }

    // MARK: - Events

    func emit(_ stream: DemoStream, _ t: Int64, _ type: String, identity: String, props: String, who: DemoIdentity,
              order: Int = -1, store: Int = -1, fraction: String = "", offsetMinutes: Int? = nil, lag: Int64 = 0) {
        guard t >= startT, t <= endT else { return }
        seq += 1
        events[stream.rawValue].append(DemoEvent(
            t: t, fraction: fraction, offsetMinutes: offsetMinutes, arrival: t + lag, seq: seq, type: type,
            identity: identity, props: props, order: order, who: who, store: store))
    }

    static func q(_ s: String) -> String { DemoJSON.string(s) }

    func pickCategory(_ rng: inout DemoRandom, favourite: Int, bias: Int = -1) -> Int {
        if bias >= 0 && rng.chance(0.6) { return bias }
        if favourite >= 0 && rng.chance(0.55) { return favourite }
        return rng.weighted(DemoWorld.categoryWeights)
    }

    func basket(_ rng: inout DemoRandom, category: Int, flash: Bool) -> (cents: Int, items: Int, discount: Int) {
        let items = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4][rng.int(11)]
        var cents = 0
        for _ in 0..<items { cents += rng.pick(products[category]).cents }
        var discount = 0
        if flash {
            discount = cents * 30 / 100
        } else if rng.chance(0.22) {
            discount = cents * [10, 15, 20, 25][rng.int(4)] / 100
        }
        return (cents - discount, items, discount)
    }

    enum WebMode { case loggedIn, loggedInWithEmail, emailOnly, anonymous }

    func webLag(_ rng: inout DemoRandom) -> Int64 { rng.chance(0.02) ? Int64(rng.between(20, 900)) : 0 }

    func millis(_ rng: inout DemoRandom) -> String {
        rng.chance(0.05) ? "." + CivilTime.pad(rng.int(1000), 3) : ""
    }

    /// One web session; returns the times of the orders placed.
    @discardableResult
    func webSession(_ rng: inout DemoRandom, customer ci: Int, anonId: String, start: Int64, mode: WebMode,
                    campaign: String?, campaignCategory: Int = -1, cartP: Double, buyP: Double) -> [Int64] {
        var identity: String
        var who = DemoIdentity.matched
        let c: DemoCustomer? = ci >= 0 ? customers[ci] : nil
        switch mode {
        case .loggedIn: identity = "\"customer_id\":\(DemoWorld.q(c!.id))"
        case .loggedInWithEmail: identity = "\"customer_id\":\(DemoWorld.q(c!.id)),\"email\":\(DemoWorld.q(c!.email!))"
        case .emailOnly: identity = "\"email\":\(DemoWorld.q(c!.email!))"
        case .anonymous:
            identity = "\"anonymous_id\":\(DemoWorld.q(anonId))"
            who = .anonymous
        }
        var t = start
        let flash = inFlash(t)
        let cat = pickCategory(&rng, favourite: c?.favourite ?? -1, bias: campaignCategory)
        let catName = DemoCatalog.categories[cat].name
        var purchases: [Int64] = []
        func e(_ type: String, _ props: String, order: Int = -1) {
            emit(.web, t, type, identity: identity, props: props, who: who, order: order,
                 fraction: millis(&rng), lag: webLag(&rng))
        }
        var landing: String
        if let campaign {
            landing = "/?utm_source=\(campaign.hasPrefix("sms-") ? "sms" : "email")&utm_campaign=\(campaign)"
        } else if flash && rng.chance(0.6) {
            landing = "/sale"
        } else {
            switch rng.int(5) {
            case 0, 1: landing = "/"
            case 2: landing = "/c/\(catName)"
            case 3: landing = "/p/\(rng.pick(products[cat]).sku)"
            default: landing = rng.chance(0.5) ? "/stores" : "/c/\(catName)"
            }
        }
        e("page_view", "\"url\":\(DemoWorld.q(landing))")
        if campaign == nil && rng.chance(0.45) { return purchases }  // a bounce: one page and gone
        if rng.chance(0.28) {
            t += Int64(rng.between(8, 90))
            let query = rng.pick(DemoCatalog.categories[cat].queries)
            e("search", "\"query\":\(DemoWorld.q(query)),\"results\":\(rng.between(0, 140))")
        }
        let views = 1 + rng.int(2) + (flash ? 1 : 0)
        var last = rng.pick(products[cat])
        for _ in 0..<views {
            t += Int64(rng.between(15, 150))
            if rng.chance(0.25) {
                e("page_view", "\"url\":\"/c/\(catName)\"")
                t += Int64(rng.between(5, 40))
            }
            last = rng.pick(products[cat])
            e("product_view", "\"sku\":\"\(last.sku)\",\"category\":\"\(catName)\",\"price\":\(DemoFormat.money(last.cents))")
        }
        if rng.chance(min(0.9, cartP * (flash ? 1.4 : 1))) {
            t += Int64(rng.between(10, 120))
            let qty = rng.chance(0.82) ? 1 : 2
            e("add_to_cart", "\"sku\":\"\(last.sku)\",\"category\":\"\(catName)\",\"amount\":\(DemoFormat.money(last.cents * qty)),\"quantity\":\(qty),\"channel\":\"web\"")
            if rng.chance(min(0.95, buyP * (flash ? 1.5 : 1))) {
                t += Int64(rng.between(90, 720))
                // The order is what is in the cart, sometimes with one more item from the same aisle.
                var gross = last.cents * qty, items = qty
                if rng.chance(0.3) {
                    gross += rng.pick(products[cat]).cents
                    items += 1
                }
                var discount = 0
                if flash { discount = gross * 30 / 100 }
                else if campaign != nil && rng.chance(0.5) { discount = gross * 10 / 100 }
                else if rng.chance(0.15) { discount = gross * [10, 15, 20][rng.int(3)] / 100 }
                let b = (cents: gross - discount, items: items, discount: discount)
                if t <= endT {
                    orders.append(DemoOrder(t: t, customer: ci, store: -1, cents: b.cents, items: b.items, category: cat,
                                            discountCents: b.discount))
                    purchases.append(t)
                    e("purchase", "\"amount\":\(DemoFormat.money(b.cents)),\"items\":\(b.items),\"category\":\"\(catName)\",\"discount\":\(DemoFormat.money(b.discount)),\"channel\":\"web\"",
                      order: orders.count - 1)
                }
            }
        }
        return purchases
    }

    func simulate(_ ci: Int) {
        let c = customers[ci]
        let spec = c.persona.spec
        let store = DemoCatalog.stores[c.homeStore]
        let zone = store.zone

        // History before the window.
        var rng = DemoRandom(seed: seed, label: "history", index: ci)
        let histStart = max(c.signupT, endT - 730 * 86_400)
        let histEnd = min(startT, c.lapseT)
        if spec.history > 0 && histEnd > histStart {
            let rate = spec.history * c.activity
            var x = Double(histStart) / 86_400
            let endDays = Double(histEnd) / 86_400
            while true {
                x += rng.exponential(mean: 1 / rate)
                if x >= endDays { break }
                let day = Int64(x.rounded(.down))
                let web = rng.chance(0.4)
                let t = utc(zone, localDay: day, second: (rng.weighted(web ? DemoWorld.webHours : DemoWorld.storeHours)) * 3600 + rng.int(3600))
                guard t < startT, t >= histStart else { continue }
                let cat = pickCategory(&rng, favourite: c.favourite)
                let b = basket(&rng, category: cat, flash: false)
                let st = web ? -1 : (rng.chance(0.85) ? c.homeStore : rng.weighted(DemoWorld.storeWeights))
                orders.append(DemoOrder(t: t, customer: ci, store: st, cents: b.cents, items: b.items, category: cat,
                                        discountCents: b.discount))
            }
        }

        // Web sessions.
        rng = DemoRandom(seed: seed, label: "web", index: ci)
        var webPurchases: [Int64] = []
        let sessions = occurrences(&rng, rate: spec.web * c.activity, zone: zone, hours: DemoWorld.webHours,
                                   maxFactor: DemoWorld.maxWebFactor, factor: webFactor, customer: c)
        for start in sessions {
            var mode = WebMode.loggedIn
            let r = rng.unit()
            if c.email != nil && r < 0.14 { mode = .emailOnly }
            else if r < 0.22 { mode = .anonymous }
            else if c.email != nil && r < 0.40 { mode = .loggedInWithEmail }
            webPurchases += webSession(&rng, customer: ci, anonId: c.anonId, start: start, mode: mode, campaign: nil,
                                       cartP: spec.cart, buyP: spec.buy)
        }

        // Store visits (events only for loyalty members; orders for everyone).
        rng = DemoRandom(seed: seed, label: "store", index: ci)
        simulateStore(&rng, ci)

        // Email.
        rng = DemoRandom(seed: seed, label: "email", index: ci)
        webPurchases += simulateEmail(&rng, ci)

        // SMS.
        rng = DemoRandom(seed: seed, label: "sms", index: ci)
        simulateSMS(&rng, ci, purchases: webPurchases)
    }

    func simulateStore(_ rng: inout DemoRandom, _ ci: Int) {
        let c = customers[ci]
        let spec = c.persona.spec
        let home = DemoCatalog.stores[c.homeStore]
        let visits = occurrences(&rng, rate: spec.store * c.activity, zone: home.zone, hours: DemoWorld.storeHours,
                                 maxFactor: DemoWorld.maxStoreFactor, factor: storeFactor, customer: c)
        let member = c.loyaltyId != nil
        var tier = max(c.tier, 0)
        let tierSpan = tier < 3 ? DemoCatalog.tierPoints[tier + 1] - DemoCatalog.tierPoints[tier] : 3000
        var yearPoints = DemoCatalog.tierPoints[tier] + rng.int(tierSpan * 6 / 10)
        var balance = yearPoints * 3 / 10 + rng.int(300)
        let identity = member ? "\"loyalty_id\":\(DemoWorld.q(c.loyaltyId!))" : ""

        // Monthly tier reviews: lapsed members may be moved down.
        var moments: [(t: Int64, review: Bool)] = visits.map { ($0, false) }
        if member && (c.persona == .lapsing || c.persona == .dormant) {
            for d in 0..<days {
                let (_, _, dom) = CivilTime.civil(fromDays: startDay + Int64(d))
                if dom == 1 { moments.append(((startDay + Int64(d)) * 86_400 + 7 * 3600 + Int64(ci % 3000), true)) }
            }
            moments.sort { $0.t < $1.t }
        }
        for m in moments {
            if m.review {
                if tier > 0 && m.t >= c.lapseT && rng.chance(0.3) {
                    emitLoyalty(c.homeStore, m.t, "tier_changed", identity,
                                "\"old_tier\":\"\(DemoCatalog.tiers[tier])\",\"new_tier\":\"\(DemoCatalog.tiers[tier - 1])\",\"reason\":\"annual_review\",\"store_id\":\"\(home.id)\"",
                                &rng)
                    tier -= 1
                }
                continue
            }
            let t = m.t
            var st = c.homeStore
            let r = rng.unit()
            if r < 0.12 {
                let region = DemoCatalog.stores.indices.filter { DemoCatalog.stores[$0].region == home.region }
                st = rng.pick(region)
            } else if r < 0.18 {
                st = rng.weighted(DemoWorld.storeWeights)
            }
            let sid = DemoCatalog.stores[st].id
            let flash = inFlash(t)
            if member {
                emitLoyalty(st, t, "store_visit", identity, "\"store_id\":\"\(sid)\",\"channel\":\"store\"", &rng)
            }
            guard rng.chance(flash ? 0.75 : 0.55) else { continue }
            let pt = t + Int64(rng.between(240, 2400))
            guard pt <= endT else { continue }
            let cat = pickCategory(&rng, favourite: c.favourite)
            let catName = DemoCatalog.categories[cat].name
            let b = basket(&rng, category: cat, flash: flash)
            orders.append(DemoOrder(t: pt, customer: ci, store: st, cents: b.cents, items: b.items, category: cat,
                                    discountCents: b.discount))
            guard member else { continue }
            let orderIndex = orders.count - 1
            if balance >= 500 && rng.chance(0.22) {
                let eligible = DemoCatalog.rewards.filter { $0.0 <= balance }
                let reward = rng.pick(eligible)
                balance -= reward.0
                emitLoyalty(st, pt - Int64(rng.between(5, 40)), "points_redeemed", identity,
                            "\"points\":\(reward.0),\"reward\":\(DemoWorld.q(reward.1)),\"store_id\":\"\(sid)\",\"channel\":\"store\"", &rng)
            }
            emitLoyalty(st, pt, "purchase", identity,
                        "\"amount\":\(DemoFormat.money(b.cents)),\"items\":\(b.items),\"category\":\"\(catName)\",\"discount\":\(DemoFormat.money(b.discount)),\"store_id\":\"\(sid)\",\"channel\":\"store\"",
                        &rng, order: orderIndex)
            let points = b.cents / 100 * DemoCatalog.tierMultiplier4[tier] / 4
            yearPoints += points
            balance += points
            emitLoyalty(st, pt + Int64(rng.between(1, 4)), "points_earned", identity,
                        "\"points\":\(points),\"store_id\":\"\(sid)\",\"channel\":\"store\"", &rng, order: orderIndex)
            if tier < 3 && yearPoints >= DemoCatalog.tierPoints[tier + 1] {
                emitLoyalty(st, pt + Int64(rng.between(5, 30)), "tier_changed", identity,
                            "\"old_tier\":\"\(DemoCatalog.tiers[tier])\",\"new_tier\":\"\(DemoCatalog.tiers[tier + 1])\",\"reason\":\"points_threshold\",\"store_id\":\"\(sid)\"",
                            &rng)
                tier += 1
            }
        }
    }

    func emitLoyalty(_ st: Int, _ t: Int64, _ type: String, _ identity: String, _ props: String,
                     _ rng: inout DemoRandom, order: Int = -1) {
        let sid = DemoCatalog.stores[st].id
        var offset: Int? = nil
        if st == DemoCatalog.legacyPOSStore {
            let day = CivilTime.day(ofMicros: t * 1_000_000)
            offset = Int(DemoWorld.offsetSeconds(DemoCatalog.stores[st].zone, day: day) / 60)
        }
        // Point-of-sale systems upload in batches: a few events arrive hours late.
        let lag: Int64 = rng.chance(0.03) ? Int64(rng.between(600, 6 * 3600)) : 0
        emit(.loyalty, t, type, identity: identity + ",\"store_id\":\"\(sid)\"", props: props, who: .matched,
             store: st, offsetMinutes: offset, lag: lag)
    }

    func simulateEmail(_ rng: inout DemoRandom, _ ci: Int) -> [Int64] {
        let c = customers[ci]
        guard let email = c.email, c.emailOptIn == true else { return [] }
        let spec = c.persona.spec
        let zone = DemoCatalog.stores[c.homeStore].zone
        let identity = "\"email\":\(DemoWorld.q(email))"
        var purchases: [Int64] = []
        var slots = emailSlots
        if c.persona == .new && c.signupT >= startT {
            slots.append(DemoSlot(t: c.signupT + Int64(rng.between(60, 900)), day: 0, slug: DemoCatalog.welcomeSlug,
                                  subject: DemoCatalog.welcomeSubject, category: -1, flash: false))
            slots.sort { $0.t < $1.t }
        }
        for slot in slots {
            guard slot.t >= c.signupT else { continue }
            let welcome = slot.slug == DemoCatalog.welcomeSlug
            if !slot.flash && !welcome {
                let p = spec.audience * (slot.category == c.favourite ? 1.5 : 1)
                guard rng.chance(p) else { continue }
            }
            let sendT = welcome ? slot.t : slot.t + Int64(rng.int(1800))
            if sendT > endT { break }
            let fraction = rng.chance(0.05) ? "." + CivilTime.pad(rng.int(1_000_000), 6) : ""
            emit(.email, sendT, "send", identity: identity,
                 props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"subject\":\(DemoWorld.q(slot.subject))", who: .matched,
                 fraction: fraction)
            if c.badAddress {
                emit(.email, sendT + Int64(rng.between(2, 90)), "bounce", identity: identity,
                     props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"reason\":\"mailbox_unavailable\"", who: .matched)
                return purchases  // the ESP suppresses the address from now on
            }
            var openP = spec.open * (sendT >= c.lapseT ? 0.3 : 1) * (slot.flash ? 1.3 : 1) * (welcome ? 1.5 : 1)
            openP = min(0.9, openP * (0.7 + 0.3 * c.activity))
            guard rng.chance(openP) else {
                if rng.chance(0.0015) {
                    emit(.email, sendT + Int64(rng.between(600, 86_400)), "unsubscribe", identity: identity,
                         props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"method\":\"list_unsubscribe\"", who: .matched)
                    return purchases
                }
                continue
            }
            var openT = sendT
            let r = rng.unit()
            if r < 0.55 { openT += Int64(rng.exponential(mean: 5400)) + 30 }
            else if r < 0.85 { openT += Int64(rng.between(3 * 3600, 24 * 3600)) }
            else { openT += Int64(rng.between(24 * 3600, 96 * 3600)) }
            let sod = localSecondOfDay(zone, openT)
            if sod < 6 * 3600 { openT += 6 * 3600 - sod + Int64(rng.int(3 * 3600)) }
            // A few opens come through a European image proxy that stamps its own local time.
            let proxy: Int? = rng.chance(0.02) ? 120 : nil
            emit(.email, openT, "open", identity: identity, props: "\"campaign\":\(DemoWorld.q(slot.slug))", who: .matched,
                 offsetMinutes: proxy, lag: rng.chance(0.02) ? Int64(rng.between(60, 7200)) : 0)
            if rng.chance(0.15) {
                emit(.email, openT + Int64(rng.between(3600, 30 * 3600)), "open", identity: identity,
                     props: "\"campaign\":\(DemoWorld.q(slot.slug))", who: .matched)
            }
            if rng.chance(0.3) {
                let clickT = openT + Int64(rng.between(5, 180))
                let cat = slot.category >= 0 ? DemoCatalog.categories[slot.category].name : DemoCatalog.categories[c.favourite].name
                let url = slot.flash ? "/sale" : (welcome ? "/c/\(cat)?code=WELCOME10" : "/c/\(cat)")
                emit(.email, clickT, "click", identity: identity,
                     props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"url\":\(DemoWorld.q(url))", who: .matched)
                if clickT <= endT {
                    let mode: WebMode = rng.chance(0.6) ? .emailOnly : .loggedIn
                    purchases += webSession(&rng, customer: ci, anonId: c.anonId, start: clickT + Int64(rng.between(2, 20)),
                                            mode: mode, campaign: slot.slug, campaignCategory: slot.category,
                                            cartP: min(0.9, spec.cart * 1.3), buyP: min(0.9, spec.buy * 1.3))
                }
            }
            if rng.chance(0.012) {
                emit(.email, openT + Int64(rng.between(20, 600)), "unsubscribe", identity: identity,
                     props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"method\":\"preference_center\"", who: .matched)
                return purchases
            }
        }
        return purchases
    }

    func simulateSMS(_ rng: inout DemoRandom, _ ci: Int, purchases: [Int64]) {
        let c = customers[ci]
        guard let phone = c.phone, !c.sharesPhone else { return }
        let spec = c.persona.spec
        let identity = "\"phone\":\(DemoWorld.q(phone))"
        var subscribed = c.smsSubscribed && c.signupT < startT
        var pending: Int64? = nil
        if !subscribed && rng.chance(c.persona == .new ? 0.3 : 0.06) {
            pending = max(startT, c.signupT) + Int64(rng.int(max(1, Int(endT - max(startT, c.signupT)))))
        }
        let sources = ["web_popup", "in_store_sign", "checkout", "text_to_join"]
        func optIn(_ t: Int64) {
            emit(.sms, t, "sms_opt_in", identity: identity,
                 props: "\"keyword\":\"JOIN\",\"status\":\"subscribed\",\"source\":\"\(rng.pick(sources))\"", who: .matched)
        }
        var moments: [(t: Int64, slot: Int)] = smsSlots.indices.map { (smsSlots[$0].t, $0) }
        for p in purchases { moments.append((p + Int64(rng.between(3600, 6 * 3600)), -1)) }
        moments.sort { $0.t < $1.t || ($0.t == $1.t && $0.slot < $1.slot) }
        for m in moments {
            if m.t > endT { break }
            if !subscribed, let p = pending, p <= m.t {
                optIn(p)
                subscribed = true
                pending = nil
            }
            guard subscribed, m.t >= c.signupT else { continue }
            if m.slot < 0 {
                emit(.sms, m.t, "sms_sent", identity: identity,
                     props: "\"campaign\":\"order-shipped\",\"message_type\":\"transactional\"", who: .matched)
                continue
            }
            let slot = smsSlots[m.slot]
            let sendT = slot.t + Int64(rng.int(600))
            let lag: Int64 = rng.chance(0.01) ? Int64(rng.between(30, 600)) : 0
            emit(.sms, sendT, "sms_sent", identity: identity,
                 props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"message_type\":\"promotional\"", who: .matched, lag: lag)
            if rng.chance((slot.flash ? 0.16 : 0.09) * (sendT >= c.lapseT ? 0.3 : 1)) {
                let clickT = sendT + Int64(rng.between(10, 1800))
                let url = slot.flash ? "/sale" : "/c/\(DemoCatalog.categories[c.favourite].name)"
                emit(.sms, clickT, "sms_click", identity: identity,
                     props: "\"campaign\":\(DemoWorld.q(slot.slug)),\"url\":\(DemoWorld.q(url))", who: .matched)
                if clickT <= endT {
                    webSession(&rng, customer: ci, anonId: c.anonId, start: clickT + Int64(rng.between(3, 15)),
                               mode: rng.chance(0.7) ? .loggedIn : .anonymous, campaign: slot.slug,
                               cartP: min(0.9, spec.cart * 1.3), buyP: min(0.9, spec.buy * 1.2))
                }
            }
            if rng.chance(0.02) {
                let outT = sendT + Int64(rng.between(30, 3600))
                emit(.sms, outT, "sms_opt_out", identity: identity,
                     props: "\"keyword\":\"STOP\",\"status\":\"unsubscribed\",\"campaign\":\(DemoWorld.q(slot.slug))", who: .matched)
                subscribed = false
                if rng.chance(0.18) { pending = outT + Int64(rng.between(5 * 86_400, 25 * 86_400)) }
            }
        }
        if !subscribed, let p = pending, p <= endT { optIn(p) }
    }

    /// Shoppers who are not (yet) customers: anonymous web traffic and guest orders.
    func simulateVisitors() {
        visitorCount = max(12, customerCount / 6)
        let rate = Double(customerCount) / 320 / Double(visitorCount)
        for j in 0..<visitorCount {
            var rng = DemoRandom(seed: seed, label: "visitor", index: j)
            var hex = ""
            for _ in 0..<12 { hex += String(rng.int(16), radix: 16) }
            let zone = rng.pick(DemoCatalog.stores).zone
            let sessions = occurrences(&rng, rate: rate, zone: zone, hours: DemoWorld.webHours,
                                       maxFactor: DemoWorld.maxWebFactor, factor: webFactor, customer: nil)
            for start in sessions {
                webSession(&rng, customer: -1, anonId: "anon-" + hex, start: start, mode: .anonymous, campaign: nil,
                           cartP: 0.2, buyP: 0.25)
            }
        }
    }

    /// Events whose identity matches no profile, on purpose.
    var oddities: [(stream: DemoStream, description: String)] = []

    func addOddities() {
        var rng = DemoRandom(seed: seed, label: "oddities")
        func at(_ fraction: Double) -> Int64 {
            startT + Int64(Double(endT - startT) * fraction) + Int64(rng.int(3600))
        }
        // Web: a QA account that is not in customer_360.
        let qa = "AMP-" + CivilTime.pad(customerCount + 900_001 + rng.int(90_000), 6)
        for (k, type) in ["page_view", "product_view", "page_view"].enumerated() {
            let p = rng.pick(products[rng.int(products.count)])
            let props = type == "page_view" ? "\"url\":\"/account\""
                : "\"sku\":\"\(p.sku)\",\"category\":\"\(DemoCatalog.categories[0].name)\",\"price\":\(DemoFormat.money(p.cents))"
            emit(.web, at(0.35) + Int64(k * 40), type, identity: "\"customer_id\":\"\(qa)\"", props: props, who: .unknown)
        }
        oddities.append((.web, "3 events from customer_id \(qa), a QA account that is not in customer_360"))
        // Web: an unknown customer_id with a known email: the second linking key decides.
        if let ci = customers.indices.first(where: { customers[$0].email != nil && customers[$0].persona == .loyal }) {
            let ghost = "AMP-" + CivilTime.pad(customerCount + 990_001 + rng.int(9_000), 6)
            let email = customers[ci].email!
            emit(.web, at(0.62), "page_view", identity: "\"customer_id\":\"\(ghost)\",\"email\":\(DemoWorld.q(email))",
                 props: "\"url\":\"/\"", who: .matched)
            oddities.append((.web, "1 page_view with customer_id \(ghost) (no such profile) and email \(email): matched to \(customers[ci].id) by the second linking key"))
        }
        // Email: an address that is not on file, and a real one with different case.
        let stranger = "trail.runner.\(rng.between(100, 999))@example.org"
        emit(.email, at(0.2), "send", identity: "\"email\":\"\(stranger)\"",
             props: "\"campaign\":\"partner-newsletter\",\"subject\":\"Gear up with our partners\"", who: .unknown)
        emit(.email, at(0.2) + 4000, "open", identity: "\"email\":\"\(stranger)\"", props: "\"campaign\":\"partner-newsletter\"", who: .unknown)
        oddities.append((.email, "2 events for \(stranger), an address that is in no customer row"))
        if let ci = customers.indices.first(where: { customers[$0].email != nil && customers[$0].emailOptIn == true }) {
            let email = customers[ci].email!
            let upper = email.prefix(1).uppercased() + email.dropFirst()
            emit(.email, at(0.7), "open", identity: "\"email\":\(DemoWorld.q(upper))",
                 props: "\"campaign\":\"\(emailSlots.first?.slug ?? "newsletter")\"", who: .unknown)
            oddities.append((.email, "1 open for \(upper): \(customers[ci].id) has \(email), and identities compare case-sensitively"))
        }
        // Loyalty: a card that is not on file, and a known card at a store that does not exist.
        let card = "LY0\(CivilTime.pad(rng.int(10_000_000), 7))"
        let st = DemoCatalog.stores[rng.weighted(DemoWorld.storeWeights)].id
        emit(.loyalty, at(0.45), "store_visit", identity: "\"loyalty_id\":\"\(card)\",\"store_id\":\"\(st)\"",
             props: "\"store_id\":\"\(st)\",\"channel\":\"store\"", who: .unknown)
        emit(.loyalty, at(0.45) + 900, "points_earned", identity: "\"loyalty_id\":\"\(card)\",\"store_id\":\"\(st)\"",
             props: "\"points\":42,\"store_id\":\"\(st)\",\"channel\":\"store\"", who: .unknown)
        oddities.append((.loyalty, "2 events from loyalty card \(card), which is on no customer row (matched to store \(st))"))
        if let ci = customers.indices.first(where: { customers[$0].loyaltyId != nil }) {
            let id = customers[ci].loyaltyId!
            emit(.loyalty, at(0.8), "store_visit", identity: "\"loyalty_id\":\"\(id)\",\"store_id\":\"ST-099\"",
                 props: "\"store_id\":\"ST-099\",\"channel\":\"store\",\"note\":\"pop-up event\"", who: .matched)
            oddities.append((.loyalty, "1 store_visit at store_id ST-099 (a pop-up, not in stores.csv) by \(id): matches a customer but no store"))
        }
        // SMS: a foreign number.
        let foreign = "+44 7700 9001\(CivilTime.pad(rng.int(100), 2))"
        emit(.sms, at(0.55), "sms_opt_in", identity: "\"phone\":\"\(foreign)\"",
             props: "\"keyword\":\"JOIN\",\"status\":\"subscribed\",\"source\":\"text_to_join\"", who: .unknown)
        emit(.sms, at(0.55) + 7200, "sms_opt_out", identity: "\"phone\":\"\(foreign)\"",
             props: "\"keyword\":\"STOP\",\"status\":\"unsubscribed\"", who: .unknown)
        oddities.append((.sms, "2 events from \(foreign), a number on no customer row"))
    }

    func makeLegacyAndGuestOrders() {
        var rng = DemoRandom(seed: seed, label: "legacy")
        guard !customers.isEmpty else { return }
        legacyRows = max(3, customerCount / 400)
        for _ in 0..<legacyRows {
            let ci = rng.int(customers.count)
            let cat = pickCategory(&rng, favourite: customers[ci].favourite)
            let b = basket(&rng, category: cat, flash: false)
            orders.append(DemoOrder(t: nil, customer: ci, store: customers[ci].homeStore, cents: b.cents, items: b.items,
                                    category: cat, discountCents: b.discount))
        }
        let guests = max(2, customerCount / 200)
        for _ in 0..<guests {
            let st = rng.weighted(DemoWorld.storeWeights)
            let day = startDay - Int64(rng.between(1, 700))
            let t = utc(DemoCatalog.stores[st].zone, localDay: day, second: rng.weighted(DemoWorld.storeHours) * 3600 + rng.int(3600))
            let cat = pickCategory(&rng, favourite: -1)
            let b = basket(&rng, category: cat, flash: false)
            orders.append(DemoOrder(t: t, customer: -1, store: st, cents: b.cents, items: b.items, category: cat,
                                    discountCents: b.discount))
        }
        guestOrders = orders.filter { $0.customer < 0 }.count
    }

    /// Order ids follow the order of the file: legacy rows first, then by time.
    var orderFileOrder: [Int] = []

    func numberOrders() {
        orderFileOrder = Array(orders.indices)
        orderFileOrder.sort { a, b in
            let ta = orders[a].t ?? .min, tb = orders[b].t ?? .min
            return ta != tb ? ta < tb : a < b
        }
        for (rank, i) in orderFileOrder.enumerated() {
            orders[i].id = "ORD-" + CivilTime.pad(rank + 1, 7)
        }
    }
}

enum DemoFormat {
    /// Cents as a fixed two-decimal number.
    static func money(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        return sign + String(a / 100) + "." + CivilTime.pad(a % 100, 2)
    }

    static func timestamp(_ t: Int64, fraction: String = "", offsetMinutes: Int? = nil) -> String {
        let local = t + Int64((offsetMinutes ?? 0) * 60)
        let day = CivilTime.day(ofMicros: local * 1_000_000)
        let sod = Int(local - day * 86_400)
        let (y, m, d) = CivilTime.civil(fromDays: day)
        var b = [UInt8](repeating: 0, count: 19)
        func put(_ at: Int, _ v: Int, _ width: Int) {
            var v = v
            for i in stride(from: at + width - 1, through: at, by: -1) {
                b[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(0, y, 4); b[4] = 45; put(5, m, 2); b[7] = 45; put(8, d, 2); b[10] = 84
        put(11, sod / 3600, 2); b[13] = 58; put(14, sod / 60 % 60, 2); b[16] = 58; put(17, sod % 60, 2)
        b.append(contentsOf: fraction.utf8)
        if let off = offsetMinutes {
            b.append(off < 0 ? 45 : 43)
            let a = abs(off)
            b.append(contentsOf: [UInt8(48 + a / 600), UInt8(48 + a / 60 % 10), 58, UInt8(48 + a % 60 / 10), UInt8(48 + a % 10)])
        } else {
            b.append(90)
        }
        return String(decoding: b, as: UTF8.self)
    }

    static func date(_ day: Int64) -> String { CivilTime.formatDate(Int32(day)) }

    /// `1,234,567`.
    static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}

enum DemoJSON {
    /// A JSON string literal, escaped as the project's JSON writer escapes it.
    static func string(_ s: String) -> String {
        var out = ""
        JSONWriter.writeString(s, to: &out)
        return out
    }
}
