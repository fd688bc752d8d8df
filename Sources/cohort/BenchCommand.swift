import ArgumentParser
import CohortEngine
import Foundation

/// `cohort bench`: micro-benchmarks of the engine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast the engine runs (build with -c release).",
        subcommands: [ExpressionBenchCommand.self, EngineBenchCommand.self, ConsoleBenchCommand.self, DefinitionsBenchCommand.self, HTTPBenchCommand.self],
        defaultSubcommand: ExpressionBenchCommand.self
    )
}

/// `cohort bench expressions`: evaluations per second of a segment condition on one core.
struct ExpressionBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expressions",
        abstract: "Evaluations per second of a typical segment condition against profile rows, on one core.",
        discussion: """
        The condition reads purchases_30d (bigint), lifetime_spend (double) and loyalty_tier \
        (string); the rows cycle through 1,024 profiles with varied values. Reports the best of \
        several rounds.
        """
    )

    static let defaultExpression = "purchases_30d >= 3 AND lifetime_spend > 500 OR lower(loyalty_tier) = 'gold'"

    @Option(help: ArgumentHelp("The condition to measure; it may read purchases_30d, lifetime_spend and loyalty_tier.", valueName: "EXPR"))
    var expression: String = ExpressionBenchCommand.defaultExpression

    @Option(help: ArgumentHelp("Seconds per round.", valueName: "S"))
    var seconds: Double = 1

    @Option(help: ArgumentHelp("Number of rounds; the best one is reported.", valueName: "N"))
    var rounds: Int = 3

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
        guard rounds >= 1, rounds <= 100 else { throw ValidationError("--rounds must be between 1 and 100") }
    }

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build, which is many times slower; measure with 'swift run -c release cohort bench expressions'")
        #endif
        let columns: [String: ValueType] = ["purchases_30d": .bigint, "lifetime_spend": .double, "loyalty_tier": .string]
        let compiled: CompiledExpression
        switch ExpressionCompiler.compile(expression, scope: ExpressionScope(names: columns)) {
        case .success(let c): compiled = c
        case .failure(let e):
            printError(e.description)
            throw ExitCode(1)
        }
        let rows = Self.profiles(count: 1024).map { p in compiled.inputs.map { p[$0] ?? .null } }
        // The profiles side by side in one table, as a column store holds them.
        let flat = rows.flatMap { $0 }
        let width = compiled.inputs.count
        let now: Int64 = 1_788_264_003_000_000 // 2026-09-01T12:00:03Z

        var trues = 0
        let table = measure { trues &+= Self.evaluate(compiled, flat, width: width, now, count: $0) }
        let arrays = measure { trues &+= Self.evaluate(compiled, rows, now, count: $0) }
        print("expression: \(expression)")
        print("one core, best of \(rounds) round\(rounds == 1 ? "" : "s") of \(table.count) evaluations over \(rows.count) profiles")
        print(String(format: "%.1f million evaluations/s (%.1f ns each)", table.perSecond / 1e6, 1e9 / table.perSecond))
        print(String(format: "  rows passed as [Value] arrays (one retain per call): %.1f million/s (%.1f ns each)",
                     arrays.perSecond / 1e6, 1e9 / arrays.perSecond))
        // The count keeps the evaluations observable to the optimizer.
        if trues < 0 { print(trues) }
    }

    /// Warms up, sizes a batch to --seconds, then times --rounds batches; the best rate wins.
    func measure(_ run: (Int) -> Void) -> (count: Int, perSecond: Double) {
        var batch = 1 << 14
        while true {
            let t = Self.time { run(batch) }
            if t >= 0.05 || batch >= 1 << 30 {
                batch = max(1024, Int(Double(batch) * seconds / max(t, 1e-9)))
                break
            }
            batch *= 4
        }
        var best = Double.infinity
        for _ in 0..<rounds { best = min(best, Self.time { run(batch) }) }
        return (batch, Double(batch) / best)
    }

    @inline(never)
    static func evaluate(_ c: CompiledExpression, _ flat: [Value], width: Int, _ now: Int64, count: Int) -> Int {
        var trues = 0
        let rows = flat.count / max(width, 1)
        let mask = rows - 1
        flat.withUnsafeBufferPointer { buf in
            for i in 0..<count {
                let row = UnsafeBufferPointer(start: buf.baseAddress.map { $0 + (i & mask) * width }, count: width)
                if c.holds(row, now: now) { trues += 1 }
            }
        }
        return trues
    }

    @inline(never)
    static func evaluate(_ c: CompiledExpression, _ rows: [[Value]], _ now: Int64, count: Int) -> Int {
        var trues = 0
        let mask = rows.count - 1
        for i in 0..<count {
            if c.holds(rows[i & mask], now: now) { trues += 1 }
        }
        return trues
    }

    static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Deterministic profiles with a realistic spread of values (a power-of-two count).
    static func profiles(count: Int) -> [[String: Value]] {
        let tiers: [Value] = [.string("gold"), .string("Gold"), .string("silver"), .string("bronze"),
                              .string("Platinum"), .string("GOLD"), .string("silver"), .null]
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        return (0..<count).map { _ in
            [
                "purchases_30d": .int(Int64(next() % 8)),
                "lifetime_spend": .double(Double(next() % 150_000) / 100),
                "loyalty_tier": tiers[Int(next() % UInt64(tiers.count))],
            ]
        }
    }
}
