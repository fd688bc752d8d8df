/// The definitions (`cohort.yaml`) and the README of a demo workspace. Attributes and
/// segments are declared once here and rendered into both, so the README always describes
/// exactly what the YAML defines. A few thresholds are taken from the generated data so that
/// every segment has members whatever the size asked for.

struct DemoAttribute {
    enum Kind {
        case column(String)
        case events(function: String, field: String?, events: [String], where: String?, timeframe: String)
        case table(function: String, field: String?, where: String?, timeframe: String)
        case expression(String)
    }

    var name: String
    var kind: Kind
    var pii = false
    var about: String

    init(_ name: String, _ kind: Kind, pii: Bool = false, _ about: String) {
        self.name = name
        self.kind = kind
        self.pii = pii
        self.about = about
    }
}

struct DemoSegment {
    var name: String
    var description: String
    var condition: String
    var moves: String
}

struct DemoThresholds {
    var vipDollars: Int
    var busyVisits: Int
    var quietVisits: Int

    init(_ w: DemoWorld) {
        var spend = Array(repeating: 0, count: w.customers.count)
        for o in w.orders where o.customer >= 0 { spend[o.customer] += o.cents }
        spend.sort()
        if spend.isEmpty {
            vipDollars = 1000
        } else {
            let p = spend[min(spend.count - 1, spend.count * 85 / 100)]
            vipDollars = max(100, p / 10_000 * 100)
        }
        var visits = Array(repeating: 0, count: DemoCatalog.stores.count)
        for e in w.events[DemoStream.loyalty.rawValue]
        where e.type == "store_visit" && e.store >= 0 && e.t > w.endT - 7 * 86_400 {
            visits[e.store] += 1
        }
        visits.sort()
        busyVisits = max(1, visits[visits.count * 2 / 3])
        quietVisits = max(0, min(visits[visits.count / 4], busyVisits - 1))
    }
}

