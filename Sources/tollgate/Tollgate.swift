import ArgumentParser
import Dispatch

/// The root command. Its entry point is synchronous: every subcommand but `serve` is synchronous, and running
/// them straight on the main thread spares a process that lives a few milliseconds the concurrency runtime's
/// start (a dispatch worker thread, the hop of the async `main` onto it and back). `serve`, the one
/// `AsyncParsableCommand`, still runs as a task: see ``runAsync(_:)``. Parsing, help, errors and exit codes are
/// ArgumentParser's own, exactly as with an `AsyncParsableCommand` root (docs/engine.md, "Start-up").
@main
struct Tollgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An event-sourced credit and entitlement billing engine.",
        subcommands: [
            ApplyCommand.self,
            BalancesCommand.self,
            StateCommand.self,
            SettingsCommand.self,
            ReplayCommand.self,
            ReconcileCommand.self,
            WhatIfCommand.self,
            ReadinessCommand.self,
            TransactionsCommand.self,
            AuditCommand.self,
            IndexCommand.self,
            SnapshotCommand.self,
            RebuildCommand.self,
            UsageCommand.self,
            StatementCommand.self,
            AccountingCommand.self,
            TailCommand.self,
            LogCommand.self,
            ServeCommand.self,
            KeysCommand.self,
            WebhooksCommand.self,
        ]
    )

    /// What `AsyncParsableCommand.main()` does, minus its `async`: parse (or print help or the error and exit),
    /// then run the command on this thread, or as a task when it is asynchronous. The plain forms of `replay`
    /// skip the parse (``ReplayRun/init(plainArguments:)``); what they print and exit with is the same.
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "replay", let run = ReplayRun(plainArguments: arguments.dropFirst()) {
            do {
                try run.run()
            } catch {
                exit(withError: error)
            }
            return
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        if let asyncCommand = command as? any AsyncParsableCommand {
            runAsync(asyncCommand)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// Runs an asynchronous command in a task and parks the main thread in `dispatchMain()`, serving the main
    /// queue, as the runtime's own async entry point does. Exits 0 when the command returns, or as
    /// ArgumentParser does for its error.
    static func runAsync(_ command: sending any AsyncParsableCommand) -> Never {
        Task {
            var command = command
            do {
                try await command.run()
            } catch {
                exit(withError: error)
            }
            exit()
        }
        dispatchMain()
    }
}
