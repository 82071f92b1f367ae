/// Opening and crash recovery (Kafka's `LogLoader` + `LogSegment.recover`).
extension Log {
    /// Opens (creating the directory if missing) and recovers the log in `directory`.
    ///
    /// Recovery: deletes `.tmp` files of an interrupted seal and raw twins of sealed segments; checks every sealed
    /// segment's footer and block index and that segments continue one another (seq and chain); scans the active
    /// segment fully and truncates a torn tail (a partial last batch), reporting it in `recoveryReport`. Any other
    /// bad record makes opening fail with an error naming file, offset and seq, unless
    /// `configuration.recovery == .truncateAfterLastGood`, which cuts the log after the last good record.
    public static func open(directory: String, configuration: LogConfiguration = .init()) throws(LogError) -> Log {
        try open(directory: directory, configuration: configuration, storage: PosixStorage.shared)
    }

    package static func open(directory: String, configuration: LogConfiguration, storage: any LogStorage)
        throws(LogError) -> Log
    {
        guard configuration.segmentSizeBytes >= LogLimits.segmentSizeBytesMin,
            configuration.segmentSizeBytes <= LogLimits.segmentSizeBytesMax
        else {
            throw LogError(
                .invalidArgument,
                "segmentSizeBytes \(configuration.segmentSizeBytes) outside \(LogLimits.segmentSizeBytesMin)...\(LogLimits.segmentSizeBytesMax)"
            )
        }
        guard configuration.preallocationStepBytes <= LogLimits.preallocationStepBytesMax else {
            throw LogError(
                .invalidArgument,
                "preallocationStepBytes \(configuration.preallocationStepBytes) exceeds \(LogLimits.preallocationStepBytesMax)")
        }
        if case .interval(let milliseconds) = configuration.durability, milliseconds <= 0 {
            throw LogError(.invalidArgument, "interval durability needs a positive period, got \(milliseconds) ms")
        }
        do { try storage.makeDirectory(directory) } catch {
            throw LogError.from(error, "create directory \(directory)")
        }
        // A newly created directory's own name must survive a crash too.
        let trimmed = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let parent = trimmed.lastIndex(of: "/").map { String(trimmed[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        try? storage.syncDirectory(parent)
        let lockFile: FileID
        do { lockFile = try storage.open(directory + "/" + SegmentName.lockName, .createOrOpen) } catch {
            throw LogError.from(error, "open lock file", file: SegmentName.lockName)
        }
        do { try storage.lockExclusive(lockFile) } catch {
            storage.close(lockFile)
            throw LogError(.locked, "another process has \(directory) open for writing", errno: error.rawValue)
        }
        do {
            var recovery = Recovery(storage: storage, directory: directory, configuration: configuration)
            let (active, tail) = try recovery.run()
            return Log(
                directory: directory, configuration: configuration, storage: storage, lockFile: lockFile,
                active: active, tail: tail, report: recovery.report)
        } catch {
            storage.close(lockFile)
            throw error
        }
    }
}

/// The directory's segment files, as listed (no file opened).
struct SegmentListing {
    struct Entry {
        var baseSeq: UInt64
        var name: String
        var isSealed: Bool
    }
    /// Sorted by base seq; a sealed segment wins over its raw twin.
    var segments: [Entry] = []
    /// Raw files whose sealed twin exists.
    var rawTwins: [String] = []
    var sealingLeftovers: [String] = []
    /// `.log.recover` files of an interrupted `.truncateAfterLastGood` recovery.
    var recoveringLeftovers: [String] = []

    static func list(storage: any LogStorage, directory: String) throws(LogError) -> SegmentListing {
        let names: [String]
        do { names = try storage.list(directory) } catch {
            if error.rawValue == 2 { throw LogError(.notFound, "no log directory \(directory)", errno: error.rawValue) }
            throw LogError.from(error, "list \(directory)")
        }
        var raw: [UInt64: String] = [:]
        var sealed: [UInt64: String] = [:]
        var listing = SegmentListing()
        for name in names {
            guard let parsed = SegmentName.parse(name) else { continue }
            switch parsed.kind {
            case .raw: raw[parsed.baseSeq] = name
            case .sealed: sealed[parsed.baseSeq] = name
            case .sealing: listing.sealingLeftovers.append(name)
            case .recovering: listing.recoveringLeftovers.append(name)
            }
        }
        precondition(raw.count + sealed.count <= LogLimits.segmentCountMax, "too many segments")
        for (baseSeq, name) in sealed { listing.segments.append(Entry(baseSeq: baseSeq, name: name, isSealed: true)) }
        for (baseSeq, name) in raw {
            if sealed[baseSeq] != nil {
                listing.rawTwins.append(name)
            } else {
                listing.segments.append(Entry(baseSeq: baseSeq, name: name, isSealed: false))
            }
        }
        listing.segments.sort { $0.baseSeq < $1.baseSeq }
        listing.rawTwins.sort()
        listing.sealingLeftovers.sort()
        return listing
    }
}

private struct Recovery {
    let storage: any LogStorage
    let directory: String
    let configuration: LogConfiguration
    var report = RecoveryReport()

    init(storage: any LogStorage, directory: String, configuration: LogConfiguration) {
        self.storage = storage
        self.directory = directory
        self.configuration = configuration
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private mutating func remove(_ name: String) throws(LogError) {
        do { try storage.remove(path(name)) } catch { throw LogError.from(error, "remove", file: name) }
        report.removedFiles.append(name)
    }

    private func syncDirectory() throws(LogError) {
        do { try storage.syncDirectory(directory) } catch {
            throw LogError(.failed, "fsync of directory \(directory)", errno: error.rawValue)
        }
    }

    private var truncating: Bool { configuration.recovery == .truncateAfterLastGood }

    mutating func run() throws(LogError) -> (Log.ActiveSegment, Log.Tail) {
        var listing = try SegmentListing.list(storage: storage, directory: directory)
        if !listing.recoveringLeftovers.isEmpty {
            // A `.recover` file is complete once its original is gone (the original is removed only after the
            // `.recover` file was fsynced): promote it. Otherwise it may be partial: drop it.
            for name in listing.recoveringLeftovers {
                let baseSeq = SegmentName.parse(name)!.baseSeq
                if listing.segments.contains(where: { $0.baseSeq == baseSeq }) {
                    try remove(name)
                } else {
                    do { try storage.rename(path(name), path(SegmentName.raw(baseSeq))) } catch {
                        throw LogError.from(error, "rename", file: name)
                    }
                    report.notes.append("completed an interrupted recovery: \(name) became \(SegmentName.raw(baseSeq))")
                }
            }
            try syncDirectory()
            listing = try SegmentListing.list(storage: storage, directory: directory)
        }
        for name in listing.sealingLeftovers { try remove(name) }
        if !listing.rawTwins.isEmpty {
            // The sealed twin's name may sit only in the page cache (the seal's directory fsync failed, then a
            // restart): make it durable before its raw copy goes, or a power loss could keep neither.
            try syncDirectory()
        }
        for name in listing.rawTwins { try remove(name) }
        if !listing.sealingLeftovers.isEmpty || !listing.rawTwins.isEmpty { try syncDirectory() }

        // Expected continuation of the previous segment.
        var nextSeq: UInt64 = 1
        var chain = Chain.genesis
        var lastTimeMs: Int64?
        var index = 0
        while index < listing.segments.count {
            let entry = listing.segments[index]
            let isLast = index == listing.segments.count - 1
            // The first segment of a log starts at seq 1 (there is no retention yet).
            if index == 0, entry.baseSeq != 1 {
                let error = LogError(
                    .corruptRecord, "first segment \(entry.name) does not start at seq 1", file: entry.name,
                    offset: 0, seq: 1)
                guard truncating else { throw error }
                try cut(after: index, listing: &listing, error: error)
                break
            }
            do throws(LogError) {
                let scanner = try SegmentScanner(storage: storage, directory: directory, name: entry.name)
                if entry.isSealed {
                    let footer = scanner.layout!.footer
                    guard scanner.header!.baseSeq == nextSeq, footer.previousChain == chain else {
                        throw LogError(
                            .corruptRecord,
                            "\(entry.name) does not continue the previous segment (expected seq \(nextSeq) and its chain)",
                            file: entry.name, offset: 0, seq: nextSeq)
                    }
                    if truncating || configuration.verifySealedSegmentsOnOpen {
                        while try scanner.nextBatch() != nil {}
                    }
                    nextSeq = footer.lastSeq + 1
                    chain = footer.lastChain
                    lastTimeMs = footer.lastTimeMs
                    index += 1
                    continue
                }
                // Raw segment: check every record.
                if let header = scanner.header {
                    guard header.baseSeq == nextSeq, header.previousChain == chain else {
                        throw LogError(
                            .corruptRecord,
                            "\(entry.name) does not continue the previous segment (expected seq \(nextSeq) and its chain)",
                            file: entry.name, offset: 0, seq: nextSeq)
                    }
                    while try scanner.nextBatch() != nil {}
                }
                switch scanner.end {
                case .clean:
                    nextSeq = scanner.nextSeq
                    chain = scanner.chain
                    lastTimeMs = scanner.lastTimeMs ?? lastTimeMs
                    if !isLast {
                        // A full raw segment left unsealed by a crash between roll and seal.
                        if scanner.nextSeq == entry.baseSeq {
                            try remove(entry.name)
                            try syncDirectory()
                        } else {
                            _ = try Sealer.seal(storage: storage, directory: directory, baseSeq: entry.baseSeq)
                            report.sealedFiles.append(entry.name)
                        }
                        index += 1
                        continue
                    }
                    let file = try openForWriting(entry.name)
                    // What the scan read may sit only in the page cache (an append whose fdatasync failed, then
                    // a restart without power loss): make it durable before anyone sees it or builds on it.
                    try syncRecovered(file, entry.name)
                    // The records end where the scan stopped; zeros after them (the preallocated tail a crash or
                    // kill left, checked zero to the end of the file by the scan) are kept for the next appends.
                    return finish(
                        file: file, baseSeq: entry.baseSeq, sizeBytes: scanner.rawOffset, nextSeq: nextSeq,
                        chain: chain, lastTimeMs: lastTimeMs, fileSizeBytes: scanner.fileSizeBytes)
                case .torn(let offset, let sizeBytes, let reason):
                    guard isLast else {
                        throw LogError(
                            .corruptRecord,
                            "\(entry.name) ends in a partial batch (\(reason)) but is not the last segment",
                            file: entry.name, offset: offset, seq: scanner.nextSeq)
                    }
                    report.tornTailFile = entry.name
                    report.tornTailOffset = offset
                    report.tornTailBytesTruncated = sizeBytes
                    if offset == 0 {
                        // The segment's own header is torn: it never held a record. Recreate it.
                        try remove(entry.name)
                        try syncDirectory()
                        let active = try Log.createSegment(
                            storage: storage, directory: directory, baseSeq: nextSeq, previousChain: chain)
                        return (active, tail(active, nextSeq: nextSeq, chain: chain, lastTimeMs: lastTimeMs))
                    }
                    let file = try openForWriting(entry.name)
                    try truncate(file, entry.name, to: offset)
                    return finish(
                        file: file, baseSeq: entry.baseSeq, sizeBytes: offset, nextSeq: scanner.nextSeq,
                        chain: scanner.chain, lastTimeMs: scanner.lastTimeMs ?? lastTimeMs)
                case nil:
                    preconditionFailure("scan stopped without an end")
                }
            } catch {
                guard error.code == .corruptRecord, truncating else { throw error }
                report.truncatedAfterCorruption = error
                return try cutAt(
                    error: error, index: index, listing: &listing, nextSeq: nextSeq, chain: chain,
                    lastTimeMs: lastTimeMs)
            }
        }
        // No raw segment at the end (empty directory, or a crash after a seal before the next segment).
        let active = try Log.createSegment(
            storage: storage, directory: directory, baseSeq: nextSeq, previousChain: chain)
        return (active, tail(active, nextSeq: nextSeq, chain: chain, lastTimeMs: lastTimeMs))
    }

    private func tail(_ active: Log.ActiveSegment, nextSeq: UInt64, chain: UInt64, lastTimeMs: Int64?) -> Log.Tail {
        Log.Tail(
            nextSeq: nextSeq, chain: chain, lastTimeMs: lastTimeMs, segmentBaseSeq: active.baseSeq,
            segmentSizeBytes: active.sizeBytes, segmentRecordCount: nextSeq - active.baseSeq)
    }

    private func finish(
        file: FileID, baseSeq: UInt64, sizeBytes: UInt64, nextSeq: UInt64, chain: UInt64, lastTimeMs: Int64?,
        fileSizeBytes: UInt64? = nil
    ) -> (Log.ActiveSegment, Log.Tail) {
        let active = Log.ActiveSegment(file: file, baseSeq: baseSeq, sizeBytes: sizeBytes, fileSizeBytes: fileSizeBytes)
        return (active, tail(active, nextSeq: nextSeq, chain: chain, lastTimeMs: lastTimeMs))
    }

    private func openForWriting(_ name: String) throws(LogError) -> FileID {
        do { return try storage.open(path(name), .readWrite) } catch {
            throw LogError.from(error, "open segment for writing", file: name)
        }
    }

    private func syncRecovered(_ file: FileID, _ name: String) throws(LogError) {
        do {
            try storage.datasync(file)
        } catch {
            storage.close(file)
            throw LogError.from(error, "fdatasync of the recovered segment", file: name)
        }
        try syncDirectory()
    }

    private func truncate(_ file: FileID, _ name: String, to sizeBytes: UInt64) throws(LogError) {
        do {
            try storage.truncate(file, to: sizeBytes)
            try storage.sync(file)
        } catch {
            storage.close(file)
            throw LogError.from(error, "truncate", file: name)
        }
    }

    /// `.truncateAfterLastGood`: remove segments after `index` (used when the first segment is unusable).
    private mutating func cut(after index: Int, listing: inout SegmentListing, error: LogError) throws(LogError) {
        report.truncatedAfterCorruption = error
        for entry in listing.segments[index...] { try remove(entry.name) }
        listing.segments.removeSubrange(index...)
        try syncDirectory()
    }

    /// `.truncateAfterLastGood`: keep the good prefix of segment `index` as a raw segment, delete the rest.
    private mutating func cutAt(
        error: LogError, index: Int, listing: inout SegmentListing, nextSeq: UInt64, chain: UInt64, lastTimeMs: Int64?
    ) throws(LogError) -> (Log.ActiveSegment, Log.Tail) {
        let entry = listing.segments[index]
        for later in listing.segments[(index + 1)...].reversed() { try remove(later.name) }
        // Rebuild the good prefix batch by batch into a fresh raw file (works for raw and sealed alike).
        let tempName = SegmentName.recovering(entry.baseSeq)
        try? storage.remove(path(tempName))
        let out: FileID
        do { out = try storage.open(path(tempName), .createExclusive) } catch {
            throw LogError.from(error, "create", file: tempName)
        }
        var header: [UInt8] = []
        var goodNextSeq = nextSeq
        var goodChain = chain
        var goodLastTimeMs = lastTimeMs
        var sizeBytes: UInt64 = 0
        func put(_ bytes: [UInt8]) throws(LogError) {
            do { try storage.write(out, bytes, at: sizeBytes) } catch {
                storage.close(out)
                throw LogError.from(error, "write", file: tempName)
            }
            sizeBytes += UInt64(bytes.count)
        }
        SegmentHeader(baseSeq: entry.baseSeq, previousChain: chain).encode(into: &header)
        if entry.baseSeq == nextSeq,
            let scanner = try? SegmentScanner(storage: storage, directory: directory, name: entry.name),
            scanner.header?.previousChain == chain
        {
            try put(header)
            while true {
                let batch: BatchHeader?
                do { batch = try scanner.nextBatch() } catch { break }
                guard batch != nil else { break }
                try put(scanner.withCurrentBatchBytes { Array($0) })
                goodNextSeq = scanner.nextSeq
                goodChain = scanner.chain
                goodLastTimeMs = scanner.lastTimeMs ?? goodLastTimeMs
            }
        } else {
            try put(header)
        }
        do { try storage.sync(out) } catch {
            storage.close(out)
            throw LogError(.failed, "fsync", errno: error.rawValue, file: tempName)
        }
        storage.close(out)
        try syncDirectory()
        // A raw original is replaced atomically by the rename; a sealed one is removed first (a crash in between
        // leaves only the complete `.recover` file, which the next open promotes).
        if entry.isSealed {
            try remove(entry.name)
            try syncDirectory()
        }
        let finalName = SegmentName.raw(entry.baseSeq)
        do { try storage.rename(path(tempName), path(finalName)) } catch {
            throw LogError.from(error, "rename", file: tempName)
        }
        if !entry.isSealed { report.removedFiles.append(entry.name) }
        try syncDirectory()
        report.notes.append("kept seq \(entry.baseSeq)..<\(goodNextSeq) of \(entry.name) as \(finalName)")
        let file = try openForWriting(finalName)
        return finish(
            file: file, baseSeq: entry.baseSeq, sizeBytes: sizeBytes, nextSeq: goodNextSeq, chain: goodChain,
            lastTimeMs: goodLastTimeMs)
    }
}
