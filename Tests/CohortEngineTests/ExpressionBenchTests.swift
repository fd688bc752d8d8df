import Foundation
import Testing
import CohortEngine

/// A rough throughput measurement, run only when COHORT_EXPR_BENCH is set
/// (`COHORT_EXPR_BENCH=1 swift test -c release --filter ExpressionBench`). The figure to
/// quote comes from `swift run -c release cohort bench expressions`.
@Suite("Expression throughput")
struct ExpressionBenchTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["COHORT_EXPR_BENCH"] != nil))
    func throughput() throws {
        let scope = ExpressionScope(names: ["purchases_30d": .bigint, "lifetime_spend": .double, "loyalty_tier": .string])
        let cases = [
            "purchases_30d >= 3",
            "purchases_30d >= 3 AND lifetime_spend > 500",
            "purchases_30d >= 3 AND lifetime_spend > 500 OR lower(loyalty_tier) = 'gold'",
            "loyalty_tier = 'gold'",
            "loyalty_tier IN ('gold', 'platinum')",
            "lifetime_spend * 1.1 + purchases_30d > 100",
            "lower(loyalty_tier) = 'gold'",
        ]
        var rows: [[Value]] = []
        for i in 0..<1024 {
            let tier: String = i % 3 == 0 ? "Gold" : "silver"
            let row: [Value] = [Value.int(Int64(i % 7)), Value.double(Double(i % 1000)), Value.string(tier)]
            rows.append(row)
        }
        for source in cases {
            let c = try ExpressionCompiler.compile(source, scope: scope).get()
            let slots = c.inputs.map { ["purchases_30d", "lifetime_spend", "loyalty_tier"].firstIndex(of: $0)! }
            let mapped = rows.map { r in slots.map { r[$0] } }
            let n = 4_000_000
            var trues = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<n {
                if c.holds(mapped[i & 1023], now: 0) { trues += 1 }
            }
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("[bench] \(source): \(Int(Double(n) / secs / 1e6)) M evals/s (\(trues) true)")
        }
    }
}
