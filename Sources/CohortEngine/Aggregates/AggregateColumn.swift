import DequeModule

/// The incremental state of one aggregate attribute over every profile of a collection.
///
/// Each function keeps only what it needs to answer in O(1) after an input arrives or
/// leaves: a count; an integer sum and an exact double sum; a tally of values (for
/// count_distinct, distinct and most_frequent); the current extreme (min, max, first, last).
/// Windowed aggregates also keep their in-window inputs, sorted by time, so they can leave
/// the window as the clock moves. The value always equals `Aggregate.compute` over the
/// inputs present — the exactness tests check it against a batch recomputation.
final class AggregateColumn {
    let function: AggregateFunction
    /// Window length in microseconds; nil for all_time.
    let window: Int64?

    /// In-window inputs per row, sorted by `AggregateInput.precedes`; windowed columns only.
    private(set) var inputs: [Deque<AggregateInput>]
    /// count: inputs.
    private(set) var counts: [Int32]
    /// sum, average: one struct per row, so an update touches one place in memory.
    private(set) var sums: [SumState]
    /// count_distinct, distinct, most_frequent: how many inputs hold each non-null value.
    private(set) var tallies: [[Value: Int32]]
    /// distinct: the sorted list, rebuilt only when the set of values changes.
    private(set) var lists: [Value]
    /// min, max, most_frequent: the current answer (.null when none) and its tally.
    private(set) var best: [Value]
    private(set) var bestCounts: [Int32]
    /// first, last: the input that is the current answer.
    private(set) var edges: [AggregateInput?]

    /// What removing an input did.
    /// The running parts of a sum or average.
    struct SumState {
        /// Numeric inputs, of which doubles; inputs skipped as non-numeric (type warnings).
        var count: Int32 = 0
        var doubles: Int32 = 0
        var warnings: Int32 = 0
        /// Integer inputs summed with wrap-around, doubles summed exactly.
        var intSum: Int64 = 0
        var doubleSum = ExactSum()
    }

    enum Removal {
        case unchanged
        case changed
        /// A min, max, first or last lost its answer. A windowed column finds the next one in
        /// its inputs (`rescanned`); an all-time column keeps none, so `remove` returns this
        /// and the caller rebuilds the row from its history.
        case needsRebuild
    }

    init(function: AggregateFunction, window: Int64?, rows: Int) {
        self.function = function
        self.window = window
        func column<T>(_ used: Bool, _ empty: T) -> [T] { used ? Array(repeating: empty, count: rows) : [] }
        let f = function
        inputs = column(window != nil, [])
        counts = column(f == .count, 0)
        sums = column(f == .sum || f == .average, SumState())
        tallies = column(f == .count_distinct || f == .distinct || f == .most_frequent, [:])
        lists = column(f == .distinct, .list([]))
        best = column(f == .min || f == .max || f == .most_frequent, .null)
        bestCounts = column(f == .most_frequent, 0)
        edges = column(f == .first || f == .last, nil)
    }

    /// Replaces every row's state with what a checkpoint held (see `EngineCheckpoint.swift`,
    /// which checks that each array has the size `init` gives it for this function and window).
    func restore(inputs: [Deque<AggregateInput>], counts: [Int32], sums: [SumState], tallies: [[Value: Int32]],
                 lists: [Value], best: [Value], bestCounts: [Int32], edges: [AggregateInput?]) {
        self.inputs = inputs
        self.counts = counts
        self.sums = sums
        self.tallies = tallies
        self.lists = lists
        self.best = best
        self.bestCounts = bestCounts
        self.edges = edges
    }

    /// The aggregate's value for a row.
    func value(_ row: Int) -> Value {
        switch function {
        case .count: return .int(Int64(counts[row]))
        case .sum, .average:
            let n = Int(sums[row].count), intSum = sums[row].intSum
            if n == 0 { return .null }
            if sums[row].doubles == 0 {
                // All integers: the exact sum of one double is that double.
                return function == .sum ? .int(intSum) : .double(Double(intSum) / Double(n))
            }
            if intSum == 0, case let total = sums[row].doubleSum.value, total != 0 {
                // No integer part to join: the doubles' exact sum as it is (no copy of the partials).
                return .double(function == .sum ? total : total / Double(n))
            }
            return Aggregate.sumResult(function, count: n, intSum: intSum, doubles: sums[row].doubleSum, allInts: false)
        case .count_distinct: return .int(Int64(tallies[row].count))
        case .distinct: return lists[row]
        case .min, .max, .most_frequent: return best[row]
        case .first, .last: return edges[row]?.value ?? .null
        }
    }

