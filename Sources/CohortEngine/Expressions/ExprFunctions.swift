/// The built-in functions of the expression language.
extension ExprCompiler {
    static let functionNames: [String] = [
        "coalesce", "nvl", "ifnull", "nullif", "if", "isnull", "isnotnull",
        "lower", "lcase", "upper", "ucase", "trim", "ltrim", "rtrim", "length", "char_length",
        "character_length", "concat", "concat_ws", "substring", "substr", "startswith", "endswith",
        "contains", "round", "floor", "ceil", "ceiling", "abs", "greatest", "least", "datediff",
        "date_add", "date_sub", "current_date", "current_timestamp", "now", "to_date", "year",
        "month", "day", "dayofmonth", "dayofweek", "dayofyear", "quarter", "hour", "minute",
        "second", "size", "array_contains", "array",
    ]

    private func arity(_ name: String, _ count: Int, _ allowed: ClosedRange<Int>, _ pos: ExprPos) throws(ExpressionError) {
        guard !allowed.contains(count) else { return }
        let what: String
        if allowed.upperBound == Int.max {
            what = "at least \(allowed.lowerBound) argument\(allowed.lowerBound == 1 ? "" : "s")"
        } else if allowed.lowerBound == allowed.upperBound {
            what = allowed.lowerBound == 0 ? "no arguments" : "\(allowed.lowerBound) argument\(allowed.lowerBound == 1 ? "" : "s")"
        } else if allowed.upperBound == allowed.lowerBound + 1 {
            what = "\(allowed.lowerBound) or \(allowed.upperBound) arguments"
        } else {
            what = "\(allowed.lowerBound) to \(allowed.upperBound) arguments"
        }
        throw fail(pos, "'\(name)' takes \(what), got \(count)")
    }

    private func argError(_ c: ExprCode, _ fn: String, _ index: Int, _ expected: String) -> ExpressionError {
        fail(c.pos, "argument \(index) of '\(fn)' must be \(expected), got \(c.type)")
    }

