import Testing
@testable import CohortEngine

@Suite("CSV tables")
struct TableLoaderTests {
    func load(_ csv: String) -> (Table, [TableLoader.Problem]) {
        var text = csv
        return text.withUTF8 { TableLoader.load(name: "t", bytes: $0) }
    }

    @Test("each column takes the narrowest type every non-empty cell fits")
    func typing() {
        let (t, problems) = load("""
        i,d,b,dt,ts,s,z,mixed,empty
        1,1.5,true,2026-01-02,2026-09-01T12:00:03Z,x,007,1,
        -20,2,FALSE,2026-12-31,2026-09-01T12:00:03.5+02:00,y,010,a,
        ,,,,,,,,
        """)
        #expect(problems.isEmpty)
        #expect(t.types == [.integer, .double, .boolean, .date, .timestamp, .string, .string, .string, .string])
        #expect(t.rows[0] == [.int(1), .double(1.5), .bool(true), .date(20455), .timestamp(1_788_264_003_000_000), .string("x"), .string("007"), .string("1"), .null])
        #expect(t.rows[1][0] == .int(-20))
        #expect(t.rows[1][1] == .double(2))
        #expect(t.rows[1][2] == .bool(false))
        #expect(t.rows[1][4] == .timestamp(1_788_256_803_500_000))
        #expect(t.rows[2].allSatisfy { $0 == .null })
        #expect(t.text[0][6] == "007")
    }

    @Test("RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes")
    func quoting() {
        let (t, problems) = load("a,b\r\n\"12 Elm St, Apt 4\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\r\n")
        #expect(problems.isEmpty)
        #expect(t.text == [["12 Elm St, Apt 4", "say \"hi\""], ["two\nlines", "x"]])
        #expect(t.lines == [2, 3])
    }

    @Test("malformed rows are reported with their position and skipped")
    func malformed() {
        let (t, problems) = load("a,b\n1,2\n3\n4,5,6\n\"open,7\n")
        #expect(t.text == [["1", "2"]])
        #expect(problems.map { "\($0.line):\($0.column): \($0.message)" } == [
            "5:1: unterminated quoted field",
            "3:1: row has 1 fields; the header has 2",
            "4:1: row has 3 fields; the header has 2",
        ])
    }

    @Test("leading zeros keep a column text; integers that overflow become doubles")
    func numbers() {
        #expect(TableLoader.inferType(["0", "10", "-3"]) == .integer)
        #expect(TableLoader.inferType(["01"]) == .string)
        #expect(TableLoader.inferType(["1", "2.5", "1e3"]) == .double)
        #expect(TableLoader.inferType(["99999999999999999999"]) == .double)
        #expect(TableLoader.inferType(["true", "1"]) == .string)
        #expect(TableLoader.inferType(["2026-02-30"]) == .string)
        #expect(TableLoader.inferType([String]()) == .string)
    }
}
