import Testing
@testable import CohortEngine

/// The visual form's rows: conditions become rows and rows become conditions, and the
/// round trip keeps the meaning (checked by evaluating both on many rows of values).
struct ConditionRowsTests {
    let types: [String: ValueType] = ["spend": .double, "visits": .bigint, "tier": .string, "vip": .boolean,
                                      "tags": .array(.string), "signup": .date]

    @Test("demo-shaped conditions read as rows with the right operators and joiners")
    func parseShapes() throws {
        let rows = try ConditionRow.parse("tier IN ('gold', 'platinum') AND visits >= 7 OR spend BETWEEN 10 AND 20.5").get()
        #expect(rows == [
            ConditionRow(joiner: .and, attribute: "tier", op: .inList, value: "'gold', 'platinum'"),
            ConditionRow(joiner: .and, attribute: "visits", op: .atLeast, value: "7"),
            ConditionRow(joiner: .or, attribute: "spend", op: .between, value: "10, 20.5"),
        ])
        #expect(try ConditionRow.parse("vip IS TRUE").get() == [ConditionRow(attribute: "vip", op: .isTrue)])
        #expect(try ConditionRow.parse("tier IS NULL").get() == [ConditionRow(attribute: "tier", op: .isNull)])
        #expect(try ConditionRow.parse("size(tags) = 0").get() == [ConditionRow(attribute: "tags", op: .isEmpty)])
        #expect(try ConditionRow.parse("startswith(tier, 'go')").get() == [ConditionRow(attribute: "tier", op: .startsWith, value: "'go'")])
        #expect(try ConditionRow.parse("signup > DATE '2026-01-01'").get() == [ConditionRow(attribute: "signup", op: .moreThan, value: "DATE '2026-01-01'")])
        #expect(try ConditionRow.parse("spend < -5").get() == [ConditionRow(attribute: "spend", op: .lessThan, value: "-5")])
    }

    @Test("shapes rows cannot show are refused with a reason; syntax errors keep their position")
    func refuse() {
        guard case .failure(.shape(let why)) = ConditionRow.parse("NOT (visits > 1)") else { Issue.record("NOT accepted"); return }
        #expect(why.contains("NOT (visits > 1)"))
        guard case .failure(.shape) = ConditionRow.parse("(visits > 1 OR spend > 2) AND vip") else { Issue.record("nested OR accepted"); return }
        guard case .failure(.shape) = ConditionRow.parse("visits + 1 > 2") else { Issue.record("arithmetic accepted"); return }
        guard case .failure(.syntax(let e)) = ConditionRow.parse("visits >") else { Issue.record("syntax"); return }
        #expect(e.column == 9)
    }

    @Test("rows to code: string attributes quote bare words, numbers stay numbers, lists use array_contains")
    func code() {
        let rows = [ConditionRow(attribute: "tier", op: .equals, value: "gold"),
                    ConditionRow(joiner: .or, attribute: "visits", op: .inList, value: "1, 2,3"),
                    ConditionRow(attribute: "tags", op: .contains, value: "new"),
                    ConditionRow(attribute: "tier", op: .isEmpty),
                    ConditionRow(attribute: "tier", op: .contains, value: "it's")]
        #expect(ConditionRow.code(rows, types: types)
            == "tier = 'gold' OR visits IN (1, 2, 3) AND array_contains(tags, 'new') AND tier = '' AND contains(tier, 'it''s')")
    }

    @Test("code → rows → code evaluates the same on every row of a grid of values")
    func roundTripMeaning() throws {
        let conditions = [
            "spend > 100 AND visits >= 2 OR tier = 'gold'",
            "tier IN ('gold', 'silver') OR vip IS FALSE AND spend BETWEEN 1 AND 50",
            "visits != 3 AND tier IS NULL OR spend <= 0.5",
            "startswith(tier, 'g') OR contains(tier, 'il') AND visits < 4",
        ]
        let scope = ExpressionScope(names: types)
        let spends: [Value] = [.null, .double(0), .double(0.5), .double(25), .double(150)]
        let visits: [Value] = [.null, .int(0), .int(2), .int(3), .int(9)]
        let tiers: [Value] = [.null, .string("gold"), .string("silver"), .string("bronze")]
        let vips: [Value] = [.null, .bool(true), .bool(false)]
        for text in conditions {
            let rows = try ConditionRow.parse(text).get()
            let back = ConditionRow.code(rows, types: types)
            let a = try ExpressionCompiler.compile(text, scope: scope).get()
            let b = try ExpressionCompiler.compile(back, scope: scope).get()
            func env(_ c: CompiledExpression, _ v: [String: Value]) -> [Value] { c.inputs.map { v[$0] ?? .null } }
            for s in spends { for n in visits { for t in tiers { for p in vips {
                let v: [String: Value] = ["spend": s, "visits": n, "tier": t, "vip": p]
                #expect(a.evaluate(env(a, v), now: 0) == b.evaluate(env(b, v), now: 0), "\(text) vs \(back) at \(v)")
            } } } }
        }
    }
}
