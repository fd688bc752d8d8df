import Yams

/// How a YAML file that cannot be read is reported: Yams' errors as positioned diagnostics,
/// shared by cohort.yaml and the theme files.
public enum YAMLDiagnostics {
    /// The diagnostic for a Yams error in `file`; the hints say what to check in that kind of file.
    public static func diagnostic(for e: YamlError, file: String, syntaxHint: String? = nil, duplicateHint: String) -> Diagnostic {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(ctx)", hint: syntaxHint)
        case .reader(let problem, let offset, _, _):
            return Diagnostic(file: file, line: SourceLocation.unknown.line, column: SourceLocation.unknown.column,
                              message: "cannot read \(file): \(problem)" + (offset.map { " at byte \($0)" } ?? ""), hint: nil)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping",
                              hint: duplicateHint)
        default:
            return Diagnostic(file: file, line: SourceLocation.unknown.line, column: SourceLocation.unknown.column, message: "cannot read YAML: \(e)", hint: nil)
        }
    }
}

extension Node {
    /// Where this node starts in its file (unknown for nodes built in code).
    public var sourceLocation: SourceLocation {
        mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? .unknown
    }
}
