import CohortEngine
import Foundation
import Testing
@testable import CohortStore

/// A fresh workspace directory, removed when the test ends.
final class TemporaryWorkspace {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "cohort-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func open() throws -> CohortStore { try CohortStore.open(workspaceDirectory: path) }
}

@Suite("CohortStore")
struct CohortStoreTests {
    @Test("open creates .cohort with a .gitignore of *, the checkpoints directory and a WAL database")
    func openCreatesTheStateDirectory() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        let dir = ws.path + "/.cohort"
        #expect(store.directory == dir)
        #expect(try String(contentsOfFile: dir + "/.gitignore", encoding: .utf8) == "*\n")
        #expect(FileManager.default.fileExists(atPath: dir + "/checkpoints"))
        #expect(FileManager.default.fileExists(atPath: dir + "/cohort.sqlite"))
        let mode = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let sync = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(sync == 2)
        // Opening again migrates nothing and keeps the data.
        try store.recordQuarantine([QuarantineEntry(stream: "web", line: 1, reason: "r", excerpt: "x", source: "file")])
        let again = try ws.open()
        #expect(try again.quarantine().count == 1)
    }

    @Test("errors name the path and carry SQLite's message")
    func errorsAreClear() throws {
        let missing = NSTemporaryDirectory() + "cohort-store-missing-" + UUID().uuidString
        let e1 = #expect(throws: CohortStoreError.self) { try CohortStore.open(workspaceDirectory: missing) }
        #expect(e1?.path == missing)
        #expect(e1?.description.contains("does not exist") == true)

        let ws = try TemporaryWorkspace()
        try FileManager.default.createDirectory(atPath: ws.path + "/.cohort", withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: ws.path + "/.cohort/cohort.sqlite"))
        let e2 = #expect(throws: CohortStoreError.self) { try ws.open() }
        #expect(e2?.path == ws.path + "/.cohort/cohort.sqlite")
        #expect(e2?.message.contains("SQLite error 26") == true, "\(String(describing: e2))")
        #expect(e2?.message.contains("not a database") == true, "\(String(describing: e2))")
    }

    // MARK: - Definition changes

    @Test("definition changes round-trip, newest first, filtered by collection, kind and name")
    func definitionChanges() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        let create = DefinitionChange(atWall: 1_000, collection: "customers", kind: "segment", name: "vip", action: "create",
                                      after: "vip:\n  when: spend > 100\n", diff: "+vip:\n")
        let id1 = try store.recordDefinitionChange(create)
        let id2 = try store.recordDefinitionChange(DefinitionChange(atWall: 2_000, collection: "customers", kind: "attribute",
                                                                   name: "spend", action: "edit", before: "a", after: "b", diff: "-a\n+b\n"))
        let id3 = try store.recordDefinitionChange(DefinitionChange(atWall: 3_000, collection: "accounts", kind: "segment",
                                                                   name: "vip", action: "delete", before: "x", diff: "-x\n"))
        #expect(id1 < id2 && id2 < id3)

        let all = try store.definitionChanges()
        #expect(all.map(\.id) == [id3, id2, id1])
        var expected = create
        expected.id = id1
        #expect(all.last == expected)
        #expect(all[1].before == "a" && all[1].oldName == nil)

        #expect(try store.definitionChanges(collection: "customers").map(\.id) == [id2, id1])
        #expect(try store.definitionChanges(kind: "segment").map(\.id) == [id3, id1])
        #expect(try store.definitionChanges(collection: "customers", kind: "segment", name: "vip").map(\.id) == [id1])
        #expect(try store.definitionChanges(name: "vip").map(\.id) == [id3, id1])
        #expect(try store.definitionChanges(limit: 2).map(\.id) == [id3, id2])
        #expect(try store.definitionChanges(name: "nothing").isEmpty)
    }

    @Test("a rename is found by its old and its new name")
    func renameFoundByBothNames() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        let created = try store.recordDefinitionChange(DefinitionChange(collection: "customers", kind: "segment", name: "big",
                                                                        action: "create", after: "big: {}", diff: "+big"))
        let renamed = try store.recordDefinitionChange(DefinitionChange(collection: "customers", kind: "segment", name: "whales",
                                                                        action: "rename", oldName: "big", before: "big: {}",
                                                                        after: "whales: {}", diff: "-big\n+whales"))
        let edited = try store.recordDefinitionChange(DefinitionChange(collection: "customers", kind: "segment", name: "whales",
                                                                       action: "edit", before: "whales: {}", after: "whales: {x}", diff: "~"))
        #expect(try store.definitionChanges(name: "big").map(\.id) == [renamed, created])
        #expect(try store.definitionChanges(name: "whales").map(\.id) == [edited, renamed])
        #expect(try store.definitionChanges(collection: "customers", kind: "segment", name: "big").first?.oldName == "big")
    }

    // MARK: - Activations

    @Test("10,000 activations append in one call and page back in order")
    func activations() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        let records = (0 ..< 10_000).map { i in
            ActivationRecord(collection: "customers", segment: "s\(i % 7)", key: "k\(i)", change: i % 2 == 0 ? "enter" : "exit",
                             at: 1_700_000_000_000_000 + Int64(i), cause: "event web/e\(i)")
        }
        let start = Date()
        try store.appendActivations(records)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(try store.activationCount() == 10_000)

        var seen: [ActivationRecord] = []
        var after: Int64 = 0
        while true {
            let page = try store.activations(after: after, limit: 3_000)
            if page.isEmpty { break }
            #expect(page.map(\.seq) == Array(after + 1 ... after + Int64(page.count)))
            seen += page.map(\.record)
            after = page.last!.seq
        }
        #expect(seen == records)
        try store.appendActivations([])
        #expect(try store.activationCount() == 10_000)
    }

    @Test("an engine Activation converts to a record with its cause in words")
    func activationFromEngine() throws {
        let a = Activation(collection: "customers", segment: "vip", key: "c1", change: .enter, at: 42,
                           cause: .event(stream: "web", eventID: "e9"))
        #expect(ActivationRecord(a) == ActivationRecord(collection: "customers", segment: "vip", key: "c1", change: "enter",
                                                         at: 42, cause: "event web/e9"))
    }

    // MARK: - Quarantine

    @Test("quarantine entries upsert by stream, source and line, and filter by stream")
    func quarantine() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        try store.recordQuarantine([
            QuarantineEntry(stream: "web", line: 7, reason: "invalid JSON", excerpt: "{", source: "file"),
            QuarantineEntry(stream: "web", line: 2, reason: "missing required field 'type'", excerpt: "{}", source: "file"),
            QuarantineEntry(stream: "web", line: 2, reason: "an event must be a JSON object", excerpt: "1", source: "api"),
            QuarantineEntry(stream: "app", line: 1, reason: "bad", excerpt: "x", source: "file"),
        ])
        try store.recordQuarantine([QuarantineEntry(stream: "web", line: 7, reason: "line too long", excerpt: "{{", source: "file")])
        #expect(try store.quarantine(stream: "web") == [
            QuarantineEntry(stream: "web", line: 2, reason: "an event must be a JSON object", excerpt: "1", source: "api"),
            QuarantineEntry(stream: "web", line: 2, reason: "missing required field 'type'", excerpt: "{}", source: "file"),
            QuarantineEntry(stream: "web", line: 7, reason: "line too long", excerpt: "{{", source: "file"),
        ])
        #expect(try store.quarantine().map(\.stream) == ["app", "web", "web", "web"])
        #expect(try store.quarantine(stream: "none").isEmpty)
    }

    // MARK: - Events

    @Test("events dedupe by stream and id, keeping the earliest timestamp (then the first stored)")
    func eventsDedupe() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        let first = try store.appendEvents([
            StoredEvent(stream: "web", eventID: "e1", timestamp: 500, line: #"{"n":1}"#, receivedWall: 1),
            StoredEvent(stream: "web", eventID: "e2", timestamp: 100, line: #"{"n":2}"#, receivedWall: 1),
            StoredEvent(stream: "app", eventID: "e1", timestamp: 300, line: #"{"n":3}"#, receivedWall: 1),
            StoredEvent(stream: "web", eventID: "e1", timestamp: 700, line: #"{"n":4}"#, receivedWall: 1),  // later: ignored
        ])
        #expect(first == (inserted: 3, duplicates: 1))
        let second = try store.appendEvents([
            StoredEvent(stream: "web", eventID: "e1", timestamp: 200, line: #"{"n":5}"#, receivedWall: 2),  // earlier: replaces
            StoredEvent(stream: "web", eventID: "e2", timestamp: 100, line: #"{"n":6}"#, receivedWall: 2),  // tie: first stays
            StoredEvent(stream: "web", eventID: "e3", timestamp: 900, line: #"{"n":7}"#, receivedWall: 2),
        ])
        #expect(second == (inserted: 1, duplicates: 2))
        #expect(try store.events(stream: "web") == [
            StoredEvent(stream: "web", eventID: "e2", timestamp: 100, line: #"{"n":2}"#, receivedWall: 1),
            StoredEvent(stream: "web", eventID: "e1", timestamp: 200, line: #"{"n":5}"#, receivedWall: 2),
            StoredEvent(stream: "web", eventID: "e3", timestamp: 900, line: #"{"n":7}"#, receivedWall: 2),
        ])
        #expect(try store.events().map(\.line) == [#"{"n":2}"#, #"{"n":5}"#, #"{"n":3}"#, #"{"n":7}"#])
        #expect(try store.eventCount() == 4)
        #expect(try store.eventCount(stream: "app") == 1)
    }

    // MARK: - Checkpoints

    @Test("checkpoints round-trip and only the newest two files are kept")
    func checkpointsRoundTrip() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        #expect(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "i") == nil)
        for n in 1 ... 4 {
            let meta = try store.saveCheckpoint(definitionsHash: "d", inputsFingerprint: "i", position: Int64(n * 10),
                                                clock: n == 1 ? nil : Int64(n), payload: Data(repeating: UInt8(n), count: 1000 + n))
            #expect(meta.bytes == Int64(1000 + n))
        }
        let latest = try #require(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "i"))
        #expect(latest.meta.position == 40 && latest.meta.clock == 4)
        #expect(latest.payload == Data(repeating: 4, count: 1004))
        #expect(try store.checkpoints().map(\.position) == [40, 30])
        let files = try FileManager.default.contentsOfDirectory(atPath: store.checkpointsDirectory).filter { $0 != ".lock" }
        #expect(Set(files) == Set(try store.checkpoints().map(\.file)))
        #expect(try store.latestCheckpoint(definitionsHash: "other", inputsFingerprint: "i") == nil)
        #expect(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "other") == nil)
    }

    @Test("a checkpoint whose file is missing or truncated is skipped for the one before")
    func checkpointFallsBack() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        try store.saveCheckpoint(definitionsHash: "d", inputsFingerprint: "i", position: 1, clock: 10, payload: Data(repeating: 1, count: 5000))
        let second = try store.saveCheckpoint(definitionsHash: "d", inputsFingerprint: "i", position: 2, clock: 20, payload: Data(repeating: 2, count: 5000))
        let path = store.checkpointsDirectory + "/" + second.file

        // Truncated: the size no longer matches the row.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 4000)
        try handle.close()
        let afterTruncation = try #require(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "i"))
        #expect(afterTruncation.meta.position == 1)
        #expect(afterTruncation.payload == Data(repeating: 1, count: 5000))

        // Missing.
        try FileManager.default.removeItem(atPath: path)
        #expect(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "i")?.meta.position == 1)

        // Both gone: nothing to load.
        for meta in try store.checkpoints() { try? FileManager.default.removeItem(atPath: store.checkpointsDirectory + "/" + meta.file) }
        #expect(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "i") == nil)
    }

    @Test("a save removes files a crash left behind (a .tmp, a file no row names)")
    func checkpointSweepsLeftovers() throws {
        let ws = try TemporaryWorkspace()
        let store = try ws.open()
        let dir = store.checkpointsDirectory
        try Data(count: 10).write(to: URL(fileURLWithPath: dir + "/123-abc.checkpoint.tmp"))
        try Data(count: 10).write(to: URL(fileURLWithPath: dir + "/124-def.checkpoint"))
        let meta = try store.saveCheckpoint(definitionsHash: "d", inputsFingerprint: "i", position: 1, clock: nil, payload: Data([1, 2, 3]))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != ".lock" }
        #expect(files == [meta.file])
    }

    // MARK: - Files and reopening

    @Test("writeFileAtomically replaces a file whole, keeps its mode and a symbolic link, leaves no .tmp")
    func atomicWrite() throws {
        let ws = try TemporaryWorkspace()
        let path = ws.path + "/cohort.yaml"
        try CohortStore.writeFileAtomically(path: path, data: Data("one\n".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "one\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try CohortStore.writeFileAtomically(path: path, data: Data("two\n".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two\n")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))

        let link = ws.path + "/link.yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        try CohortStore.writeFileAtomically(path: link, data: Data("three\n".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "three\n")

        let e = #expect(throws: CohortStoreError.self) {
            try CohortStore.writeFileAtomically(path: ws.path + "/no/such/dir/file", data: Data())
        }
        #expect(e?.path == ws.path + "/no/such/dir/file.tmp")
        #expect(e?.message.contains("No such file or directory") == true)
    }

    @Test("reopening after close sees everything; a closed store throws")
    func reopen() throws {
        let ws = try TemporaryWorkspace()
        do {
            let store = try ws.open()
            try store.recordDefinitionChange(DefinitionChange(collection: "c", kind: "segment", name: "s", action: "create", diff: "+s"))
            try store.appendActivations([ActivationRecord(collection: "c", segment: "s", key: "k", change: "enter", at: 1, cause: "clock")])
            try store.recordQuarantine([QuarantineEntry(stream: "web", line: 3, reason: "r", excerpt: "e", source: "api")])
            try store.appendEvents([StoredEvent(stream: "web", eventID: "e1", timestamp: 5, line: "{}")])
            try store.saveCheckpoint(definitionsHash: "d", inputsFingerprint: "i", position: 9, clock: 5, payload: Data("state".utf8))
            try store.close()
            let e = #expect(throws: CohortStoreError.self) { try store.eventCount() }
            #expect(e?.path == store.databasePath)
        }
        let store = try ws.open()
        #expect(try store.definitionChanges().map(\.name) == ["s"])
        #expect(try store.activations(after: 0, limit: 10).map(\.record.key) == ["k"])
        #expect(try store.quarantine().map(\.line) == [3])
        #expect(try store.events().map(\.eventID) == ["e1"])
        let checkpoint = try #require(try store.latestCheckpoint(definitionsHash: "d", inputsFingerprint: "i"))
        #expect(checkpoint.payload == Data("state".utf8) && checkpoint.meta.position == 9 && checkpoint.meta.clock == 5)
    }
}
