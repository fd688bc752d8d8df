import CohortEngine

/// The attribute form's state (the form itself comes next).
public struct AttributeForm: Sendable {}

extension Console {
    func openAttributeForm(editing a: Int?) {
        flash("the attribute form is not ready yet; attributes are defined in cohort.yaml", .info)
    }

    func attributeFormKey(_ key: Key) -> [Effect] {
        state.attributeForm = nil
        return []
    }

    func renderAttributeForm(_ form: AttributeForm, into canvas: inout Canvas, area: Rect) {}

    func deleteAttribute() {
        flash("attributes are deleted in cohort.yaml for now", .info)
    }
}
