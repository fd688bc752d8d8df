import Foundation

/// A loaded workspace: definitions, typed tables, the events of every stream with their
/// accounting, and the compiled collections — plus every problem found on the way.
public struct Workspace: Sendable {
    public let directory: String
    public let definitions: Definitions
    public let tables: [String: Table]
    public let streams: [StreamDefinition]
    /// What reading each stream's file produced, by stream index (empty for streams without a file).
    public let streamLoads: [StreamLoad]
    public let collections: [CollectionModel]
    public let diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    public func streamIndex(_ name: String) -> Int? { streams.firstIndex { $0.name.value == name } }
    public func collection(_ name: String) -> CollectionModel? { collections.first { $0.name == name } }

    /// Loads the workspace in `directory`: never throws; every problem becomes a diagnostic.
    public static func load(directory: String) -> Workspace {
        var loader = WorkspaceLoader(directory: directory)
        return loader.load()
    }

    /// This workspace with new definitions (the text of a cohort.yaml not yet written):
    /// table and stream files already read are reused when their definitions did not
    /// change, so a definition change costs a compile, not a load.
    public func reloaded(definitionsText: String) -> Workspace {
        var loader = WorkspaceLoader(directory: directory)
        loader.previous = self
        loader.definitionsText = definitionsText
        return loader.load()
    }
}

/// Reads and validates a workspace (SPEC §1–3), collecting every diagnostic.
struct WorkspaceLoader {
    let directory: String
    var diagnostics: [Diagnostic] = []
    var source = ""
    /// A workspace loaded before whose unchanged files are reused.
    var previous: Workspace?
    /// Definitions to use instead of reading cohort.yaml.
    var definitionsText: String?

    init(directory: String) { self.directory = directory }

