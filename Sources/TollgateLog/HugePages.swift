#if canImport(Glibc)
    import Glibc
#endif

/// Transparent huge pages for a large buffer or table reserved up front: the kernel is asked
/// (`madvise(MADV_HUGEPAGE)`) to back its 2 MiB-aligned interior with 2 MiB pages, so filling it costs one page
/// fault per 2 MiB instead of one per 4 KiB. Here, beside the log's other system calls, for the log's own read
/// window (``zeroedBytes(count:)``) and for the engine's per-debit tables.
///
/// Why: a verified replay reserves its per-debit tables once and fills them in seq order, and a raw segment's
/// 8 MiB read window is zero-filled before the first read; their first touches, 4 KiB at a time, were over half of
/// the replay's ~9k page faults (docs/benchmarks.md, `replay-pages`). Where transparent huge pages are `madvise`-only (this VM's setting: `enabled` and `defrag` both
/// `[madvise]`), nothing else gives them to a process. Memory: a huge page is allocated (and zeroed) only when a
/// byte of it is first written, as a 4 KiB page is, so a reservation that is never written still costs nothing;
/// a partly written one costs up to one 2 MiB page beyond what it holds (at most 2 MiB − 4 KiB more than 4 KiB pages
/// would, once per table). Where the kernel has no huge page free it falls back to 4 KiB pages (no error).
///
/// Only the range's whole 2 MiB pages are advised: a huge page must lie inside the mapping at a 2 MiB-aligned
/// address, and the bytes before and after the range belong to other allocations. The head before the first
/// boundary and the tail after the last stay in 4 KiB pages.
package enum HugePages {
    /// The size and alignment of one transparent huge page on x86-64.
    package static let pageSizeBytes = 2 << 20

    /// The whole huge pages inside `range` (addresses, start inclusive, end exclusive): from its start rounded up
    /// to ``pageSizeBytes`` to its end rounded down; empty when no whole page fits.
    package static func alignedInterior(of range: Range<UInt>) -> Range<UInt> {
        let mask = UInt(pageSizeBytes - 1)
        let (roundedUp, overflow) = range.lowerBound.addingReportingOverflow(mask)
        guard !overflow else { return range.lowerBound..<range.lowerBound }
        let start = roundedUp & ~mask
        let end = range.upperBound & ~mask
        guard start < end else { return range.lowerBound..<range.lowerBound }
        assert(start >= range.lowerBound && end <= range.upperBound && (end - start) % UInt(pageSizeBytes) == 0)
        return start..<end
    }

    /// Asks for huge pages over the whole 2 MiB pages of `bytes` (the storage of a table reserved up front,
    /// written or not), or of its first `prefixSizeBytesMax` bytes; returns how many bytes were advised (0: no whole
    /// page inside, or the kernel refused — no transparent huge pages — and the table keeps 4 KiB pages). Nothing
    /// in `bytes` is read or written.
    @discardableResult
    package static func advise(_ bytes: UnsafeRawBufferPointer, prefixSizeBytesMax: Int = .max) -> Int {
        precondition(prefixSizeBytesMax >= 0)
        let prefixSizeBytes = min(bytes.count, prefixSizeBytesMax)
        guard let base = bytes.baseAddress, prefixSizeBytes >= pageSizeBytes else { return 0 }
        let start = UInt(bitPattern: base)
        let interior = alignedInterior(of: start..<(start + UInt(prefixSizeBytes)))
        guard !interior.isEmpty else { return 0 }
        #if os(Linux)
            guard let address = UnsafeMutableRawPointer(bitPattern: interior.lowerBound) else { return 0 }
            let sizeBytes = Int(interior.upperBound - interior.lowerBound)
            return madvise(address, sizeBytes, MADV_HUGEPAGE) == 0 ? sizeBytes : 0
        #else
            return 0
        #endif
    }

    /// `count` zero bytes whose whole 2 MiB pages are advised before they are zeroed (a buffer of less than 2 MiB
    /// is a plain zeroed array): the zeroing then faults in one huge page per 2 MiB.
    package static func zeroedBytes(count: Int) -> [UInt8] {
        precondition(count >= 0)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            if count >= pageSizeBytes { advise(UnsafeRawBufferPointer(buffer)) }
            buffer.initialize(repeating: 0)
            initializedCount = count
        }
    }
}
