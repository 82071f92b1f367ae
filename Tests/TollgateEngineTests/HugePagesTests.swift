import Testing

@testable import TollgateBilling
@testable import TollgateEngine
import TollgateLog

/// Huge pages for the replay's per-debit tables (docs/engine.md, "Per-debit tables sized once"): only whole 2 MiB
/// pages inside a table's reserved bytes are advised, and a table reserved, advised and then filled holds exactly
/// what it would hold without the advice.
@Suite struct HugePagesTests {
    static let page = UInt(HugePages.pageSizeBytes)

    /// (start, end) → (start, end) of the interior; an empty interior is reported at the range's start.
    static let ranges: [(UInt, UInt, UInt, UInt)] = [
        (0, 0, 0, 0),
        (1, 2 * page, page, 2 * page),
        (page, 3 * page, page, 3 * page),
        (page + 48, 3 * page + 47, 2 * page, 3 * page),
        (page + 48, 2 * page + 47, page + 48, page + 48),  // Less than one whole page inside.
        (4096, page - 1, 4096, 4096),
        (5 * page - 1, 9 * page + 1, 5 * page, 9 * page),
        (UInt.max - page, UInt.max, UInt.max - page, UInt.max - page),  // Rounding up would overflow.
    ]

    @Test(arguments: Self.ranges)
    func theInteriorIsTheWholePagesInside(start: UInt, end: UInt, expectedStart: UInt, expectedEnd: UInt) {
        let interior = HugePages.alignedInterior(of: start..<end)
        #expect(interior == expectedStart..<expectedEnd)
        #expect(interior.lowerBound >= start && interior.upperBound <= max(end, interior.lowerBound))
        #expect(interior.lowerBound % Self.page == 0 || interior.isEmpty)
    }

    /// Enough entries to fill several advised 2 MiB pages of either table.
    static let entryCount = 1_000_000

    /// A table reserved for ``entryCount`` entries of `entryBytes` hands out at least that many bytes, and the
    /// advice covers whole 2 MiB pages inside them only.
    static func expectAdvice(
        _ reserved: UnsafeRawBufferPointer, entryBytes: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let advisedBytes = HugePages.advise(reserved)
        #expect(reserved.count >= entryCount * entryBytes, sourceLocation: sourceLocation)
        #expect(
            advisedBytes <= reserved.count && advisedBytes % HugePages.pageSizeBytes == 0,
            sourceLocation: sourceLocation)
    }

    @Test func theSingleLotTableKeepsEveryEntryAcrossReserveAndAdvice() {
        var advised = SingleLotDebits()
        advised.reserveCapacity(Self.entryCount)
        advised.withReservedBytes { Self.expectAdvice($0, entryBytes: 8) }
        var plain = SingleLotDebits()
        for index in 0..<Self.entryCount {
            let debitSeq = Int64(2 * index + 3)
            let lotSeq = Int64(index % 977 + 1)
            advised.append(debitSeq: debitSeq, lotSeq: lotSeq)
            plain.append(debitSeq: debitSeq, lotSeq: lotSeq)
        }
        #expect(advised.count == Self.entryCount)
        let advisedEntries = advised.entries
        let plainEntries = plain.entries
        let mismatches = advisedEntries.indices.filter {
            advisedEntries[$0].debitSeq != plainEntries[$0].debitSeq
                || advisedEntries[$0].lotSeq != plainEntries[$0].lotSeq
        }
        #expect(mismatches.isEmpty, "first differing entry \(mismatches.first ?? -1)")
        for debitSeq in [3, 5, 4, 1_000_001, 2_000_001, 2_000_003] as [Int64] {
            #expect(advised.lotSeq(ofDebit: debitSeq) == plain.lotSeq(ofDebit: debitSeq), "debit \(debitSeq)")
        }
    }

    @Test func theChargedDebitLedgerKeepsEveryEntryAcrossReserveAndAdvice() {
        var verifier = LedgerVerifier(configuration: BillingConfiguration())
        verifier.reserveCapacity(records: Self.entryCount)
        let reservedBytes = verifier.withReservedTableBytes { $0.count }
        #expect(reservedBytes >= Self.entryCount * 12)

        var advised = ChargedDebitLedger()
        advised.reserveCapacity(Self.entryCount)
        advised.withReservedBytes { Self.expectAdvice($0, entryBytes: 12) }
        var plain = ChargedDebitLedger()
        for index in 0..<Self.entryCount {
            let seq = Int64(index + 10)
            let slot = Int32(index % 10_007)
            let charged = Int64(index % 50_000 + 1)
            advised.append(seq: seq, userSlot: slot, charged: charged)
            plain.append(seq: seq, userSlot: slot, charged: charged)
        }
        #expect(advised.count == Self.entryCount)
        let mismatches = (0..<Self.entryCount).filter { advised.entry(at: $0) != plain.entry(at: $0) }
        #expect(mismatches.isEmpty, "first differing entry \(mismatches.first ?? -1)")
        for seq in [10, 11, 500_000, Int64(Self.entryCount + 9), Int64(Self.entryCount + 10)] as [Int64] {
            #expect(advised.entry(seq: seq) == plain.entry(seq: seq), "seq \(seq)")
        }
    }

    /// With a prefix bound only the whole pages of the table's first `prefixSizeBytes` are advised (the replay's
    /// tables beyond ``Replay/hugePageTablePrefixSizeBytes`` keep 4 KiB pages), whatever the bound's alignment.
    @Test(arguments: [0, 1, (2 << 20) - 1, 2 << 20, (6 << 20) + 5, Replay.hugePageTablePrefixSizeBytes, 64 << 20])
    func onlyThePrefixIsAdvised(prefixSizeBytes: Int) {
        var table = SingleLotDebits()
        table.reserveCapacity(Self.entryCount)  // 12 MB: some bounds fall inside it, some beyond.
        table.withReservedBytes { bytes in
            let start = UInt(bitPattern: bytes.baseAddress!)
            let prefix = start..<(start + UInt(min(bytes.count, prefixSizeBytes)))
            let expected = HugePages.alignedInterior(of: prefix).count
            let advised = HugePages.advise(bytes, prefixSizeBytesMax: prefixSizeBytes)
            // 0 where the kernel has no transparent huge pages; never more than the prefix's whole pages.
            #expect(advised == expected || advised == 0, "advised \(advised) of \(expected)")
            #expect(advised <= prefixSizeBytes && advised % HugePages.pageSizeBytes == 0)
        }
    }

    /// An empty table has no reserved bytes to advise (and nothing is advised outside a table).
    @Test func anUnreservedTableAdvisesNothing() {
        let table = SingleLotDebits()
        #expect(table.withReservedBytes { HugePages.advise($0) } == 0)
        let verifier = LedgerVerifier(configuration: BillingConfiguration())
        #expect(verifier.withReservedTableBytes { HugePages.advise($0) } == 0)
    }
}

/// The log's read window (`HugePages.zeroedBytes`): every byte zero, whatever the size (below, at and above one
/// huge page, unaligned), so a window advised before it is zeroed reads as the plain zeroed array did.
@Suite struct ZeroedBytesTests {
    @Test(arguments: [0, 1, 4_095, 64 << 10, (2 << 20) - 1, 2 << 20, (2 << 20) + 17, (8 << 20) + 4_096])
    func everyByteIsZero(count: Int) {
        let bytes = HugePages.zeroedBytes(count: count)
        #expect(bytes.count == count)
        #expect(bytes.allSatisfy { $0 == 0 })
    }
}
