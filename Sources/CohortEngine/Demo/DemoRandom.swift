/// The demo generator's own pseudo-random numbers: xoshiro256** seeded through SplitMix64.
///
/// Every stream of numbers is derived from the user's seed, a label and an index, so a
/// customer's events depend only on (seed, customer) and never on the order in which other
/// parts of the workspace were generated. Only exact IEEE-754 operations (+ − × ÷ and the
/// exponent/significand split) are used for doubles, never libm, so the same seed gives the
/// same bytes on every machine.
struct DemoRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64, label: String, index: Int = 0) {
        var x = seed ^ DemoRandom.fnv1a(label) ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        s0 = DemoRandom.splitMix(&x)
        s1 = DemoRandom.splitMix(&x)
        s2 = DemoRandom.splitMix(&x)
        s3 = DemoRandom.splitMix(&x)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x = x &+ 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    mutating func next() -> UInt64 {
        let result = DemoRandom.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = DemoRandom.rotl(s3, 45)
        return result
    }

    /// A uniform integer in `0..<n` (n > 0).
    mutating func int(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A uniform integer in `a...b`.
    mutating func between(_ a: Int, _ b: Int) -> Int { a + int(b - a + 1) }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniform double in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }

    /// An exponentially distributed double with the given mean.
    mutating func exponential(mean: Double) -> Double { -mean * DemoRandom.log(1 - unit()) }

    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

    /// An index drawn with the given (non-negative integer) weights.
    mutating func weighted(_ weights: [Int]) -> Int {
        var total = 0
        for w in weights { total += w }
        var r = int(total)
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }

    /// Natural logarithm of x > 0 from exact operations only (range reduction to
    /// [√½, √2), then the atanh series), so it is bit-identical everywhere.
    static func log(_ x: Double) -> Double {
        precondition(x > 0)
        var e = Double(Int(x.exponent))
        var m = x.significand  // [1, 2)
        if m > 1.4142135623730951 {
            m = m / 2
            e += 1
        }
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var term = z
        var sum = 0.0
        var k = 1.0
        for _ in 0..<14 {
            sum += term / k
            term *= z2
            k += 2
        }
        return e * 0.6931471805599453 + 2 * sum
    }
}
