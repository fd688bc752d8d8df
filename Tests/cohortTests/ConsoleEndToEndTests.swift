import CohortServer
import Foundation
import Testing

/// A tmux server on a private socket running the real binary: the console as a user meets it.
final class TmuxSession {
    let socket: String
    let name = "cohort"

    /// Starts `command` in a shell script inside a new session; when it ends the script
    /// prints its exit status and the tty modes, then waits so the screen can be read.
    init(width: Int, height: Int, command: String) throws {
        socket = "cohort-e2e-" + UUID().uuidString.prefix(8)
        let script = NSTemporaryDirectory() + socket + ".sh"
        let text = """
        cd '\(CLI.packageRoot)'
        export SWIFT_BACKTRACE=interactive=no TERM=xterm-256color
        \(command)
        echo "EXIT=$?"
        echo "STTY $(stty -a | tr -s ' ;\\n' ' ')"
        sleep 120
        """
        try text.write(toFile: script, atomically: true, encoding: .utf8)
        try tmux(["new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), "bash --norc " + script])
    }

    /// The tty modes printed after the console ended (`icanon`, `-icanon`, …).
    static func modes(_ screen: String) -> Set<String> {
        guard let line = screen.split(separator: "\n").first(where: { $0.hasPrefix("STTY") }) else { return [] }
        return Set(screen[line.startIndex...].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    deinit { _ = try? tmux(["kill-server"]) }

    /// Runs tmux with posix_spawn and waitpid: Foundation's Process waits on descriptors
    /// that the forked tmux server keeps open, so it would never return.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "tmux-out-" + UUID().uuidString
        defer { unlink(path) }
        let pid = try spawn(["tmux", "-L", socket, "-f", "/dev/null"] + args, stdout: path, stderr: "/dev/null")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    func screen() -> String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

    /// The screen with its attributes as escape sequences (`capture-pane -e`).
    func screenWithAttributes() -> String { (try? tmux(["capture-pane", "-e", "-p", "-t", name])) ?? "" }

    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    /// Waits until the screen contains `text` (polling, no fixed sleeps); returns the screen.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen()
            if last.contains(text) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record(Comment(rawValue: "timed out waiting for \"\(text)\"; the screen was:\n\(last)"), sourceLocation: sourceLocation)
        return last
    }
}

@Suite("console end to end under tmux", .serialized)
struct ConsoleEndToEndTests {
    static var hasTmux: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    @Test("start, switch screens, help, filter, resize, quit: the terminal is restored", .enabled(if: hasTmux))
    func walkThrough() throws {
        let s = try TmuxSession(width: 120, height: 40, command: "'\(CLI.binary)'")
        s.waitFor("Profiles(customers)[2,400]")
        s.waitFor("▶ replay 10,000×")
        try s.type("2")
        s.waitFor("Events[")
        s.waitFor("QUARANTINED")
        try s.type("4")
        s.waitFor("Segments(customers)[9]")
        try s.type("?")
        s.waitFor("Help")
        s.waitFor("theme picker with live preview")
        try s.press("Escape")
        try s.type("5/dorothy")
        s.waitFor("</dorothy>")
        s.waitFor("Dorothy Parker")
        try s.press("Enter")
        try s.resize(width: 80, height: 24)
        s.waitFor("Profiles(customers)[")
        try s.resize(width: 50, height: 12)
        s.waitFor("needs at least")
        try s.resize(width: 100, height: 30)
        s.waitFor("Profiles(customers)[")
        try s.type("p")
        s.waitFor("⏸ paused")
        try s.type("Q")
        let end = s.waitFor("EXIT=")
        #expect(end.contains("EXIT=0"))
        let modes = TmuxSession.modes(s.waitFor("STTY"))
        #expect(modes.contains("icanon") && modes.contains("echo"), "tty modes after quitting: \(modes.sorted())")
    }

    @Test(":q and Ctrl-C quit with status 0 and restore the terminal", .enabled(if: hasTmux), arguments: [":q", "C-c"])
    func quitKeys(key: String) throws {
        let s = try TmuxSession(width: 80, height: 24, command: "'\(CLI.binary)'")
        s.waitFor("Profiles(customers)[2,400]")
        if key == ":q" {
            try s.type(":q")
            try s.press("Enter")
        } else {
            try s.press(key)
        }
        let end = s.waitFor("EXIT=")
        #expect(end.contains("EXIT=0"))
        let modes = TmuxSession.modes(s.waitFor("STTY"))
        #expect(modes.contains("icanon") && modes.contains("echo"))
    }

    @Test("TERM=dumb: a clear message, exit 1, tty untouched", .enabled(if: hasTmux))
    func dumbTerminal() throws {
        let s = try TmuxSession(width: 80, height: 24, command: "TERM=dumb '\(CLI.binary)'")
        let end = s.waitFor("STTY", timeout: 10)
        #expect(end.contains("cohort: terminal 'dumb' cannot run the console"))
        #expect(end.contains("EXIT=1"))
        let modes = TmuxSession.modes(end)
        #expect(modes.contains("icanon") && modes.contains("echo"))
    }

    @Test("a workspace with errors: the diagnostics with positions, exit 1, the terminal restored", .enabled(if: hasTmux))
    func brokenWorkspace() throws {
        let dir = try CLI.temporaryDirectory()
        try "tables:\n  people: { file: tables/people.csv, key: id }\ncollections:\n  people:\n    table: peeple\n    key: id\n".write(toFile: dir + "/cohort.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/tables", withIntermediateDirectories: true)
        try "id,name\n1,Ada\n".write(toFile: dir + "/tables/people.csv", atomically: true, encoding: .utf8)
        let s = try TmuxSession(width: 100, height: 30, command: "'\(CLI.binary)' --workspace '\(dir)'")
        let end = s.waitFor("STTY", timeout: 20)
        #expect(end.contains("cohort.yaml:5:12: error:"))
        #expect(end.contains("did you mean 'people'"))
        #expect(end.contains("EXIT=1"))
        let modes = TmuxSession.modes(end)
        #expect(modes.contains("icanon") && modes.contains("echo"))
    }

    @Test("a workspace with no events opens at the wall clock with its table data", .enabled(if: hasTmux))
    func workspaceWithoutEvents() throws {
        let dir = try CLI.temporaryDirectory()
        try "tables:\n  people: { file: tables/people.csv, key: id }\ncollections:\n  people:\n    table: people\n    key: id\n    attributes:\n      - { name: name, column: name }\n    segments:\n      - { name: named_ada, condition: \"name = 'Ada'\" }\n".write(toFile: dir + "/cohort.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/tables", withIntermediateDirectories: true)
        try "id,name\n1,Ada\n2,Alan\n".write(toFile: dir + "/tables/people.csv", atomically: true, encoding: .utf8)
        let s = try TmuxSession(width: 100, height: 30, command: "'\(CLI.binary)' --workspace '\(dir)'")
        s.waitFor("Profiles(people)[2]")
        try s.type("4")
        let screen = s.waitFor("named_ada")
        #expect(screen.contains("■ replay finished"))
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))
    }

    @Test("NO_COLOR: emphasis by bold, underline and reverse only, never a colour", .enabled(if: hasTmux))
    func noColor() throws {
        let s = try TmuxSession(width: 100, height: 30, command: "NO_COLOR=1 '\(CLI.binary)'")
        s.waitFor("Profiles(customers)[2,400]")
        let raw = s.screenWithAttributes()
        let codes = Set(raw.split(separator: "\u{1b}").compactMap { part -> String? in
            guard part.hasPrefix("["), let m = part.firstIndex(of: "m") else { return nil }
            return String(part[part.index(after: part.startIndex)..<m])
        })
        let colours = codes.filter { code in
            code.split(separator: ";").contains { p in
                guard let n = Int(p) else { return false }
                return (30...37).contains(n) || (40...47).contains(n) || (90...97).contains(n) || (100...107).contains(n) || n == 38 || n == 48
            }
        }
        #expect(colours.isEmpty, "colour codes under NO_COLOR: \(colours.sorted())")
        #expect(codes.contains { $0.split(separator: ";").contains("1") }, "no bold at all: \(codes.sorted())")
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))
    }

    @Test("a broken theme is reported with file, line and column while the default takes over", .enabled(if: hasTmux))
    func brokenTheme() throws {
        let dir = try CLI.temporaryDirectory()
        try FileManager.default.copyItem(atPath: CLI.packageRoot + "/themes/default.yaml", toPath: dir + "/default.yaml")
        try "name: broken\nroles:\n  text: { fg: notacolour }\n".write(toFile: dir + "/broken.yaml", atomically: true, encoding: .utf8)
        let s = try TmuxSession(width: 120, height: 40, command: "COHORT_THEMES='\(dir)' '\(CLI.binary)' --theme broken")
        let screen = s.waitFor("broken.yaml:3:")
        #expect(screen.contains("Profiles(customers)[2,400]"))
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))
    }

    @Test("a segment created in the form shows its live count, lists with members, survives a restart, and has history", .enabled(if: hasTmux))
    func createSegmentInForm() throws {
        let dir = try Self.scratchDemo()

        var s = try TmuxSession(width: 120, height: 40, command: "'\(CLI.binary)' --workspace '\(dir)' --speed max")
        _ = s.waitFor("Profiles(customers)")
        try s.type("p")                                // paused: the counts hold still while we look
        _ = s.waitFor("paused")
        try s.type("4")
        try s.type("n")
        _ = s.waitFor("New segment (customers)")
        try s.type("loyal_spenders")
        try s.press("Tab", "Tab")
        try s.type("lifetime_spend > 2000 AND store_visits_30d >")
        _ = s.waitFor("1:45: error:")
        try s.type(" 0")
        let preview = s.waitFor(" · new")
        let count = try #require(preview.firstMatch(of: /([0-9,]+) of 2,400 · [0-9.]+% · new/)).1
        try s.press("C-s")
        let saved = s.waitFor("segment \"loyal_spenders\" saved — \(count) of 2,400 profiles match")
        #expect(saved.contains("Segments(customers)[10]"))
        #expect(saved.contains("loyal_spenders"))
        let yaml = try String(contentsOfFile: dir + "/cohort.yaml", encoding: .utf8)
        #expect(yaml.contains("- name: loyal_spenders"))
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))

        // Reopened: the segment is there with the same members at the end of the replay,
        // and its history shows the change.
        s = try TmuxSession(width: 120, height: 40, command: "'\(CLI.binary)' --workspace '\(dir)'")
        _ = s.waitFor("Profiles(customers)")
        try s.type("4")
        let listed = s.waitFor("Segments(customers)[10]")
        #expect(listed.contains("loyal_spenders"))
        try s.type(":history")
        try s.press("Enter")
        let history = s.waitFor("History[1]")
        #expect(history.contains("create  segment   loyal_spenders"))
        #expect(history.contains("+      - name: loyal_spenders"))
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))
    }

    @Test("cohort --serve: an event posted over HTTP shows on the Streams screen, marked as posted", .enabled(if: hasTmux))
    func consoleServes() throws {
        let dir = try Self.scratchDemo()
        let token = try CLI.run(["token", "create", "--workspace", dir, "--scope", "events:write", "--scope", "profiles:read"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // A free port, found by binding to port 0.
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        close(probe)

        let s = try TmuxSession(width: 120, height: 40, command: "'\(CLI.binary)' --workspace '\(dir)' --serve --serve-port \(port)")
        _ = s.waitFor("serving the HTTP API on http://127.0.0.1:\(port)")
        try s.type("p")
        _ = s.waitFor("paused")
        try s.type("2")
        let now = ISO8601DateFormatter().string(from: Date())
        let event = #"{"event_id":"tui-1","type":"add_to_cart","timestamp":"\#(now)","customer_id":"AMP-000048","properties":{"sku":"X","category":"packs","amount":20,"channel":"web"}}"#
        let client = try LoopbackClient(port: port)
        let r = try client.request("POST", "/v1/streams/web/events", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: event)
        #expect(r.status == 202)
        #expect(r.body.contains(#""accepted":1"#))
        try s.type("/http")
        try s.press("Enter")
        let screen = s.waitFor("⇣web")
        #expect(screen.contains("Events[1] </http>"))
        #expect(screen.contains("AMP-000048"))
        #expect(screen.contains("cart_adds_1d 0→1"))
        try s.press("Escape")
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))
    }

    /// A copy of demo-data's definitions with its tables and events linked: saves write
    /// cohort.yaml and .cohort/ there, never into the repository.
    static func scratchDemo() throws -> String {
        let dir = try CLI.temporaryDirectory() + "/demo-data"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try fm.copyItem(atPath: CLI.packageRoot + "/demo-data/cohort.yaml", toPath: dir + "/cohort.yaml")
        try fm.createSymbolicLink(atPath: dir + "/tables", withDestinationPath: CLI.packageRoot + "/demo-data/tables")
        try fm.createSymbolicLink(atPath: dir + "/events", withDestinationPath: CLI.packageRoot + "/demo-data/events")
        return dir
    }

    /// The pid of the running console whose command line names `dir`, read from /proc.
    static func consolePid(workspace dir: String) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for e in entries {
            guard let pid = Int32(e), let data = FileManager.default.contents(atPath: "/proc/\(e)/cmdline") else { continue }
            let args = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if args.first?.hasSuffix("/cohort") == true, args.contains(dir) { return pid }
        }
        return nil
    }

    @Test("kill -9 right after a save and during a replay: the workspace reopens with the saved segment, its history and the last saved state", .enabled(if: hasTmux))
    func killedConsole() throws {
        let dir = try Self.scratchDemo()

        // A first run that quits normally leaves a saved state to resume from.
        var s = try TmuxSession(width: 100, height: 30, command: "'\(CLI.binary)' --workspace '\(dir)' --speed 100000")
        _ = s.waitFor("Profiles(customers)")
        Thread.sleep(forTimeInterval: 2)
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))

        // Resumed; a segment saved; the process killed the moment the console says so.
        s = try TmuxSession(width: 100, height: 30, command: "'\(CLI.binary)' --workspace '\(dir)' --speed 100000")
        _ = s.waitFor("resumed from the saved state")
        try s.type("4")
        try s.type("n")
        _ = s.waitFor("New segment (customers)")
        try s.type("killed_midway")
        try s.press("Tab", "Tab")
        try s.type("lifetime_spend > 100")
        _ = s.waitFor(" · new")
        try s.press("C-s")
        _ = s.waitFor("segment \"killed_midway\" saved")
        let pid = try #require(Self.consolePid(workspace: dir))
        #expect(kill(pid, SIGKILL) == 0)
        _ = s.waitFor("EXIT=137")

        // Reopened: nothing reported saved is lost, and the last saved state still loads.
        s = try TmuxSession(width: 100, height: 30, command: "'\(CLI.binary)' --workspace '\(dir)'")
        let reopened = s.waitFor("Profiles(customers)")
        #expect(!reopened.contains("could not be used"))
        try s.type("4")
        #expect(s.waitFor("Segments(customers)[10]").contains("killed_midway"))
        try s.type(":history")
        try s.press("Enter")
        #expect(s.waitFor("History[1]").contains("killed_midway"))
        try s.type("Q")
        #expect(s.waitFor("EXIT=").contains("EXIT=0"))
    }
}

/// Starts a program (found on PATH) with stdin from /dev/null, stdout and stderr to files,
/// and a clean signal mask with default handlers: the test runner may block or ignore
/// signals, and a console or server must get SIGINT, SIGWINCH and the rest as a user's shell
/// would deliver them. posix_spawn, because Foundation's Process waits on descriptors a
/// forked tmux server keeps open.
func spawn(_ argv: [String], stdout: String, stderr: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attr, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in [SIGINT, SIGWINCH, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, &attr, &cargs, environ)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
    return pid
}
