import Foundation
import Testing
@testable import CohortEngine
@testable import CohortTUI

/// The collection form (n on Collections) and a collection's configuration view (e on it),
/// driven by keys through the loop on a scratch copy of demo-data, so saving writes a real file.
@Suite(.serialized) struct CollectionFormTests {
    /// A harness over a scratch workspace, with `definitions` attached.
    func harness(size: Size = Size(width: 120, height: 40)) throws -> (ConsoleHarness, String) {
        try ConsoleHarness.scratch(size: size)
    }


    /// Events of a stream matched the plain way: each event's keys tried in order against the
    /// table's cells, the first that names a profile deciding.
    func plainMatch(_ ws: Workspace, stream: String, table: String, keys: [(event: String, profile: String)]) -> (matched: Int, perKey: [Int]) {
        let events = ws.streamLoads[ws.streamIndex(stream)!].events
        let t = ws.tables[table]!
        let sets = keys.map { k in Set(t.text.map { $0[t.columnIndex(k.profile)!] }.filter { !$0.isEmpty }) }
        var perKey = Array(repeating: 0, count: keys.count)
        var matched = 0
        for e in events {
            for (i, k) in keys.enumerated() {
                if let id = e.identity(k.event), sets[i].contains(id) {
                    perKey[i] += 1
                    matched += 1
                    break
                }
            }
        }
        return (matched, perKey)
    }

