import ArgumentParser

/// `--data DIR`, shared by every subcommand that opens a log.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory holding the log.")
    var data: String
}
