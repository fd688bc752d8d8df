/// A positioned message about a workspace, printed the way a compiler prints one:
/// `cohort.yaml:12:5: error: unknown table 'custmer_360' — did you mean 'customer_360'?`
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    /// The file, relative to the workspace (`cohort.yaml`, `tables/customer_360.csv`).
    public var file: String
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String
    /// A suggestion appended after an em dash, such as "did you mean 'email'?".
    public var hint: String?

    public init(file: String, line: Int, column: Int, severity: Severity = .error, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "\(file):\(line):\(column): \(severity.rawValue): \(message)" + (hint.map { " — \($0)" } ?? "")
    }
}

/// A position in cohort.yaml (1-based line and column).
public struct SourceLocation: Sendable, Hashable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public static let unknown = SourceLocation(line: 1, column: 1)
}
