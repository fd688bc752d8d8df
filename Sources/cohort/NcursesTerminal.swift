import CNcursesw
import CohortTUI
import Foundation

/// Why the console cannot start: the terminal (by its `TERM` name) cannot show it.
/// Print it as `cohort: \(error)` and exit 1; nothing about the tty has been changed.
struct TerminalUnavailable: Error, CustomStringConvertible {
    /// `TERM` as given (empty when unset).
    let name: String
    /// Set when the terminal type is not the problem (input or output is not a terminal).
    var notATerminal = false
    var description: String {
        if notATerminal { return "the console needs a terminal: standard input and output must be a tty (try 'cohort replay' for headless use)" }
        if name.isEmpty { return "TERM is not set; the console needs a terminal that can address the cursor (e.g. TERM=xterm-256color)" }
        return "terminal '\(name)' cannot run the console"
    }
}

/// The real terminal: ncurses (wide-character build) behind the `Terminal` protocol.
/// The only file that imports CNcursesw.
final class NcursesTerminal: Terminal {
    /// The colours this terminal shows; `.none` with `NO_COLOR` or without colour support.
    let depth: ColorDepth
    /// The terminal type actually used (TERM, or the fallback that worked).
    let termName: String

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let defaultColors: Bool
    private var theme: Theme
    /// Attributes and colour pair by `Role.index`, built for the current theme on first use.
    private var roleLooks: [(attr: attr_t, pair: Int32)?]
    /// curses attributes for each combination of `TextAttributes` (5 bits).
    private let attrTable: [attr_t]
    private var closed = false

    /// Starts curses on the controlling terminal, or throws `TerminalUnavailable` having
    /// touched nothing. A `TERM` that terminfo does not know falls back to xterm-256color,
    /// xterm, then vt100; `dumb`, unset, or a known terminal without cursor addressing fails.
    init(theme: Theme, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let given = environment["TERM"] ?? ""
        setlocale(LC_ALL, "")
        if environment["LC_ALL"].isEmptyOrNil, environment["LC_CTYPE"].isEmptyOrNil, environment["LANG"].isEmptyOrNil {
            // No locale configured at all (a bare ssh or tmux environment): wide characters
            // need a UTF-8 one, and C.UTF-8 is always there on glibc.
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalUnavailable(name: given, notATerminal: true)
        }
        guard !given.isEmpty, given != "dumb" else { throw TerminalUnavailable(name: given) }
        var chosen: String?
        for candidate in [given, "xterm-256color", "xterm", "vt100"] {
            let usable = cn_term_usable(candidate)
            if usable == 1 { chosen = candidate; break }
            // A terminal terminfo knows but that cannot address the cursor gets no fallback.
            if usable == 0, candidate == given { break }
        }
        guard let chosen else { throw TerminalUnavailable(name: given) }

        cn_install_signal_handlers()
        _ = cn_hold_stderr()  // best effort: without a temporary file stderr stays where it is
        guard let scr = cn_newterm(chosen), let win = cn_stdscr() else {
            cn_release_stderr()
            cn_restore_signal_handlers()
            throw TerminalUnavailable(name: given)
        }
        cn_set_screen_active(1)
        cn_register_exit_hook()
        screen = scr
        window = win
        termName = chosen

        cbreak()
        noecho()
        nonl()
        cn_keys_not_flow_control()
        keypad(win, true)
        intrflush(win, false)
        set_escdelay(25)
        curs_set(0)
        cn_enable_mouse()

        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        if !noColor, has_colors(), start_color() == OK {
            defaultColors = use_default_colors() == OK
            depth = ColorDepth(colorCount: Int(cn_colors()))
        } else {
            // Without start_color curses never emits a colour sequence.
            defaultColors = true
            depth = .none
        }

        var table: [attr_t] = []
        for bits in 0..<32 {
            let a = TextAttributes(rawValue: UInt8(bits))
            var v: attr_t = 0
            if a.contains(.bold) { v |= cn_attr_bold() }
            if a.contains(.underline) { v |= cn_attr_underline() }
            if a.contains(.reverse) { v |= cn_attr_reverse() }
            if a.contains(.dim) { v |= cn_attr_dim() }
            if a.contains(.italic) { v |= cn_attr_italic() }
            table.append(v)
        }
        attrTable = table
        self.theme = theme
        roleLooks = Array(repeating: nil, count: Role.allCases.count)
    }

    deinit { shutdown() }

    /// Ends curses and gives the terminal back as it was: tty modes, cursor, stderr (with what
    /// was written to it meanwhile), signal handlers. Safe to call more than once.
    func shutdown() {
        guard !closed else { return }
        closed = true
        cn_disable_mouse()
        curs_set(1)
        cn_restore_terminal()
        delscreen(screen)
        cn_restore_signal_handlers()
    }

    var size: Size { Size(width: Int(getmaxx(window)), height: Int(getmaxy(window))) }

    func apply(theme: Theme) {
        self.theme = theme
        roleLooks = Array(repeating: nil, count: Role.allCases.count)
    }

