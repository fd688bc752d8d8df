/// A key as the console sees it, after the terminal layer decoded it.
public enum Key: Sendable, Hashable {
    case char(Character)
    /// Ctrl plus a letter, lowercase (`.ctrl("c")`).
    case ctrl(Character)
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
}

/// A mouse action on a cell.
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case press, wheelUp, wheelDown }
    public var kind: Kind
    public var x: Int
    public var y: Int
    public init(kind: Kind, x: Int, y: Int) { self.kind = kind; self.x = x; self.y = y }
}

/// What the terminal hands the loop.
public enum InputEvent: Sendable, Hashable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(Size)
}
