import CohortEngine
import CohortStore
import CohortTUI
import Foundation

/// Saving the console's engine to the workspace's store on the way out, and starting from it
/// on the way in, so reopening a workspace does not replay what it already replayed.
/// A checkpoint is used only for the same cohort.yaml text and the same table and event
/// files (size and modification time); anything else replays from the start.
enum WorkspaceCheckpoints {
    /// A stable hash of the definitions' text (FNV-1a, 64 bits, hex).
    static func definitionsHash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }

    /// The table and event files the workspace read, by path, size and modification time.
    static func inputsFingerprint(_ ws: Workspace) -> String {
        var paths: [String] = ws.definitions.tables.map(\.file.value) + ws.definitions.streams.compactMap { $0.file?.value }
        paths.sort()
        var parts: [String] = []
        for p in paths {
            let full = p.hasPrefix("/") ? p : (ws.directory as NSString).appendingPathComponent(p)
            var st = stat()
            if stat(full, &st) == 0 {
                parts.append("\(p):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")
            } else {
                parts.append("\(p):missing")
            }
        }
        return definitionsHash(parts.joined(separator: "\n"))
    }

    /// The live workspace from the newest usable checkpoint, or nil (and why, when one was
    /// there but could not be used).
    static func restore(_ ws: Workspace, definitionsText: String, store: CohortStore, speed: Double) -> (LiveWorkspace?, String?) {
        do {
            guard let (meta, payload) = try store.latestCheckpoint(definitionsHash: definitionsHash(definitionsText),
                                                                   inputsFingerprint: inputsFingerprint(ws)) else { return (nil, nil) }
            let live = try LiveWorkspace(workspace: ws, checkpoint: payload, position: Int(meta.position), speed: speed)
            return (live, nil)
        } catch {
            return (nil, "the saved state could not be used (\(error)); replaying from the start")
        }
    }

    /// Saves the engine's state after the events applied so far.
    static func save(_ live: LiveWorkspace, definitionsText: String, store: CohortStore) throws {
        _ = try store.saveCheckpoint(definitionsHash: definitionsHash(definitionsText), inputsFingerprint: inputsFingerprint(live.workspace),
                                     position: Int64(live.driver.position), clock: live.engine.clock, payload: live.engine.checkpoint())
    }
}
