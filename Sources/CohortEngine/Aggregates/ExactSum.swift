/// An exact running sum of doubles (Shewchuk's partials, as Python's `math.fsum`): values can
/// be added and removed in any order and the result is always the correctly rounded sum of
/// the values present. This is what lets an incrementally maintained `sum` or `average`
/// equal a batch recomputation bit for bit, whatever order events arrived in.
public struct ExactSum: Sendable, Equatable {
    /// Non-overlapping partial sums in increasing magnitude; their exact total is the sum.
    private(set) var partials: [Double] = []
    /// Infinities and NaNs, which the partials cannot hold.
    private(set) var special: Double = 0

    public init() {}

    /// A sum from its parts as `partials` and `special` hold them (a restored checkpoint).
    init(partials: [Double], special: Double) {
        self.partials = partials
        self.special = special
    }

    /// Heap bytes held by the partials.
    var heapBytes: Int { partials.capacity > 0 ? 32 + partials.capacity * MemoryLayout<Double>.stride : 0 }

    public mutating func add(_ x: Double) {
        guard x.isFinite else { special += x; return }
        var x = x
        var i = 0
        for j in partials.indices {
            var y = partials[j]
            if abs(x) < abs(y) { swap(&x, &y) }
            let hi = x + y
            let lo = y - (hi - x)
            if lo != 0 {
                partials[i] = lo
                i += 1
            }
            x = hi
        }
        if !x.isFinite {
            // Overflow of finite values: fall back to the overflowed total.
            partials.removeAll()
            special += x
            return
        }
        partials.removeSubrange(i...)
        partials.append(x)
    }

    public mutating func remove(_ x: Double) {
        guard x.isFinite else { special -= x; return }
        add(-x)
    }

    /// The correctly rounded value of the exact sum.
    public var value: Double {
        if special != 0 || special.isNaN { return special }
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            let yr = hi - x
            lo = y - yr
            if lo != 0 { break }
        }
        // Round half-even across the partials: correct when the next partial has the same sign.
        if n > 0, (lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0) {
            let y = lo * 2
            let x = hi + y
            let yr = x - hi
            if y == yr { hi = x }
        }
        return hi
    }
}
