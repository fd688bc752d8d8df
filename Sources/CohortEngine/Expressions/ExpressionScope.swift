/// The names an expression may read and their types: a collection's attributes for
/// computed attributes and segments, or an event's fields for a `where` condition.
public struct ExpressionScope: Sendable {
    /// Known names and their static types.
    public var names: [String: ValueType]
    /// Prefixes under which any dotted path is accepted with type `.any`, such as
    /// `"properties."` for event payload fields.
    public var openPrefixes: [String]

    public init(names: [String: ValueType] = [:], openPrefixes: [String] = []) {
        self.names = names
        self.openPrefixes = openPrefixes
    }

    /// The type of `name`, or nil when the scope does not know it.
    public func type(of name: String) -> ValueType? {
        if let t = names[name] { return t }
        for p in openPrefixes where name.hasPrefix(p) && name.count > p.count { return .any }
        return nil
    }
}
