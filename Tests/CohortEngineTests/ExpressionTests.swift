import Testing
@testable import CohortEngine

/// The clock for every case: 2026-09-01T12:00:03Z.
let exprNow: Int64 = CivilTime.parseTimestamp("2026-09-01T12:00:03Z")!

func exprDate(_ s: String) -> Value { .date(CivilTime.parseDate(s)!) }
func exprTS(_ s: String) -> Value { .timestamp(CivilTime.parseTimestamp(s + "Z", requireZone: true)!) }

/// Values compare exactly, except doubles, which may differ in the last bits.
func exprSame(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)):
        if x.isNaN && y.isNaN { return true }
        return x == y || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
    case (.list(let x), .list(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { exprSame($0, $1) }
    default:
        return a == b
    }
}

/// One case: Spark SQL text (self-contained, so it can be checked against pyspark with
/// `spark.sql("SELECT " + sql)`, ANSI off, session time zone UTC, the clock above) and the
/// value Spark returns.
struct SparkCase: CustomStringConvertible, Sendable {
    let sql: String
    let expected: Value
    var description: String { sql }
    init(_ sql: String, _ expected: Value) { self.sql = sql; self.expected = expected }
}

let sparkCases: [SparkCase] = [
    // Arithmetic
    .init("1 + 2", .int(3)),
    .init("7 - 10", .int(-3)),
    .init("6 * 7", .int(42)),
    .init("5 / 2", .double(2.5)),
    .init("4 / 2", .double(2.0)),
    .init("1 / 0", .null),
    .init("1.0 / 0", .null),
    .init("0 / 0", .null),
    .init("7 div 2", .int(3)),
    .init("-7 div 2", .int(-3)),
    .init("7 DIV 0", .null),
    .init("7.5 div 2", .int(3)),
    .init("7 % 3", .int(1)),
    .init("-7 % 3", .int(-1)),
    .init("7 % -3", .int(1)),
    .init("7 % 0", .null),
    .init("5.5 % 2", .double(1.5)),
    .init("0.3 % 0.1", .double(0.0)),
    .init("-7.5 % 2", .double(-1.5)),
    .init("2147483647 + 1", .int(-2147483648)),
    .init("2147483647L + 1", .int(2147483648)),
    .init("9223372036854775807 + 1", .int(Int64.min)),
    .init("-2147483648 - 1", .int(2147483647)),
    .init("100000 * 100000", .int(1410065408)),
    .init("100000 * 100000L", .int(10_000_000_000)),
    .init("'5' + 1", .double(6.0)),
    .init("'5' * '2'", .double(10.0)),
    .init("'abc' + 1", .null),
    .init("' 2 ' * 3", .double(6.0)),
    .init("1.5 + 1", .double(2.5)),
    .init("0.1 + 0.2", .double(0.3)),
    .init("1.5 + 2.25", .double(3.75)),
    .init("1.0 / 3", .double(0.333333)),
    .init("10 / 4.0", .double(2.5)),
    .init("2.5 * 2", .double(5.0)),
    .init("1.1 * 1.1", .double(1.21)),
    .init("-(5)", .int(-5)),
    .init("- -5", .int(5)),
    .init("-'3'", .double(-3.0)),
    .init("1e3", .double(1000.0)),
    .init("1.5e-3 * 2", .double(0.003)),
    .init("3 + null", .null),
    .init("null * 2", .null),
    .init("5 / 2 * 2", .double(5.0)),
    .init("2 + 3 * 4", .int(14)),
    .init("(2 + 3) * 4", .int(20)),
    .init("10 - 2 - 3", .int(5)),
    .init("2 * 3 % 4", .int(2)),
    .init("1 + 1L", .int(2)),
    .init("-5 * -5", .int(25)),
    .init("1.5D + 1", .double(2.5)),
    .init("10 / 4", .double(2.5)),
    .init("1 - 0.9", .double(0.1)),
    .init("2147483647 * 2", .int(-2)),
    // Comparison
    .init("1 = 1", .bool(true)),
    .init("1 = 2", .bool(false)),
    .init("1 == 1", .bool(true)),
    .init("1 != 2", .bool(true)),
    .init("1 <> 1", .bool(false)),
    .init("2 > 1", .bool(true)),
    .init("2 >= 2", .bool(true)),
    .init("1 < 2", .bool(true)),
    .init("2 <= 1", .bool(false)),
    .init("1 = 1.0", .bool(true)),
    .init("'1' = 1", .bool(true)),
    .init("'1.5' = 1", .bool(true)),
    .init("'abc' = 1", .null),
    .init("'10' > '9'", .bool(false)),
    .init("10 > '9'", .bool(true)),
    .init("'b' > 'a'", .bool(true)),
    .init("'a' < 'B'", .bool(false)),
    .init("'abc' = 'ABC'", .bool(false)),
    .init("null = null", .null),
    .init("1 = null", .null),
    .init("null <=> null", .bool(true)),
    .init("1 <=> null", .bool(false)),
    .init("1 <=> 1", .bool(true)),
    .init("true = 'true'", .bool(true)),
    .init("true = 't'", .bool(true)),
    .init("true > false", .bool(true)),
    .init("true = 1", .bool(true)),
    .init("DATE '2026-01-01' = '2026-01-01'", .bool(true)),
    .init("DATE '2026-01-01' < '2026-02'", .bool(true)),
    .init("DATE '2026-01-01' = TIMESTAMP '2026-01-01 00:00:00'", .bool(true)),
    .init("TIMESTAMP '2026-01-01 10:00:00' > DATE '2026-01-01'", .bool(true)),
    .init("0.1 + 0.2 = 0.3", .bool(true)),
    .init("1.5 > '1.4'", .bool(true)),
    .init("CAST('NaN' AS double) = CAST('NaN' AS double)", .bool(true)),
    .init("CAST('NaN' AS double) > 1e308", .bool(true)),
    .init("2.0 = 2", .bool(true)),
    .init("'2026-09-01' = DATE '2026-09-01'", .bool(true)),
    // Logic
    .init("true AND false", .bool(false)),
    .init("true AND null", .null),
    .init("false AND null", .bool(false)),
    .init("null AND false", .bool(false)),
    .init("true OR null", .bool(true)),
    .init("false OR null", .null),
    .init("null OR null", .null),
    .init("NOT true", .bool(false)),
    .init("NOT null", .null),
    .init("NOT (1 > 2)", .bool(true)),
    .init("true OR false AND false", .bool(true)),
    .init("NOT false AND false", .bool(false)),
    .init("!true", .bool(false)),
    .init("1 < 2 AND 2 < 3 AND 3 < 4", .bool(true)),
    .init("1 > 2 OR 2 > 3 OR 3 < 4", .bool(true)),
    .init("true and TRUE", .bool(true)),
    // IS [NOT] NULL, IS TRUE
    .init("null IS NULL", .bool(true)),
    .init("1 IS NULL", .bool(false)),
    .init("1 IS NOT NULL", .bool(true)),
    .init("null IS NOT NULL", .bool(false)),
    .init("(1 / 0) IS NULL", .bool(true)),
    .init("null IS TRUE", .bool(false)),
    .init("null IS NOT FALSE", .bool(true)),
    .init("1 > 2 IS FALSE", .bool(true)),
    .init("1 IS DISTINCT FROM null", .bool(true)),
    .init("null IS NOT DISTINCT FROM null", .bool(true)),
    // IN
    .init("2 IN (1, 2, 3)", .bool(true)),
    .init("4 IN (1, 2, 3)", .bool(false)),
    .init("4 IN (1, null)", .null),
    .init("1 IN (1, null)", .bool(true)),
    .init("null IN (1, 2)", .null),
    .init("4 NOT IN (1, 2, 3)", .bool(true)),
    .init("4 NOT IN (1, null)", .null),
    .init("'a' IN ('a', 'b')", .bool(true)),
    .init("5 IN ('5', 6)", .bool(true)),
    .init("5.0 IN ('5')", .bool(false)),
    .init("1 IN (1.0, 2)", .bool(true)),
    .init("'x' IN ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x')", .bool(true)),
    .init("9 IN (1, 2, 3, 4, 5, 6, 7, 8, 10)", .bool(false)),
    // BETWEEN
    .init("5 BETWEEN 1 AND 10", .bool(true)),
    .init("0 BETWEEN 1 AND 10", .bool(false)),
    .init("5 NOT BETWEEN 1 AND 10", .bool(false)),
    .init("null BETWEEN 1 AND 2", .null),
    .init("'b' BETWEEN 'a' AND 'c'", .bool(true)),
    .init("5 BETWEEN 5 AND 5", .bool(true)),
    .init("3 BETWEEN 5 AND 1", .bool(false)),
    .init("DATE '2026-03-01' BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'", .bool(true)),
    .init("2.5 BETWEEN 2 AND 3", .bool(true)),
    .init("5 BETWEEN 1 AND 10 AND 1 = 1", .bool(true)),
    // LIKE / RLIKE
    .init("'hello' LIKE 'h%'", .bool(true)),
    .init("'hello' LIKE '%ll%'", .bool(true)),
    .init("'hello' LIKE 'h_llo'", .bool(true)),
    .init("'hello' LIKE 'H%'", .bool(false)),
    .init("'hello' NOT LIKE '%z%'", .bool(true)),
    .init("'50%' LIKE '50\\%'", .bool(true)),
    .init("'505' LIKE '50\\%'", .bool(false)),
    .init("'a_c' LIKE 'a\\_c'", .bool(true)),
    .init("'abc' LIKE 'a\\_c'", .bool(false)),
    .init("null LIKE 'a'", .null),
    .init("'' LIKE '%'", .bool(true)),
    .init("'' LIKE '_'", .bool(false)),
    .init("'abc' LIKE 'abc'", .bool(true)),
    .init("123 LIKE '12%'", .bool(true)),
    .init("'ab' LIKE '%b%a%'", .bool(false)),
    .init("'aXbXc' LIKE 'a%b%c'", .bool(true)),
    .init("'héllo' LIKE 'h_llo'", .bool(true)),
    .init("'hello123' RLIKE '[0-9]+'", .bool(true)),
    .init("'hello' RLIKE '^h.*o$'", .bool(true)),
    .init("'hello' RLIKE 'x'", .bool(false)),
    .init("'abc' REGEXP 'b'", .bool(true)),
    .init("'abc' NOT RLIKE 'b'", .bool(false)),
    .init("null RLIKE 'a'", .null),
    // CASE
    .init("CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END", .string("b")),
    .init("CASE WHEN 1 < 2 THEN 'a' END", .string("a")),
    .init("CASE WHEN 1 > 2 THEN 'a' END", .null),
    .init("CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END", .string("two")),
    .init("CASE 5 WHEN 1 THEN 'one' ELSE 'many' END", .string("many")),
    .init("CASE WHEN null THEN 1 ELSE 2 END", .int(2)),
    .init("CASE WHEN true THEN 1 ELSE 2.5 END", .double(1.0)),
    .init("CASE WHEN true THEN 1 ELSE 'x' END", .string("1")),
    .init("CASE null WHEN null THEN 1 ELSE 2 END", .int(2)),
    .init("case when 1 = 1 then 'yes' end", .string("yes")),
    // CAST
    .init("CAST('42' AS int)", .int(42)),
    .init("CAST(' 42 ' AS int)", .int(42)),
    .init("CAST('4.7' AS int)", .int(4)),
    .init("CAST('-1.9' AS int)", .int(-1)),
    .init("CAST('abc' AS int)", .null),
    .init("CAST('' AS int)", .null),
    .init("CAST(3.9 AS int)", .int(3)),
    .init("CAST(-3.9 AS int)", .int(-3)),
    .init("CAST(1e10 AS int)", .int(2147483647)),
    .init("CAST(3000000000L AS int)", .int(-1294967296)),
    .init("CAST('3000000000' AS int)", .null),
    .init("CAST('3000000000' AS bigint)", .int(3_000_000_000)),
    .init("CAST('1.9' AS bigint)", .int(1)),
    .init("CAST('1e3' AS int)", .null),
    .init("CAST(true AS int)", .int(1)),
    .init("CAST('true' AS boolean)", .bool(true)),
    .init("CAST('YES' AS boolean)", .bool(true)),
    .init("CAST('y' AS boolean)", .bool(true)),
    .init("CAST('0' AS boolean)", .bool(false)),
    .init("CAST('off' AS boolean)", .null),
    .init("CAST(0 AS boolean)", .bool(false)),
    .init("CAST(2 AS boolean)", .bool(true)),
    .init("CAST(1.5 AS string)", .string("1.5")),
    .init("CAST(1.50 AS string)", .string("1.50")),
    .init("CAST(1.0E7 AS string)", .string("1.0E7")),
    .init("CAST(123.0D AS string)", .string("123.0")),
    .init("CAST(0.0001D AS string)", .string("1.0E-4")),
    .init("CAST(1234567.0D AS string)", .string("1234567.0")),
    .init("CAST(DATE '2026-09-01' AS string)", .string("2026-09-01")),
    .init("CAST(TIMESTAMP '2026-09-01 12:00:03' AS string)", .string("2026-09-01 12:00:03")),
    .init("CAST(TIMESTAMP '2026-09-01 12:00:03.5' AS string)", .string("2026-09-01 12:00:03.5")),
    .init("CAST('2026-09-01' AS date)", exprDate("2026-09-01")),
    .init("CAST('2026-9-1' AS date)", exprDate("2026-09-01")),
    .init("CAST('2026-02-30' AS date)", .null),
    .init("CAST('2026-09-01 10:00:00' AS date)", exprDate("2026-09-01")),
    .init("CAST('2026' AS date)", exprDate("2026-01-01")),
    .init("CAST('2026-09-01T10:00:00Z' AS timestamp)", exprTS("2026-09-01T10:00:00")),
    .init("CAST('2026-09-01 10:00:00+02:00' AS timestamp)", exprTS("2026-09-01T08:00:00")),
    .init("CAST('2026-09-01' AS timestamp)", exprTS("2026-09-01T00:00:00")),
    .init("CAST(DATE '2026-09-01' AS timestamp)", exprTS("2026-09-01T00:00:00")),
    .init("CAST(TIMESTAMP '2026-09-01 23:59:59' AS date)", exprDate("2026-09-01")),
    .init("CAST('1e3' AS double)", .double(1000.0)),
    .init("CAST(true AS string)", .string("true")),
    .init("CAST(null AS int)", .null),
    .init("CAST(12 AS string)", .string("12")),
    .init("CAST('  7' AS bigint)", .int(7)),
    .init("CAST(TIMESTAMP '1970-01-01 00:00:10' AS bigint)", .int(10)),
    .init("CAST(10 AS timestamp)", exprTS("1970-01-01T00:00:10")),
    .init("CAST(1.25 AS decimal(5,1))", .double(1.3)),
    .init("CAST(2.5 AS double) * 2", .double(5.0)),
    .init("CAST('Infinity' AS double) > 0", .bool(true)),
    // Strings
    .init("lower('HeLLo')", .string("hello")),
    .init("upper('abc')", .string("ABC")),
    .init("LOWER('ÀB')", .string("àb")),
    .init("trim('  a b  ')", .string("a b")),
    .init("ltrim('  a ')", .string("a ")),
    .init("rtrim('  a ')", .string("  a")),
    .init("length('héllo')", .int(5)),
    .init("length('')", .int(0)),
    .init("length(null)", .null),
    .init("length(12345)", .int(5)),
    .init("concat('a', 'b', 'c')", .string("abc")),
    .init("concat('a', null)", .null),
    .init("concat('x', 1, true)", .string("x1true")),
    .init("concat_ws('-', 'a', null, 'b')", .string("a-b")),
    .init("concat_ws(',', array('x', 'y'), 'z')", .string("x,y,z")),
    .init("concat_ws(null, 'a')", .null),
    .init("'a' || 'b'", .string("ab")),
    .init("'a' || null", .null),
    .init("1 || 2", .string("12")),
    .init("'n=' || 1.50", .string("n=1.50")),
    .init("'a' || 'b' || 'c'", .string("abc")),
    .init("substring('hello', 2, 3)", .string("ell")),
    .init("substring('hello', 0, 2)", .string("he")),
    .init("substring('hello', -3)", .string("llo")),
    .init("substring('hello', -3, 2)", .string("ll")),
    .init("substring('hello', 10)", .string("")),
    .init("substr('hello', 2)", .string("ello")),
    .init("substring('hello', 1, -1)", .string("")),
    .init("substring('hello', -10, 3)", .string("")),
    .init("substring('hello', -7, 4)", .string("he")),
    .init("substring('héllo', 2, 2)", .string("él")),
    .init("startswith('hello', 'he')", .bool(true)),
    .init("endswith('hello', 'lo')", .bool(true)),
    .init("endswith('hello', 'he')", .bool(false)),
    .init("contains('hello', 'ell')", .bool(true)),
    .init("contains('hello', '')", .bool(true)),
    .init("startswith(null, 'a')", .null),
    .init("'it''s'", .string("its")),
    .init("'a' 'b' \"c\"", .string("abc")),
    .init("r'a\\nb'", .string("a\\nb")),
    .init("2 !> 1", .bool(false)),
    .init("\"double\"", .string("double")),
    .init("'tab\\there'", .string("tab\there")),
    // Numbers
    .init("round(2.5)", .double(3.0)),
    .init("round(-2.5)", .double(-3.0)),
    .init("round(2.345, 2)", .double(2.35)),
    .init("round(1234.5678, -2)", .double(1200.0)),
    .init("round(125, -1)", .int(130)),
    .init("round(-125, -1)", .int(-130)),
    .init("round(0.5D)", .double(1.0)),
    .init("round(1.45D, 1)", .double(1.5)),
    .init("round(2.675D, 2)", .double(2.68)),
    .init("round(7)", .int(7)),
    .init("round(null)", .null),
    .init("floor(2.7)", .int(2)),
    .init("floor(-2.1)", .int(-3)),
    .init("ceil(2.1)", .int(3)),
    .init("ceiling(-2.7)", .int(-2)),
    .init("floor(5)", .int(5)),
    .init("ceil('2.5')", .int(3)),
    .init("floor(2.7D)", .int(2)),
    .init("abs(-5)", .int(5)),
    .init("abs(-2.5)", .double(2.5)),
    .init("abs(-2147483648)", .int(-2147483648)),
    .init("abs(null)", .null),
    .init("greatest(1, 5, 3)", .int(5)),
    .init("least(1, 5, 3)", .int(1)),
    .init("greatest(1, null, 3)", .int(3)),
    .init("least(null, null)", .null),
    .init("greatest(1, 2.5)", .double(2.5)),
    .init("greatest('a', 'b')", .string("b")),
    .init("least(DATE '2026-01-02', DATE '2026-01-01')", exprDate("2026-01-01")),
    .init("coalesce(null, 2, 3)", .int(2)),
    .init("coalesce(null, null)", .null),
    .init("nvl(null, 'x')", .string("x")),
    .init("coalesce(1, 'a')", .string("1")),
    .init("ifnull(null, 5)", .int(5)),
    .init("if(1 > 2, 'a', 'b')", .string("b")),
    .init("if(null, 1, 2)", .int(2)),
    .init("IF(true, 1, 2.5)", .double(1.0)),
    .init("nullif(1, 1)", .null),
    .init("nullif(1, 2)", .int(1)),
    .init("isnull(null)", .bool(true)),
    .init("isnotnull(1)", .bool(true)),
    // Dates
    .init("datediff(DATE '2026-03-10', DATE '2026-03-01')", .int(9)),
    .init("datediff('2026-03-01', '2026-03-10')", .int(-9)),
    .init("datediff(TIMESTAMP '2026-03-02 23:00:00', DATE '2026-03-01')", .int(1)),
    .init("date_add(DATE '2026-02-27', 2)", exprDate("2026-03-01")),
    .init("date_add(DATE '2024-02-28', 1)", exprDate("2024-02-29")),
    .init("date_sub(DATE '2026-03-01', 1)", exprDate("2026-02-28")),
    .init("date_add('2026-01-01', '3')", exprDate("2026-01-04")),
    .init("date_add(DATE '2026-01-01', -1)", exprDate("2025-12-31")),
    .init("DATE '2026-01-31' + 1", exprDate("2026-02-01")),
    .init("DATE '2026-01-01' - 1", exprDate("2025-12-31")),
    .init("1 + DATE '2026-01-01'", exprDate("2026-01-02")),
    .init("year(DATE '2026-09-01')", .int(2026)),
    .init("month(DATE '2026-09-01')", .int(9)),
    .init("day(DATE '2026-09-01')", .int(1)),
    .init("dayofmonth(DATE '2026-09-15')", .int(15)),
    .init("dayofweek(DATE '2026-09-01')", .int(3)),
    .init("dayofweek(DATE '2026-09-06')", .int(1)),
    .init("dayofweek(DATE '2026-09-05')", .int(7)),
    .init("hour(TIMESTAMP '2026-09-01 12:34:56')", .int(12)),
    .init("hour('2026-09-01 07:00:00')", .int(7)),
    .init("hour(DATE '2026-09-01')", .int(0)),
    .init("year('2026-05-06')", .int(2026)),
    .init("month(TIMESTAMP '2026-05-06 10:00:00')", .int(5)),
    .init("year('garbage')", .null),
    .init("current_date()", exprDate("2026-09-01")),
    .init("current_date", exprDate("2026-09-01")),
    .init("current_timestamp()", exprTS("2026-09-01T12:00:03")),
    .init("datediff(current_date(), DATE '2026-08-01')", .int(31)),
    .init("date_sub(current_date(), 7)", exprDate("2026-08-25")),
    .init("to_date('2026-09-01 10:11:12')", exprDate("2026-09-01")),
    .init("to_date('01/09/2026', 'dd/MM/yyyy')", exprDate("2026-09-01")),
    .init("to_date('garbage')", .null),
    .init("year(current_date())", .int(2026)),
    .init("current_date() > DATE '2026-01-01'", .bool(true)),
    .init("hour(current_timestamp())", .int(12)),
    // Arrays
    .init("size(array(1, 2, 3))", .int(3)),
    .init("size(array())", .int(0)),
    .init("size(null)", .int(-1)),
    .init("array_contains(array(1, 2, 3), 2)", .bool(true)),
    .init("array_contains(array(1, 2), 5)", .bool(false)),
    .init("array_contains(array(1, null), 5)", .null),
    .init("array_contains(array('a', 'b'), 'b')", .bool(true)),
]

