import ArgumentParser
import CohortEngine
import CohortServer
import CohortStore
import CohortTUI
import Foundation

/// `cohort serve`: the HTTP API of SPEC §8 on the live engine.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Streaming API, the Profile API and activations over HTTP.",
        discussion: """
        Applies the workspace's recorded events and the events posted in earlier runs, then \
        follows the wall clock and takes live events. Every call needs a token from \
        'cohort token create'. The API is described by openapi.yaml (also at /openapi.yaml) and \
        docs/http-api.md. Stop with Ctrl-C: accepted events are already stored.
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Option(help: ArgumentHelp("The address to listen on; anything but loopback exposes the API to the network.", valueName: "HOST"))
    var host: String = "127.0.0.1"

    @Option(help: ArgumentHelp("The port (0 picks a free one; the line 'cohort: serving …' names it).", valueName: "N"))
    var port: Int = 8080

    @Flag(help: "Play the recorded events at --speed instead of starting at the wall clock.")
    var replay = false

    @Option(help: ArgumentHelp("With --replay: a multiple of real time.", valueName: "N"))
    var speed: Double = 10_000

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535, not \(port)") }
        guard speed >= 1 else { throw ValidationError("--speed takes a number ≥ 1") }
    }

    func run() throws {
        let dir = workspace.directory
        let ws = Workspace.load(directory: dir)
        guard ws.errors.isEmpty else {
            for d in ws.diagnostics where d.severity == .error { printError(d.description) }
            printError("cohort: \(ws.errors.count) error\(ws.errors.count == 1 ? "" : "s") in \(dir); run 'cohort check' for details")
            throw ExitCode(1)
        }
        let service: ServedWorkspace
        do {
            service = try ServedWorkspace.open(workspace: ws, directory: dir)
        } catch {
            printError("cohort: \(error)")
            throw ExitCode(1)
        }
        let loop: ServeLoop
        do {
            loop = try ServeLoop(api: service.api, replay: replay, speed: speed)
        } catch {
            printError("cohort: cannot start: \(error)")
            throw ExitCode(1)
        }
        let s = loop.startup
        if s.replaying {
            printError("cohort: playing \(Format.grouped(s.fileEvents + s.storedEvents)) recorded and posted events at \(Format.grouped(Int(speed)))× real time from \(s.clock.map(CivilTime.formatTimestamp) ?? "the start")")
        } else {
        printError("cohort: \(Format.grouped(s.fileEvents)) recorded and \(Format.grouped(s.storedEvents)) posted events applied in \(String(format: "%.1f", s.seconds)) s; clock \(s.clock.map(CivilTime.formatTimestamp) ?? "none")"
                   + (s.badStoredEvents > 0 ? "; \(s.badStoredEvents) stored events could not be read" : ""))
        }
        if (try? service.store.tokens().isEmpty) == true {
            printError("cohort: no API tokens yet; create one with: cohort token create --workspace \(dir) --scope events:write --scope profiles:read")
        }
        loop.start()
        do { try service.startDestinations() } catch {
            printError("cohort: webhook destinations are not delivered: \(error)")
        }
        let host = self.host
        // Ctrl-C or SIGTERM: the server stops taking connections and finishes the requests in
        // flight (Hummingbird's graceful shutdown); SSE streams end here so it need not wait for
        // them. Whatever still hangs after 5 s is cut off, with every accepted write stored.
        var signalSources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                service.feed.finishAll()
                DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
                    service.stopDestinations()
                    loop.stop()
                    printError("cohort: stopped (connections still open after 5 s were closed); every accepted event is stored")
                    Foundation.exit(0)
                }
            }
            source.resume()
            signalSources.append(source)
        }
        let done = DispatchSemaphore(value: 0)
        let failure = LockedBox<String?>(nil)
        Task {
            do {
                try await HTTPServer.run(api: service.api, host: host, port: port) { bound in
                    FileHandle.standardOutput.write(Data("cohort: serving http://\(host):\(bound) (Ctrl-C stops)\n".utf8))
                }
            } catch {
                failure.set("cannot serve on \(host):\(port): \(error)")
            }
            done.signal()
        }
        done.wait()
        for s in signalSources { s.cancel() }
        service.stopDestinations()
        loop.stop()
        if let f = failure.get() {
            printError("cohort: \(f)")
            throw ExitCode(1)
        }
        printError("cohort: stopped; every accepted event is stored")
    }
}

/// A value shared between a task and the thread waiting for it.
final class LockedBox<T: Sendable>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}