    /// Frames without the preview's timing.
    func stable(_ frame: String) -> String {
        frame.replacing(#/\d[\d,]*\.\d+ ms/#) { m in "N ms" + String(repeating: " ", count: max(0, m.output.count - 4)) }
    }

    /// Through the three steps to a saved `store_profiles` over the `stores` table.
    @Test("n on Collections: name, the stores table and its key, loyalty matched by store_id → saved, compiled, listed with its profiles")
    func createCollection() throws {
        let (h, dir) = try harness()
        let ws = h.console.live.workspace
        h.type("1")
        var frame = h.type("n")
        #expect(frame.contains("New collection"))
        #expect(frame.contains("1 Name · 2 Table · 3 Streams"))
        #expect(h.console.state.collectionForm?.focus == .name)
        h.type("store_profiles")
        h.press(.tab)
        frame = h.type("Stores, for the field team")
        assertSnapshot(frame, named: "collection-form-1-120x40")

        // Step 2: Tab to Next, Enter.
        h.press(.tab)
        #expect(h.console.state.collectionForm?.focus == .next)
        frame = h.press(.enter)
        #expect(h.console.state.collectionForm?.step == .table)
        #expect(h.console.state.collectionForm?.focus == .tables)
        let stores = try #require(h.console.state.collectionForm?.tables.firstIndex(of: "stores"))
        for _ in 0..<stores { h.press(.char("j")) }
        frame = h.press(.char(" "))
        var form = try #require(h.console.state.collectionForm)
        #expect(form.tableName == "stores")
        #expect(form.keyName == "store_id", "the key stores declares")
        #expect(form.keyError == nil)
        #expect(form.chosenAttributes.map(\.column) == ["name", "city", "state", "region", "opened", "square_feet"])
        #expect(frame.contains("✓ 'store_id' is unique: 25 rows, one profile each"))
        #expect(frame.contains("[x] square_feet"))
        #expect(frame.contains("integer"), "each column's inferred type")
        #expect(frame.contains("Ridgeline Boston"), "a sample value")
        // `a` toggles all, then none... and back to all; Space toggles one.
        h.press(.tab, .tab)
        #expect(h.console.state.collectionForm?.focus == .attributes)
        h.press(.char("a"))
        #expect(h.console.state.collectionForm!.attributes.allSatisfy { $0 })
        h.press(.char(" "))                              // store_id off again
        frame = h.frame()
        #expect(h.console.state.collectionForm!.chosenAttributes.count == 6)
        assertSnapshot(frame, named: "collection-form-2-120x40")

        // Step 3: loyalty, its suggested key replaced by one typed with a completion.
        h.press(.tab, .tab)
        #expect(h.console.state.collectionForm?.focus == .next)
        h.press(.enter)
        #expect(h.console.state.collectionForm?.step == .streams)
        let loyalty = try #require(ws.streamIndex("loyalty"))
        for _ in 0..<loyalty { h.press(.down) }
        h.press(.char(" "))
        form = try #require(h.console.state.collectionForm)
        #expect(form.links.count == 1)
        #expect(form.links[0].pairs.map(\.text.event) == ["store_id"], "the same-named field is suggested")
        h.press(.tab)                                    // the key's handle
        #expect(h.console.state.collectionForm?.focus == .handle(0))
        h.press(.ctrl("x"))
        #expect(h.console.state.collectionForm!.links[0].pairs.isEmpty)
        frame = h.press(.ctrl("s"))
        #expect(frame.contains("cannot save: stream 'loyalty' has no linking key"))
        h.press(.ctrl("n"))
        #expect(h.console.state.collectionForm?.focus == .event(0))
        h.type("store_")
        h.press(.right)                                  // accepts the completion
        h.press(.tab)
        h.type("store_i")
        frame = h.press(.end)
        form = try #require(h.console.state.collectionForm)
        #expect(form.links[0].pairs.map(\.text.event) == ["store_id"])
        #expect(form.links[0].pairs.map(\.text.profile) == ["store_id"])
        let expected = plainMatch(ws, stream: "loyalty", table: "stores", keys: [("store_id", "store_id")])
        #expect(expected.matched > 0)
        #expect(form.previews[loyalty]?.matched == expected.matched)
        #expect(form.previews[loyalty]?.perKey == expected.perKey)
        #expect(frame.contains("\(Format.grouped(expected.matched)) decided"))
        #expect(frame.contains("\(Format.grouped(expected.matched)) match a profile"))
        assertSnapshot(stable(frame), named: "collection-form-3-120x40")

        // Save: written, compiled, backfilled, listed.
        h.press(.ctrl("s"))
        #expect(h.console.state.collectionForm == nil)
        h.finishRebuild()
        frame = h.frame()
        #expect(frame.contains("✓ collection \"store_profiles\" saved — 25 profiles · 6 known attributes"))
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("""
          store_profiles:
            table: stores
            key: store_id
            description: Stores, for the field team
            streams:
              - stream: loyalty
                match: { event: store_id, profile: store_id }
            attributes:
              - name: name
                column: name
              - name: city
                column: city
        """))
        let reopened = Workspace.load(directory: dir)
        #expect(reopened.errors.isEmpty, "\(reopened.errors.map(\.description))")
        let model = try #require(reopened.collection("store_profiles"))
        #expect(model.attributes.map(\.name) == ["name", "city", "state", "region", "opened", "square_feet"])
        #expect(model.links.map(\.stream) == [loyalty])

        let live = h.console.live
        let c = try #require(live.workspace.collections.firstIndex { $0.name == "store_profiles" })
        #expect(live.engine.profileCount(collection: c) == 25)
        #expect(h.console.state.screen == .collections)
        let row = frame.components(separatedBy: "\n").first { $0.contains("store_profiles") }
        #expect(row?.contains(" 25 ") == true, "the Collections row shows its profiles")
        #expect(h.console.state.lists[.collections].map { h.console.collectionRows()[$0.selected] } == c, "the new collection is selected")
        let history = h.console.definitions!.history()
        #expect(history.first?.kind == "collection")
        #expect(history.first?.action == "create")
        #expect(history.first?.diff.contains("+  store_profiles:") == true)
    }