@Suite("Expressions")
struct ExpressionTests {
    let scope = ExpressionScope(
        names: [
            "purchases_30d": .bigint, "lifetime_spend": .double, "loyalty_tier": .string,
            "age": .int, "signup_date": .date, "last_seen": .timestamp, "vip": .boolean,
            "tags": .array(.string), "properties.amount": .any,
        ],
        openPrefixes: ["properties."])

    func run(_ sql: String, _ row: [String: Value] = [:]) -> Result<Value, ExpressionError> {
        ExpressionCompiler.compile(sql, scope: scope).map { c in
            c.evaluate(c.inputs.map { row[$0] ?? .null }, now: exprNow)
        }
    }

    @Test("Spark semantics, case by case", arguments: sparkCases)
    func sparkCase(_ c: SparkCase) {
        switch run(c.sql) {
        case .success(let v):
            #expect(exprSame(v, c.expected), "\(c.sql) gave \(v), Spark gives \(c.expected)")
        case .failure(let e):
            Issue.record("\(c.sql) failed: \(e)")
        }
    }

    @Test func enoughCases() {
        #expect(sparkCases.count >= 150)
    }

    @Test("attributes, slots and the clock flag")
    func attributes() throws {
        let c = try ExpressionCompiler.compile(
            "purchases_30d >= 3 AND lifetime_spend > 500 OR lower(loyalty_tier) = 'gold' OR purchases_30d > 10",
            scope: scope).get()
        #expect(c.inputs == ["purchases_30d", "lifetime_spend", "loyalty_tier"])
        #expect(c.type == .boolean)
        #expect(!c.readsClock)
        #expect(c.evaluate([.int(3), .double(600), .null], now: 0) == .bool(true))
        #expect(c.evaluate([.int(2), .double(600), .string("GOLD")], now: 0) == .bool(true))
        #expect(c.evaluate([.int(2), .double(600), .string("silver")], now: 0) == .bool(false))
        #expect(c.evaluate([.null, .double(600), .null], now: 0) == .null)

        let d = try ExpressionCompiler.compile("datediff(current_date(), signup_date) <= 30", scope: scope).get()
        #expect(d.readsClock)
        #expect(d.inputs == ["signup_date"])
        #expect(d.evaluate([exprDate("2026-08-10")], now: exprNow) == .bool(true))
        #expect(d.evaluate([exprDate("2026-07-10")], now: exprNow) == .bool(false))

        #expect(try run("age + 1", ["age": .int(2147483647)]).get() == .int(-2147483648))
        #expect(try run("purchases_30d + 1", ["purchases_30d": .int(2147483647)]).get() == .int(2147483648))
        #expect(try run("size(tags)", ["tags": .list([.string("a"), .null])]).get() == .int(2))
        #expect(try run("array_contains(tags, 'a')", ["tags": .list([.string("a")])]).get() == .bool(true))
        #expect(try run("`loyalty_tier` = 'x'", ["loyalty_tier": .string("x")]).get() == .bool(true))
        #expect(try run("NOT vip", ["vip": .bool(true)]).get() == .bool(false))
        #expect(try run("year(signup_date)", ["signup_date": exprDate("2025-02-03")]).get() == .int(2025))
        #expect(try run("hour(last_seen)", ["last_seen": exprTS("2025-02-03T17:04:00")]).get() == .int(17))
        #expect(try run("CAST(last_seen AS string)", ["last_seen": exprTS("2026-09-01T12:00:03")]).get() == .string("2026-09-01 12:00:03"))
        #expect(try run("signup_date + 1", ["signup_date": exprDate("2025-02-28")]).get() == exprDate("2025-03-01"))
    }

