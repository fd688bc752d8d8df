/// A terminal for tests: input comes from a script, frames are kept to read as text.
public final class ScriptedTerminal: Terminal {
    public var size: Size
    public var script: [InputEvent]
    public private(set) var lastFrame: Canvas?
    public private(set) var presented = 0
    public private(set) var theme: Theme?

    public init(size: Size, script: [InputEvent] = []) {
        self.size = size
        self.script = script
    }

    public func present(_ canvas: Canvas) {
        lastFrame = canvas
        presented += 1
    }

    public func nextEvent(timeoutMillis: Int) -> InputEvent? {
        script.isEmpty ? nil : script.removeFirst()
    }

    public func apply(theme: Theme) { self.theme = theme }

    /// Queues keys typed as text (`"/vip"`), one event per character.
    public func type(_ text: String) {
        for ch in text { script.append(.key(.char(ch))) }
    }

    public func press(_ keys: Key...) { for k in keys { script.append(.key(k)) } }

    /// Resizes and queues the resize event, as ncurses reports KEY_RESIZE.
    public func resize(to s: Size) {
        size = s
        script.append(.resize(s))
    }
}