enum DemoDocs {
    static func customerAttributes(_ th: DemoThresholds) -> [(section: String, attributes: [DemoAttribute])] {
        let web = "properties.channel = 'web'"
        return [
            ("Known attributes: columns of customer_360", [
                DemoAttribute("email", .column("email"), pii: true, "Email address on the customer row."),
                DemoAttribute("phone", .column("phone"), pii: true, "Mobile number (+1 NPA-NXX-XXXX, as the SMS gateway sends it) on the customer row."),
                DemoAttribute("given_name", .column("given_name"), "First name."),
                DemoAttribute("surname", .column("surname"), "Last name."),
                DemoAttribute("birth_date", .column("birth_date"), pii: true, "Date of birth, when the customer gave it."),
                DemoAttribute("state", .column("state"), "State of the postal address."),
                DemoAttribute("loyalty_tier", .column("loyalty_tier"), "Loyalty tier on the customer row (the CRM snapshot taken before the window)."),
                DemoAttribute("signup_date", .column("signup_date"), "The day the customer first signed up."),
                DemoAttribute("email_opt_in", .column("email_opt_in"), "Marketing email consent (empty when there is no email)."),
                DemoAttribute("home_store_id", .column("home_store_id"), "The store nearest to the customer."),
            ]),
            ("Web behaviour (stream web)", [
                DemoAttribute("page_views_1h", .events(function: "count", field: nil, events: ["page_view"], where: nil, timeframe: "1h"),
                              "Page views in the last hour: who is on the site right now."),
                DemoAttribute("page_views_24h", .events(function: "count", field: nil, events: ["page_view"], where: nil, timeframe: "24h"),
                              "Page views in the last 24 hours."),
                DemoAttribute("cart_adds_1d", .events(function: "count", field: nil, events: ["add_to_cart"], where: nil, timeframe: "1d"),
                              "Add-to-cart events in the last day."),
                DemoAttribute("web_purchases_1d", .events(function: "count", field: nil, events: ["purchase"], where: web, timeframe: "1d"),
                              "Web orders in the last day (purchase events whose channel is web)."),
                DemoAttribute("web_revenue_30d", .events(function: "sum", field: "properties.amount", events: ["purchase"], where: web, timeframe: "30d"),
                              "Money spent on the website in the last 30 days."),
                DemoAttribute("categories_browsed_30d", .events(function: "count_distinct", field: "properties.category", events: ["product_view"], where: nil, timeframe: "30d"),
                              "How many product categories the customer looked at in 30 days."),
                DemoAttribute("cart_categories_7d", .events(function: "distinct", field: "properties.category", events: ["add_to_cart"], where: nil, timeframe: "7d"),
                              "The categories of what went into the cart this week (a sorted list)."),
                DemoAttribute("first_web_visit_at", .events(function: "first", field: "timestamp", events: ["page_view"], where: nil, timeframe: "all_time"),
                              "Timestamp of the first page view seen."),
                DemoAttribute("last_web_visit_at", .events(function: "max", field: "timestamp", events: ["page_view", "product_view"], where: nil, timeframe: "all_time"),
                              "Timestamp of the latest page or product view."),
                DemoAttribute("last_search_query", .events(function: "last", field: "properties.query", events: ["search"], where: nil, timeframe: "all_time"),
                              "What the customer searched for last."),
            ]),
            ("Purchases: web and store (the purchase type arrives on both web and loyalty and counts from both)", [
                DemoAttribute("purchases_30d", .events(function: "count", field: nil, events: ["purchase"], where: nil, timeframe: "30d"),
                              "Orders in the last 30 days, web and store."),
                DemoAttribute("big_orders_90d", .events(function: "count", field: nil, events: ["purchase"], where: "properties.amount > 150", timeframe: "90d"),
                              "Orders over $150 in the last 90 days."),
                DemoAttribute("avg_order_value_90d", .events(function: "average", field: "properties.amount", events: ["purchase"], where: nil, timeframe: "90d"),
                              "Average order value over 90 days."),
                DemoAttribute("max_order_90d", .events(function: "max", field: "properties.amount", events: ["purchase"], where: nil, timeframe: "90d"),
                              "Largest order in 90 days."),
                DemoAttribute("min_order_90d", .events(function: "min", field: "properties.amount", events: ["purchase"], where: nil, timeframe: "90d"),
                              "Smallest order in 90 days."),
                DemoAttribute("top_category_90d", .events(function: "most_frequent", field: "properties.category", events: ["product_view", "add_to_cart", "purchase"], where: nil, timeframe: "90d"),
                              "The category the customer viewed, carted and bought most in 90 days."),
                DemoAttribute("first_purchase_category", .events(function: "first", field: "properties.category", events: ["purchase"], where: nil, timeframe: "all_time"),
                              "Category of the first order seen in the streams."),
            ]),
            ("Email (stream email)", [
                DemoAttribute("emails_received_30d", .events(function: "count", field: nil, events: ["send"], where: nil, timeframe: "30d"),
                              "Campaign emails sent to the customer in 30 days."),
                DemoAttribute("email_opens_7d", .events(function: "count", field: nil, events: ["open"], where: nil, timeframe: "7d"),
                              "Email opens in the last 7 days."),
                DemoAttribute("email_clicks_7d", .events(function: "count", field: nil, events: ["click"], where: nil, timeframe: "7d"),
                              "Email clicks in the last 7 days."),
                DemoAttribute("campaigns_opened_30d", .events(function: "count_distinct", field: "properties.campaign", events: ["open"], where: nil, timeframe: "30d"),
                              "How many different campaigns the customer opened in 30 days."),
                DemoAttribute("last_campaign_clicked", .events(function: "last", field: "properties.campaign", events: ["click"], where: nil, timeframe: "all_time"),
                              "The campaign of the latest email click."),
                DemoAttribute("email_bounces", .events(function: "count", field: nil, events: ["bounce"], where: nil, timeframe: "all_time"),
                              "Hard bounces: the address does not receive mail."),
                DemoAttribute("email_unsubscribes", .events(function: "count", field: nil, events: ["unsubscribe"], where: nil, timeframe: "all_time"),
                              "Unsubscribes seen in the stream."),
            ]),
            ("Stores and loyalty (stream loyalty)", [
                DemoAttribute("store_visits_30d", .events(function: "count", field: nil, events: ["store_visit"], where: nil, timeframe: "30d"),
                              "Store visits in 30 days (loyalty card scanned at the door or till)."),
                DemoAttribute("stores_visited_90d", .events(function: "count_distinct", field: "properties.store_id", events: ["store_visit"], where: nil, timeframe: "90d"),
                              "How many different stores the customer visited in 90 days."),
                DemoAttribute("points_earned_90d", .events(function: "sum", field: "properties.points", events: ["points_earned"], where: nil, timeframe: "90d"),
                              "Loyalty points earned in 90 days."),
                DemoAttribute("points_redeemed_30d", .events(function: "sum", field: "properties.points", events: ["points_redeemed"], where: nil, timeframe: "30d"),
                              "Loyalty points spent on rewards in 30 days."),
                DemoAttribute("latest_tier", .events(function: "last", field: "properties.new_tier", events: ["tier_changed"], where: nil, timeframe: "all_time"),
                              "The tier after the latest tier change, if any."),
            ]),
            ("SMS (stream sms)", [
                DemoAttribute("sms_status", .events(function: "last", field: "properties.status", events: ["sms_opt_in", "sms_opt_out"], where: nil, timeframe: "all_time"),
                              "subscribed or unsubscribed, from the latest opt-in or opt-out."),
                DemoAttribute("sms_clicks_30d", .events(function: "count", field: nil, events: ["sms_click"], where: nil, timeframe: "30d"),
                              "Clicks on text-message links in 30 days."),
            ]),
            ("Order history: aggregates over unified_transactions", [
                DemoAttribute("lifetime_spend", .table(function: "sum", field: "amount", where: nil, timeframe: "all_time"),
                              "Everything the customer has spent, web and store."),
                DemoAttribute("orders_365d", .table(function: "count", field: nil, where: nil, timeframe: "365d"),
                              "Orders in the last year."),
                DemoAttribute("store_orders_365d", .table(function: "count", field: nil, where: "channel = 'store'", timeframe: "365d"),
                              "Store orders in the last year."),
                DemoAttribute("first_order_at", .table(function: "min", field: "order_datetime", where: nil, timeframe: "all_time"),
                              "When the customer first ordered."),
                DemoAttribute("last_order_at", .table(function: "max", field: "order_datetime", where: nil, timeframe: "all_time"),
                              "When the customer last ordered."),
                DemoAttribute("last_order_amount", .table(function: "last", field: "amount", where: nil, timeframe: "all_time"),
                              "The amount of the latest order."),
                DemoAttribute("first_order_channel", .table(function: "first", field: "channel", where: nil, timeframe: "all_time"),
                              "Where the customer first bought: web or store."),
                DemoAttribute("favourite_category", .table(function: "most_frequent", field: "category", where: nil, timeframe: "all_time"),
                              "The category ordered most often."),
                DemoAttribute("channels_used", .table(function: "distinct", field: "channel", where: nil, timeframe: "all_time"),
                              "The channels the customer has bought through (a sorted list)."),
                DemoAttribute("categories_bought_365d", .table(function: "count_distinct", field: "category", where: nil, timeframe: "365d"),
                              "How many categories the customer bought from in a year."),
                DemoAttribute("avg_discount_365d", .table(function: "average", field: "discount", where: nil, timeframe: "365d"),
                              "Average discount per order over a year."),
            ]),
            ("Computed attributes: Spark SQL over the attributes above", [
                DemoAttribute("full_name", .expression("concat_ws(' ', given_name, surname)"), pii: true, "First and last name."),
                DemoAttribute("days_since_last_order", .expression("datediff(current_date(), to_date(last_order_at))"),
                              "Days since the latest order, by the replay clock."),
                DemoAttribute("current_tier", .expression("coalesce(latest_tier, loyalty_tier)"),
                              "The loyalty tier now: the latest tier change, else the tier on the row."),
                DemoAttribute("is_vip", .expression("coalesce(lifetime_spend, 0) >= \(th.vipDollars) OR current_tier <=> 'platinum'"),
                              "Top spenders (about the top 15% by lifetime spend) and platinum members."),
                DemoAttribute("engagement_score", .expression("email_opens_7d * 2 + email_clicks_7d * 5 + purchases_30d * 10 + store_visits_30d * 4 + least(page_views_24h, 10)"),
                              "A weighted sum of recent activity on every channel."),
                DemoAttribute("age", .expression("CAST(floor(datediff(current_date(), birth_date) / 365.25) AS int)"),
                              "Age in whole years."),
                DemoAttribute("lifecycle_stage", .expression("CASE WHEN datediff(current_date(), signup_date) BETWEEN 0 AND 30 THEN 'new' WHEN last_order_at IS NULL THEN 'prospect' WHEN days_since_last_order > 180 THEN 'lapsed' WHEN days_since_last_order > 60 THEN 'at_risk' ELSE 'active' END"),
                              "new, prospect, active, at_risk or lapsed."),
                DemoAttribute("email_reachable", .expression("email IS NOT NULL AND coalesce(email_opt_in, false) AND email_bounces = 0 AND email_unsubscribes = 0"),
                              "Can be sent marketing email."),
            ]),
        ]
    }