    @Test("values of unknown type behave as Spark treats their run-time type")
    func dynamicValues() throws {
        let compiled = try ExpressionCompiler.compile("properties.amount > 100", scope: scope).get()
        #expect(compiled.inputs == ["properties.amount"])
        #expect(compiled.type == .boolean)
        #expect(try run("properties.amount > 100", ["properties.amount": .double(150.5)]).get() == .bool(true))
        #expect(try run("properties.amount > 100", ["properties.amount": .int(50)]).get() == .bool(false))
        #expect(try run("properties.amount > 100", ["properties.amount": .string("150")]).get() == .bool(true))
        #expect(try run("properties.amount > 100", ["properties.amount": .string("abc")]).get() == .null)
        #expect(try run("properties.amount * 2", ["properties.amount": .string("2.5")]).get() == .double(5))
        #expect(try run("properties.amount + 1", ["properties.amount": .int(1)]).get() == .int(2))
        #expect(try run("properties.amount / 4", ["properties.amount": .int(2)]).get() == .double(0.5))
        #expect(try run("properties.channel = 'web'", ["properties.channel": .string("web")]).get() == .bool(true))
        #expect(try run("properties.channel IN ('web', 'app')", ["properties.channel": .string("app")]).get() == .bool(true))
        #expect(try run("lower(properties.channel)", ["properties.channel": .int(5)]).get() == .string("5"))
        #expect(try run("properties.flag AND true", ["properties.flag": .bool(true)]).get() == .bool(true))
        #expect(try run("properties.when > DATE '2026-01-01'", ["properties.when": .string("2026-02-01")]).get() == .bool(true))
        #expect(try run("coalesce(properties.x, 0)", [:]).get() == .int(0))
    }

