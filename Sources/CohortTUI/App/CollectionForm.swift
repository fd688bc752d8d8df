import CohortEngine

/// The collection form's state (the form itself comes next).
public struct CollectionForm: Sendable {}

extension Console {
    func openCollectionForm(editing c: Int?) {
        flash("the collection form is not ready yet; collections are defined in cohort.yaml", .info)
    }

    func collectionFormKey(_ key: Key) -> [Effect] {
        state.collectionForm = nil
        return []
    }

    func renderCollectionForm(_ form: CollectionForm, into canvas: inout Canvas, area: Rect) {}
}