    static func customerSegments(_ th: DemoThresholds) -> [DemoSegment] {
        [
            DemoSegment(name: "cart_abandoners", description: "Added to cart in the last day and did not buy on the web",
                        condition: "cart_adds_1d > 0 AND web_purchases_1d = 0",
                        moves: "constantly: every cart add enters, a web order or the day passing exits"),
            DemoSegment(name: "recent_browsers", description: "Viewed a page in the last 24 hours",
                        condition: "page_views_24h > 0", moves: "constantly, with the daily rhythm; peaks after campaigns"),
            DemoSegment(name: "email_engagers", description: "Opened or clicked an email in the last 7 days",
                        condition: "email_opens_7d + email_clicks_7d > 0", moves: "jumps after each campaign, drains a week later"),
            DemoSegment(name: "lapsing_vips", description: "VIPs with no order for 30 days or more",
                        condition: "is_vip AND datediff(current_date(), to_date(last_order_at)) >= 30",
                        moves: "with the clock (current_date) as VIPs go quiet; an order takes them out"),
            DemoSegment(name: "new_customers", description: "Signed up in the last 30 days",
                        condition: "datediff(current_date(), signup_date) BETWEEN 0 AND 30",
                        moves: "daily: sign-ups enter, 30 days later they leave"),
            DemoSegment(name: "gold_tier", description: "Gold and platinum loyalty members",
                        condition: "current_tier IN ('gold', 'platinum')", moves: "slowly, with tier upgrades and monthly reviews"),
            DemoSegment(name: "loyalty_redeemers", description: "Redeemed loyalty points in the last 30 days",
                        condition: "points_redeemed_30d > 0", moves: "with redemptions in store, 30 days later they leave"),
            DemoSegment(name: "sms_opted_out", description: "Texted STOP and did not opt back in",
                        condition: "sms_status = 'unsubscribed'", moves: "after each SMS campaign; a few opt back in"),
            DemoSegment(name: "store_regulars", description: "Two or more store visits in 30 days",
                        condition: "store_visits_30d >= 2", moves: "with weekend store traffic and the flash sale"),
        ]
    }

