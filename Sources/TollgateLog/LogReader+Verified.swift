extension LogReader {
    /// The segments a reader has read whole, from seq 1 on, each checked as `verifyLog` checks it: opened (file
    /// name, header, a sealed segment's trailer, footer and block index), continuing the previous segment's seq and
    /// chain from the genesis chain, every batch's framing, checksums, times and chain, a sealed segment's content
    /// against its footer, and its end (clean, or a torn tail in the last raw segment). For those segments
    /// `verifyLog` would find nothing the reader did not: ``checkingRest()`` checks only the others.
    struct VerifiedPrefix {
        /// False when the reader's checks differ from `verifyLog`'s from its first segment on: it started past seq
        /// 1 (it skipped batches), or the first segment does not start at seq 1 (it expected no seq or chain there).
        let isOpen: Bool
        /// Segments `0..<segmentCount` of the listing were read whole.
        var segmentCount = 0
        /// Where the next segment must start, as `verifyLog` expects it after those segments.
        var nextSeq: UInt64 = 1
        var chain: UInt64 = Chain.genesis
        /// What `verifyLog` counts for those segments: records, first and last seq, sealed segments, and the last
        /// segment's torn tail when the prefix holds it (never a problem: a damaged segment ends the prefix).
        var counts = LogVerification()

        init(isOpen: Bool) { self.isOpen = isOpen }

        /// Counts `scanner`'s segment (listed as `entry`, at `index`), read from its start to its end, if it
        /// continues the prefix; a segment ending torn counts only as the last raw one (the reader throws for any
        /// other).
        mutating func add(_ scanner: SegmentScanner, entry: SegmentListing.Entry, index: Int, isLast: Bool) {
            guard isOpen, index == segmentCount, counts.tornTail == nil, let end = scanner.end else { return }
            if case .torn(let offset, let sizeBytes, let reason) = end {
                guard isLast, !entry.isSealed else { return }
                counts.tornTail = TornTail(
                    file: entry.name, offset: offset, sizeBytes: sizeBytes, seq: scanner.nextSeq, reason: reason)
            }
            counts.countRecords(passedBy: scanner)
            segmentCount += 1
            if entry.isSealed { counts.sealedSegmentCount += 1 }
            nextSeq = scanner.nextSeq
            chain = scanner.chain
        }
    }

    /// What `verifyLog(directory:)` reports for this reader's log (the same problems, counts, torn tail and notes),
    /// checking only what the reader has not: the segments after the ones it read whole, the rest of the segment it
    /// stopped in (at a bound: from its position on, the batches before it were checked), and from its start the
    /// segment where it failed. A verified replay's reader reads to its bound anyway; this spares the second
    /// reading, decompression and checksumming of everything before it (docs/engine.md, "The log check").
    ///
    /// Call once the reader is done with (it moves the reader's segment on). Reads the log's segments as listed
    /// when the reader was opened.
    package func checkingRest() -> LogVerification {
        // The resumed segment's blocks still ready are used; none is waited for.
        prefetchRunner?.prefetch.stop()
        var check = LogCheck(listing: listing, counted: verified.counts)
        check.expectedNextSeq = verified.nextSeq
        check.expectedChain = verified.chain
        var index = verified.segmentCount
        let segmentCount = listing.segments.count
        if verified.isOpen, stoppedByBody, index == position, index < segmentCount, let scanner {
            // Stopped at a bound inside this segment, every batch before its position checked.
            check.check(
                listing.segments[index], isLast: index == segmentCount - 1, storage: storage, directory: directory,
                resuming: scanner)
            index += 1
        }
        while index < segmentCount {  // Bounded by the listing.
            check.check(
                listing.segments[index], isLast: index == segmentCount - 1, storage: storage, directory: directory)
            index += 1
        }
        return check.result
    }
}
