import Foundation

/// `cohort export spark`: turns a workspace's definitions into a self-contained PySpark job
/// (SPEC §9). The job is the runtime in `spark_runtime.py` (the same in every export) followed
/// by one readable function per collection that declares its profiles as cohort.yaml does:
/// linking keys, attributes, computed attributes and segments, their Spark SQL verbatim.
public enum SparkExport {
    public struct Output: Sendable {
        /// The job's text (job.py); nil when the definitions were refused.
        public let job: String?
        /// Why the definitions were refused, positioned in cohort.yaml.
        public let diagnostics: [Diagnostic]
    }

    /// The Python runtime every job embeds.
    public static var runtime: String { String(decoding: PackageResources.spark_runtime_py, as: UTF8.self) }

    /// The job for a loaded workspace, or the reasons it cannot be exported exactly.
    public static func export(_ ws: Workspace, generatedBy command: String = "cohort export spark") -> Output {
        if !ws.errors.isEmpty { return Output(job: nil, diagnostics: ws.errors) }
        let refusals = refusals(ws)
        if !refusals.isEmpty { return Output(job: nil, diagnostics: refusals) }

        var out = """
        #!/usr/bin/env python3
        \"\"\"Cohort profiles on Spark, exported by `\(command)` from \(ws.directory)/cohort.yaml.

        Computes every profile of the workspace's collections at a clock and writes them as
        NDJSON, one profile per line, sorted by collection then key: the lines
        `cohort replay --until TS --profiles-out FILE` writes for the same data.

          python job.py --now TS --out PATH [--tables DIR] [--events DIR]
          spark-submit --master URL job.py --now TS --out PATH [--tables DIR] [--events DIR]

        Definitions (generated; edit cohort.yaml and export again): the end of this file.
        \"\"\"

        """
        out += runtime
        out += "\n\n# " + String(repeating: "=", count: 93) + "\n"
        out += "# The workspace's definitions, one function per collection.\n\n"
        // Relative paths in cohort.yaml start from here unless --tables / --events say otherwise.
        out += "WORKSPACE = \(py(URL(fileURLWithPath: ws.directory).standardizedFileURL.path))\n\n"
        out += "# Streams in cohort.yaml order: (name, file).\n"
        out += "STREAMS = [\n"
        for s in ws.streams {
            out += "    (\(py(s.name.value)), \(py(s.file?.value ?? "events/\(s.name.value).ndjson"))),\n"
        }
        out += "]\n\n"
        out += "# Tables: name -> (file, timestamp column or None).\n"
        out += "TABLES = {\n"
        for t in ws.definitions.tables {
            out += "    \(py(t.name.value)): (\(py(t.file.value)), \(t.timestamp.map { py($0.value) } ?? "None")),\n"
        }
        out += "}\n"
        for c in ws.collections {
            out += "\n\n" + collectionFunction(c)
        }
        out += "\n\ndef define(job):\n"
        for c in ws.collections { out += "    \(functionName(c.name))(job)\n" }
        if ws.collections.isEmpty { out += "    pass\n" }
        out += """


        if __name__ == "__main__":
            sys.exit(run(__doc__, WORKSPACE, STREAMS, TABLES, define))

        """
        return Output(job: out, diagnostics: [])
    }

