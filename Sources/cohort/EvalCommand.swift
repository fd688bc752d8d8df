import ArgumentParser
import Foundation
import CohortEngine

/// `cohort eval EXPR`: evaluates one Spark SQL expression and prints the result as JSON.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a Spark SQL expression and print the result as JSON.",
        discussion: "Without --profile, the expression may use only literals and functions. With --profile it reads that profile's attributes after a replay."
    )

    @OptionGroup var workspace: WorkspaceOptions

    /// Taken as unrecognized words so an expression may start with '-' (`cohort eval "-7 % 3"`).
    @Argument(parsing: .allUnrecognized, help: "The expression, e.g. \"round(2.5) + 1\" (words are joined with spaces).")
    var words: [String] = []

    var expression: String { words.joined(separator: " ") }

    func validate() throws {
        if expression.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("give an expression, e.g. cohort eval \"round(2.5) + 1\"") }
    }

    @Option(help: ArgumentHelp("The clock for current_date() and current_timestamp() (default: the replay clock with --profile, else now).", valueName: "TS"))
    var now: String?

    @Option(help: ArgumentHelp("Evaluate against this profile's attributes.", valueName: "KEY"))
    var profile: String?

    @Option(help: ArgumentHelp("The profile's collection (default: the first one defined).", valueName: "NAME"))
    var collection: String?

    @Option(help: ArgumentHelp("Replay only up to this instant.", valueName: "TS"))
    var until: String?

    func run() throws {
        let nowMicros = try now.map { try parseInstant($0, option: "--now") }
        guard let key = profile else {
            let compiled = try compile(scope: ExpressionScope())
            print(ProfileWriter.json(compiled.evaluate([], now: nowMicros ?? CivilTime.wallClockMicros())))
            return
        }
        let untilMicros = try until.map { try parseInstant($0, option: "--until") }
        let ws = try workspace.loadOrExit()
        let model = try ProfileLookup.collection(collection, in: ws)
        let row = try ProfileLookup.row(key: key, by: nil, in: model)
        var names: [String: ValueType] = [:]
        for a in model.attributes { names[a.name] = a.type }
        let compiled = try compile(scope: ExpressionScope(names: names))
        let result = Replay(workspace: ws, until: untilMicros).run()
        guard let state = result.collections.first(where: { $0.model.name == model.name }) else { throw ExitCode(1) }
        let inputs = compiled.inputs.map { name in model.attributeIndex(name).map { state.values[row][$0] } ?? .null }
        print(ProfileWriter.json(compiled.evaluate(inputs, now: nowMicros ?? result.clock ?? CivilTime.wallClockMicros())))
    }

    /// Compiles the expression or prints its positioned error with a caret and exits 1.
    func compile(scope: ExpressionScope) throws -> CompiledExpression {
        switch ExpressionCompiler.compile(expression, scope: scope) {
        case .success(let c): return c
        case .failure(let e):
            printError(e.description)
            let line = expression.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(max(0, e.line - 1)).first.map(String.init) ?? ""
            if line.count <= 200 {
                printError("  " + line)
                printError("  " + String(repeating: " ", count: max(0, e.column - 1)) + "^")
            }
            throw ExitCode(1)
        }
    }
}
