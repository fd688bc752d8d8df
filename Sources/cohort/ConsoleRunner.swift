import CohortEngine
import CohortServer
import CohortStore
import CohortTUI
import Foundation

/// Starts the console: the terminal first (so an unusable TERM fails at once, tty untouched),
/// then the workspace, the theme and the loop; the terminal is restored on every way out.
enum ConsoleRunner {
    static func run(directory: String, themeName: String, speed: Double, serve: (host: String, port: Int)? = nil) throws {
        let themesDirectory = ThemeLoader.themesDirectory()
        var (theme, themeDiagnostics) = ThemeLoader.load(named: themeName, in: themesDirectory)
        let terminal: NcursesTerminal
        do {
            terminal = try NcursesTerminal(theme: theme)
        } catch let error as TerminalUnavailable {
            printError("cohort: \(error)")
            throw ExitCodeError(code: 1)
        }
        var loading = Canvas(width: terminal.size.width, height: terminal.size.height)
        loading.put(" cohort: loading \(directory)…", x: 0, y: 0, role: .muted)
        terminal.present(loading)

        let ws = Workspace.load(directory: directory)
        guard ws.errors.isEmpty else {
            terminal.shutdown()
            for d in ws.diagnostics where d.severity == .error { printError(d.description) }
            printError("cohort: \(ws.errors.count) error\(ws.errors.count == 1 ? "" : "s") in \(directory); run 'cohort check' for details")
            throw ExitCodeError(code: 1)
        }
        // The workspace's store keeps the definition history, the activation log and the
        // engine's state; without one the console still runs and saves, and says what is lost.
        var storeProblem: String?
        var store: CohortStore?
        do { store = try CohortStore.open(workspaceDirectory: directory) } catch { storeProblem = "history and saved state are not kept: \(error)" }
        let file = try? DefinitionsFile(workspaceDirectory: directory)
        var restoredFrom: Int?
        var restored: LiveWorkspace?
        if let store, let file {
            let (r, why) = WorkspaceCheckpoints.restore(ws, definitionsText: file.text, store: store, speed: speed)
            restored = r
            restoredFrom = r?.driver.position
            if let why { storeProblem = why }
        }
        let live = restored ?? LiveWorkspace(workspace: ws, speed: speed)
        let names = themesDirectory.map(ThemeLoader.available(in:)) ?? []
        let themeErrors = themeDiagnostics.filter { $0.severity == .error }
        let usedName = themeErrors.isEmpty ? themeName : ThemeLoader.defaultName
        let console = Console(live: live, size: terminal.size, themeName: usedName, themeNames: names.isEmpty ? [usedName] : names)
        let loop = ConsoleLoop(terminal: terminal, console: console, clock: ProcessClock.micros)
        console.wallNow = ProcessClock.micros()
        // Definitions are saved to cohort.yaml; their history and the activations go to the store.
        var persistence: StorePersistence?
        if let file {
            console.definitions = file
            if let store {
                persistence = StorePersistence(store: store)
                file.persistence = persistence
                // The quarantined lines of the event files, with their reasons, kept with the workspace.
                try? store.recordQuarantine(live.quarantine.map {
                    QuarantineEntry(stream: $0.stream, line: $0.line, reason: $0.reason, excerpt: $0.excerpt, source: "file")
                })
            }
        }
        if let storeProblem {
            console.flash(storeProblem, .warn, seconds: 15)
        } else if let restoredFrom {
            console.flash("resumed from the saved state: \(Format.grouped(restoredFrom)) events already applied", .info, seconds: 8)
        }
        if let first = themeErrors.first {
            let more = themeErrors.count > 1 ? " (+\(themeErrors.count - 1) more)" : ""
            console.wallNow = ProcessClock.micros()
            console.flash("\(first.description)\(more) (default theme in use)", .error, seconds: 20)
        }
        loop.loadTheme = { name in
            (theme, themeDiagnostics) = ThemeLoader.load(named: name, in: themesDirectory)
            if let first = themeDiagnostics.first(where: { $0.severity == .error }) { return (theme, "\(first.description) (default theme in use)") }
            return (theme, nil)
        }
        loop.copy = copyToClipboard
        // `--serve`: the HTTP API on the console's own engine; its requests run between frames.
        var embedded: EmbeddedHost?
        var serverTask: Task<Void, Never>?
        if let serve {
            do {
                guard let store else { throw CohortStoreError(path: directory, message: storeProblem ?? "the workspace store is not open") }
                let served = try ServedWorkspace.open(workspace: ws, directory: directory, store: store)
                let host = EmbeddedHost(served: served)
                embedded = host
                persistence?.publish = { host.publish($0) }
                loop.afterTick = { [unowned console] in
                    let live = console.live
                    host.runJobs(engine: live.engine, apply: { live.ingest($0) }, updatedAt: { live.updatedAt(collection: $0, row: $1) })
                }
                try? served.startDestinations()
                let status = LockedBox<String?>(nil)
                serverTask = Task {
                    do {
                        try await HTTPServer.run(api: served.api, host: serve.host, port: serve.port) { port in
                            status.set("serving the HTTP API on http://\(serve.host):\(port) — events posted there show here marked ⇣")
                        }
                    } catch {
                        status.set("the HTTP API could not start on \(serve.host):\(serve.port): \(error)")
                    }
                }
                // Say where it listens (or why not) once it knows.
                let deadline = Date().addingTimeInterval(2)
                while status.get() == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
                if let message = status.get() {
                    console.flash(message, message.hasPrefix("serving") ? .info : .error, seconds: 12)
                }
            } catch {
                console.flash("the HTTP API is not served: \(error)", .error, seconds: 15)
            }
        }
        loop.run()
        serverTask?.cancel()
        embedded?.stop()
        // The engine's state goes to the store, so the next start resumes here.
        if let store, let file = console.definitions, console.rebuildProgress == nil,
           console.live.driver.position != restoredFrom || console.live !== live {
            var saving = Canvas(width: terminal.size.width, height: terminal.size.height)
            saving.put(" cohort: saving the workspace state…", x: 0, y: 0, role: .muted)
            terminal.present(saving)
            do {
                try WorkspaceCheckpoints.save(console.live, definitionsText: file.text, store: store)
            } catch {
                terminal.shutdown()
                printError("cohort: the workspace state was not saved (\(error)); the next start replays from the beginning")
                return
            }
        }
        terminal.shutdown()
        withExtendedLifetime(persistence) {}
    }

    /// Puts text on the clipboard with OSC 52, which terminals (and tmux with
    /// set-clipboard) forward to the system clipboard; it draws nothing on screen.
    static func copyToClipboard(_ text: String) {
        guard let tty = FileHandle(forWritingAtPath: "/dev/tty") else { return }
        let payload = Data(text.utf8).base64EncodedString()
        tty.write(Data("\u{1b}]52;c;\(payload)\u{07}".utf8))
        try? tty.close()
    }
}

/// An exit status to leave with after the message has been printed.
struct ExitCodeError: Error {
    let code: Int32
}