    func error(_ sql: String) -> String {
        switch ExpressionCompiler.compile(sql, scope: scope) {
        case .success: return "compiled"
        case .failure(let e): return e.description
        }
    }

    @Test("errors name the position and what was expected")
    func errors() {
        #expect(error("purchses_30d > 1") == "1:1: error: unknown attribute 'purchses_30d' — did you mean 'purchases_30d'?")
        #expect(error("age > 1 AND purchses_30d > 1") == "1:13: error: unknown attribute 'purchses_30d' — did you mean 'purchases_30d'?")
        #expect(error("zzz > 1") == "1:1: error: unknown attribute 'zzz'")
        #expect(error("age > 1 AND") == "1:12: error: expected an expression after AND")
        #expect(error("age > 1 AND )") == "1:13: error: expected an expression after AND — found ')'")
        #expect(error("'abc") == "1:1: error: unterminated string literal — close it with '")
        #expect(error("lowr(loyalty_tier)") == "1:1: error: unknown function 'lowr' — did you mean 'lower'?")
        #expect(error("round(1, 2, 3)") == "1:1: error: 'round' takes 1 or 2 arguments, got 3")
        #expect(error("lower()") == "1:1: error: 'lower' takes 1 argument, got 0")
        #expect(error("datediff(1)") == "1:1: error: 'datediff' takes 2 arguments, got 1")
        #expect(error("current_date(1)") == "1:1: error: 'current_date' takes no arguments, got 1")
        #expect(error("greatest(1)") == "1:1: error: 'greatest' takes at least 2 arguments, got 1")
        #expect(error("year(true)") == "1:6: error: argument 1 of 'year' must be a date, got boolean")
        #expect(error("size(1)") == "1:6: error: argument 1 of 'size' must be an array, got int")
        #expect(error("NOT 'abc'") == "1:5: error: NOT needs a boolean operand, got string — compare the string, e.g. x = 'value'")
        #expect(error("age AND vip") == "1:1: error: AND needs a boolean operand, got int — compare the number, e.g. x > 0")
        #expect(error("1 +") == "1:4: error: expected an expression after '+'")
        #expect(error("(1 + 2") == "1:7: error: expected ')' to close the '(' at 1:1")
        #expect(error("1 + 2)") == "1:6: error: unexpected ')' — there is no '(' for it to close")
        #expect(error("") == "1:1: error: the expression is empty")
        #expect(error("   ") == "1:1: error: the expression is empty")
        #expect(error("+") == "1:2: error: expected an expression after '+'")
        #expect(error("AND") == "1:1: error: expected an expression — found 'AND'")
        #expect(error("age age") == "1:5: error: unexpected 'age' — expected an operator or the end of the expression")
        #expect(error("DATE '2026-13-01'") == "1:6: error: invalid DATE literal '2026-13-01' — write DATE 'YYYY-MM-DD'")
        #expect(error("CAST(1 AS intt)") == "1:11: error: unknown type 'intt' — did you mean 'int'?")
        #expect(error("signup_date > 5") == "1:13: error: cannot compare date with int using '>' — compare with a DATE '…' literal or use datediff")
        #expect(error("true + 1") == "1:6: error: cannot apply '+' to boolean and int")
        #expect(error("age > 1\nAND") == "2:4: error: expected an expression after AND")
        #expect(error("age >\n  # 1") == "2:3: error: unexpected character '#'")
        #expect(error("x BETWEEN 1") == "1:12: error: expected AND in BETWEEN … AND …")
        #expect(error("age BETWEEN 1") == "1:14: error: expected AND in BETWEEN … AND …")
        #expect(error("CASE WHEN age > 1 THEN 1") == "1:25: error: expected END to close the CASE at 1:1")
        #expect(error("CASE WHEN age > 1 THEN 1 ELSE true END") == "1:31: error: CASE results have incompatible types: int and boolean — cast the results to one type")
        #expect(error("'x' LIKE 'a\\\\b'") == "1:10: error: the pattern 'a\\b' is invalid: the escape character is not allowed to precede 'b'")
        #expect(error("'x' LIKE 'a\\\\'") == "1:10: error: the pattern 'a\\' is invalid: it may not end with the escape character")
        #expect(error("age IN ()") == "1:9: error: IN needs at least one value")
        #expect(error("CAST(signup_date AS int) > 1 AND CAST(1 AS date) IS NULL") == "1:34: error: cannot cast int to date")
        #expect(error("7.5D div 2") == "1:1: error: 'div' needs integers or decimals, got double — cast to bigint first, or use / for a double result")
        #expect(error("signup_date - signup_date") == "1:13: error: subtracting dates gives an interval, which expressions do not support — use datediff(end, start) for the number of days")
        #expect(error("round(lifetime_spend, age)") == "1:23: error: the scale of 'round' must be a constant integer")
        #expect(error("date_add(signup_date, 1.5)") == "1:23: error: the second argument of 'date_add' must be an integer, got decimal(2,1)")
        #expect(error("coalesce(vip, 'x')") == "1:1: error: 'coalesce' needs arguments of compatible types, got boolean, string")
        #expect(error("age IN (1, true)") == "1:12: error: cannot compare int with boolean in IN (…) — every value in the list must have a type compatible with the left side")
        #expect(error("tags > 1") == "1:6: error: cannot compare array<string> with int using '>'")
        #expect(error("lower(tags)") == "1:7: error: argument 1 of 'lower' must be a string, got array<string>")
        #expect(error("a.") == "1:3: error: expected a field name after '.'")
        #expect(error("`unterminated") == "1:1: error: unterminated quoted identifier — close it with `")
    }

