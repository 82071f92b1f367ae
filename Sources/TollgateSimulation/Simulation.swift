import TollgateBilling
import TollgateEngine
import TollgateLog

/// One deterministic simulation run (TigerBeetle's VOPR, on the engine): random billing commands go through an
/// ``Engine`` on a ``SimulatedDisk`` that injects faults; the process is killed and the power fails at random; after
/// every restart the checker compares the log with a reference engine that saw only the acknowledged commands on a
/// perfect disk. One seed sets every parameter; `commands` can be given to replay a (shrunk) trace.
package final class Simulation {
    package struct Parameters: Sendable, CustomStringConvertible {
        package var segmentSizeBytes: UInt64
        package var batchCommandCountMax: Int
        /// Chance per step that the power fails between batches.
        package var powerLossPercent: Int
        /// Chance per step that the process is killed between batches (the page cache survives).
        package var killPercent: Int
        /// Chance at each (re)start that a power failure is armed at a random mutation ahead.
        package var armedCrashPercent: Int
        package var armedCrashMutationsMax: Int
        /// The log's preallocation step (0: off); seeds with it on get larger segments, so zeros are written
        /// ahead inside a segment and not only up to its end at the first append.
        package var preallocationStepBytes: UInt64
        package var rates: FaultRates

        package init(seed: UInt64) {
            var random = SplitMix64(seed: seed ^ 0x5EED_5EED_5EED_5EED)
            segmentSizeBytes = 256 + UInt64(random.below(4096))
            batchCommandCountMax = 1 + random.below(8)
            powerLossPercent = 1 + random.below(5)
            killPercent = random.below(4)
            armedCrashPercent = 20 + random.below(60)
            armedCrashMutationsMax = 10 + random.below(200)
            // Drawn last, so the parameters above stay what they were for every seed.
            let steps: [UInt64] = [0, 0, 1024, 8192, 1 << 20]
            preallocationStepBytes = steps[random.below(steps.count)]
            if preallocationStepBytes > 0 { segmentSizeBytes += 4096 + UInt64(random.below(16384)) }
            rates = FaultRates(seed: seed)
        }

        package var description: String {
            "segment \(segmentSizeBytes) B, batches ≤ \(batchCommandCountMax), power loss \(powerLossPercent)%/step, "
                + "kill \(killPercent)%/step, armed crash \(armedCrashPercent)% within \(armedCrashMutationsMax) "
                + "mutations, preallocation \(preallocationStepBytes) B; \(rates)"
        }
    }

    /// What a run did and found.
    package struct Report: Sendable {
        package var seed: UInt64
        package var parameters: Parameters
        package var commandCount = 0
        package var acknowledgedCommandCount = 0
        package var recordCount = 0
        package var processKills = 0
        /// Engine opens that failed (and were retried, repaired or recovered).
        package var openFailures = 0
        /// Opens that failed while the medium held a silent corruption: detected, then repaired.
        package var corruptionsDetectedAtOpen = 0
        /// Appends that failed (I/O error, disk full, failed sync, power failure, corruption found while sealing).
        package var appendFailures = 0
        /// Appends that failed while the medium held a silent corruption.
        package var corruptionsDetectedWhileWriting = 0
        /// Opens that needed the operator's `truncate-after-last-good` (torn unsynced data after a power loss).
        package var operatorRecoveries = 0
        /// Unacknowledged batches found in the log after a restart (they became part of the history).
        package var unacknowledgedBatchesKept = 0
        package var unacknowledgedBatchesLost = 0
        package var checks = 0
        package var disk = DiskStatistics()
        /// The first broken invariant, if any.
        package var failure: String?

        package init(seed: UInt64, parameters: Parameters) {
            self.seed = seed
            self.parameters = parameters
        }
    }

    static let directory = "/sim/data"
    static let clock = Clock { Timestamp(millisecondsSinceEpoch: 1_772_355_600_000) }
    /// Opens tried with faults on before the checker turns them off.
    static let openAttemptCountMax = 8

    package let seed: UInt64
    package let commands: [String]
    package let parameters: Parameters
    private let disk: SimulatedDisk
    private var schedule: SplitMix64
    private var engine: Engine?
    private var model: Engine
    private let modelDisk: SimulatedDisk
    private var modelRecords: [LogRecord] = []
    /// The batch whose append failed: in the log after a restart, or not, as a whole.
    private var inFlight: [String]?
    private var report: Report
    /// Receives one line per event (batch, failure, restart, open), for debugging a seed.
    package var trace: ((String) -> Void)?

    /// `commandCount` random commands from `seed`, or the given `commands` (a trace to replay).
    package init(
        seed: UInt64, commandCount: Int = 500, commands: [String]? = nil, syncsPersistNothing: Bool = false
    ) {
        self.seed = seed
        parameters = Parameters(seed: seed)
        if let commands {
            self.commands = commands
        } else {
            var generator = CommandGenerator(seed: seed ^ 0xC0FF_EE00_C0FF_EE00)
            self.commands = (0..<commandCount).map { _ in generator.nextLine() }
        }
        disk = SimulatedDisk(seed: seed ^ 0xD15C_D15C_D15C_D15C, rates: parameters.rates)
        disk.syncsPersistNothing = syncsPersistNothing
        schedule = SplitMix64(seed: seed ^ 0x0005_C4ED_0005_C4ED)
        modelDisk = SimulatedDisk(seed: 0, rates: .none)
        model = try! Engine(configuration: Self.configuration(parameters), clock: Self.clock, storage: modelDisk)
        report = Report(seed: seed, parameters: parameters)
    }

    static func configuration(_ parameters: Parameters, recovery: RecoveryMode = .strict) -> EngineConfiguration {
        EngineConfiguration(
            directory: directory,
            log: LogConfiguration(
                segmentSizeBytes: parameters.segmentSizeBytes, durability: .groupCommit, recovery: recovery,
                preallocationStepBytes: parameters.preallocationStepBytes),
            billing: BillingConfiguration(creditEnforcementEnabled: false))
    }

    private func fail(_ message: String) {
        if report.failure == nil { report.failure = message }
    }

    /// Runs every command, then a last power loss and check.
    package func run() -> Report {
        report.commandCount = commands.count
        restart(powerLoss: false)
        var index = 0
        while index < commands.count, report.failure == nil {
            let roll = schedule.below(100)
            if roll < parameters.powerLossPercent {
                disk.powerFail()
                restart(powerLoss: true)
                continue
            }
            if roll < parameters.powerLossPercent + parameters.killPercent {
                report.processKills += 1
                restart(powerLoss: false)
                continue
            }
            let count = min(1 + schedule.below(parameters.batchCommandCountMax), commands.count - index)
            let batch = Array(commands[index..<(index + count)])
            index += count
            guard let engine else { return finish() }
            let results: [JSONValue]
            do {
                results = try engine.apply(lines: batch.map { Array($0.utf8) })
            } catch {
                report.appendFailures += 1
                trace?("append of \(batch.count) commands failed: \(error)")
                if disk.hasSilentCorruption { report.corruptionsDetectedWhileWriting += 1 }
                inFlight = batch
                restart(powerLoss: disk.isDown)
                continue
            }
            trace?("acknowledged \(batch.count) commands, next seq \(engine.nextSeq)")
            acknowledge(batch, results: results)
        }
        if report.failure == nil {
            disk.powerFail()
            restart(powerLoss: true)
        }
        return finish()
    }

    private func finish() -> Report {
        engine = nil
        report.disk = disk.stats
        report.recordCount = modelRecords.count
        return report
    }

    /// Feeds acknowledged commands to the reference engine; its results must be the ones the caller got.
    private func acknowledge(_ batch: [String], results: [JSONValue]) {
        report.acknowledgedCommandCount += batch.count
        let expected: [JSONValue]
        do {
            expected = try model.apply(lines: batch.map { Array($0.utf8) })
        } catch {
            return fail("the reference engine failed: \(error)")
        }
        for (index, (got, want)) in zip(results, expected).enumerated() where got != want {
            return fail("acknowledged result differs from the reference for \(batch[index]): \(got.rendered) vs \(want.rendered)")
        }
        readModelRecords()
    }

    private func readModelRecords() {
        do {
            var reader = try LogReader(
                directory: Self.directory, fromSeq: UInt64(modelRecords.count + 1), storage: modelDisk)
            while let record = try reader.next() { modelRecords.append(record) }
        } catch {
            fail("the reference log cannot be read: \(error)")
        }
    }

    /// Drops the engine (a kill; after a power failure the disk reboots), opens it again and checks.
    private func restart(powerLoss: Bool) {
        trace?(powerLoss || disk.isDown ? "power loss" : "process restart")
        engine = nil
        if powerLoss || disk.isDown {
            disk.reboot()
        } else {
            disk.restartProcess()
        }
        disk.armCrash(
            afterMutations: schedule.chance(percent: parameters.armedCrashPercent)
                ? schedule.below(parameters.armedCrashMutationsMax) : nil)
        open()
        if report.failure == nil { check() }
    }

    /// Opens with faults on (retrying after transient faults, rebooting after a power failure during recovery,
    /// repairing a detected corruption); then with faults off; then with the operator's truncate recovery.
    private func open() {
        for _ in 0..<Self.openAttemptCountMax {
            do {
                engine = try Engine(configuration: Self.configuration(parameters), clock: Self.clock, storage: disk)
                return
            } catch {
                report.openFailures += 1
                trace?("open failed: \(error)\(disk.hasSilentCorruption ? " (silent corruption on the medium)" : "")")
                if disk.isDown {
                    disk.reboot()
                } else if disk.hasSilentCorruption {
                    report.corruptionsDetectedAtOpen += 1
                    disk.repair()
                }
            }
        }
        disk.faultsEnabled = false
        defer { disk.faultsEnabled = true }
        if disk.isDown { disk.reboot() }
        if disk.hasSilentCorruption {
            report.corruptionsDetectedAtOpen += 1
            disk.repair()
        }
        let strictError: EngineError
        do {
            engine = try Engine(configuration: Self.configuration(parameters), clock: Self.clock, storage: disk)
            return
        } catch {
            strictError = error
        }
        trace?("open with faults off failed: \(strictError)")
        // Torn or reordered unsynced writes after a power loss can look like corruption (docs/log-format.md,
        // "Note on power loss"); the operator truncates after the last good batch. Nothing acknowledged may go.
        do {
            let log = try Log.open(
                directory: Self.directory,
                configuration: Self.configuration(parameters, recovery: .truncateAfterLastGood).log, storage: disk)
            try log.close()
            engine = try Engine(configuration: Self.configuration(parameters), clock: Self.clock, storage: disk)
            report.operatorRecoveries += 1
        } catch {
            fail("the engine does not open: \(strictError); after truncate-after-last-good: \(error)")
        }
    }

    /// The invariants after a restart (faults off: the checker is the oracle).
    private func check() {
        guard let engine else { return fail("no engine after open") }
        report.checks += 1
        disk.faultsEnabled = false
        defer { disk.faultsEnabled = true }
        var records: [LogRecord] = []
        do {
            var reader = try LogReader(directory: Self.directory, fromSeq: 1, storage: disk)
            while let record = try reader.next() { records.append(record) }
        } catch {
            return fail("the log opened but cannot be read: \(error)")
        }
        if records.count < modelRecords.count {
            return fail("acknowledged records lost: the log holds \(records.count), \(modelRecords.count) were acknowledged")
        }
        if let batch = inFlight {
            inFlight = nil
            if records.count > modelRecords.count {
                report.unacknowledgedBatchesKept += 1
                report.acknowledgedCommandCount += batch.count
                do {
                    _ = try model.apply(lines: batch.map { Array($0.utf8) })
                } catch {
                    return fail("the reference engine failed: \(error)")
                }
                readModelRecords()
            } else {
                report.unacknowledgedBatchesLost += 1
            }
        }
        if records.count != modelRecords.count {
            return fail("the log holds \(records.count) records, the reference \(modelRecords.count)")
        }
        for (got, want) in zip(records, modelRecords) where got != want {
            return fail("record \(got.seq) differs from the reference (type \(got.type) vs \(want.type), \(got.body.count) vs \(want.body.count) bytes)")
        }
        let replay = Replay.verify(directory: Self.directory, billing: BillingConfiguration(), storage: disk)
        if !replay.ok {
            return fail("replay --verify: \(replay.violations.map(\.json.rendered).joined(separator: "; "))")
        }
        if engine.nextSeq != model.nextSeq {
            return fail("engine next seq \(engine.nextSeq), reference \(model.nextSeq)")
        }
        let balances = engine.state.balancesJSON()
        if balances != model.state.balancesJSON() || replay.state.balancesJSON() != balances {
            return fail("balances differ from the reference: \(balances.rendered) vs \(model.state.balancesJSON().rendered)")
        }
        if engine.state.settingsJSON() != model.state.settingsJSON() {
            return fail("settings differ from the reference")
        }
    }
}
