/// The result of `verifyLog`: every checksum, the hash chain, seq contiguity, segment headers, sealed frames,
/// block indexes and footers.
public struct LogVerification: Sendable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var seq: UInt64?
        public var file: String
        public var offset: UInt64?
        public var detail: String

        public var description: String {
            var text = file
            if let offset { text += " at byte \(offset)" }
            if let seq { text += " (seq \(seq))" }
            return text + ": " + detail
        }
    }

    /// True when no problem was found (a torn tail is not a problem: it is an unacknowledged append that the next
    /// `Log.open` truncates).
    public var ok: Bool { problems.isEmpty }
    /// Records that passed every check.
    public var recordCount: UInt64 = 0
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?
    public var segmentCount = 0
    public var sealedSegmentCount = 0
    public var problems: [Problem] = []
    public var tornTail: TornTail?
    /// Leftovers of an interrupted seal, which the next open removes.
    public var notes: [String] = []
}

/// Checks the whole log in `directory` without modifying it; collects every problem (one per damaged segment,
/// plus any break between segments) instead of stopping at the first.
public func verifyLog(directory: String) -> LogVerification {
    verifyLog(directory: directory, storage: PosixStorage.shared)
}

/// The message without the leading "file: " that `LogError` messages carry (the problem names the file already).
private func detail(_ error: LogError, _ name: String) -> String {
    let prefix = name + ": "
    return error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
}

package func verifyLog(directory: String, storage: any LogStorage) -> LogVerification {
    let listing: SegmentListing
    do { listing = try SegmentListing.list(storage: storage, directory: directory) } catch {
        var result = LogVerification()
        result.problems.append(.init(seq: nil, file: directory, offset: nil, detail: error.description))
        return result
    }
    var check = LogCheck(listing: listing)
    for (i, entry) in listing.segments.enumerated() {
        check.check(entry, isLast: i == listing.segments.count - 1, storage: storage, directory: directory)
    }
    return check.result
}

/// `verifyLog`'s pass, one segment at a time in listing order: from the start of the log (``verifyLog``), or
/// after the segments a reader checked the same way (``LogReader/checkingRest()``).
struct LogCheck {
    var result = LogVerification()
    /// Where the next segment must start; nil after a damaged segment (the next one is not compared).
    var expectedNextSeq: UInt64? = 1
    var expectedChain: UInt64? = Chain.genesis

    /// Starts after `counted`, what a reader's segments already counted (nothing, from the start of the log).
    init(listing: SegmentListing, counted: LogVerification = LogVerification()) {
        result = counted
        for name in listing.sealingLeftovers { result.notes.append("\(name): leftover of an interrupted seal") }
        for name in listing.recoveringLeftovers { result.notes.append("\(name): leftover of an interrupted recovery") }
        for name in listing.rawTwins { result.notes.append("\(name): raw twin of a sealed segment (seal interrupted)") }
        result.segmentCount = listing.segments.count
    }

    /// Checks the segment listed as `entry`: opened here, or `resuming` a scanner positioned inside it by a
    /// reader that opened it continuing ``expectedNextSeq`` and ``expectedChain`` and checked every batch before
    /// its position (those batches are counted, not read again).
    mutating func check(
        _ entry: SegmentListing.Entry, isLast: Bool, storage: any LogStorage, directory: String,
        resuming: SegmentScanner? = nil
    ) {
        if entry.isSealed { result.sealedSegmentCount += 1 }
        let scanner: SegmentScanner
        if let resuming {
            scanner = resuming
            result.countRecords(passedBy: scanner)
        } else {
            do { scanner = try SegmentScanner.open(storage: storage, directory: directory, entry: entry) } catch {
                result.problems.append(
                    .init(
                        seq: error.seq ?? entry.baseSeq, file: entry.name, offset: error.offset,
                        detail: detail(error, entry.name)))
                expectedNextSeq = nil
                expectedChain = nil
                return
            }
            if let header = scanner.header {
                if let expectedNextSeq, header.baseSeq != expectedNextSeq {
                    result.problems.append(
                        .init(
                            seq: expectedNextSeq, file: entry.name, offset: 0,
                            detail: "segment starts at seq \(header.baseSeq), expected \(expectedNextSeq)"
                                + " (segment missing?)"))
                } else if let expectedChain, header.previousChain != expectedChain {
                    result.problems.append(
                        .init(
                            seq: header.baseSeq, file: entry.name, offset: 0,
                            detail: "segment's previous chain does not match the previous segment's last chain"))
                }
            }
        }
        var segmentOK = true
        do {
            while let batch = try scanner.nextBatch() {  // Bounded by the segment's size.
                result.recordCount += UInt64(batch.recordCount)
                if result.firstSeq == nil { result.firstSeq = batch.baseSeq }
                result.lastSeq = batch.lastSeq
            }
        } catch {
            segmentOK = false
            result.problems.append(
                .init(seq: error.seq, file: entry.name, offset: error.offset, detail: detail(error, entry.name)))
        }
        if case .torn(let offset, let sizeBytes, let reason) = scanner.end {
            let torn = TornTail(
                file: entry.name, offset: offset, sizeBytes: sizeBytes, seq: scanner.nextSeq, reason: reason)
            if isLast && !entry.isSealed {
                result.tornTail = torn
            } else {
                result.problems.append(
                    .init(
                        seq: scanner.nextSeq, file: entry.name, offset: offset,
                        detail: "partial batch (\(reason)) in a segment that is not the last"))
            }
        }
        if segmentOK {
            expectedNextSeq = scanner.nextSeq
            expectedChain = scanner.chain
        } else {
            expectedNextSeq = nil
            expectedChain = nil
        }
    }
}

extension LogVerification {
    /// Counts the records of `scanner`'s segment that passed every check so far (all of them, at its end).
    mutating func countRecords(passedBy scanner: SegmentScanner) {
        guard scanner.nextSeq > scanner.baseSeq else { return }
        recordCount += scanner.nextSeq - scanner.baseSeq
        if firstSeq == nil { firstSeq = scanner.baseSeq }
        lastSeq = scanner.nextSeq - 1
    }
}
