import TollgateBilling

/// `audit` served from the per-segment audit index: sealed segments with a valid index are read only at the
/// records their postings name, the raw active segment through its sidecar (``AuditQuery+ActiveIndex``); the
/// others (no index, a rejected index or sidecar) are scanned.
/// Newest-first reads segments from the newest and stops once the page is full, so the first page costs the
/// tail of the log, not all of it. The answer is identical to ``run(directory:progress:)``.
extension AuditQuery {
    public struct IndexUse: Sendable, Equatable {
        public var indexedSegmentCount = 0
        public var scannedSegmentCount = 0
        /// One line per sealed segment whose index was not trusted (and was scanned instead).
        public var warnings: [String] = []
    }

    /// Up to this many records between two postings are skipped by reading on rather than opening a new reader
    /// (which costs a file open and an LZ4 block): ~ a few blocks of debits, read and checked but not decoded.
    static let forwardReadGapRecordsMax: Int64 = 4096

    public func runIndexed(directory: String) throws(EngineError) -> (result: Result, use: IndexUse) {
        let store = AuditIndexStore(directory: directory)
        let segments = try store.segments()
        var use = IndexUse()
        var entries: [LedgerEntry] = []
        let wanted = limit + 1
        let order: [Int] = self.order == .oldest ? Array(segments.indices) : segments.indices.reversed()
        for position in order {
            let segment = segments[position]
            let nextBase = position + 1 < segments.count ? segments[position + 1].baseSeq : nil
            var found: [LedgerEntry] = []
            var index: AuditIndex?
            if segment.isSealed {
                switch try store.load(segment) {
                case .success(let loaded): index = loaded
                case .failure(.missing): break
                case .failure(let rejection): use.warnings.append("\(segment.name): \(rejection), scanned instead")
                }
            }
            var activeFound: [LedgerEntry]?
            if !segment.isSealed, nextBase == nil {
                switch activeSegmentEntries(
                    directory: directory, segmentBaseSeq: UInt64(segment.baseSeq), need: wanted - entries.count)
                {
                case .success(let matched): activeFound = matched
                case .failure(.missing): break
                case .failure(let rejection): use.warnings.append("\(segment.name): \(rejection), scanned instead")
                }
            }
            if let activeFound {
                use.indexedSegmentCount += 1
                found = activeFound
            } else if let index {
                use.indexedSegmentCount += 1
                var postings = (index.postings[initiatedBy] ?? []).filter { posting in
                    let time = Timestamp(millisecondsSinceEpoch: posting.timeMs)
                    return (from.map { time >= $0 } ?? true) && (to.map { time < $0 } ?? true)
                }
                let need = wanted - entries.count
                postings = self.order == .oldest ? Array(postings.prefix(need)) : Array(postings.suffix(need))
                // Postings close together (a burst of admin grants) are read with one reader going forward,
                // skipping the records between them undecoded; a far one gets a reader of its own (the log seeks
                // to its block). Postings are in seq order in both orders.
                var reader: LedgerReader?
                for posting in postings {
                    let readOn = reader.map {
                        posting.seq >= $0.nextSeq && posting.seq - $0.nextSeq <= Self.forwardReadGapRecordsMax
                    }
                    if readOn != true { reader = try LedgerReader(directory: directory, fromSeq: posting.seq) }
                    guard let entry = try reader!.next(decodingOnly: { seq, _, _ in seq >= posting.seq }),
                        entry.seq == posting.seq, matches(entry)
                    else {
                        throw EngineError(.log, "\(segment.name): the index names seq \(posting.seq), which does not match")
                    }
                    found.append(entry)
                }
            } else {
                // Debits and consumes (almost every record) name no initiator: they are read and checked but not
                // decoded. This is the cost of a segment without a usable index (docs/benchmarks.md).
                use.scannedSegmentCount += 1
                var reader = try LedgerReader(directory: directory, fromSeq: segment.baseSeq)
                let wantedRecord = { (seq: Int64, time: Timestamp, typeTag: UInt8) -> Bool in
                    if let nextBase, seq >= nextBase { return true }
                    if let to, time >= to { return true }
                    return LedgerRecord.mayHaveInitiator(typeTag: typeTag)
                }
                while let entry = try reader.next(decodingOnly: wantedRecord) {
                    if let nextBase, entry.seq >= nextBase { break }
                    if let to, entry.time >= to { break }
                    if matches(entry) { found.append(entry) }
                    if self.order == .oldest && found.count + entries.count >= wanted { break }
                }
            }
            if self.order == .oldest {
                entries += found.prefix(wanted - entries.count)
            } else {
                entries += found.suffix(wanted - entries.count).reversed()
            }
            if entries.count >= wanted { break }
        }
        let truncated = entries.count > limit
        return (Result(entries: Array(entries.prefix(limit)), truncated: truncated), use)
    }
}
