import TollgateBilling

/// The write path of `tollgate apply`: decides parsed lines in order and writes one result line per input line,
/// each only once its record is durable — while the previous batch's append and `fdatasync` run on the engine's
/// committer thread (``Engine/commitAsync()``).
///
/// Batches adapt to the disk (group commit on one writer): lines decided while a batch is being synced are
/// staged together and handed over as the next batch as soon as the committer is free, or when
/// `batchCommandCountMax` commands are staged (then the caller waits for the batch before). So a fast disk sees
/// small batches and short latency, a slow one few large appends.
///
/// Failure: when an append fails, its results and those of every batch after it are never written;
/// ``apply(_:)`` or ``flush()`` throws the engine's error and the engine refuses further work (docs/engine.md).
public final class PipelinedApply {
    private let engine: Engine
    private let write: ([UInt8]) -> Void
    /// Commands staged per batch at most before waiting for the batch being synced.
    public let batchCommandCountMax: Int
    /// Results of lines decided but not yet handed to the committer.
    private var stagedOutput: [UInt8] = []
    private var stagedCommandCount = 0
    /// The batch handed over and its results, written once it is durable.
    private var inFlight: (ticket: Engine.CommitTicket, output: [UInt8])?
    /// The emptied buffer of the last written batch, reused for the next one.
    private var spareOutput: [UInt8] = []
    static let outputSizeBytesTypical = 1 << 20

    /// `write` receives result lines (UTF-8, each ending in a newline), in input order, each batch after it is
    /// durable.
    public init(engine: Engine, batchCommandCountMax: Int? = nil, write: @escaping ([UInt8]) -> Void) {
        self.engine = engine
        self.write = write
        self.batchCommandCountMax = batchCommandCountMax ?? engine.configuration.batchCommandCountMax
        precondition(self.batchCommandCountMax > 0)
        stagedOutput.reserveCapacity(Self.outputSizeBytesTypical)
        spareOutput.reserveCapacity(Self.outputSizeBytesTypical)
    }

    /// Decides `lines` (parsed commands, or the reason a line is invalid) and stages their results; hands the
    /// batch to the committer when it is free. Results of earlier batches found durable are written.
    public func apply(_ lines: some Sequence<Result<Command, InvalidRequest>>) throws(EngineError) {
        for line in lines {
            switch line {
            case .failure(let invalid): invalid.result.renderUTF8(into: &stagedOutput)
            case .success(let command):
                try engine.stage(command).renderResult(into: &stagedOutput)
                stagedCommandCount += 1
            }
            stagedOutput.append(UInt8(ascii: "\n"))
        }
        if let inFlight {
            if try engine.isDurable(inFlight.ticket) {
                finishInFlight()
            } else if stagedCommandCount >= batchCommandCountMax {
                try engine.waitDurable(inFlight.ticket)
                finishInFlight()
            } else {
                return  // keep staging: this batch joins the next append
            }
        }
        try handOver()
    }

    /// Hands over what is staged and writes every result once durable. Call it before waiting for more input
    /// (a line typed on a pipe is answered at once) and at the end.
    public func flush() throws(EngineError) {
        if !stagedOutput.isEmpty || stagedCommandCount > 0 {
            if let inFlight {
                // Hand the staged batch over first, so its append follows the one in flight at once.
                let ticket = try engine.commitAsync()
                try engine.waitDurable(inFlight.ticket)
                finishInFlight()
                self.inFlight = (ticket, takeStaged())
            } else {
                try handOver()
            }
        }
        if let inFlight {
            try engine.waitDurable(inFlight.ticket)
            finishInFlight()
        }
    }

    private func handOver() throws(EngineError) {
        precondition(inFlight == nil)
        guard !stagedOutput.isEmpty else { return }
        let ticket = try engine.commitAsync()
        inFlight = (ticket, takeStaged())
    }

    private func takeStaged() -> [UInt8] {
        let output = stagedOutput
        stagedOutput = spareOutput
        spareOutput = []
        stagedCommandCount = 0
        return output
    }

    private func finishInFlight() {
        guard var batch = inFlight else { return }
        inFlight = nil
        write(batch.output)
        batch.output.removeAll(keepingCapacity: true)
        if spareOutput.capacity < batch.output.capacity { spareOutput = batch.output }
    }
}