    /// Implicit casts to a date (Spark's `ImplicitTypeCasts` for `DateType` inputs).
    func dateArg(_ c: ExprCode, _ fn: String, _ index: Int) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .date, .any: return c
        case .string, .timestamp, .null: return coerce(c, to: .date)
        default: throw argError(c, fn, index, "a date")
        }
    }

    func timestampArg(_ c: ExprCode, _ fn: String, _ index: Int) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .timestamp, .any: return c
        case .string, .date, .null: return coerce(c, to: .timestamp)
        default: throw argError(c, fn, index, "a timestamp")
        }
    }

    func intArg(_ c: ExprCode, _ fn: String, _ index: Int) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .int, .any: return c
        case .string, .null: return coerce(c, to: .int)
        case let t where t.isNumeric: return coerce(c, to: .int)
        default: throw argError(c, fn, index, "an int")
        }
    }

    /// Any numeric type; strings become doubles.
    func numericArg(_ c: ExprCode, _ fn: String, _ index: Int) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .string, .null: return coerce(c, to: .double)
        case let t where t.isNumeric || t == .any: return c
        default: throw argError(c, fn, index, "a number")
        }
    }

    func booleanArg(_ c: ExprCode, _ fn: String, _ index: Int) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .boolean, .any: return c
        case .null: return coerce(c, to: .boolean)
        default: throw argError(c, fn, index, "a boolean")
        }
    }

    /// A string function of one string argument.
    private func stringMap(_ c: ExprCode, _ type: ExprType, _ pos: ExprPos, _ f: @escaping @Sendable (String) -> Value) -> ExprCode {
        let e = c.eval, t = c.type
        return finish(type, pos, [c]) { r, n in
            switch e(r, n) {
            case .string(let s): return f(s)
            case .null: return .null
            case let v: return f(ExprRuntime.text(v, from: t))
            }
        }
    }

    static func stringOf(_ v: Value, _ t: ExprType) -> String? {
        switch v {
        case .string(let s): return s
        case .null: return nil
        default: return ExprRuntime.text(v, from: t)
        }
    }

    /// date ± days, shared by `date_add`, `date_sub` and the `+`/`-` operators. The days are
    /// an int (bigint and fractional numbers are refused, as Spark refuses them); the
    /// functions also take a constant string holding an integer (`date_add(d, '3')`).
    func dateAdd(_ d: ExprCode, _ days: ExprCode, subtract: Bool, fn: String, operator isOperator: Bool = false, at pos: ExprPos) throws(ExpressionError) -> ExprCode {
        let dc = try dateArg(d, fn, 1)
        var nc: ExprCode
        switch days.type {
        case .int, .any: nc = days
        case .null: nc = coerce(days, to: .int)
        case .string where !isOperator:
            guard let v = days.constant else {
                throw fail(days.pos, "the second argument of '\(fn)' must be an int or a constant string holding one, got a string expression",
                           hint: "cast it: CAST(x AS int)")
            }
            if case .string(let text) = v, SparkText.parseStrictInt(text) == nil {
                throw fail(days.pos, "the second argument of '\(fn)' must be an integer, got '\(text)'")
            }
            nc = .const(v.isNull ? .null : .int(Int64(SparkText.parseStrictInt(ExprRuntime.text(v, from: .string))!)), .int, days.pos)
        default:
            throw fail(days.pos, isOperator ? "cannot add \(days.type) to a date with '\(fn)'" : "the second argument of '\(fn)' must be an int, got \(days.type)",
                       hint: days.type == .bigint || days.type.isNumeric ? "cast it: CAST(x AS int)" : "use date_add(date, days)")
        }
        let de = dc.eval, ne = nc.eval
        return finish(.date, pos, [dc, nc]) { r, n in
            guard case .date(let day) = ExprRuntime.toDate(de(r, n)),
                  case .int(let k) = ExprRuntime.toIntegral(ne(r, n), bits: 32) else { return .null }
            let delta = subtract ? 0 &- Int32(truncatingIfNeeded: k) : Int32(truncatingIfNeeded: k)
            return .date(day &+ delta)
        }
    }

    mutating func compileCall(_ rawName: String, _ argNodes: [ExprNode], _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        let name = rawName.lowercased()
        let pos = node.pos
        guard ExprCompiler.functionNames.contains(name) else {
            throw fail(pos, "unknown function '\(rawName)'",
                       hint: suggestion(for: name, among: ExprCompiler.functionNames).map { "did you mean '\($0)'?" })
        }
        var args: [ExprCode] = []
        for a in argNodes { args.append(try compile(a)) }
        let n = args.count

        switch name {
        case "coalesce", "nvl", "ifnull":
            try arity(name, n, name == "coalesce" ? 1...Int.max : 2...2, pos)
            guard let t = ExprType.wider(args.map(\.type)) else {
                throw fail(pos, "'\(name)' needs arguments of compatible types, got \(args.map { $0.type.description }.joined(separator: ", "))")
            }
            let cs = args.map { coerce($0, to: t) }
            // Leading constant nulls can go; a leading non-null constant decides.
            var live: [ExprCode] = []
            for c in cs {
                if let v = c.constant {
                    if v.isNull { continue }
                    if live.isEmpty { var k = c; k.pos = pos; return k }
                }
                live.append(c)
            }
            if live.isEmpty { return .const(.null, t, pos) }
            let evals = live.map(\.eval)
            if evals.count == 2 {
                let a = evals[0], b = evals[1]
                return ExprCode(type: t, eval: { r, n in
                    let v = a(r, n)
                    return v.isNull ? b(r, n) : v
                }, constant: nil, slot: nil, intDigits: nil, pos: pos)
            }
            return ExprCode(type: t, eval: { r, n in
                for e in evals {
                    let v = e(r, n)
                    if !v.isNull { return v }
                }
                return .null
            }, constant: nil, slot: nil, intDigits: nil, pos: pos)

        case "nullif":
            try arity(name, n, 2...2, pos)
            let eq = try compileCompare(.eq, "=", args[0], args[1], at: pos)
            let ee = eq.eval, ae = args[0].eval
            return finish(args[0].type, pos, [eq, args[0]]) { r, n in
                if case .bool(true) = ee(r, n) { return .null }
                return ae(r, n)
            }

        case "if":
            try arity(name, n, 3...3, pos)
            let c = try booleanArg(args[0], name, 1)
            guard let t = ExprType.wider(args[1].type, args[2].type) else {
                throw fail(args[2].pos, "'if' needs results of compatible types, got \(args[1].type) and \(args[2].type)")
            }
            let a = coerce(args[1], to: t), b = coerce(args[2], to: t)
            if let k = c.constant {
                var chosen = ExprRuntime.truth(k) == true ? a : b
                chosen.pos = pos
                return chosen
            }
            let ce = c.eval, ae = a.eval, be = b.eval
            return ExprCode(type: t, eval: { r, n in
                ExprRuntime.truth(ce(r, n)) == true ? ae(r, n) : be(r, n)
            }, constant: nil, slot: nil, intDigits: nil, pos: pos)

        case "isnull", "isnotnull":
            try arity(name, n, 1...1, pos)
            let e = args[0].eval
            let want = name == "isnull"
            return finish(.boolean, pos, args) { r, n in .bool(e(r, n).isNull == want) }

        case "lower", "lcase", "upper", "ucase":
            try arity(name, n, 1...1, pos)
            let s = try stringArg(args[0], fn: name, index: 1)
            let upper = !(name == "lower" || name == "lcase")
            var code = upper ? stringMap(s, .string, pos) { .string(SparkText.upper($0)) }
                             : stringMap(s, .string, pos) { .string(SparkText.lower($0)) }
            if code.constant == nil, s.type == .string { code.caseMapped = (s.eval, s.slot, upper) }
            return code

        case "trim", "ltrim", "rtrim":
            try arity(name, n, 1...1, pos)
            let s = try stringArg(args[0], fn: name, index: 1)
            let left = name != "rtrim", right = name != "ltrim"
            return stringMap(s, .string, pos) { str in
                let u = str.utf8
                var a = u.startIndex, b = u.endIndex
                if left { while a < b, u[a] == 0x20 { a = u.index(after: a) } }
                if right { while b > a, u[u.index(before: b)] == 0x20 { b = u.index(before: b) } }
                if a == u.startIndex && b == u.endIndex { return .string(str) }
                return .string(String(Substring(str)[a..<b]))
            }

        case "length", "char_length", "character_length":
            try arity(name, n, 1...1, pos)
            let s = try stringArg(args[0], fn: name, index: 1)
            return stringMap(s, .int, pos) { .int(Int64($0.unicodeScalars.count)) }

        case "concat":
            return try compileConcat(args, node, name: "concat")

        case "concat_ws":
            try arity(name, n, 1...Int.max, pos)
            let sep = try stringArg(args[0], fn: name, index: 1)
            var parts: [ExprCode] = []
            for (i, a) in args.dropFirst().enumerated() {
                if case .array(let e) = a.type {
                    if e != .string && !e.isAtomic && e != .null && e != .any {
                        throw argError(a, name, i + 2, "a string or an array of strings")
                    }
                    parts.append(a)
                } else {
                    parts.append(try stringArg(a, fn: name, index: i + 2))
                }
            }
            let se = sep.eval, st = sep.type
            let pe = parts.map(\.eval), pt = parts.map(\.type)
            return finish(.string, pos, [sep] + parts) { r, n in
                guard let s = ExprCompiler.stringOf(se(r, n), st) else { return .null }
                var out = ""
                var first = true
                for (k, e) in pe.enumerated() {
                    let v = e(r, n)
                    if case .list(let items) = v {
                        var et: ExprType = .any
                        if case .array(let x) = pt[k] { et = x }
                        for it in items {
                            guard let t = ExprCompiler.stringOf(it, et) else { continue }
                            if !first { out += s }
                            out += t
                            first = false
                        }
                        continue
                    }
                    guard let t = ExprCompiler.stringOf(v, pt[k]) else { continue }
                    if !first { out += s }
                    out += t
                    first = false
                }
                return .string(out)
            }

        case "substring", "substr":
            try arity(name, n, 2...3, pos)
            let s = try stringArg(args[0], fn: name, index: 1)
            let p = try intArg(args[1], name, 2)
            let l = n == 3 ? try intArg(args[2], name, 3) : ExprCode.const(.int(Int64(Int32.max)), .int, pos)
            let se = s.eval, pe = p.eval, le = l.eval, st = s.type
            return finish(.string, pos, [s, p, l]) { r, n in
                guard let str = ExprCompiler.stringOf(se(r, n), st),
                      case .int(let start) = ExprRuntime.toIntegral(pe(r, n), bits: 32),
                      case .int(let len) = ExprRuntime.toIntegral(le(r, n), bits: 32) else { return .null }
                return .string(ExprCompiler.substringSQL(str, Int(start), Int(len)))
            }

        case "startswith", "endswith", "contains":
            try arity(name, n, 2...2, pos)
            let a = try stringArg(args[0], fn: name, index: 1)
            let b = try stringArg(args[1], fn: name, index: 2)
            let ae = a.eval, be = b.eval, at = a.type, bt = b.type
            let kind = name
            return finish(.boolean, pos, [a, b]) { r, n in
                guard let x = ExprCompiler.stringOf(ae(r, n), at), let y = ExprCompiler.stringOf(be(r, n), bt) else { return .null }
                switch kind {
                case "startswith": return .bool(x.utf8.starts(with: y.utf8))
                case "endswith": return .bool(x.utf8.count >= y.utf8.count && x.utf8.reversed().starts(with: y.utf8.reversed()))
                default: return .bool(ExprCompiler.utf8Contains(x, y))
                }
            }

        case "round":
            try arity(name, n, 1...2, pos)
            return try roundLike(name, args, mode: .halfUp, pos)

        case "floor", "ceil", "ceiling":
            try arity(name, n, 1...2, pos)
            let mode: SparkText.RoundMode = name == "floor" ? .floor : .ceiling
            if n == 2 { return try roundLike(name, args, mode: mode, pos) }
            let x = try numericArg(args[0], name, 1)
            let e = x.eval
            let isFloor = mode == .floor
            if case .decimal(let p, let sc) = x.type {
                // A decimal keeps its integral digits (plus one for the carry) at scale 0.
                return finish(.decimal(min(p - sc + 1, 38), 0), pos, [x]) { r, n in
                    guard let d = ExprRuntime.numericOperand(e(r, n)) else { return .null }
                    return .double(isFloor ? d.rounded(.down) : d.rounded(.up))
                }
            }
            return finish(.bigint, pos, [x]) { r, n in
                switch e(r, n) {
                case .int(let i): return .int(i)
                case .double(let d): return .int(ExprRuntime.saturatingInt64(isFloor ? d.rounded(.down) : d.rounded(.up)))
                case .string(let s):
                    guard let d = SparkText.parseDouble(s) else { return .null }
                    return .int(ExprRuntime.saturatingInt64(isFloor ? d.rounded(.down) : d.rounded(.up)))
                default: return .null
                }
            }

        case "abs":
            try arity(name, n, 1...1, pos)
            let x = try numericArg(args[0], name, 1)
            let e = x.eval
            let is32 = x.type == .int
            return finish(x.type, pos, [x]) { r, n in
                switch e(r, n) {
                case .int(let i):
                    let a = i < 0 ? 0 &- i : i
                    return .int(is32 ? ExprRuntime.wrap32(a) : a)
                case .double(let d): return .double(d.magnitude)
                case .string(let s):
                    guard let d = SparkText.parseDouble(s) else { return .null }
                    return .double(d.magnitude)
                default: return .null
                }
            }

        case "greatest", "least":
            try arity(name, n, 2...Int.max, pos)
            guard let t = ExprType.widerWithoutString(args.map(\.type)) else {
                throw fail(pos, "'\(name)' needs arguments of the same type, got \(args.map { $0.type.description }.joined(separator: ", "))")
            }
            let evals = args.map { coerce($0, to: t).eval }
            let wantGreater = name == "greatest"
            return finish(t, pos, args) { r, n in
                var best: Value = .null
                for e in evals {
                    let v = e(r, n)
                    if v.isNull { continue }
                    if best.isNull { best = v; continue }
                    guard let c = ExprRuntime.compare(v, best) else { continue }
                    if wantGreater ? c > 0 : c < 0 { best = v }
                }
                return best
            }

        case "datediff":
            try arity(name, n, 2...2, pos)
            let a = try dateArg(args[0], name, 1), b = try dateArg(args[1], name, 2)
            let ae = a.eval, be = b.eval
            return finish(.int, pos, [a, b]) { r, n in
                guard case .date(let x) = ExprRuntime.toDate(ae(r, n)), case .date(let y) = ExprRuntime.toDate(be(r, n)) else { return .null }
                return .int(ExprRuntime.wrap32(Int64(x) - Int64(y)))
            }

        case "date_add", "date_sub":
            try arity(name, n, 2...2, pos)
            return try dateAdd(args[0], args[1], subtract: name == "date_sub", fn: name, at: pos)

        case "current_date":
            try arity(name, n, 0...0, pos)
            readsClock = true
            return ExprCode(type: .date, eval: { _, now in
                .date(ExprRuntime.day(ofMicros: now))
            }, constant: nil, slot: nil, intDigits: nil, pos: pos)

        case "current_timestamp", "now":
            try arity(name, n, 0...0, pos)
            readsClock = true
            readsTimestamp = true
            return ExprCode(type: .timestamp, eval: { _, now in .timestamp(now) },
                            constant: nil, slot: nil, intDigits: nil, pos: pos)

        case "to_date":
            try arity(name, n, 1...2, pos)
            if n == 1 {
                switch args[0].type {
                case .date, .timestamp, .string, .null, .any: return try dateArg(args[0], name, 1)
                case let t where t.isAtomic: return coerce(coerce(args[0], to: .string), to: .date)
                default: throw argError(args[0], name, 1, "a string, date or timestamp")
                }
            }
            let s = try stringArg(args[0], fn: name, index: 1)
            let f = try stringArg(args[1], fn: name, index: 2)
            let se = s.eval, st = s.type
            if let fv = f.constant {
                guard case .string(let fs) = fv else { return .const(.null, .date, pos) }
                guard let pattern = DatePattern(fs) else {
                    throw fail(f.pos, "unsupported date pattern '\(fs)'", hint: "use letters such as yyyy, MM, dd, HH, mm, ss")
                }
                return finish(.date, pos, [s]) { r, n in
                    let v = se(r, n)
                    if case .date = v { return v }
                    if case .timestamp = v { return ExprRuntime.toDate(v) }
                    guard let str = ExprCompiler.stringOf(v, st), let d = pattern.parseDate(str) else { return .null }
                    return .date(d)
                }
            }
            let fe = f.eval
            return finish(.date, pos, [s, f]) { r, n in
                guard let str = ExprCompiler.stringOf(se(r, n), st), case .string(let fs) = fe(r, n),
                      let pattern = DatePattern(fs), let d = pattern.parseDate(str) else { return .null }
                return .date(d)
            }

        case "year", "month", "day", "dayofmonth", "dayofweek", "dayofyear", "quarter":
            try arity(name, n, 1...1, pos)
            let d = try dateArg(args[0], name, 1)
            let e = d.eval
            let part = name
            return finish(.int, pos, [d]) { r, n in
                guard case .date(let day) = ExprRuntime.toDate(e(r, n)) else { return .null }
                let (y, m, dd) = CivilTime.civil(fromDays: Int64(day))
                switch part {
                case "year": return .int(Int64(y))
                case "month": return .int(Int64(m))
                case "quarter": return .int(Int64((m - 1) / 3 + 1))
                case "dayofweek": return .int(ExprRuntime.floorMod(Int64(day) + 4, 7) + 1)
                case "dayofyear": return .int(Int64(day) - CivilTime.days(year: y, month: 1, day: 1) + 1)
                default: return .int(Int64(dd))
                }
            }

        case "hour", "minute", "second":
            try arity(name, n, 1...1, pos)
            let t = try timestampArg(args[0], name, 1)
            let e = t.eval
            let div: Int64 = name == "hour" ? CivilTime.microsPerHour : (name == "minute" ? 60_000_000 : 1_000_000)
            let mod: Int64 = name == "hour" ? 24 : 60
            return finish(.int, pos, [t]) { r, n in
                guard case .timestamp(let ts) = ExprRuntime.toTimestamp(e(r, n)) else { return .null }
                let inDay = ExprRuntime.floorMod(ts, CivilTime.microsPerDay)
                return .int((inDay / div) % mod)
            }

        case "size":
            try arity(name, n, 1...1, pos)
            let a = args[0]
            switch a.type {
            case .array, .null, .any: break
            default: throw argError(a, name, 1, "an array")
            }
            let e = a.eval
            return finish(.int, pos, [a]) { r, n in
                switch e(r, n) {
                case .list(let items): return .int(Int64(items.count))
                case .null: return .int(-1)
                default: return .null
                }
            }

        case "array_contains":
            try arity(name, n, 2...2, pos)
            let a = args[0], v = args[1]
            var elem: ExprType = .any
            switch a.type {
            case .array(let e): elem = e
            case .any: elem = .any
            default: throw argError(a, name, 1, "an array")
            }
            if v.type == .null {
                throw fail(v.pos, "argument 2 of 'array_contains' must not be a null literal")
            }
            guard let common = ExprType.widerWithoutString(elem, v.type) else {
                throw fail(v.pos, "argument 2 of 'array_contains' must match the array's element type \(elem), got \(v.type)")
            }
            let ac = coerce(a, to: elem == .null || elem == .any ? a.type : .array(common))
            let vc = coerce(v, to: common)
            let ae = ac.eval, ve = vc.eval
            return finish(.boolean, pos, [ac, vc]) { r, n in
                guard case .list(let items) = ae(r, n) else { return .null }
                let x = ve(r, n)
                if x.isNull { return .null }
                var sawNull = false
                for it in items {
                    if it.isNull { sawNull = true; continue }
                    if ExprRuntime.compare(it, x) == 0 { return .bool(true) }
                }
                return sawNull ? .null : .bool(false)
            }

        case "array":
            guard let t = ExprType.wider(args.map(\.type)) else {
                throw fail(pos, "'array' needs elements of compatible types, got \(args.map { $0.type.description }.joined(separator: ", "))")
            }
            let elemType: ExprType = n == 0 ? .null : t
            let evals = args.map { coerce($0, to: elemType).eval }
            return finish(.array(elemType), pos, args) { r, n in .list(evals.map { $0(r, n) }) }

        default:
            throw fail(pos, "unknown function '\(rawName)'")
        }
    }

    /// round / floor / ceil with a scale. `round` keeps an integral or double argument's type;
    /// `floor` and `ceil` with a scale work on decimals (Spark casts an int to decimal(10,0), a
    /// bigint to decimal(20,0) and a double to decimal(30,15) first).
    private func roundLike(_ name: String, _ args: [ExprCode], mode: SparkText.RoundMode, _ pos: ExprPos) throws(ExpressionError) -> ExprCode {
        let x = try numericArg(args[0], name, 1)
        var scale = 0
        var nullScale = false
        if args.count == 2 {
            let s = try intArg(args[1], name, 2)
            guard let sv = s.constant else {
                throw fail(args[1].pos, "the scale of '\(name)' must be a constant integer")
            }
            if case .int(let k) = sv { scale = Int(k) } else { nullScale = true }
        }
        let toDecimal = mode != .halfUp && x.type != .any
        var shape: (p: Int, s: Int)? = x.type.decimalShape
        if toDecimal, shape == nil { shape = (30, 15) }
        var t = x.type
        if let (p, s) = shape, toDecimal || x.type.isDecimal {
            let intDigits = p - s + 1
            if scale < 0 {
                t = .decimal(min(max(intDigits, -scale + 1), 38), 0)
            } else {
                let ns = min(s, scale)
                t = .decimal(min(intDigits + ns, 38), ns)
            }
        }
        if nullScale { return .const(.null, t, pos) }
        let e = x.eval
        let is32 = t == .int
        let sc = scale
        let fromDouble = toDecimal && !x.type.isDecimal && !x.type.isIntegral
        let decimalResult = t.isDecimal
        return finish(t, pos, [x]) { r, n in
            var v = e(r, n)
            if case .string(let s) = v {
                guard let d = SparkText.parseDouble(s) else { return .null }
                v = .double(d)
            }
            switch v {
            case .int(let i):
                var res = i
                if sc < 0 {
                    if sc < -18 { return decimalResult ? .double(0) : .int(0) }
                    let f = Int64(ExprRuntime.powersOfTen[-sc])
                    let q = i / f, rem = i % f
                    res = q
                    switch mode {
                    case .halfUp: if rem.magnitude * 2 >= f.magnitude { res = q + (i < 0 ? -1 : 1) }
                    case .halfEven:
                        if rem.magnitude * 2 > f.magnitude || (rem.magnitude * 2 == f.magnitude && q % 2 != 0) { res = q + (i < 0 ? -1 : 1) }
                    case .floor: if rem < 0 { res = q - 1 }
                    case .ceiling: if rem > 0 { res = q + 1 }
                    case .down: break
                    }
                    res = res &* f
                }
                if decimalResult { return .double(Double(res)) }
                return .int(is32 ? ExprRuntime.wrap32(res) : res)
            case .double(var d):
                if fromDouble {
                    // The cast to decimal(30,15) rounds half up at 15 places first.
                    guard d.isFinite else { return .null }
                    d = SparkText.round(d, scale: 15)
                }
                return .double(SparkText.round(d, scale: sc, mode: mode))
            default: return .null
            }
        }
    }

    /// `UTF8String.substringSQL` on Unicode scalars.
    static func substringSQL(_ s: String, _ pos: Int, _ length: Int) -> String {
        let scalars = s.unicodeScalars
        let len = scalars.count
        let start = pos > 0 ? pos - 1 : (pos < 0 ? len + pos : 0)
        let end = length == Int(Int32.max) ? Int.max : start + length
        let from = max(start, 0)
        if from >= end || from >= len { return "" }
        let to = min(end, len)
        let a = scalars.index(scalars.startIndex, offsetBy: from)
        let b = scalars.index(a, offsetBy: to - from)
        return String(scalars[a..<b])
    }

    static func utf8Contains(_ hay: String, _ needle: String) -> Bool {
        if needle.isEmpty { return true }
        var h = hay, nd = needle
        return h.withUTF8 { hb in
            nd.withUTF8 { nb in
                LikePattern.find(Array(nb), in: hb, from: 0, to: hb.count) != nil
            }
        }
    }
}

