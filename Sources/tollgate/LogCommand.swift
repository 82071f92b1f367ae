import ArgumentParser

/// `tollgate log …`: operator views of the raw log (verify, dump).
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect the raw record log.",
        subcommands: []
    )
}
