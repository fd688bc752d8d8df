import CohortEngine

/// The `:` command line: what it understands and how it completes.
extension Console {
    /// Every command word, for completion and for `:help`.
    static let commandWords = ["collections", "streams", "attributes", "segments", "profiles",
                               "collection", "theme", "speed", "pause", "resume", "step", "history", "new", "reload", "help", "q", "quit"]

    func completions(for text: String) -> [String] {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if parts.count <= 1 {
            return Console.commandWords.filter { $0.hasPrefix(parts.first ?? "") }
        }
        let arg = parts.last ?? ""
        let options: [String]
        switch parts[0] {
        case "theme": options = state.themeNames
        case "speed": options = ReplayDriver.speeds.map { $0.isInfinite ? "max" : String(Int($0)) }
        case "collection": options = live.workspace.collections.map(\.name)
        default: options = []
        }
        return options.filter { $0.hasPrefix(arg) }.map { parts.dropLast().joined(separator: " ") + " " + $0 }
    }

    func run(command text: String) -> [Effect] {
        let words = text.split(separator: " ").map(String.init)
        guard let verb = words.first else { return [] }
        let arg = words.dropFirst().joined(separator: " ")
        if let screen = Screen.allCases.first(where: { $0.command == verb || ($0.command.dropLast() == verb && verb != "collection") }) {
            go(screen)
            return []
        }
        switch verb {
        case "q", "quit", "q!":
            state.quit = true
            return [.quit]
        case "help":
            state.help = HelpState()
        case "theme":
            guard !arg.isEmpty else {
                flash("themes: " + state.themeNames.joined(separator: ", "), .info)
                return []
            }
            guard state.themeNames.contains(arg) else {
                let hint = suggestion(for: arg, among: state.themeNames).map { " — did you mean '\($0)'?" } ?? ""
                flash("no theme '\(arg)'\(hint)", .error)
                return []
            }
            state.themeName = arg
            flash("theme \(arg)", .ok)
            return [.applyTheme(arg)]
        case "speed":
            if arg == "max" { return [.setSpeed(.infinity)] }
            let s = arg.hasSuffix("x") || arg.hasSuffix("×") ? String(arg.dropLast()) : arg
            guard let n = Double(s.replacingOccurrences(of: ",", with: "")), n >= 1, n.isFinite else {
                flash("speed takes a number ≥ 1 or 'max', e.g. :speed 1000", .error)
                return []
            }
            return [.setSpeed(n)]
        case "pause", "resume":
            let paused = live.driver.isPaused
            return (verb == "pause") != paused ? [.togglePause] : []
        case "step":
            return [.step]
        case "history":
            state.detail = .history
            state.detailList = TableState()
        case "new":
            go(.segments)
            openSegmentForm(editing: nil)
        case "reload":
            reloadDefinitions()
        case "collection":
            guard let c = live.workspace.collections.firstIndex(where: { $0.name == arg }) else {
                let names = live.workspace.collections.map(\.name)
                let hint = suggestion(for: arg, among: names).map { " — did you mean '\($0)'?" } ?? ""
                flash("no collection '\(arg)'\(hint)", .error)
                return []
            }
            state.collection = c
            state.detail = nil
            refreshRows()
            flash("collection \(arg)", .ok)
        default:
            let hint = suggestion(for: verb, among: Console.commandWords).map { " — did you mean ':\($0)'?" } ?? ""
            flash("unknown command ':\(verb)'\(hint)", .error)
        }
        return []
    }
}