    /// Values a sum or average skipped as non-numeric in a row (0 for other functions).
    func warnings(_ row: Int) -> Int { sums.isEmpty ? 0 : Int(sums[row].warnings) }

    /// Adds one input to a row; false when the value certainly did not change.
    @discardableResult
    func insert(_ x: AggregateInput, row: Int) -> Bool {
        if window != nil { Self.insertSorted(x, into: &inputs[row]) }
        return add(x, row: row)
    }

    /// Removes an input added before (a retracted duplicate), found by its identity.
    func remove(_ x: AggregateInput, row: Int) -> Removal {
        if window != nil {
            guard let i = inputs[row].firstIndex(where: { $0.tieID == x.tieID && $0.tieRow == x.tieRow }) else { return .unchanged }
            let held = inputs[row].remove(at: i)
            return rescanned(subtract(CollectionOfOne(held), row: row), row: row)
        }
        return subtract(CollectionOfOne(x), row: row)
    }

    /// Drops the inputs at or before `edge` (now minus the window); true when any left.
    func expire(row: Int, through edge: Int64) -> Bool {
        var drop = 0
        let count = inputs[row].count
        while drop < count, let ts = inputs[row][drop].timestamp, ts <= edge { drop += 1 }
        guard drop > 0 else { return false }
        let removal = subtract(inputs[row][0..<drop], row: row)
        inputs[row].removeFirst(drop)
        _ = rescanned(removal, row: row)
        return true
    }

    /// For a windowed column whose min, max, first or last left: the new answer from the
    /// inputs still in the window.
    private func rescanned(_ removal: Removal, row: Int) -> Removal {
        guard case .needsRebuild = removal, window != nil else { return removal }
        if function == .first || function == .last {
            edges[row] = Aggregate.edge(function, inputs[row])
        } else {
            var w = 0
            best[row] = Aggregate.compute(function, inputs[row], typeWarnings: &w)
        }
        return .changed
    }

    /// The instant the row's oldest in-window input leaves, if it has one.
    func nextExpiry(row: Int) -> Int64? {
        guard let w = window, let oldest = inputs[row].first?.timestamp else { return nil }
        return oldest + w
    }

    /// Forgets everything a row holds (before a rebuild).
    func reset(row: Int) {
        if window != nil { inputs[row] = [] }
        switch function {
        case .count: counts[row] = 0
        case .sum, .average: sums[row] = SumState()
        case .count_distinct, .distinct, .most_frequent:
            tallies[row] = [:]
            if function == .distinct { lists[row] = .list([]) }
            if function == .most_frequent { best[row] = .null; bestCounts[row] = 0 }
        case .min, .max: best[row] = .null
        case .first, .last: edges[row] = nil
        }
    }

    /// Bytes of the accumulators over all rows (inputs not included; see `memoryUse`).
    func stateBytes() -> (total: Int, tallies: Int) {
        typealias E = LiveEngine
        var n = E.bytes(counts) + E.bytes(sums)
        n += E.bytes(lists) + E.bytes(best) + E.bytes(bestCounts) + E.bytes(edges)
        n += sums.reduce(0) { $0 + $1.doubleSum.heapBytes }
        var t = E.bytes(tallies)
        for tally in tallies where tally.capacity > 0 {
            t += 64 + tally.capacity * (MemoryLayout<Value>.stride + MemoryLayout<Int32>.stride) + tally.keys.reduce(0) { $0 + E.outOfLine($1) }
        }
        n += t
        n += lists.reduce(0) { $0 + E.outOfLine($1) } + best.reduce(0) { $0 + E.outOfLine($1) }
        n += edges.reduce(0) { $0 + ($1.map { E.outOfLine($0.value) } ?? 0) }
        return (n, t)
    }

    // MARK: Accumulating

