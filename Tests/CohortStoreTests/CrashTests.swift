import CohortStore
import Foundation
import Testing

/// The `cohort-store-stress` child process: started with posix_spawn, its stdout in a file.
struct StressProcess {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The executable beside the test bundle (SwiftPM builds it because this target depends on it).
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [beside, beside.deletingLastPathComponent(), URL(fileURLWithPath: packageRoot + "/.build/debug")] {
            let candidate = dir.appendingPathComponent("cohort-store-stress").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return packageRoot + "/.build/debug/cohort-store-stress"
    }

    let pid: pid_t
    let output: String

    init(workspace: String, output: String) throws {
        self.output = output
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, output + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = [Self.binary, workspace]
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        // A clean signal mask and default handlers: the test runner's would be inherited.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, Self.binary, &actions, &attr, &cargs, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        self.pid = pid
    }

    /// The batches (and checkpoints) the child reported as committed so far.
    func reported() -> (committed: [Int], checkpoints: [Int]) {
        let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
        var committed: [Int] = [], checkpoints: [Int] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // empty after the last newline, or a line cut mid-write
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let n = Int(parts[1]) else { continue }
            if parts[0] == "committed" { committed.append(n) }
            if parts[0] == "checkpoint" { checkpoints.append(n) }
        }
        return (committed, checkpoints)
    }

    /// Whether the child is still running (reaps it when it has ended).
    func exited() -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? status : nil
    }

    /// SIGKILL, then reap; returns the wait status.
    @discardableResult
    func kill() -> Int32 {
        _ = Foundation.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    var stderr: String { String(decoding: FileManager.default.contents(atPath: output + ".err") ?? Data(), as: UTF8.self) }
}

@Suite("CohortStore crash safety", .serialized)
struct CrashTests {
    /// The checkpoint payload cohort-store-stress writes for a batch (its `payload(batch:)`).
    static func expectedPayload(batch: Int) -> Data {
        var data = Data(count: 4 << 20)
        data.withUnsafeMutableBytes { buffer in
            for i in 0 ..< buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31 &+ batch) }
        }
        return data
    }

    @Test("a writer killed with SIGKILL mid-way loses nothing it reported committed; the latest checkpoint loads whole")
    func sigkillMidWrite() throws {
        let ws = try TemporaryWorkspace()
        let output = ws.path + "/stress.out"
        var lastCommitted = 0
        var lastCheckpoint = 0
        // Three rounds on one workspace: each child continues after what the previous one left.
        for round in 1 ... 3 {
            let child = try StressProcess(workspace: ws.path, output: output)
            let deadline = Date().addingTimeInterval(120)
            var reported = child.reported()
            // At least 3 new commits and a new checkpoint, then a random moment more so the kill
            // lands anywhere: inside a transaction, while a checkpoint file is written or renamed.
            while reported.committed.count < 3 || reported.checkpoints.isEmpty {
                if let status = child.exited() {
                    Issue.record("the stress process ended early (status \(status)): \(child.stderr)")
                    return
                }
                guard Date() < deadline else {
                    child.kill()
                    Issue.record("the stress process reported \(reported) in 120 s")
                    return
                }
                usleep(2_000)
                reported = child.reported()
            }
            usleep(UInt32.random(in: 0 ... 60_000))
            let status = child.kill()
            reported = child.reported()
            #expect(status & 0x7f == SIGKILL, "round \(round): the child ended by itself: \(child.stderr)")
            #expect(reported.committed.first == lastCommitted + 1, "round \(round) started after batch \(lastCommitted)")
            lastCommitted = reported.committed.last ?? lastCommitted
            lastCheckpoint = reported.checkpoints.last ?? lastCheckpoint

            let store = try ws.open()
            // Every batch reported committed is whole; a batch is one transaction, so there are no partial ones.
            let count = try store.eventCount(stream: "stress")
            #expect(count >= lastCommitted * 1000, "round \(round)")
            #expect(count % 1000 == 0, "round \(round): \(count) events")
            let ids = Set(try store.events(stream: "stress").map(\.eventID))
            var missing = 0
            for batch in 1 ... lastCommitted {
                for i in 0 ..< 1000 where !ids.contains("b\(batch)-\(i)") { missing += 1 }
            }
            #expect(missing == 0, "round \(round): \(missing) events of committed batches are missing")
            lastCommitted = count / 1000  // a batch can commit just before the kill, unreported

            // The latest checkpoint is at least the last one reported, and its payload is whole.
            let checkpoint = try #require(try store.latestCheckpoint(definitionsHash: "stress", inputsFingerprint: "stress"),
                                          "round \(round): no checkpoint loads")
            #expect(checkpoint.meta.position >= Int64(lastCheckpoint), "round \(round)")
            #expect(checkpoint.payload == Self.expectedPayload(batch: Int(checkpoint.meta.position)), "round \(round): payload differs")
            #expect(try store.checkpoints().count <= 3, "round \(round): old checkpoints are pruned")
            try store.close()
        }
    }
}
