extension LogReader {
    /// The hash-chain value after record `seq` (`chainGenesis` for seq 0), or nil when the log holds no record
    /// `seq`. Derived files (snapshots) are bound to it: a value read from a log that was rewritten, truncated or
    /// replaced differs.
    ///
    /// Reads only the segment holding `seq`: it seeks like a reader (block index or checksummed batch headers),
    /// then checks the whole batch holding `seq` against the chain before it and folds its record checksums up to
    /// `seq`. Never modifies files.
    public static func chainValue(directory: String, atSeq seq: UInt64) throws(LogError) -> UInt64? {
        try chainValue(directory: directory, atSeq: seq, storage: PosixStorage.shared)
    }

    package static func chainValue(directory: String, atSeq seq: UInt64, storage: any LogStorage)
        throws(LogError) -> UInt64?
    {
        guard seq > 0 else { return Chain.genesis }
        let segments = try SegmentListing.list(storage: storage, directory: directory).segments
        guard let entry = segments.last(where: { $0.baseSeq <= seq }) else { return nil }
        let scanner = try SegmentScanner.open(storage: storage, directory: directory, entry: entry)
        try scanner.seek(to: seq)
        // After the seek, the batch holding `seq` (if any) has been checked whole and is the current one.
        guard scanner.nextSeq > seq else { return nil }
        var chain = scanner.chainBeforeCurrentBatch
        scanner.withCurrentBatchBytes { batch in
            let baseSeq = batch.getUInt64(at: 16)
            precondition(baseSeq <= seq, "the current batch starts after the seq sought")
            var offset = BatchHeader.sizeBytes
            for _ in baseSeq...seq {
                chain = Chain.next(chain, batch.getUInt32(at: offset))
                offset += RecordHeader.sizeBytes + Int(batch.getUInt32(at: offset + 4))
            }
        }
        return chain
    }
}
