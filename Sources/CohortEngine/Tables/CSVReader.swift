import Foundation

/// A CSV syntax problem with its 1-based line and column.
public struct CSVError: Error, Sendable, Equatable {
    public let line: Int
    public let column: Int
    public let message: String
}

/// One parsed CSV record and the line it starts on.
public struct CSVRecord: Sendable {
    public let line: Int
    public let fields: [String]
}

/// An RFC 4180 reader (comma separated, `"` quoting with `""` escapes, LF or CRLF line ends,
/// line breaks inside quotes) that reports every malformed record with its position and goes
/// on with the next one. Hand-written rather than a package because positions are the point.
public enum CSVReader {
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (records: [CSVRecord], errors: [CSVError]) {
        var records: [CSVRecord] = []
        var errors: [CSVError] = []
        var i = 0
        let n = bytes.count
        var line = 1
        // Skip a UTF-8 byte order mark.
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var lineStart = i
        while i < n {
            let recordLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var failed: CSVError?
            var endOfRecord = false
            while !endOfRecord {
                field.removeAll(keepingCapacity: true)
                var unquoted: UnsafeBufferPointer<UInt8>?
                if i < n, bytes[i] == UInt8(ascii: "\"") {
                    let quoteLine = line, quoteCol = i - lineStart + 1
                    i += 1
                    var closed = false
                    while i < n {
                        let c = bytes[i]
                        if c == UInt8(ascii: "\"") {
                            if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\"") {
                                field.append(c); i += 2; continue
                            }
                            i += 1; closed = true; break
                        }
                        if c == 0x0A { line += 1; lineStart = i + 1 }
                        field.append(c); i += 1
                    }
                    if !closed {
                        failed = CSVError(line: quoteLine, column: quoteCol, message: "unterminated quoted field")
                        break
                    }
                    if i < n, bytes[i] != UInt8(ascii: ","), bytes[i] != 0x0A, bytes[i] != 0x0D {
                        failed = failed ?? CSVError(line: line, column: i - lineStart + 1, message: "unexpected character after a closing quote")
                    }
                } else {
                    let start = i
                    while i < n, bytes[i] != UInt8(ascii: ","), bytes[i] != 0x0A {
                        if bytes[i] == 0x0D, i + 1 < n, bytes[i + 1] == 0x0A { break }
                        if bytes[i] == UInt8(ascii: "\""), failed == nil {
                            failed = CSVError(line: line, column: i - lineStart + 1, message: "quote inside an unquoted field (quote the whole field and double the quote)")
                        }
                        i += 1
                    }
                    // An unquoted field is the bytes as they are: read in place, not copied.
                    unquoted = UnsafeBufferPointer(rebasing: bytes[start..<i])
                }
                // Skip to the field's end if junk followed a closing quote.
                while i < n, bytes[i] != UInt8(ascii: ","), bytes[i] != 0x0A, !(bytes[i] == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A) { i += 1 }
                let valid = field.withUnsafeBufferPointer { String(validating: unquoted ?? $0, as: UTF8.self) }
                if let valid {
                    fields.append(valid)
                } else {
                    failed = failed ?? CSVError(line: line, column: i - lineStart + 1, message: "field is not valid UTF-8")
                    fields.append(field.withUnsafeBufferPointer { String(decoding: unquoted ?? $0, as: UTF8.self) })
                }
                if i < n, bytes[i] == UInt8(ascii: ",") {
                    i += 1
                } else {
                    if i < n, bytes[i] == 0x0D { i += 1 }
                    if i < n, bytes[i] == 0x0A { i += 1 }
                    line += 1
                    lineStart = i
                    endOfRecord = true
                }
            }
            if let failed {
                errors.append(failed)
                // Resynchronise at the next line.
                while i < n, bytes[i] != 0x0A { i += 1 }
                if i < n { i += 1; line += 1; lineStart = i }
                continue
            }
            if fields.count == 1, fields[0].isEmpty { continue } // blank line
            records.append(CSVRecord(line: recordLine, fields: fields))
        }
        return (records, errors)
    }
}
