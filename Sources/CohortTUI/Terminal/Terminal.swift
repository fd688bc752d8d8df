/// The console's only I/O seam: a size, a way to show a grid and a way to wait for input.
/// `NcursesTerminal` (in the executable) is the real one; `ScriptedTerminal` drives tests.
public protocol Terminal: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// Shows a whole frame; the terminal diffs against what is on screen.
    func present(_ canvas: Canvas)
    /// Waits up to `timeoutMillis` for input; nil when nothing arrived.
    func nextEvent(timeoutMillis: Int) -> InputEvent?
    /// Switches how roles look (live theme preview).
    func apply(theme: Theme)
}