    @Test("nesting limits and hostile input give errors, never crashes")
    func robustness() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(error(deep).contains("nests too deeply (over 256 levels)"))
        let nots = String(repeating: "NOT ", count: 5_000) + "true"
        #expect(error(nots).contains("nests too deeply"))
        let minus = String(repeating: "- ", count: 5_000) + "1"
        #expect(error("-- a comment only") == "1:1: error: the expression is empty")
        #expect(error(minus).contains("nests too deeply"))
        // A long flat OR chain is fine.
        let ors = (0..<5_000).map { "age = \($0)" }.joined(separator: " OR ")
        #expect(ors.utf8.count > 40_000)
        let c = try? ExpressionCompiler.compile(ors, scope: scope).get()
        #expect(c?.evaluate([.int(4_999)], now: 0) == .bool(true))
        // A long arithmetic chain hits the limit instead of the stack.
        let sum = (0..<20_000).map { _ in "1" }.joined(separator: " + ")
        #expect(error(sum).contains("nests too deeply"))
        // A 100 kB string literal and a big IN list.
        let big = "length('" + String(repeating: "x", count: 100_000) + "')"
        #expect((try? run(big).get()) == .int(100_000))
        let inList = "age IN (" + (0..<20_000).map(String.init).joined(separator: ", ") + ")"
        #expect((try? run(inList, ["age": .int(19_999)]).get()) == .bool(true))
        // Invalid UTF-8 is repaired by String(decoding:) and then rejected or accepted normally.
        let bytes: [UInt8] = [0x27, 0xFF, 0xFE, 0x27, 0x20, 0x3D, 0x20, 0x27, 0xC3, 0x27]
        _ = run(String(decoding: bytes, as: UTF8.self))
        for lone in ["=", "AND", "OR", "NOT", "(", ")", ",", ".", "*", "/", "%", "||", "<=>", "'", "\"", "`", "CASE", "END", "IN", "::", "-", "!", "DATE", "CAST(", "CAST(1 AS", "x::", "1e", "1.", ".5"] {
            _ = run(lone)
        }
    }

    @Test("random and mutated expressions never crash")
    func fuzz() {
        var rng = ExprFuzzRNG(seed: 0xC0407)
        let seeds = sparkCases.map(\.sql) + [
            "purchases_30d >= 3 AND lifetime_spend > 500 OR lower(loyalty_tier) = 'gold'",
            "CASE WHEN age > 18 THEN 'adult' ELSE 'minor' END",
            "properties.amount * 2 > 10 AND properties.channel LIKE 'w%'",
            "datediff(current_date(), signup_date) BETWEEN 0 AND 30",
            "array_contains(tags, 'vip') OR size(tags) > 3",
        ]
        let vocabulary = ["age", "purchases_30d", "lifetime_spend", "loyalty_tier", "signup_date", "last_seen",
                          "vip", "tags", "properties.amount", "1", "0", "-1", "2147483647", "1.5", "1e308", "'x'",
                          "'2026-01-01'", "null", "true", "false", "(", ")", ",", "+", "-", "*", "/", "%", "div",
                          "||", "=", "<", ">=", "<=>", "!=", "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN",
                          "LIKE", "RLIKE", "'%a_'", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "AS", "int",
                          "string", "date", "lower(", "substring(", "round(", "coalesce(", "concat(", "date_add(",
                          "year(", "size(", "array(", "greatest(", "current_date()", "DATE '2026-02-03'", "::"]
        let values: [Value] = [.null, .int(0), .int(-1), .int(Int64(Int32.max)), .int(Int64.min), .double(.nan),
                               .double(-0.0), .double(1e300), .string(""), .string("abc"), .string("12"),
                               .bool(true), .date(Int32.max), .date(Int32.min), .timestamp(Int64.max),
                               .timestamp(Int64.min), .list([.null, .int(1)]), .list([])]
        var compiled = 0
        for i in 0..<3_000 {
            var text: String
            if i % 2 == 0 {
                var scalars = Array(seeds[Int(rng.next() % UInt64(seeds.count))].unicodeScalars)
                for _ in 0...(rng.next() % 4) {
                    let op = rng.next() % 4
                    let at = scalars.isEmpty ? 0 : Int(rng.next() % UInt64(scalars.count))
                    switch op {
                    case 0: if !scalars.isEmpty { scalars.remove(at: at) }
                    case 1:
                        let noise = Array("()'+-*/=<>,.%_ aZ0\\`\"".unicodeScalars)
                        scalars.insert(noise[Int(rng.next() % UInt64(noise.count))], at: at)
                    case 2: if scalars.count > 1 { scalars.swapAt(at, Int(rng.next() % UInt64(scalars.count))) }
                    default:
                        let word = vocabulary[Int(rng.next() % UInt64(vocabulary.count))]
                        scalars.insert(contentsOf: (" " + word + " ").unicodeScalars, at: at)
                    }
                }
                text = String(String.UnicodeScalarView(scalars))
            } else {
                text = (0..<(1 + rng.next() % 12)).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
            }
            guard case .success(let c) = ExpressionCompiler.compile(text, scope: scope) else { continue }
            compiled += 1
            for _ in 0..<3 {
                let row = c.inputs.map { _ in values[Int(rng.next() % UInt64(values.count))] }
                _ = c.evaluate(row, now: Int64(bitPattern: rng.next()))
            }
            _ = c.evaluate([], now: 0)
        }
        #expect(compiled > 200)
    }

    @Test("every function, cast and operator survives extreme inputs")
    func extremes() {
        let attributes = ["purchases_30d", "lifetime_spend", "loyalty_tier", "age", "signup_date", "last_seen", "vip", "tags", "properties.amount"]
        let extremes: [Value] = [.null, .int(Int64.min), .int(Int64.max), .int(0), .double(.infinity), .double(-.nan),
                                 .double(-1e308), .double(5e-324), .string(""), .string("-"), .string("9999999-12-31 23:59:59.999999999+18:00"),
                                 .string("\u{0}%_\\"), .bool(false), .date(Int32.min), .date(Int32.max), .timestamp(Int64.min),
                                 .timestamp(Int64.max), .list([.list([.null])]), .list([.string("a"), .int(1)])]
        var sources: [String] = []
        for a in attributes {
            for f in ExprCompiler.functionNames where f != "current_date" && f != "current_timestamp" && f != "now" {
                sources.append("\(f)(\(a))")
                sources.append("\(f)(\(a), \(a))")
                sources.append("\(f)(\(a), -2147483648, \(a))")
            }
            for t in ["int", "bigint", "double", "string", "boolean", "date", "timestamp", "decimal(38,10)", "decimal(3,2)", "array<int>"] {
                sources.append("CAST(\(a) AS \(t))")
            }
            for b in attributes {
                for op in ["+", "-", "*", "/", "%", "div", "||", "=", "<", "<=>", "AND", "OR", "LIKE", "RLIKE", "IN"] {
                    sources.append(op == "IN" ? "\(a) IN (\(b), 1)" : "\(a) \(op) \(b)")
                }
            }
        }
        var compiled = 0
        for source in sources {
            guard case .success(let c) = ExpressionCompiler.compile(source, scope: scope) else { continue }
            compiled += 1
            for (k, v) in extremes.enumerated() {
                let row = c.inputs.indices.map { extremes[($0 * 7 + k) % extremes.count] }
                _ = c.evaluate(row, now: k % 2 == 0 ? Int64.min : Int64.max)
                _ = c.evaluate(c.inputs.map { _ in v }, now: 0)
            }
        }
        #expect(compiled > 500)
    }

    @Test("suggestions are close, case-insensitive and deterministic")
    func suggestions() {
        #expect(suggestion(for: "purchses_30d", among: ["purchases_30d", "lifetime_spend"]) == "purchases_30d")
        #expect(suggestion(for: "LOWER_X", among: ["lower_x"]) == "lower_x")
        #expect(suggestion(for: "abc", among: ["xyz"]) == nil)
        #expect(suggestion(for: "totally_different", among: ["purchases_30d"]) == nil)
        #expect(suggestion(for: "spedn", among: ["spend", "spent"]) == "spend")
        #expect(suggestion(for: "x", among: ["x"]) == nil)
    }
}

/// A small deterministic PRNG for the fuzz test.
struct ExprFuzzRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
