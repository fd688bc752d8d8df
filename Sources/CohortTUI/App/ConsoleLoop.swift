import CohortEngine

/// Runs the console: waits for input, lets the replay advance within a time budget,
/// renders, and carries out effects. Time comes from `clock` (wall microseconds), so tests
/// run the same loop with a clock they control.
public final class ConsoleLoop {
    public let terminal: Terminal
    public let console: Console
    public let clock: () -> Int64
    /// Finds a theme by name; nil leaves the current one (the console flashes why).
    public var loadTheme: (String) -> (Theme?, String?) = { _ in (nil, "no themes") }
    /// Puts text on the system clipboard (OSC 52 in the real terminal).
    public var copy: (String) -> Void = { _ in }
    /// Milliseconds between frames when nothing happens.
    public var frameMillis = 50
    /// Wall time the replay may use per frame.
    public var tickBudgetMicros: Int64 = 8_000
    public private(set) var frames = 0
    /// Runs once per frame after the replay's tick, before activations are logged (the HTTP
    /// API's queued requests, with `--serve`).
    public var afterTick: (() -> Void)?

    public init(terminal: Terminal, console: Console, clock: @escaping () -> Int64) {
        self.terminal = terminal
        self.console = console
        self.clock = clock
    }

    /// Runs until the console quits.
    public func run() {
        console.state.size = terminal.size
        draw()
        while !console.state.quit {
            iterate(waitMillis: frameMillis)
        }
    }

    /// One turn of the loop: input (waiting up to `waitMillis`), replay, frame.
    public func iterate(waitMillis: Int) {
        if let event = terminal.nextEvent(timeoutMillis: waitMillis) {
            handle(event)
            // Drain what else is queued (a pasted filter, a held key) before drawing.
            var n = 0
            while n < 64, !console.state.quit, let more = terminal.nextEvent(timeoutMillis: 0) {
                handle(more)
                n += 1
            }
            if console.state.quit { return }
            draw()
        }
        let now = clock()
        if console.rebuildProgress != nil {
            // A saved definition is being applied: the backfill takes the replay's budget.
            console.stepRebuild(budgetMicros: tickBudgetMicros * 4, clock: clock)
        } else {
            console.live.tick(wallNow: now, budgetMicros: tickBudgetMicros, clock: clock)
            afterTick?()
        }
        console.logActivations()
        console.refreshFormPreview()
        draw()
    }

    /// Handles one input event and its effects.
    public func handle(_ event: InputEvent) {
        console.wallNow = clock()
        if case .resize = event { console.state.size = terminal.size }
        for effect in console.update(event) { perform(effect) }
    }

    public func draw() {
        console.wallNow = clock()
        terminal.present(console.render())
        frames += 1
    }

    private func perform(_ effect: Effect) {
        let now = clock()
        let live = console.live
        switch effect {
        case .quit:
            console.state.quit = true
        case .applyTheme(let name):
            let (theme, error) = loadTheme(name)
            if let theme { terminal.apply(theme: theme) }
            if let error { console.flash(error, .error, seconds: 10) }
        case .copy(let text):
            copy(text)
        case .togglePause where live.driver.isFinished, .step where live.driver.isFinished:
            console.flash("the replay has finished: every recorded event is applied", .info)
        case .togglePause:
            live.togglePause(wallNow: now)
            console.flash(live.driver.isPaused ? "replay paused — p resumes, . steps one event" : "replay resumed", .info)
        case .step:
            live.step(wallNow: now)
            if let r = live.log.last {
                console.flash("stepped: \(r.stream)/\(r.event.type) \(r.event.id)", .info)
            }
        case .faster:
            live.driver.faster(wallNow: now)
            console.flash("speed \(Format.speed(live.driver.speed))", .info)
        case .slower:
            live.driver.slower(wallNow: now)
            console.flash("speed \(Format.speed(live.driver.speed))", .info)
        case .setSpeed(let s):
            live.driver.setSpeed(s, wallNow: now)
            console.flash("speed \(Format.speed(live.driver.speed))", .info)
        }
    }
}