    func present(_ canvas: Canvas) {
        guard !closed else { return }
        let rows = Int(getmaxy(window)), cols = Int(getmaxx(window))
        if canvas.width < cols || canvas.height < rows { werase(window) }
        var text = [wchar_t](repeating: 0, count: 6)
        for y in 0..<min(rows, canvas.height) {
            for x in 0..<min(cols, canvas.width) {
                let cell = canvas[x, y]
                guard let ch = cell.char else { continue }  // the right half of a wide character
                let look = look(cell.role)
                var n = 0
                for scalar in ch.unicodeScalars where n < 5 {
                    let v = scalar.value
                    // Controls would be drawn as ^X in two cells; show one placeholder instead.
                    text[n] = wchar_t(bitPattern: (v < 0x20 || (v >= 0x7F && v < 0xA0)) ? 0x3F : v)
                    n += 1
                }
                text[n] = 0
                _ = cn_put_cell(window, Int32(y), Int32(x), text, look.attr | attrTable[Int(cell.extra.rawValue & 31)], look.pair)
            }
        }
        // The cursor stays hidden but sits on the selected row or caret, for screen readers.
        if let c = canvas.cursor, c.x >= 0, c.y >= 0, c.x < cols, c.y < rows {
            wmove(window, Int32(c.y), Int32(c.x))
        }
        wnoutrefresh(window)
        doupdate()
    }

    /// How a role is drawn: curses attributes and a colour pair (0 without colour).
    private func look(_ role: Role) -> (attr: attr_t, pair: Int32) {
        if let l = roleLooks[role.index] { return l }
        let style = theme.style(role, depth: depth)
        var pair: Int32 = 0
        if depth != .none, style.fg != .terminalDefault || style.bg != .terminalDefault {
            let p = alloc_pair(colorNumber(style.fg, foreground: true), colorNumber(style.bg, foreground: false))
            pair = p > 0 ? p : 0
        }
        let l = (attrTable[Int(style.attributes.rawValue & 31)], pair)
        roleLooks[role.index] = l
        return l
    }

    /// A colour as curses numbers it (already reduced to the terminal's depth).
    private func colorNumber(_ c: ThemeColor, foreground: Bool) -> Int32 {
        switch c {
        case .terminalDefault:
            return defaultColors ? -1 : (foreground ? 7 : 0)
        case .indexed(let i):
            if depth == .direct, i >= 8 {
                // Direct-colour terminals number colours by RGB value above the first eight.
                let (r, g, b) = Self.xtermRGB(i)
                return max(8, Int32(r) << 16 | Int32(g) << 8 | Int32(b))
            }
            return Int32(i)
        case .rgb(let r, let g, let b):
            return max(8, Int32(r) << 16 | Int32(g) << 8 | Int32(b))
        }
    }

    /// The RGB value of an xterm indexed colour, for direct-colour terminals.
    private static func xtermRGB(_ i: UInt8) -> (UInt8, UInt8, UInt8) {
        let basic: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if i < 16 { return basic[Int(i)] }
        if i >= 232 { let v = UInt8(8 + 10 * (Int(i) - 232)); return (v, v, v) }
        let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
        let c = Int(i) - 16
        return (levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
    }

    func nextEvent(timeoutMillis: Int) -> InputEvent? {
        guard !closed else { return nil }
        if cn_take_interrupt() == 1 { return .key(.ctrl("c")) }
        var value: Int32 = 0
        let kind = cn_read(window, Int32(clamping: max(-1, timeoutMillis)), &value)
        if cn_take_interrupt() == 1 { return .key(.ctrl("c")) }
        switch kind {
        case CN_CHAR: return Self.character(value).map { .key($0) }
        case CN_KEY: return keyCode(value)
        default: return nil
        }
    }

    /// A character from the keyboard: controls become named keys or Ctrl-letters.
    static func character(_ value: Int32) -> Key? {
        switch value {
        case 27: return .escape
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(96 + value))))
        case 0..<32: return nil
        default:
            guard let s = Unicode.Scalar(UInt32(bitPattern: value)) else { return nil }
            return .char(Character(s))
        }
    }

    /// A curses key code as an event.
    private func keyCode(_ code: Int32) -> InputEvent? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME, KEY_FIND, KEY_A1: return .key(.home)
        case KEY_END, KEY_SELECT, KEY_C1: return .key(.end)
        case KEY_PPAGE, KEY_A3: return .key(.pageUp)
        case KEY_NPAGE, KEY_C3: return .key(.pageDown)
        case KEY_DC: return .key(.delete)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_ENTER: return .key(.enter)
        case KEY_BTAB: return .key(.backTab)
        case KEY_RESIZE: return .resize(size)
        case KEY_MOUSE:
            var x: Int32 = 0, y: Int32 = 0
            switch cn_read_mouse(&x, &y) {
            case CN_MOUSE_PRESS: return .mouse(MouseEvent(kind: .press, x: Int(x), y: Int(y)))
            case CN_MOUSE_WHEEL_UP: return .mouse(MouseEvent(kind: .wheelUp, x: Int(x), y: Int(y)))
            case CN_MOUSE_WHEEL_DOWN: return .mouse(MouseEvent(kind: .wheelDown, x: Int(x), y: Int(y)))
            default: return nil
            }
        default:
            let f = code - cn_key_f(0)
            if (1...24).contains(f) { return .key(.function(Int(f))) }
            return nil
        }
    }
}

private extension Optional where Wrapped == String {
    var isEmptyOrNil: Bool { self?.isEmpty ?? true }
}
