import CohortEngine
import CohortStore
import CohortTUI
import Foundation

/// The console's definition history and activation log, kept in the workspace's `.cohort/`
/// store so they survive quitting and reopening.
final class StorePersistence: DefinitionPersistence {
    let store: CohortStore
    /// Why the last write failed, if it did (shown by the console's flash line).
    private(set) var lastError: String?

    init(store: CohortStore) { self.store = store }

    func record(_ entry: DefinitionHistoryEntry) throws {
        try store.recordDefinitionChange(DefinitionChange(atWall: entry.atWall, collection: entry.collection, kind: entry.kind,
                                                          name: entry.name, action: entry.action, oldName: entry.oldName,
                                                          diff: entry.diff))
    }

    func history(collection: String?, kind: String?, name: String?) -> [DefinitionHistoryEntry] {
        let changes = (try? store.definitionChanges(collection: collection, kind: kind, name: name)) ?? []
        return changes.map {
            DefinitionHistoryEntry(atWall: $0.atWall, collection: $0.collection, kind: $0.kind, name: $0.name,
                                   action: $0.action, oldName: $0.oldName, diff: $0.diff)
        }
    }

    /// With `--serve`: activations go to the API's feed, which numbers and stores them.
    var publish: (([Activation]) -> Void)?

    func recordActivations(_ activations: [Activation]) {
        guard !activations.isEmpty else { return }
        if let publish {
            publish(activations)
            return
        }
        do {
            try store.appendActivations(activations.map(ActivationRecord.init))
        } catch {
            lastError = "\(error)"
        }
    }
}
