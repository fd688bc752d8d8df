import ArgumentParser
import CohortEngine
import CohortServer
import CohortStore
import CohortTUI
import Foundation

/// `cohort token`: API tokens for `cohort serve`, kept hashed in the workspace's `.cohort/`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self],
        defaultSubcommand: List.self
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; prints it (only this once: the workspace keeps a hash).",
            discussion: "Scopes: events:write (post events), profiles:read (profiles, segments, activations), pii:read (attributes marked pii: true, and look-ups by them). A running server accepts the token at once."
        )
        @OptionGroup var workspace: WorkspaceOptions

        @Option(name: .customLong("scope"), help: ArgumentHelp("A scope to grant (repeat for several).", valueName: "SCOPE"))
        var scopes: [String] = []

        @Option(help: ArgumentHelp("Requests per second allowed (0: unlimited).", valueName: "N"))
        var rate: Double = Tokens.defaultRate

        @Option(help: ArgumentHelp("Requests allowed at once above the rate.", valueName: "N"))
        var burst: Int = Tokens.defaultBurst

        @Flag(help: "Print {id, token, scopes} as JSON.")
        var json = false

        func validate() throws {
            guard !scopes.isEmpty else { throw ValidationError("give at least one --scope: \(Scope.allCases.map(\.rawValue).joined(separator: ", "))") }
            for s in scopes where Scope(rawValue: s) == nil {
                throw ValidationError("unknown scope '\(s)'; scopes: \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard rate >= 0, rate.isFinite else { throw ValidationError("--rate takes a number ≥ 0") }
            guard burst >= 1 else { throw ValidationError("--burst takes a number ≥ 1") }
        }

        func run() throws {
            let store = try openStore(workspace.directory)
            var unique: [Scope] = []
            for s in scopes.compactMap(Scope.init(rawValue:)) where !unique.contains(s) { unique.append(s) }
            let (token, record) = try Tokens.create(in: store, scopes: unique, rate: rate, burst: burst)
            if json {
                print("{\"id\":\"\(record.id)\",\"token\":\"\(token)\",\"scopes\":[\(record.scopes.map { "\"\($0)\"" }.joined(separator: ","))]}")
            } else {
                print(token)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, scopes, limits; never the secrets).")
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let store = try openStore(workspace.directory)
            let tokens = try store.tokens()
            if tokens.isEmpty {
                print("no tokens; create one with: cohort token create --scope events:write --scope profiles:read")
                return
            }
            print("ID            SCOPES                                   RATE/S   BURST  CREATED               STATE")
            for t in tokens {
                let created = CivilTime.formatTimestamp(t.createdWall / 1_000_000 * 1_000_000)
                let rate = t.rate == 0 ? "∞" : String(Int(t.rate))
                print(t.id.padding(toLength: 14, withPad: " ", startingAt: 0)
                      + t.scopes.joined(separator: " ").padding(toLength: 41, withPad: " ", startingAt: 0)
                      + rate.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(t.burst).padding(toLength: 7, withPad: " ", startingAt: 0)
                      + created.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + (t.revoked ? "revoked" : "active"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (a running server refuses it within a second).")
        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The token's id (from 'cohort token list').")
        var id: String

        func run() throws {
            let store = try openStore(workspace.directory)
            guard try store.revokeToken(id: id) else {
                printError("cohort: no token with id '\(id)'")
                throw ExitCode(1)
            }
            print("revoked \(id)")
        }
    }
}

func openStore(_ directory: String) throws -> CohortStore {
    do { return try CohortStore.open(workspaceDirectory: directory) } catch {
        printError("cohort: \(error)")
        throw ExitCode(1)
    }
}