    func path(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative)
    }

    mutating func load() -> Workspace {
        let yamlPath = path("cohort.yaml")
        var defs = Definitions()
        if let text = definitionsText {
            source = text
            let (d, diags) = DefinitionsParser.parse(source: text)
            defs = d
            diagnostics += diags
        } else if let data = FileManager.default.contents(atPath: yamlPath) {
            if let text = String(data: data, encoding: .utf8) {
                source = text
                let (d, diags) = DefinitionsParser.parse(source: text)
                defs = d
                diagnostics += diags
            } else {
                diagnostics.append(Diagnostic(file: "cohort.yaml", line: 1, column: 1, message: "cohort.yaml is not valid UTF-8"))
            }
        } else {
            let exists = FileManager.default.fileExists(atPath: directory)
            diagnostics.append(Diagnostic(file: "cohort.yaml", line: 1, column: 1,
                                          message: exists ? "no cohort.yaml in \(directory)" : "workspace folder \(directory) does not exist",
                                          hint: "point --workspace at a folder with a cohort.yaml, or create one with 'cohort demo generate --out DIR'"))
        }

        // Every table and stream file read and parsed at once, on every core.
        let files = readFiles(defs)

        // Tables.
        var tables: [String: Table] = [:]
        for (k, t) in defs.tables.enumerated() {
            let p = path(t.file.value)
            guard FileManager.default.fileExists(atPath: p) else {
                error(t.file.location, "table '\(t.name.value)': file '\(t.file.value)' not found", hint: similarFile(t.file.value))
                continue
            }
            do {
                guard case .table(let result)? = files[k] else { continue }
                let (table, problems) = try result.get()
                for pr in problems {
                    diagnostics.append(Diagnostic(file: t.file.value, line: pr.line, column: pr.column, message: pr.message))
                }
                tables[t.name.value] = table
                if let key = t.key { checkColumn(key, in: table, role: "key") }
                if let ts = t.timestamp, checkColumn(ts, in: table, role: "timestamp"), let i = table.columnIndex(ts.value),
                   table.types[i] != .timestamp, table.types[i] != .date, table.rows.contains(where: { !$0[i].isNull }) {
                    error(ts.location, "timestamp column '\(ts.value)' of table '\(t.name.value)' holds \(table.types[i].rawValue) values, not RFC 3339 timestamps")
                }
            } catch {
                self.error(t.file.location, "table '\(t.name.value)': cannot read '\(t.file.value)': \(error.localizedDescription)")
            }
        }

        // Streams.
        var loads: [StreamLoad] = []
        for (i, s) in defs.streams.enumerated() {
            guard let file = s.file else { loads.append(StreamLoad()); continue }
            let p = path(file.value)
            guard FileManager.default.fileExists(atPath: p) else {
                error(file.location, "stream '\(s.name.value)': file '\(file.value)' not found", hint: similarFile(file.value))
                loads.append(StreamLoad())
                continue
            }
            do {
                guard case .stream(let result)? = files[defs.tables.count + i] else { loads.append(StreamLoad()); continue }
                loads.append(try result.get())
            } catch {
                self.error(file.location, "stream '\(s.name.value)': cannot read '\(file.value)': \(error.localizedDescription)")
                loads.append(StreamLoad())
            }
        }

        var compiler = CollectionCompiler(definitions: defs, tables: tables, streamLoads: loads, source: source)
        let collections = defs.collections.compactMap { compiler.compile($0) }
        diagnostics += compiler.diagnostics
        checkDestinations(defs, collections)

        diagnostics.sort { ($0.file == "cohort.yaml" ? 0 : 1, $0.file, $0.line, $0.column) < ($1.file == "cohort.yaml" ? 0 : 1, $1.file, $1.line, $1.column) }
        return Workspace(directory: directory, definitions: defs, tables: tables, streams: defs.streams, streamLoads: loads,
                         collections: collections, diagnostics: diagnostics)
    }

    /// A table or stream file read and parsed.
    enum FileLoad: Sendable {
        case table(Result<(Table, [TableLoader.Problem]), any Error>)
        case stream(Result<StreamLoad, any Error>)
    }

    /// Reads every table file, then every stream file (in that order in the result; nil where
    /// the file is missing), in parallel, the largest first so the cores finish together.
    func readFiles(_ defs: Definitions) -> [FileLoad?] {
        var jobs: [(index: Int, path: String, stream: Int?)] = []
        for (k, t) in defs.tables.enumerated() { jobs.append((k, path(t.file.value), nil)) }
        for (i, s) in defs.streams.enumerated() {
            if let file = s.file { jobs.append((defs.tables.count + i, path(file.value), i)) }
        }
        jobs = jobs.filter { FileManager.default.fileExists(atPath: $0.path) }
        var results = [FileLoad?](repeating: nil, count: defs.tables.count + defs.streams.count)
        if let previous {
            // Unchanged tables (same name and file) and, when the stream list is the same,
            // every stream keep what was read before.
            let oldTables = Dictionary(previous.definitions.tables.map { ($0.name.value, $0.file.value) }, uniquingKeysWith: { a, _ in a })
            let sameStreams = previous.streams.map { "\($0.name.value)\u{0}\($0.file?.value ?? "")" }
                == defs.streams.map { "\($0.name.value)\u{0}\($0.file?.value ?? "")" }
            jobs = jobs.filter { job in
                if let stream = job.stream {
                    guard sameStreams, previous.streamLoads.indices.contains(stream) else { return true }
                    results[job.index] = .stream(.success(previous.streamLoads[stream]))
                    return false
                }
                let t = defs.tables[job.index]
                guard oldTables[t.name.value] == t.file.value, let table = previous.tables[t.name.value] else { return true }
                results[job.index] = .table(.success((table, [])))
                return false
            }
        }
        let sizes = jobs.map { (try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int) ?? 0 }
        let order = jobs.indices.sorted { sizes[$0] > sizes[$1] }
        let loaded = Parallel.map(order.count) { n -> FileLoad in
            let job = jobs[order[n]]
            if let stream = job.stream { return .stream(Result { try StreamReader.read(path: job.path, stream: stream) }) }
            let name = defs.tables[job.index].name.value
            return .table(Result { try TableLoader.load(name: name, path: job.path) })
        }
        for (n, load) in loaded.enumerated() { results[jobs[order[n]].index] = load }
        return results
    }

    @discardableResult
    mutating func checkColumn(_ col: Located<String>, in table: Table, role: String) -> Bool {
        if table.columnIndex(col.value) != nil { return true }
        error(col.location, "\(role) column '\(col.value)' is not in table '\(table.name)'",
              hint: suggestion(for: col.value, among: table.columns).map { "did you mean '\($0)'?" })
        return false
    }

    mutating func checkDestinations(_ defs: Definitions, _ collections: [CollectionModel]) {
        let segmentNames = Set(collections.flatMap { $0.segments.map(\.name) })
        var seen = Set<String>()
        for d in defs.destinations {
            if !seen.insert(d.name.value).inserted { error(d.name.location, "destination '\(d.name.value)' is defined twice") }
            if URL(string: d.url.value)?.scheme.map({ $0 == "http" || $0 == "https" }) != true {
                error(d.url.location, "destination url '\(d.url.value)' is not an http or https URL")
            }
            for s in d.segments where !segmentNames.contains(s.value) {
                error(s.location, "unknown segment '\(s.value)'", hint: suggestion(for: s.value, among: segmentNames).map { "did you mean '\($0)'?" })
            }
        }
    }

    func similarFile(_ relative: String) -> String? {
        let dir = (path(relative) as NSString).deletingLastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        let base = (relative as NSString).lastPathComponent
        return suggestion(for: base, among: names.sorted()).map { "did you mean '\(((relative as NSString).deletingLastPathComponent as NSString).appendingPathComponent($0))'?" }
    }

    mutating func error(_ loc: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: "cohort.yaml", line: loc.line, column: loc.column, message: message, hint: hint))
    }
}