    @Test("an existing collection name is refused as you type and by Next")
    func duplicateName() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        h.type("1n")
        var frame = h.type("stores")
        #expect(frame.contains("✗ 'stores' is already a collection — pick another name"))
        h.press(.tab, .tab)
        frame = h.press(.enter)
        #expect(h.console.state.collectionForm?.step == .name)
        #expect(h.console.state.collectionForm?.focus == .name)
        #expect(frame.contains("cannot continue: 'stores' is already a collection"))
        frame = h.type("2")
        #expect(h.console.state.collectionForm?.nameError == nil)
        #expect(h.console.state.collectionForm?.name.text == "stores2")
        frame = h.press(.escape)                         // unsaved: asks first
        #expect(frame.contains("Discard changes?"))
        h.type("y")
        #expect(h.console.state.collectionForm == nil)
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)
    }

    @Test("a key column with repeated values is refused with the count of duplicates")
    func nonUniqueKey() throws {
        let (h, dir) = try harness()
        let before = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        let ws = h.console.live.workspace
        h.type("1n")
        h.type("regions")
        h.press(.tab, .tab, .enter)
        let stores = try #require(h.console.state.collectionForm?.tables.firstIndex(of: "stores"))
        for _ in 0..<stores { h.press(.down) }
        h.press(.enter)                                  // chooses stores, moves to the key list
        #expect(h.console.state.collectionForm?.focus == .key)
        let t = try #require(ws.tables["stores"])
        let region = try #require(t.columnIndex("region"))
        for _ in 0..<region { h.press(.down) }
        var frame = h.press(.char(" "))
        let distinct = Set(t.text.map { $0[region] }).count
        let duplicates = t.rows.count - distinct
        #expect(duplicates > 0)
        let form = try #require(h.console.state.collectionForm)
        #expect(form.keyName == "region")
        #expect(form.keyError?.contains("'region' is not unique in stores: \(duplicates) duplicate values") == true)
        #expect(frame.contains("✗ 'region' is not unique in stores: \(duplicates) duplicate values"))
        #expect(frame.contains("✗ \(duplicates) dup"), "the key list marks it too")
        h.press(.tab, .tab, .tab)
        #expect(h.console.state.collectionForm?.focus == .next)
        frame = h.press(.enter)
        #expect(h.console.state.collectionForm?.step == .table)
        #expect(h.console.state.collectionForm?.focus == .key)
        #expect(frame.contains("cannot continue: 'region' is not unique in stores: \(duplicates) duplicate values"))
        // Ctrl-S before the last step does not save either.
        h.press(.ctrl("s"))
        #expect(h.console.state.collectionForm != nil)
        #expect(try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8) == before)
    }

    @Test("e on customers: its web stream's two keys reordered with ] → saved in that order, the preview and the rebuilt engine follow")
    func reorderLinkingKeys() throws {
        let (h, dir) = try harness()
        let ws = h.console.live.workspace
        h.type("1")
        let customers = try #require(ws.collections.firstIndex { $0.name == "customers" })
        let row = try #require(h.console.collectionRows().firstIndex(of: customers))
        h.console.state.lists[.collections]?.selected = row
        var frame = h.type("e")
        #expect(frame.contains("Streams of collection customers"))
        #expect(frame.contains("table customer_360 · key amperity_id · 2,400 profiles"))
        var form = try #require(h.console.state.collectionForm)
        let web = try #require(ws.streamIndex("web"))
        #expect(form.step == .streams)
        #expect(form.links.map { form.streams[$0.stream] } == ["web", "email", "loyalty", "sms"])
        #expect(form.currentStream == web)
        #expect(form.links[0].pairs.map(\.text.event) == ["customer_id", "email"])
        let before = plainMatch(ws, stream: "web", table: "customer_360", keys: [("customer_id", "amperity_id"), ("email", "email")])
        let after = plainMatch(ws, stream: "web", table: "customer_360", keys: [("email", "email"), ("customer_id", "amperity_id")])
        #expect(form.previews[web]?.perKey == before.perKey)
        #expect(form.previews[web]?.matched == before.matched)
        #expect(before.perKey != after.perKey.reversed(), "the order changes which key decides")
        assertSnapshot(stable(frame), named: "collection-form-config-120x40")

        h.press(.tab)
        #expect(h.console.state.collectionForm?.focus == .handle(0))
        frame = h.press(.char("["))
        #expect(frame.contains("key 1 is already tried first"))
        frame = h.press(.char("]"))
        form = try #require(h.console.state.collectionForm)
        #expect(form.focus == .handle(1))
        #expect(form.links[0].pairs.map(\.text.event) == ["email", "customer_id"])
        #expect(form.previews[web]?.perKey == after.perKey)
        #expect(form.previews[web]?.matched == after.matched)
        #expect(frame.contains("\(Format.grouped(after.perKey[0])) decided"))
        #expect(frame.contains("\(Format.grouped(after.perKey[1])) decided"))

        h.press(.ctrl("s"))
        #expect(h.console.state.collectionForm == nil)
        #expect(h.console.rebuildProgress != nil, "the engine is rebuilt")
        h.finishRebuild()
        frame = h.frame()
        #expect(frame.contains("✓ streams of \"customers\" saved — 4 streams · 2,400 profiles"))
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        let email = try #require(yaml.range(of: "- { event: email, profile: email }"))
        let id = try #require(yaml.range(of: "- { event: customer_id, profile: amperity_id }"))
        #expect(email.lowerBound < id.lowerBound, "email is tried first now")
        let reopened = Workspace.load(directory: dir)
        #expect(reopened.errors.isEmpty)
        #expect(reopened.collection("customers")?.links.first?.pairs.map(\.eventField) == ["email", "customer_id"])

        // The rebuilt engine equals a replay from scratch under the new definitions.
        let live = h.console.live
        let clock = try #require(live.engine.clock)
        let replay = Replay(workspace: reopened, until: clock).run()
        let c = try #require(live.workspace.collections.firstIndex { $0.name == "customers" })
        let a = live.engine.snapshot()[c], b = replay.collections[c]
        #expect(a.values == b.values)
        #expect(a.members == b.members)
        let entry = h.console.definitions!.history().first
        #expect(entry?.kind == "collection")
        #expect(entry?.action == "edit")
        #expect(entry?.name == "customers")

        // Opened again, the view shows the new order and its counts.
        frame = h.type("e")
        form = try #require(h.console.state.collectionForm)
        #expect(form.links[0].pairs.map(\.text.event) == ["email", "customer_id"])
        #expect(form.previews[web]?.perKey == after.perKey)
        h.press(.escape)
        #expect(h.console.state.collectionForm == nil, "unchanged: Esc closes without asking")
    }

    @Test("every step at 80×24 and 120×40")
    func snapshots() throws {
        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
            let (h, _) = try harness(size: size)
            let tag = "\(size.width)x\(size.height)"
            h.type("1n")
            h.type("web_visitors")
            if size.width == 80 { assertSnapshot(h.frame(), named: "collection-form-1-\(tag)") }
            h.press(.tab, .tab, .enter)
            h.press(.enter)                              // customer_360, its declared key
            let frame2 = h.frame()
            #expect(h.console.state.collectionForm?.keyName == "amperity_id")
            if size.width == 80 { assertSnapshot(frame2, named: "collection-form-2-\(tag)") }
            h.press(.tab, .tab, .tab, .enter)
            #expect(h.console.state.collectionForm?.step == .streams)
            h.press(.char(" "))                          // web, matched by its email
            h.press(.ctrl("n"))
            h.type("customer_id")
            h.press(.tab)
            h.type("amperity_id")
            let frame3 = stable(h.frame())
            #expect(h.console.state.collectionForm?.links.first?.pairs.map(\.text.event) == ["email", "customer_id"])
            assertSnapshot(frame3, named: size.width == 80 ? "collection-form-3-\(tag)" : "collection-form-3b-\(tag)")
            if size.width == 80 {
                h.press(.escape)
                assertSnapshot(h.frame(), named: "collection-form-discard-\(tag)")
            }
        }
        // The smallest console still draws every step.
        do {
            let (h, _) = try harness(size: Console.minimumSize)
            h.type("1n")
            h.type("tiny")
            #expect(h.frame().contains("[ Next ]"))
            h.press(.tab, .tab, .enter, .enter)
            #expect(h.frame().contains("Key column"))
            h.press(.tab, .tab, .tab, .enter, .char(" "))
            #expect(h.frame().contains("[ Save ]"))
            #expect(h.console.state.collectionForm?.links.count == 1)
        }
        // The configuration view at 80×24.
        let (h, _) = try harness(size: Size(width: 80, height: 24))
        h.type("1")
        let row = h.console.collectionRows().firstIndex { h.console.live.workspace.collections[$0].name == "customers" }!
        h.console.state.lists[.collections]?.selected = row
        h.type("e")
        assertSnapshot(stable(h.frame()), named: "collection-form-config-80x24")
    }
}
