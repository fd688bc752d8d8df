import Foundation

/// The type a CSV column takes: the narrowest that every non-empty cell fits (SPEC §4).
public enum ColumnType: String, Sendable, CaseIterable {
    case integer, double, boolean, date, timestamp, string

    public var valueType: ValueType {
        switch self {
        case .integer: return .bigint
        case .double: return .double
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .string: return .string
        }
    }
}

/// A loaded customer-360 or related table: typed columns, the cells' original text (keys and
/// identities compare as text) and each row's line in the file.
public struct Table: Sendable {
    public let name: String
    public let columns: [String]
    public let types: [ColumnType]
    /// rows[r][c]: the typed value of column c in row r (null for an empty cell).
    public let rows: [[Value]]
    /// text[r][c]: the cell exactly as written.
    public let text: [[String]]
    /// The 1-based line each row starts on.
    public let lines: [Int]

    public func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }
}

/// Reads and types CSV tables.
public enum TableLoader {
    /// A problem found while loading a table, positioned in the CSV file.
    public struct Problem: Sendable {
        public let line: Int
        public let column: Int
        public let message: String
    }

    public static func load(name: String, path: String) throws -> (Table, [Problem]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in load(name: name, bytes: raw.bindMemory(to: UInt8.self)) }
    }

    public static func load(name: String, bytes: UnsafeBufferPointer<UInt8>) -> (Table, [Problem]) {
        let (records, errors) = CSVReader.parse(bytes)
        var problems = errors.map { Problem(line: $0.line, column: $0.column, message: $0.message) }
        guard let header = records.first else {
            problems.append(Problem(line: 1, column: 1, message: "the file has no header row"))
            return (Table(name: name, columns: [], types: [], rows: [], text: [], lines: []), problems)
        }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for (i, c) in columns.enumerated() {
            if c.isEmpty { problems.append(Problem(line: header.line, column: 1, message: "column \(i + 1) has an empty name")) }
            else if !seen.insert(c).inserted { problems.append(Problem(line: header.line, column: 1, message: "column '\(c)' appears twice in the header")) }
        }
        var text: [[String]] = []
        var lines: [Int] = []
        text.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                problems.append(Problem(line: record.line, column: 1, message: "row has \(record.fields.count) fields; the header has \(columns.count)"))
                continue
            }
            text.append(record.fields)
            lines.append(record.line)
        }
        let types = (0..<columns.count).map { c in inferType(text.lazy.map { $0[c] }) }
        let rows = text.map { cells in cells.enumerated().map { c, cell in typedValue(cell, as: types[c]) } }
        return (Table(name: name, columns: columns, types: types, rows: rows, text: text, lines: lines), problems)
    }

    /// The narrowest column type every non-empty cell fits; `.string` for an all-empty column.
    public static func inferType<C: Sequence>(_ cells: C) -> ColumnType where C.Element == String {
        // Candidates in order of preference, as bits (1 << index): the first left wins.
        let order: [ColumnType] = [.integer, .double, .boolean, .date, .timestamp]
        var left: UInt8 = 0b11111
        var any = false
        for cell in cells where !cell.isEmpty {
            any = true
            for (bit, type) in order.enumerated() where left & (1 << bit) != 0 {
                let fits: Bool
                switch type {
                case .integer: fits = isInteger(cell)
                case .double: fits = isDouble(cell)
                case .boolean: fits = isBoolean(cell)
                case .date: fits = CivilTime.parseDate(cell) != nil
                default: fits = CivilTime.parseTimestamp(cell) != nil
                }
                if !fits { left &= ~(1 << bit) }
            }
            if left == 0 { return .string }
        }
        guard any else { return .string }
        return order.indices.first { left & (1 << $0) != 0 }.map { order[$0] } ?? .string
    }

    public static func typedValue(_ cell: String, as type: ColumnType) -> Value {
        if cell.isEmpty { return .null }
        switch type {
        case .integer: return Int64(cell).map(Value.int) ?? .double(Double(cell) ?? .nan)
        case .double: return Double(cell).map(Value.double) ?? .null
        case .boolean: return .bool(cell.lowercased() == "true")
        case .date: return CivilTime.parseDate(cell).map(Value.date) ?? .null
        case .timestamp: return CivilTime.parseTimestamp(cell).map(Value.timestamp) ?? .null
        case .string: return .string(cell)
        }
    }

    /// Optional sign, digits without leading zeros (except `0` itself), fitting 64 bits.
    static func isInteger(_ s: String) -> Bool {
        var u = Substring(s).utf8
        if let f = u.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { u = u.dropFirst() }
        guard !u.isEmpty, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if u.count > 1, u.first == 0x30 { return false }
        return Int64(s) != nil
    }

    /// A decimal number: optional sign, an integer part without leading zeros, an optional
    /// fraction and exponent.
    static func isDouble(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { isDouble(bytes: $0) }
    }

    private static func isDouble(bytes u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        func digits() -> Int { let st = i; while i < u.count, u[i] >= 0x30, u[i] <= 0x39 { i += 1 }; return i - st }
        if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        let intStart = i
        let intDigits = digits()
        if intDigits > 1, u[intStart] == 0x30 { return false }
        var fracDigits = 0
        if i < u.count, u[i] == UInt8(ascii: ".") { i += 1; fracDigits = digits() }
        guard intDigits > 0 || fracDigits > 0 else { return false }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == u.count
    }

    static func isBoolean(_ s: String) -> Bool {
        let l = s.lowercased()
        return l == "true" || l == "false"
    }
}
