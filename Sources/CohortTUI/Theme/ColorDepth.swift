/// How many colours a terminal can show, from none at all (`NO_COLOR`, monochrome) to 24-bit.
public enum ColorDepth: Int, Sendable, Comparable, CaseIterable {
    /// No colour: only attributes, from the theme's `mono` styles.
    case none
    /// The 8 basic ANSI colours.
    case eight
    /// The 8 basic ANSI colours and their bright variants.
    case sixteen
    /// The xterm 256-colour palette.
    case c256
    /// 24-bit colour.
    case direct

    /// The depth of a terminal that reports `count` colours (curses' `COLORS`).
    public init(colorCount count: Int) {
        switch count {
        case 0x1000000...: self = .direct
        case 256...: self = .c256
        case 16...: self = .sixteen
        case 8...: self = .eight
        default: self = .none
        }
    }

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }
}

/// A colour as a terminal of `depth` can show it: 24-bit colours go to the nearest xterm-256
/// colour on 256-colour terminals and to the nearest basic colour of the same hue family on
/// 16- and 8-colour ones; indexed colours above the depth are mapped down the same way;
/// with no colour at all everything is the terminal's own.
public func reduced(_ color: ThemeColor, to depth: ColorDepth) -> ThemeColor {
    switch (color, depth) {
    case (.terminalDefault, _), (_, .direct):
        return color
    case (_, .none):
        return .terminalDefault
    case (.rgb(let r, let g, let b), .c256):
        return .indexed(XtermPalette.nearest256(r, g, b))
    case (.indexed, .c256):
        return color
    case (.indexed(let i), .sixteen):
        if i < 16 { return color }
        let (r, g, b) = XtermPalette.rgb(i)
        return .indexed(XtermPalette.nearestBasic(r, g, b, bright: true))
    case (.indexed(let i), .eight):
        if i < 8 { return color }
        // Bright variants fall back to their normal colour, as 8-colour terminals show them.
        if i < 16 { return .indexed(i - 8) }
        let (r, g, b) = XtermPalette.rgb(i)
        return .indexed(XtermPalette.nearestBasic(r, g, b, bright: false))
    case (.rgb(let r, let g, let b), .sixteen):
        return .indexed(XtermPalette.nearestBasic(r, g, b, bright: true))
    case (.rgb(let r, let g, let b), .eight):
        return .indexed(XtermPalette.nearestBasic(r, g, b, bright: false))
    }
}

/// The xterm palette: the 16 basic colours, the 6×6×6 cube and the 24-step grey ramp.
enum XtermPalette {
    /// xterm's default RGB values for colours 0–15.
    static let basic: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
        (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    /// The six channel levels of the colour cube (indices 16–231).
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The RGB value of an indexed colour.
    static func rgb(_ index: UInt8) -> (UInt8, UInt8, UInt8) {
        let i = Int(index)
        if i < 16 { return basic[i] }
        if i >= 232 {
            let v = UInt8(8 + 10 * (i - 232))
            return (v, v, v)
        }
        let c = i - 16
        return (UInt8(cubeLevels[c / 36]), UInt8(cubeLevels[(c / 6) % 6]), UInt8(cubeLevels[c % 6]))
    }

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return dr * dr + dg * dg + db * db
    }

    /// The nearer (by squared RGB distance) of the closest cube colour and the closest grey.
    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let c = (Int(r), Int(g), Int(b))
        func level(_ v: Int) -> Int {
            var best = 0
            for i in 1..<cubeLevels.count where abs(cubeLevels[i] - v) < abs(cubeLevels[best] - v) { best = i }
            return best
        }
        let (lr, lg, lb) = (level(c.0), level(c.1), level(c.2))
        let cube = (cubeLevels[lr], cubeLevels[lg], cubeLevels[lb])
        let cubeIndex = 16 + 36 * lr + 6 * lg + lb
        let average = (c.0 + c.1 + c.2) / 3
        let step = min(23, max(0, (average - 8 + 5) / 10))
        let grey = 8 + 10 * step
        if distance(c, (grey, grey, grey)) < distance(c, cube) { return UInt8(232 + step) }
        return UInt8(cubeIndex)
    }

    /// The nearest basic colour that keeps the colour's meaning: a clearly coloured value goes
    /// to its hue family (red, yellow, green, cyan, blue, magenta; the normal or bright variant,
    /// whichever is nearer), a greyish one to black, grey or white. Plain RGB distance alone
    /// would turn a mint green into cyan and a pale red into grey.
    static func nearestBasic(_ r: UInt8, _ g: UInt8, _ b: UInt8, bright: Bool) -> UInt8 {
        let c = (Int(r), Int(g), Int(b))
        let hi = max(c.0, c.1, c.2), lo = min(c.0, c.1, c.2)
        let chroma = hi - lo
        var candidates: [Int]
        if chroma >= 48, hi >= 64 {
            // Hue in degrees, then the 60°-wide sector around each basic hue.
            var hue: Double
            let d = Double(chroma)
            if hi == c.0 { hue = 60 * (Double(c.1 - c.2) / d) } else if hi == c.1 { hue = 60 * (Double(c.2 - c.0) / d) + 120 } else { hue = 60 * (Double(c.0 - c.1) / d) + 240 }
            if hue < 0 { hue += 360 }
            // Sector order from 0°: red, yellow, green, cyan, blue, magenta → ANSI 1, 3, 2, 6, 4, 5.
            let ansi = [1, 3, 2, 6, 4, 5]
            let sector = Int(((hue + 30).truncatingRemainder(dividingBy: 360)) / 60)
            candidates = [ansi[sector]]
        } else {
            candidates = [0, 7]
        }
        if bright { candidates += candidates.map { $0 + 8 } }
        var best = candidates[0]
        for i in candidates.dropFirst() {
            let p = basic[i], q = basic[best]
            if distance(c, (Int(p.0), Int(p.1), Int(p.2))) < distance(c, (Int(q.0), Int(q.1), Int(q.2))) { best = i }
        }
        return UInt8(best)
    }
}
