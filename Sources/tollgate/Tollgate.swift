import ArgumentParser

@main
struct Tollgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An event-sourced credit and entitlement billing engine.",
        subcommands: [
            LogCommand.self,
        ]
    )
}