    static func storeAttributes() -> [(section: String, attributes: [DemoAttribute])] {
        [
            ("Known attributes: columns of stores", [
                DemoAttribute("name", .column("name"), "Store name."),
                DemoAttribute("city", .column("city"), "City."),
                DemoAttribute("region", .column("region"), "Sales region."),
                DemoAttribute("opened", .column("opened"), "Opening date."),
                DemoAttribute("square_feet", .column("square_feet"), "Selling floor area."),
            ]),
            ("Store activity (stream loyalty, matched by store_id)", [
                DemoAttribute("visits_24h", .events(function: "count", field: nil, events: ["store_visit"], where: nil, timeframe: "24h"),
                              "Loyalty members through the door in the last 24 hours."),
                DemoAttribute("visits_7d", .events(function: "count", field: nil, events: ["store_visit"], where: nil, timeframe: "7d"),
                              "Loyalty visits in the last 7 days."),
                DemoAttribute("revenue_30d", .events(function: "sum", field: "properties.amount", events: ["purchase"], where: nil, timeframe: "30d"),
                              "Loyalty-member sales in 30 days."),
                DemoAttribute("largest_basket_30d", .events(function: "max", field: "properties.amount", events: ["purchase"], where: nil, timeframe: "30d"),
                              "The largest loyalty-member order in 30 days."),
                DemoAttribute("top_category_30d", .events(function: "most_frequent", field: "properties.category", events: ["purchase"], where: nil, timeframe: "30d"),
                              "The category sold most often in 30 days."),
                DemoAttribute("categories_sold_30d", .events(function: "count_distinct", field: "properties.category", events: ["purchase"], where: nil, timeframe: "30d"),
                              "How many categories sold in 30 days."),
                DemoAttribute("points_issued_30d", .events(function: "sum", field: "properties.points", events: ["points_earned"], where: nil, timeframe: "30d"),
                              "Loyalty points issued in 30 days."),
            ]),
            ("Sales history: aggregates over unified_transactions", [
                DemoAttribute("orders_365d", .table(function: "count", field: nil, where: nil, timeframe: "365d"),
                              "All orders (members or not) in the last year."),
                DemoAttribute("sales_all_time", .table(function: "sum", field: "amount", where: nil, timeframe: "all_time"),
                              "All sales on record."),
                DemoAttribute("avg_basket_365d", .table(function: "average", field: "amount", where: nil, timeframe: "365d"),
                              "Average order value over a year."),
                DemoAttribute("last_sale_at", .table(function: "max", field: "order_datetime", where: nil, timeframe: "all_time"),
                              "The latest sale on record."),
            ]),
            ("Computed attributes", [
                DemoAttribute("revenue_per_1k_sqft_30d", .expression("round(coalesce(revenue_30d, 0) / square_feet * 1000, 2)"),
                              "30-day member revenue per thousand square feet."),
                DemoAttribute("store_age_years", .expression("floor(datediff(current_date(), opened) / 365.25)"),
                              "Years since the store opened."),
            ]),
        ]
    }