/// A Spark datetime pattern (`yyyy-MM-dd`, `dd/MM/yyyy HH:mm`, …) for `to_date`.
struct DatePattern: Sendable {
    enum Field: Sendable { case year(Int), month(Int), monthName(Bool), day(Int), hour(Int), minute(Int), second(Int), fraction(Int), literal(String) }
    let fields: [Field]

    init?(_ pattern: String) {
        var out: [Field] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                var j = i + 1
                var lit = ""
                while j < chars.count, chars[j] != "'" { lit.append(chars[j]); j += 1 }
                if j >= chars.count { return nil }
                out.append(.literal(lit.isEmpty ? "'" : lit))
                i = j + 1
                continue
            }
            if c.isLetter {
                var j = i
                while j < chars.count, chars[j] == c { j += 1 }
                let count = j - i
                switch c {
                case "y", "u": out.append(.year(count))
                case "M", "L": out.append(count >= 3 ? .monthName(count >= 4) : .month(count))
                case "d": out.append(.day(count))
                case "H": out.append(.hour(count))
                case "m": out.append(.minute(count))
                case "s": out.append(.second(count))
                case "S": out.append(.fraction(count))
                default: return nil
                }
                i = j
                continue
            }
            out.append(.literal(String(c)))
            i += 1
        }
        fields = out
    }

    static let monthNames = ["january", "february", "march", "april", "may", "june", "july",
                             "august", "september", "october", "november", "december"]

    func parseDate(_ text: String) -> Int32? {
        let u = Array(text.utf8)
        var i = 0
        var y = 1970, m = 1, d = 1
        func number(_ minDigits: Int, _ maxDigits: Int) -> Int? {
            var v = 0, n = 0
            while i < u.count, n < maxDigits, u[i] >= 48, u[i] <= 57 { v = v * 10 + Int(u[i] - 48); i += 1; n += 1 }
            return n >= minDigits ? v : nil
        }
        for f in fields {
            switch f {
            case .year(let c):
                if c == 2 {
                    guard let v = number(2, 2) else { return nil }
                    y = 2000 + v
                } else {
                    guard let v = number(max(c, 1), max(c, 4) == 4 ? 4 : c) else { return nil }
                    y = v
                }
            case .month(let c): guard let v = number(c, 2) else { return nil }; m = v
            case .day(let c): guard let v = number(c, 2) else { return nil }; d = v
            case .hour(let c), .minute(let c), .second(let c):
                guard let v = number(c, 2), v < 60 else { return nil }
                _ = v
            case .fraction(let c): guard number(c, c) != nil else { return nil }
            case .monthName(let full):
                let rest = String(decoding: u[i...], as: UTF8.self).lowercased()
                var found = false
                for (k, name) in DatePattern.monthNames.enumerated() {
                    let key = full ? name : String(name.prefix(3))
                    if rest.hasPrefix(key) { m = k + 1; i += key.utf8.count; found = true; break }
                }
                if !found { return nil }
            case .literal(let s):
                let b = Array(s.utf8)
                guard i + b.count <= u.count, Array(u[i..<(i + b.count)]) == b else { return nil }
                i += b.count
            }
        }
        guard i == u.count, (1...12).contains(m), d >= 1, d <= CivilTime.daysInMonth(year: y, month: m) else { return nil }
        return Int32(exactly: CivilTime.days(year: y, month: m, day: d))
    }
}
