import ArgumentParser
import Foundation
import TollgateSimulation

/// `tollgate-simulate --seed N --steps K`, or `--seeds A-B` for a sweep: deterministic simulation of the engine on
/// a faulty in-memory disk. A failing seed prints its parameters, the failure and the smallest command trace that
/// reproduces it; the exit status is 1 when any seed failed.
@main
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate-simulate",
        abstract: "Deterministic simulation: random commands, crashes and disk faults, checked after every restart.")

    @Option(help: "One seed to run.")
    var seed: UInt64?

    @Option(help: "A range of seeds, A-B (inclusive).")
    var seeds: String?

    @Option(help: "Commands per seed.")
    var steps: Int = 500

    @Option(help: "Replay this trace (one command line per line) instead of generated commands; needs --seed.")
    var trace: String?

    @Flag(help: "Do not shrink a failing seed's trace.")
    var noShrink = false

    @Flag(help: "Print one line per seed.")
    var verbose = false

    func validate() throws {
        guard (seed == nil) != (seeds == nil) else { throw ValidationError("give exactly one of --seed and --seeds") }
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        if trace != nil, seed == nil { throw ValidationError("--trace needs --seed") }
        if let seeds, parseRange(seeds) == nil { throw ValidationError("--seeds wants A-B, got \(seeds)") }
    }

    func parseRange(_ text: String) -> ClosedRange<UInt64>? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high else { return nil }
        return low...high
    }

    func run() throws {
        let range = seed.map { $0...$0 } ?? parseRange(seeds!)!
        var traceCommands: [String]?
        if let trace {
            let text = try String(contentsOfFile: trace, encoding: .utf8)
            traceCommands = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if traceCommands?.last == "" { traceCommands?.removeLast() }
        }
        var totals = Simulation.Report(seed: 0, parameters: .init(seed: 0))
        var failedSeeds: [UInt64] = []
        let started = Date()
        for seed in range {
            let simulation = Simulation(seed: seed, commandCount: steps, commands: traceCommands)
            if ProcessInfo.processInfo.environment["SIMULATE_TRACE"] != nil {
                simulation.trace = { print("  [\(seed)] \($0)") }
            }
            let report = simulation.run()
            totals.add(report)
            if verbose || report.failure != nil {
                print("seed \(seed): \(report.summary)")
            }
            guard let failure = report.failure else { continue }
            failedSeeds.append(seed)
            print("seed \(seed) FAILED: \(failure)")
            print("  parameters: \(report.parameters)")
            if !noShrink {
                let (shrunk, shrunkFailure) = Simulation.shrink(seed: seed, commands: simulation.commands)
                print("  smallest trace (\(shrunk.count) of \(simulation.commands.count) commands) fails with: "
                    + (shrunkFailure ?? "?"))
                print("  reproduce: save the lines below and run tollgate-simulate --seed \(seed) --trace FILE")
                for line in shrunk { print("    \(line)") }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("seeds \(range.lowerBound)-\(range.upperBound): \(range.count - failedSeeds.count) passed, "
            + "\(failedSeeds.count) failed in \(String(format: "%.1f", seconds)) s")
        print(totals.totalsText)
        if !failedSeeds.isEmpty { throw ExitCode(1) }
    }
}