    static func storeSegments(_ th: DemoThresholds) -> [DemoSegment] {
        [
            DemoSegment(name: "busy_stores", description: "At least \(th.busyVisits) loyalty visits in the last 7 days",
                        condition: "visits_7d >= \(th.busyVisits)", moves: "with weekends and the flash sale"),
            DemoSegment(name: "quiet_stores", description: "At most \(th.quietVisits) loyalty visits in the last 7 days",
                        condition: "visits_7d <= \(th.quietVisits)", moves: "mid-week, and for the small stores"),
        ]
    }

    // MARK: - cohort.yaml

    static func yamlString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func yamlAttribute(_ a: DemoAttribute, row: String, profile: String) -> String {
        var out = "      # \(a.about)\n      - name: \(a.name)\n"
        switch a.kind {
        case .column(let c):
            out += "        column: \(c)\n"
        case let .events(function, field, events, condition, timeframe):
            out += "        function: \(function)\n"
            if let field { out += "        field: \(field)\n" }
            out += "        events: [\(events.joined(separator: ", "))]\n"
            if let condition { out += "        where: \(yamlString(condition))\n" }
            out += "        timeframe: \(timeframe)\n"
        case let .table(function, field, condition, timeframe):
            out += "        function: \(function)\n"
            if let field { out += "        field: \(field)\n" }
            out += "        table: unified_transactions\n"
            out += "        match: { row: \(row), profile: \(profile) }\n"
            if let condition { out += "        where: \(yamlString(condition))\n" }
            out += "        timeframe: \(timeframe)\n"
        case .expression(let e):
            out += "        expression: \(yamlString(e))\n"
        }
        if a.pii { out += "        pii: true\n" }
        return out
    }

    static func yamlSegment(_ s: DemoSegment) -> String {
        "      - name: \(s.name)\n        description: \(yamlString(s.description))\n        condition: \(yamlString(s.condition))\n"
    }

    static let streamDescriptions = [
        "Website clickstream: page and product views, searches, carts and web orders",
        "Email service provider: campaign sends, opens, clicks, unsubscribes and bounces",
        "Loyalty programme and point of sale: store visits, store purchases, points and tier changes",
        "SMS gateway: promotional and order texts, link clicks, opt-ins and opt-outs",
    ]

    static func yaml(_ w: DemoWorld, _ th: DemoThresholds, command: String) -> String {
        var y = """
        # \(DemoCatalog.brand): a Cohort demo workspace.
        # Generated by `\(command)`;
        # the same command writes the same bytes. Events span \(DemoFormat.timestamp(w.startT)) to \(DemoFormat.timestamp(w.endT)).
        # README.md describes every table, stream, attribute and segment.

        tables:
          customer_360:                       # one row per resolved customer (Amperity ID)
            file: tables/customer_360.csv
            key: amperity_id
          unified_transactions:               # two years of orders, web and store, many per customer
            file: tables/unified_transactions.csv
            timestamp: order_datetime
          stores:                             # the store fleet
            file: tables/stores.csv
            key: store_id

        streams:

        """
        for s in DemoStream.allCases {
            y += "  \(s.name):\n    file: events/\(s.name).ndjson\n    description: \(yamlString(streamDescriptions[s.rawValue]))\n"
        }
        y += """

        collections:
          customers:
            table: customer_360               # profiles = rows of this table
            key: amperity_id
            streams:
              - stream: web
                match:                        # linking keys, tried in order: the first that matches decides
                  - { event: customer_id, profile: amperity_id }
                  - { event: email, profile: email }
              - stream: email
                match: { event: email, profile: email }
              - stream: loyalty
                match: { event: loyalty_id, profile: loyalty_id }
              - stream: sms
                match: { event: phone, profile: phone }
            attributes:

        """
        for (i, group) in customerAttributes(th).enumerated() {
            if i > 0 { y += "\n" }
            y += "      # --- \(group.section) ---\n"
            for a in group.attributes { y += yamlAttribute(a, row: "amperity_id", profile: "amperity_id") }
        }
        y += "    segments:\n"
        for s in customerSegments(th) { y += yamlSegment(s) }
        y += """

          stores:
            table: stores
            key: store_id
            streams:
              - stream: loyalty
                match: { event: store_id, profile: store_id }
            attributes:

        """
        for (i, group) in storeAttributes().enumerated() {
            if i > 0 { y += "\n" }
            y += "      # --- \(group.section) ---\n"
            for a in group.attributes { y += yamlAttribute(a, row: "store_id", profile: "store_id") }
        }
        y += "    segments:\n"
        for s in storeSegments(th) { y += yamlSegment(s) }
        return y
    }

