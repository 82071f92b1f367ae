import ArgumentParser

@main
struct Tollgate: AsyncParsableCommand {
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
}