    private func add(_ x: AggregateInput, row: Int) -> Bool {
        let v = x.value
        switch function {
        case .count:
            counts[row] += 1
            return true
        case .sum, .average:
            var w = 0
            guard let number = Aggregate.numericValue(v, typeWarnings: &w) else { sums[row].warnings += Int32(w); return false }
            sums[row].count += 1
            switch number {
            case .int(let i): sums[row].intSum = sums[row].intSum &+ i
            case .double(let d): sums[row].doubles += 1; sums[row].doubleSum.add(d)
            default: break
            }
            return true
        case .count_distinct, .distinct:
            if v.isNull { return false }
            let before = tallies[row].count
            tallies[row][v, default: 0] += 1
            guard tallies[row].count != before else { return false }
            if function == .distinct { lists[row] = .list(tallies[row].keys.sorted()) }
            return true
        case .most_frequent:
            if v.isNull { return false }
            tallies[row][v, default: 0] += 1
            let c = tallies[row][v]!
            if best[row] == v {
                bestCounts[row] = c
                return false
            }
            if best[row].isNull || c > bestCounts[row] || (c == bestCounts[row] && v < best[row]) {
                best[row] = v
                bestCounts[row] = c
                return true
            }
            return false
        case .min, .max:
            if v.isNull { return false }
            let b = best[row]
            if b.isNull || (function == .min ? v < b : b < v) {
                best[row] = v
                return true
            }
            return false
        case .first, .last:
            if v.isNull { return false }
            guard let e = edges[row] else { edges[row] = x; return true }
            if function == .first ? x.precedes(e) : x.followsAsLast(e) {
                edges[row] = x
                return true
            }
            return false
        }
    }

    /// Takes inputs out of the accumulators. `.needsRebuild` when a min, max, first or last
    /// lost its answer (a windowed column then rescans its inputs, see `rescanned`).
    private func subtract<C: Collection<AggregateInput>>(_ gone: C, row: Int) -> Removal {
        switch function {
        case .count:
            counts[row] -= Int32(gone.count)
            return .changed
        case .sum, .average:
            var changed = false
            for x in gone {
                var w = 0
                guard let number = Aggregate.numericValue(x.value, typeWarnings: &w) else { sums[row].warnings -= Int32(w); continue }
                changed = true
                sums[row].count -= 1
                switch number {
                case .int(let i): sums[row].intSum = sums[row].intSum &- i
                case .double(let d):
                    sums[row].doubles -= 1
                    if sums[row].doubles == 0 { sums[row].doubleSum = ExactSum() } else { sums[row].doubleSum.remove(d) }
                default: break
                }
            }
            return changed ? .changed : .unchanged
        case .count_distinct, .distinct, .most_frequent:
            var keysChanged = false, bestLost = false, any = false
            for x in gone where !x.value.isNull {
                any = true
                let v = x.value
                guard let c = tallies[row][v] else { continue }
                if c <= 1 { tallies[row][v] = nil; keysChanged = true } else { tallies[row][v] = c - 1 }
                if function == .most_frequent, best[row] == v { bestLost = true }
            }
            switch function {
            case .count_distinct: return keysChanged ? .changed : .unchanged
            case .distinct:
                guard keysChanged else { return .unchanged }
                lists[row] = .list(tallies[row].keys.sorted())
                return .changed
            default:
                guard any, bestLost else { return .unchanged }
                var top: (Value, Int32)?
                for (v, c) in tallies[row] {
                    if let t = top { if c > t.1 || (c == t.1 && v < t.0) { top = (v, c) } } else { top = (v, c) }
                }
                best[row] = top?.0 ?? .null
                bestCounts[row] = top?.1 ?? 0
                return .changed
            }
        case .min, .max:
            let b = best[row]
            // Only losing a value not strictly worse than the answer can change it.
            let lost = gone.contains { x in !x.value.isNull && (function == .min ? !(b < x.value) : !(x.value < b)) }
            return lost ? .needsRebuild : .unchanged
        case .first, .last:
            guard let e = edges[row], gone.contains(where: { $0.tieID == e.tieID && $0.tieRow == e.tieRow }) else { return .unchanged }
            return .needsRebuild
        }
    }

    /// Inserts keeping (timestamp, id, stream/row) order; arrivals are usually at the end.
    static func insertSorted(_ input: AggregateInput, into list: inout Deque<AggregateInput>) {
        var i = list.count
        while i > 0, input.precedes(list[i - 1]) { i -= 1 }
        if i == list.count { list.append(input) } else { list.insert(input, at: i) }
    }
}