    // MARK: - README

    static func definition(_ a: DemoAttribute) -> String {
        switch a.kind {
        case .column(let c): return "column `\(c)`"
        case let .events(function, field, events, condition, timeframe):
            var s = "`\(function)`"
            if let field { s += " of `\(field)`" }
            s += " over \(events.map { "`\($0)`" }.joined(separator: ", ")), \(timeframe == "all_time" ? "all time" : "`\(timeframe)`")"
            if let condition { s += ", where `\(condition)`" }
            return s
        case let .table(function, field, condition, timeframe):
            var s = "`\(function)`"
            if let field { s += " of `\(field)`" }
            s += " over unified_transactions rows, \(timeframe == "all_time" ? "all time" : "`\(timeframe)`")"
            if let condition { s += ", where `\(condition)`" }
            return s
        case .expression(let e): return "`\(e)`"
        }
    }

    static func kindName(_ a: DemoAttribute) -> String {
        switch a.kind {
        case .column: return "known"
        case .events: return "events"
        case .table: return "table"
        case .expression: return "computed"
        }
    }

    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    struct FileInfo {
        var path: String
        var rows: String
        var bytes: Int
    }

    static func readme(_ w: DemoWorld, _ th: DemoThresholds, streams: [DemoStreamFile], files: [FileInfo],
                       command: String) -> String {
        let n = w.customers.count
        func pct(_ k: Int, _ of: Int) -> String { of == 0 ? "0%" : "\((k * 1000 / of + 5) / 10)%" }
        var r = """
        # \(DemoCatalog.brand): Cohort demo workspace

        \(DemoCatalog.brand) is an invented outdoor and apparel retailer: \(DemoCatalog.stores.count) stores across the US
        and a website, a loyalty programme, marketing email and text messages. This workspace holds its
        customer-360 tables and \(w.days) days of recorded events, from \(DemoFormat.timestamp(w.startT)) to
        \(DemoFormat.timestamp(w.endT)), for Cohort to replay.

        Everything here was generated by

            \(command)

        and the same command writes byte-identical files on any machine. Names, addresses, emails
        (all at example domains) and phone numbers are made up.

        ## Files

        | file | rows / lines | bytes |
        |---|---:|---:|

        """
        for f in files { r += "| `\(f.path)` | \(f.rows) | \(DemoFormat.count(f.bytes)) |\n" }

        // Tables.
        r += "\n## Tables\n\n### `tables/customer_360.csv`: \(DemoFormat.count(n)) customers\n\n"
        r += "One row per resolved customer, keyed by `amperity_id`. Gaps are deliberate and realistic: empty cells are nulls.\n\n"
        r += "| column | filled | what |\n|---|---:|---|\n"
        let columnAbout = [
            "the key, `AMP-000001` upwards", "first name (a few carry a quoted nickname, `Robert \"Bob\"`)", "last name",
            "email at an example domain", "mobile number, `+1 415-243-2019` (text, not a number)", "street address; some with a comma (`12 Elm St, Apt 4`) or quotes, so RFC 4180 quoted",
            "city", "state", "ZIP code, text (New England codes keep their leading zero)", "loyalty card number",
            "bronze, silver, gold or platinum (members only)", "first sign-up, `YYYY-MM-DD`", "date of birth",
            "marketing email consent, `true`/`false` (empty without an email)", "nearest store, a `store_id` of stores.csv",
        ]
        let rows = w.customers.map(DemoFiles.customerRow)
        for (i, col) in DemoFiles.customerColumns.enumerated() {
            let filled = rows.filter { !$0[i].isEmpty }.count
            r += "| `\(col)` | \(pct(filled, n)) | \(columnAbout[i]) |\n"
        }
        r += "\nCustomer mix (it decides how much each one does during the window):\n\n"
        for p in DemoPersona.allCases {
            let k = w.customers.filter { $0.persona == p }.count
            let about: String
            switch p {
            case .loyal: about = "frequent web sessions and store visits, open most emails"
            case .occasional: about = "a visit or order now and then"
            case .lapsing: about = "used to buy a lot; each stops at some point before or during the window"
            case .dormant: about = "have not bought for a long time; rare opens"
            case .new: about = "signed up in the 30 days before or during the window; busy in their first weeks"
            }
            r += "- \(p.spec.name): \(DemoFormat.count(k)) (\(pct(k, n))), \(about)\n"
        }
        if w.householdPairs > 0 {
            r += "\n\(w.householdPairs) pairs of customers share a household: same surname, address and phone, so an SMS event on that phone applies to both profiles.\n"
        }

        let timed = w.orders.filter { $0.t != nil }
        let first = timed.map { $0.t! }.min() ?? w.startT
        let webOrders = w.orders.filter { $0.store < 0 }.count
        r += """

        ### `tables/unified_transactions.csv`: \(DemoFormat.count(w.orders.count)) orders

        Order history from \(DemoFormat.date(CivilTime.day(ofMicros: first * 1_000_000))) to the end of the window: \
        \(DemoFormat.count(webOrders)) web orders (`store_id` `ECOM`) and \(DemoFormat.count(w.orders.count - webOrders)) store orders. \
        Columns: `order_id, amperity_id, store_id, order_datetime, channel, amount, items, category, discount`; \
        `order_datetime` is RFC 3339 in UTC and drives the timeframes, `amount` is what was paid after `discount`. \
        Orders inside the window are the same orders as the `purchase` events (same `order_id`), plus store orders by \
        customers without a loyalty card, which only the table knows. \
        \(w.legacyRows) rows migrated from an old system have an empty `order_datetime` (they count in `all_time`, \
        never in a window) and \(w.guestOrders) guest orders have an empty `amperity_id`.

        ### `tables/stores.csv`: \(DemoCatalog.stores.count) stores

        `store_id, name, city, state, region, opened, square_feet`, keyed by `store_id`.

        | store_id | name | city | region |
        |---|---|---|---|

        """
        for s in DemoCatalog.stores { r += "| \(s.id) | \(s.name) | \(s.city), \(s.state) | \(s.region) |\n" }

        // Streams.
        r += """

        ## Streams

        One JSON object per line (`event_id`, `type`, `timestamp`, top-level identity fields, `properties`).
        Lines are in arrival order, which is mostly time order; some arrive late. Times follow a daily
        rhythm in each customer's local time zone (quiet at night, peaks at lunch and in the evening) and a
        weekly one (web and stores are busier at weekends).

        | stream | lines | by type | identity | matched / anonymous / unknown | late lines |
        |---|---:|---|---|---|---:|

        """
        let identities = ["`customer_id` when logged in, else `email` (from an email link) or only `anonymous_id`",
                          "`email`", "`loyalty_id` and `store_id`", "`phone`"]
        for s in streams {
            let types = s.typeCounts.map { "\($0.type) \(DemoFormat.count($0.count))" }.joined(separator: ", ")
            r += "| `events/\(s.stream.name).ndjson` | \(DemoFormat.count(s.lines)) | \(types) | \(identities[s.stream.rawValue]) | \(DemoFormat.count(s.matched)) / \(DemoFormat.count(s.anonymous)) / \(DemoFormat.count(s.unknown)) | \(DemoFormat.count(s.outOfOrder)) |\n"
        }
        let web = streams[0], email = streams[1], loyalty = streams[2]
        r += """

        - **web**: properties `url`, `sku`, `category`, `price`, `query`, `results`; carts and orders add `amount`, \
        `quantity`, `items`, `discount`, `order_id` and `channel: "web"`. Anonymous sessions (visitors who are not customers, and customers \
        who did not log in) carry only `anonymous_id` and match nobody. \(DemoFormat.count(web.withFraction)) timestamps \
        have milliseconds.
        - **email**: properties `campaign`, `subject` (on sends), `url` (on clicks), `reason`, `method`. \
        \(DemoFormat.count(email.withFraction)) send timestamps have microseconds and \(email.withOffset) opens, \
        stamped by an image proxy, are written with a `+02:00` offset.
        - **loyalty**: properties `store_id`, `amount`, `items`, `category`, `discount`, `points`, `reward`, \
        `old_tier`, `new_tier`, `reason`, `order_id` and `channel: "store"`. The Salt Lake City till (ST-018) writes \
        local time with its offset (\(loyalty.withOffset) lines); other tills upload some events hours late.
        - **sms**: properties `campaign`, `message_type` (promotional or transactional order texts), `url`, `keyword`, \
        `status`, `source`.

        ### What happens during the window


        """
        r += "- Email campaigns to opted-in customers, each followed by opens, clicks and a burst of web sessions from the links:\n"
        for s in w.emailSlots {
            r += "  - \(DemoFormat.timestamp(s.t)): `\(s.slug)`, \"\(s.subject)\"\(s.flash ? " (to every opted-in customer)" : "")\n"
        }
        r += "- A 48-hour flash sale, 30% off, from \(DemoFormat.timestamp(w.flashStart)) to \(DemoFormat.timestamp(w.flashEnd)): web traffic and store visits jump, and more carts turn into orders.\n"
        r += "- SMS campaigns to subscribers: " + w.smsSlots.map { "`\($0.slug)` (\(DemoFormat.timestamp($0.t)))" }.joined(separator: ", ") + ". Each brings clicks and a few STOPs.\n"
        r += "- New customers get a welcome email when they sign up; lapsing customers go quiet one by one; loyalty members move up a tier when their points cross a threshold, and lapsed members may move down at the monthly review.\n"

        // Collections.
        r += """

        ## Collections

        ### `customers`

        Profiles are the rows of customer_360, keyed by `amperity_id`. Streams: **web** by `customer_id` = \
        `amperity_id`, else `email` = `email` (linking keys tried in order), **email** by `email`, **loyalty** by \
        `loyalty_id`, **sms** by `phone`. Table aggregates read unified_transactions rows whose `amperity_id` is the \
        profile's.

        | attribute | kind | definition | meaning |
        |---|---|---|---|

        """
        for group in customerAttributes(th) {
            for a in group.attributes {
                r += "| `\(a.name)`\(a.pii ? " (pii)" : "") | \(kindName(a)) | \(cell(definition(a))) | \(cell(a.about)) |\n"
            }
        }
        r += "\n| segment | condition | meaning | how it moves during the replay |\n|---|---|---|---|\n"
        for s in customerSegments(th) {
            r += "| `\(s.name)` | `\(cell(s.condition))` | \(s.description) | \(s.moves) |\n"
        }
        r += """

        ### `stores`

        Profiles are the rows of stores, keyed by `store_id`; the **loyalty** stream is matched by its top-level \
        `store_id`, and unified_transactions rows by their `store_id`.

        | attribute | kind | definition | meaning |
        |---|---|---|---|

        """
        for group in storeAttributes() {
            for a in group.attributes {
                r += "| `\(a.name)` | \(kindName(a)) | \(cell(definition(a))) | \(cell(a.about)) |\n"
            }
        }
        r += "\n| segment | condition | meaning | how it moves during the replay |\n|---|---|---|---|\n"
        for s in storeSegments(th) {
            r += "| `\(s.name)` | `\(cell(s.condition))` | \(s.description) | \(s.moves) |\n"
        }
        r += "\nThe thresholds (VIP spend $\(th.vipDollars), busy at \(th.busyVisits) visits, quiet at \(th.quietVisits)) were taken from the generated data so that every segment has members at the end of the replay.\n"

        // Bad lines.
        let notes = streams.flatMap(\.notes)
        func list(_ kind: DemoDeliberateLine.Kind) -> String {
            notes.filter { $0.kind == kind }.map { "| `events/\($0.stream).ndjson:\($0.line)` | \(cell($0.reason)) |\n" }.joined()
        }
        r += """

        ## Deliberately bad lines

        Real feeds are messy; these lines are here on purpose so that Cohort's handling of them can be seen.

        **Malformed: quarantined** (counted, shown with stream, line and reason, never stopping the replay):

        | line | why |
        |---|---|
        \(list(.malformed))
        **Blank lines: skipped**, not quarantined:

        | line | why |
        |---|---|
        \(list(.blank))
        **Duplicates: ignored and counted** (of several events with one `event_id` the one with the earliest timestamp counts):

        | line | why |
        |---|---|
        \(list(.duplicate))
        **Unknown identities: unmatched and counted** (and one that falls through to the second linking key):

        """
        for o in w.oddities { r += "- \(o.stream.name): \(o.description)\n" }
        r += "- web: \(DemoFormat.count(web.anonymous)) events carry only an `anonymous_id` (visitors who are not customers, and customers who did not log in), so they match nobody.\n"
        r += """

        ## Try it

            cohort check --workspace <this folder>
            cohort replay --workspace <this folder> --profiles-out profiles.ndjson --activations-out activations.ndjson
            cohort replay --workspace <this folder> --until \(DemoFormat.timestamp(w.flashStart + 6 * 3600))
            cohort profile \(w.customers.first?.id ?? "AMP-000001") --workspace <this folder>
            cohort --workspace <this folder>

        """
        return r
    }
}
