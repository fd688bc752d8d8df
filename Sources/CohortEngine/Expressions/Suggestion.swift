/// The candidate closest to `name` by edit distance (case-insensitive, a transposition counts
/// as one edit), or nil when none is reasonably close. Ties go to the alphabetically first
/// candidate so suggestions are deterministic. A candidate identical to `name` is never
/// suggested.
public func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
    let target = Array(name.lowercased().unicodeScalars)
    guard !target.isEmpty else { return nil }
    // Allow roughly one edit per three characters, at least one and at most three.
    let limit = max(1, min(3, target.count / 3))
    var best: (distance: Int, candidate: String)?
    for candidate in candidates where candidate != name {
        let c = Array(candidate.lowercased().unicodeScalars)
        if abs(c.count - target.count) > limit { continue }
        let d = editDistance(target, c, limit: limit)
        guard d <= limit, d < max(target.count, c.count) else { continue }
        if let b = best {
            if d < b.distance || (d == b.distance && candidate < b.candidate) { best = (d, candidate) }
        } else {
            best = (d, candidate)
        }
    }
    return best?.candidate
}

/// Optimal-string-alignment distance, giving up (returning `limit + 1`) once it must exceed `limit`.
func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev2 = [Int](repeating: 0, count: b.count + 1)
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        var rowMin = cur[0]
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                v = min(v, prev2[j - 2] + 1)
            }
            cur[j] = v
            rowMin = min(rowMin, v)
        }
        if rowMin > limit { return limit + 1 }
        (prev2, prev, cur) = (prev, cur, prev2)
    }
    return prev[b.count]
}
