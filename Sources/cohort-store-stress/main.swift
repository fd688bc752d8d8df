// Writes to a workspace's store until killed, for CohortStoreTests' crash test.
//
// Usage: cohort-store-stress <workspace> [batches]
// Appends batches of 1,000 events (ids "b<batch>-<i>", stream "stress") and saves a checkpoint
// after every second batch. Prints "committed N" after batch N's transaction returns and
// "checkpoint N" after its checkpoint is saved, each with an unbuffered write, so whatever the
// test reads was durable before it was printed. Continues from the batches already stored.
import CohortStore
import Foundation

/// Writes a line to stdout at once (no buffer that a SIGKILL could lose).
func say(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// The checkpoint payload for a batch: 4 MiB whose bytes depend on the batch (the test checks them).
func payload(batch: Int) -> Data {
    var data = Data(count: 4 << 20)
    data.withUnsafeMutableBytes { buffer in
        for i in 0 ..< buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31 &+ batch) }
    }
    return data
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: cohort-store-stress <workspace> [batches]\n".utf8))
    exit(2)
}
let limit = arguments.count >= 3 ? Int(arguments[2]) ?? Int.max : Int.max
do {
    let store = try CohortStore.open(workspaceDirectory: arguments[1])
    var batch = try store.eventCount(stream: "stress") / 1000
    let end = batch + min(limit, Int.max - batch)
    while batch < end {
        batch += 1
        let events = (0 ..< 1000).map { i in
            StoredEvent(stream: "stress", eventID: "b\(batch)-\(i)", timestamp: Int64(batch) * 1_000_000 + Int64(i),
                        line: #"{"event_id":"b\#(batch)-\#(i)","type":"stress","timestamp":"2025-01-01T00:00:00Z"}"#)
        }
        try store.appendEvents(events)
        say("committed \(batch)")
        if batch % 2 == 0 {
            try store.saveCheckpoint(definitionsHash: "stress", inputsFingerprint: "stress", position: Int64(batch), clock: nil,
                                     payload: payload(batch: batch))
            say("checkpoint \(batch)")
        }
    }
} catch {
    FileHandle.standardError.write(Data("cohort-store-stress: \(error)\n".utf8))
    exit(1)
}