    /// Definitions the job could not compute exactly, each with its position and the reason.
    static func refusals(_ ws: Workspace) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func refuse(_ loc: SourceLocation, _ message: String, hint: String? = nil) {
            out.append(Diagnostic(file: "cohort.yaml", line: loc.line, column: loc.column,
                                  message: "cannot export to Spark: " + message, hint: hint))
        }
        // The job's own columns start with two underscores; a name or column that does too could
        // be mistaken for one of them.
        for c in ws.definitions.collections {
            for n in c.attributes.map(\.name) + c.segments.map(\.name) where n.value.hasPrefix("__") {
                refuse(n.location, "the name '\(n.value)' starts with '__', which the Spark job keeps for its own columns",
                       hint: "rename it")
            }
        }
        for t in ws.definitions.tables {
            guard let table = ws.tables[t.name.value] else { continue }
            for col in table.columns where col.hasPrefix("__") {
                refuse(t.name.location, "column '\(col)' of table '\(t.name.value)' starts with '__', which the Spark job keeps for its own columns",
                       hint: "rename the column in \(t.file.value)")
            }
        }
        // Event field paths go into Spark as struct fields named by their parts: each part must be
        // a name Spark SQL can read without quoting, as cohort.yaml's expressions write it.
        for c in ws.definitions.collections {
            for a in c.attributes {
                guard case .eventAggregate(let agg) = a.kind, let f = agg.field else { continue }
                if f.value.split(separator: ".", omittingEmptySubsequences: false).contains(where: { !isPlainName($0) }) {
                    refuse(f.location, "event field '\(f.value)' has a part that is not a plain name (letters, digits, '_')",
                           hint: "Spark SQL reads event fields as nested columns")
                }
            }
        }
        return out
    }

    static func isPlainName<S: StringProtocol>(_ s: S) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || (f.isASCII && f.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// `def customers(job): …` — the collection's profiles, declared as cohort.yaml has them.
    static func collectionFunction(_ c: CollectionModel) -> String {
        let d = c.definition
        var out = "def \(functionName(c.name))(job):\n"
        var doc = "Collection \(c.name): one profile per row of \(d.table.value), keyed by \(d.key.value)."
        if let text = d.description, !text.isEmpty { doc += " " + text }
        out += "    \(pyDoc(doc))\n"
        out += "    c = job.collection(\(py(c.name)), table=\(py(d.table.value)), key=\(py(d.key.value)))\n"
        for link in d.streams {
            let pairs = link.match.map { "(\(py($0.event.value)), \(py($0.profile.value)))" }.joined(separator: ", ")
            out += "    c.link(\(py(link.stream.value)), [\(pairs)])\n"
        }
        var lastKind = ""
        for (i, a) in c.attributes.enumerated() {
            let def = a.definition
            let kind: String
            switch def.kind {
            case .known: kind = "known"
            case .eventAggregate: kind = "events"
            case .tableAggregate: kind = "table"
            case .computed: kind = "computed"
            }
            if kind != lastKind {
                out += "\n    # " + [
                    "known": "Known attributes: columns of \(d.table.value).",
                    "events": "Aggregates over events.",
                    "table": "Aggregates over related tables' rows.",
                    "computed": "Computed attributes: Spark SQL over the attributes above, verbatim.",
                ][kind]! + "\n"
                lastKind = kind
            }
            if let text = def.description, !text.isEmpty {
                for line in text.split(separator: "\n") { out += "    # \(line)\n" }
            }
            switch (def.kind, a.source) {
            case (.known(let col), _):
                out += "    c.known(\(py(a.name)), column=\(py(col.value)))\n"
            case (.eventAggregate(let agg), .events(let model)):
                var args = [py(a.name), py(agg.function.value.rawValue)]
                if let f = agg.field { args.append("field=\(py(f.value))") }
                if !agg.events.isEmpty { args.append("events=[\(agg.events.map { py($0.value) }.joined(separator: ", "))]") }
                if let w = agg.condition {
                    args.append("where=\(py(w.value))")
                    args.append("reads=[\((model.condition?.inputs ?? []).map(py).joined(separator: ", "))]")
                }
                args.append("timeframe=\(py(agg.timeframe.value.description))")
                out += "    c.events(\(args.joined(separator: ", ")))\n"
            case (.tableAggregate(let agg), _):
                var args = [py(a.name), py(agg.function.value.rawValue), "table=\(py(agg.table.value))",
                            "row=\(py(agg.rowColumn.value))", "profile=\(py(agg.profileColumn.value))"]
                if let f = agg.field { args.append("field=\(py(f.value))") }
                if let w = agg.condition { args.append("where=\(py(w.value))") }
                args.append("timeframe=\(py(agg.timeframe.value.description))")
                out += "    c.table(\(args.joined(separator: ", ")))\n"
            case (.computed(let expr), .computed(let compiled, _)):
                out += "    c.computed(\(py(a.name)), \(py(expr.value)),\n               reads=[\(compiled.inputs.map(py).joined(separator: ", "))])\n"
            default:
                break
            }
            _ = i
        }
        if !c.segments.isEmpty { out += "\n    # Segments: a profile is a member when its condition is true (Spark SQL, verbatim).\n" }
        for s in c.segments {
            if let text = s.description, !text.isEmpty { out += "    # \(text)\n" }
            out += "    c.segment(\(py(s.name)), \(py(s.condition.source)),\n              reads=[\(s.condition.inputs.map(py).joined(separator: ", "))])\n"
        }
        return out
    }

    /// A Python function name for a collection (its name when it is one).
    static func functionName(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "_" })
        let base = isPlainName(cleaned) ? cleaned : "c_" + cleaned
        return pythonKeywords.contains(base) || base == "define" || base == "run" ? "collection_" + base : base
    }

    static let pythonKeywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// A Python string literal (JSON's escapes are Python's).
    static func py(_ s: String) -> String {
        var out = ""
        JSONWriter.writeString(s, to: &out)
        return out
    }

    /// A Python docstring holding `s` (backslashes and quotes escaped).
    static func pyDoc(_ s: String) -> String {
        "\"\"\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"\"\""
    }
}
