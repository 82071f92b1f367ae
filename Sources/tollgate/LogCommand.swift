import ArgumentParser

/// `tollgate log …`: operator views of the raw log (verify, dump, recover) and the crash-test writer.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect the raw record log.",
        subcommands: [
            LogVerifyCommand.self, LogDumpCommand.self, LogRecoverCommand.self, LogCrashWriterCommand.self,
            LogBenchCommand.self,
        ]
    )
}
