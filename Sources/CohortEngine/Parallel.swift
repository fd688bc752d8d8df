import Dispatch

/// Work spread over every core.
enum Parallel {
    /// `body(i)` for every `i` in `0..<count`, run concurrently, the results in index order.
    /// `body` must touch only what its own index owns.
    static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            _ = slots.deinitialize()
            slots.deallocate()
        }
        nonisolated(unsafe) let out = slots
        // The caller promises each call touches only its own index's data.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: count) { i in out[i] = work(i) }
        }
        return slots.map { $0! }
    }
}
