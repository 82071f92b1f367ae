/// Rows of three integer columns, appended in strictly increasing order of the first (a seq), kept bit-packed 64
/// rows at a time: in each block, every column takes as many bits as its largest value there needs — column 0 as
/// the offset from the block's first row, or no bits at all when the block's seqs are consecutive.
///
/// Why: a replay appends a row per debit to its per-debit tables (the charged-debit ledger here, the journal's
/// single-lot debits in the engine), and the kernel's zeroing of their fresh pages was the largest cost that grew
/// with the log (12 % of a 10M-record `replay --verify`'s CPU, and most of its run-to-run spread on a VM). Plain,
/// those rows took 12 and 8 bytes; packed, a debit's row of the bench log takes 3¼ and 2 (consecutive seqs need no
/// bits, a user slot of 10k users 14, a charge under a credit 10, a lot seq 14; a block's header two words). Rows are
/// only read when a refund names a debit or a snapshot is written, so unpacking is rare; appending is a store into
/// the open block, and packing a block costs about as much per row as the kernel's zeroing of the plain row did.
///
/// Values are any `UInt64`s; the first column must increase strictly from row to row (callers map a signed seq with
/// ``biased(_:)``, which keeps its order). A column's width follows its largest value, so the other columns should
/// be small non-negative values (a negative one, as its bit pattern, takes all 64 bits: correct, only wide).
///
/// `append` and the few members it reads are `public` and `@inlinable`: the engine's journal appends a row per
/// debit too, and a `package` method was called across the module boundary, never inlined (a call per row).
public struct PackedSeqTable: Sendable {
    /// Rows per packed block: a block of 64 rows of `rowBits` bits takes exactly `rowBits` words.
    public static let blockRowCount = 64

    /// A packed block's header: its first ``headerWordCount`` words.
    private struct Block {
        /// Column 0's value in the block's first row (its smallest); the block's column 0 is stored as the offset
        /// from it, columns 1 and 2 as they are (their values are small: slots, charges, lot seqs).
        var base0: UInt64
        /// Bits per row of each column (0 ... 64); a row takes `width0 + width1 + width2` bits.
        var width0: UInt8
        var width1: UInt8
        var width2: UInt8
        /// Column 0 is `base0 + row` (consecutive seqs: nearly every block of a replay's debits), so it takes no
        /// bits (`width0` is 0).
        var consecutive: Bool

        var rowBits: Int { Int(width0) + Int(width1) + Int(width2) }

        init(base0: UInt64, width0: UInt8, width1: UInt8, width2: UInt8, consecutive: Bool) {
            assert(!consecutive || width0 == 0)
            self.base0 = base0
            (self.width0, self.width1, self.width2) = (width0, width1, width2)
            self.consecutive = consecutive
        }

        /// Column 0 of the block's row `row`, its other columns' bits starting at `rowStart` (bits) in `table`.
        @inline(__always)
        func value0(row: Int, rowStart: Int, in table: PackedSeqTable) -> UInt64 {
            consecutive ? base0 &+ UInt64(row) : base0 &+ table.bits(at: rowStart, width: Int(width0))
        }

        /// The header stored at `words[start...]`.
        init(_ words: UnsafeBufferPointer<UInt64>, at start: Int) {
            let widths = words[start + 1]
            self.init(
                base0: words[start],
                width0: UInt8(truncatingIfNeeded: widths), width1: UInt8(truncatingIfNeeded: widths >> 8),
                width2: UInt8(truncatingIfNeeded: widths >> 16), consecutive: widths >> 24 & 1 == 1)
        }

        /// The header's last word: the three widths.
        var widthsWord: UInt64 {
            UInt64(width0) | UInt64(width1) << 8 | UInt64(width2) << 16 | (consecutive ? 1 << 24 : 0)
        }
    }

    /// Words of a block's header, before its rows.
    private static let headerWordCount = 2

    /// Where each full block starts in `words`, in row order.
    private var blockStarts: [Int] = []
    /// Every full block: its header, then its rows bit-packed, row after row, each row's columns in order — one
    /// array, so that a replay's advice for huge pages covers all of it.
    private var words: [UInt64] = []
    /// The open block's rows, unpacked, column after column (``blockRowCount`` values each): ``openRowCount`` rows
    /// (fewer than ``blockRowCount``); room for a whole block from the first append on.
    @usableFromInline var open: [UInt64] = []
    @usableFromInline var openRowCount = 0

    /// How many rows the table holds.
    public var count: Int { rowCount }
    @usableFromInline var rowCount = 0

    public init() {}

    /// Bytes the packed blocks take (headers and rows; not the open block, nor room reserved and never written).
    package var packedSizeBytes: Int { words.count * MemoryLayout<UInt64>.stride }

    /// An `Int64` as a `UInt64` in the same order (the sign bit flipped): -1 < 0 stays so.
    @inlinable @inline(__always)
    public static func biased(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) ^ (1 << 63) }

    /// ``biased(_:)`` undone.
    @inlinable @inline(__always)
    public static func unbiased(_ value: UInt64) -> Int64 { Int64(bitPattern: value ^ (1 << 63)) }

    /// Room for about `rowCount` rows, so that a replay that knows about how many records follow fills the table in
    /// place: at 12 bytes a row, more than any but a pathological log packs to (reserved pages that are never
    /// written cost no memory).
    package mutating func reserveCapacity(_ rowCount: Int) {
        let rowCount = max(0, rowCount)
        words.reserveCapacity(rowCount + rowCount / 2 + 1)
        blockStarts.reserveCapacity(rowCount / Self.blockRowCount + 1)
    }

    /// The bytes of the packed words' storage up to its capacity, as an address range for `body` to advise the
    /// kernel about (a replay asks for huge pages: the words are filled in order). Not to be read or written
    /// through; valid only during `body`.
    package func withReservedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try words.withReservedBytes(body)
    }

    /// Appends a row; `value0` must be greater than the last row's.
    @inlinable @inline(__always)
    public mutating func append(_ value0: UInt64, _ value1: UInt64, _ value2: UInt64) {
        assert(count == 0 || last0 < value0, "the first column increases strictly")
        if open.isEmpty { open = Array(repeating: 0, count: 3 * Self.blockRowCount) }
        let row = openRowCount
        open.withUnsafeMutableBufferPointer { columns in
            columns[row] = value0
            columns[Self.blockRowCount + row] = value1
            columns[2 * Self.blockRowCount + row] = value2
        }
        openRowCount += 1
        rowCount += 1
        if openRowCount == Self.blockRowCount { packOpenBlock() }
    }

    /// The first column of the last row (the table must not be empty).
    public var last0: UInt64 {
        precondition(count > 0, "an empty table has no last row")
        if openRowCount > 0 { return open[openRowCount - 1] }
        return row(at: count - 1).0
    }

    /// The row at `index` (0 ..< ``count``).
    package func row(at index: Int) -> (UInt64, UInt64, UInt64) {
        precondition(index >= 0 && index < count, "row index in range")
        let packedRowCount = blockStarts.count * Self.blockRowCount
        if index >= packedRowCount {
            assert(index - packedRowCount < openRowCount)
            let row = index - packedRowCount
            return (open[row], open[Self.blockRowCount + row], open[2 * Self.blockRowCount + row])
        }
        let start = blockStarts[index / Self.blockRowCount]
        let block = words.withUnsafeBufferPointer { Block($0, at: start) }
        let row = index % Self.blockRowCount
        let rowStart = (start + Self.headerWordCount) * 64 + row * block.rowBits
        let width0 = Int(block.width0)
        let width1 = Int(block.width1)
        return (
            block.value0(row: row, rowStart: rowStart, in: self),
            bits(at: rowStart + width0, width: width1),
            bits(at: rowStart + width0 + width1, width: Int(block.width2))
        )
    }

    /// The index of the row whose first column is `value0`, if any: a binary search of the blocks by their first
    /// rows, then of the one block's rows (each probe unpacks one value).
    package func index(of value0: UInt64) -> Int? {
        guard count > 0 else { return nil }
        let packedRowCount = blockStarts.count * Self.blockRowCount
        if openRowCount > 0 && value0 >= open[0] {
            var low = 0
            var high = openRowCount
            while low < high {  // Halves each time.
                let middle = (low + high) / 2
                if open[middle] < value0 { low = middle + 1 } else { high = middle }
            }
            return low < openRowCount && open[low] == value0 ? packedRowCount + low : nil
        }
        // The last block whose first row is at most `value0`.
        var low = 0
        var high = blockStarts.count
        while low < high {  // Halves each time.
            let middle = (low + high) / 2
            if words[blockStarts[middle]] <= value0 { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let blockIndex = low - 1
        let block = words.withUnsafeBufferPointer { Block($0, at: blockStarts[blockIndex]) }
        let start = (blockStarts[blockIndex] + Self.headerWordCount) * 64
        var rowLow = 0
        var rowHigh = Self.blockRowCount
        while rowLow < rowHigh {  // Halves each time: 6 probes.
            let middle = (rowLow + rowHigh) / 2
            if block.value0(row: middle, rowStart: start + middle * block.rowBits, in: self) < value0 {
                rowLow = middle + 1
            } else {
                rowHigh = middle
            }
        }
        guard rowLow < Self.blockRowCount,
            block.value0(row: rowLow, rowStart: start + rowLow * block.rowBits, in: self) == value0
        else { return nil }
        return blockIndex * Self.blockRowCount + rowLow
    }

    /// Packs the full open block into `words` and empties it (keeping its storage).
    @usableFromInline @inline(never)
    mutating func packOpenBlock() {
        assert(openRowCount == Self.blockRowCount && open.count == 3 * Self.blockRowCount)
        let block: Block = open.withUnsafeBufferPointer { columns in
            let column0 = columns.baseAddress!
            let column1 = column0 + Self.blockRowCount
            let column2 = column1 + Self.blockRowCount
            // ORs rather than minimums and maximums: they vectorize, and these columns' values start near 0.
            var all1: UInt64 = 0
            var all2: UInt64 = 0
            var gaps: UInt64 = 0
            for row in 0..<Self.blockRowCount {
                all1 |= column1[row]
                all2 |= column2[row]
                gaps |= column0[row] ^ (column0[0] &+ UInt64(truncatingIfNeeded: row))
            }
            return Block(
                base0: column0[0],
                width0: gaps == 0 ? 0 : Self.bitWidth(column0[Self.blockRowCount - 1] &- column0[0]),
                width1: Self.bitWidth(all1), width2: Self.bitWidth(all2), consecutive: gaps == 0)
        }
        let start = words.count
        words.append(block.base0)
        words.append(block.widthsWord)
        let firstWord = words.count
        // 64 rows of `rowBits` bits: `rowBits` words.
        words.append(contentsOf: repeatElement(0, count: block.rowBits))
        open.withUnsafeBufferPointer { columns in
            words.withUnsafeMutableBufferPointer { packed in
                let rows = UnsafeMutableBufferPointer(rebasing: packed[firstWord...])
                if block.rowBits <= 64 {
                    Self.packNarrowRows(columns, block, into: rows)
                } else {
                    Self.packWideRows(columns, block, into: rows)
                }
            }
        }
        blockStarts.append(start)
        openRowCount = 0
        assert(blockStarts.count * Self.blockRowCount == count)
    }

    /// A block's rows of at most 64 bits (every row of a normal log): each row's columns shifted into one word
    /// (a loop that vectorizes), then those words written end to end as a bit stream — one store per packed word,
    /// no read-modify-write.
    private static func packNarrowRows(
        _ columns: UnsafeBufferPointer<UInt64>, _ block: Block, into words: UnsafeMutableBufferPointer<UInt64>
    ) {
        let rowBits = block.rowBits
        assert(rowBits <= 64 && words.count == rowBits)
        guard rowBits > 0 else { return }
        let column0 = columns.baseAddress!
        let column1 = column0 + blockRowCount
        let column2 = column1 + blockRowCount
        let shift1 = UInt64(block.width0)
        let shift2 = UInt64(block.width0) &+ UInt64(block.width1)
        // A consecutive column 0 takes no bits: nothing of it is packed.
        let base0 = block.base0
        let mask0: UInt64 = block.consecutive ? 0 : ~0
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: blockRowCount) { rows in
            for row in 0..<blockRowCount {
                // A column of width 0 holds only zeros, so its shift (which `&<<` takes modulo 64) adds nothing.
                rows[row] = (column0[row] &- base0) & mask0 | column1[row] &<< shift1 | column2[row] &<< shift2
            }
            var pending: UInt64 = 0
            var pendingBits = 0
            var written = 0
            for row in 0..<blockRowCount {
                let value = rows[row]
                pending |= value &<< UInt64(truncatingIfNeeded: pendingBits)
                pendingBits &+= rowBits
                if pendingBits >= 64 {
                    words[written] = pending
                    written &+= 1
                    pendingBits &-= 64
                    // The row's bits that did not fit (none when the word ended exactly with it).
                    pending = pendingBits == 0 ? 0 : value &>> UInt64(truncatingIfNeeded: rowBits &- pendingBits)
                }
            }
            assert(written == rowBits && pendingBits == 0, "64 rows of rowBits bits fill rowBits words")
        }
    }

    /// A block's rows of more than 64 bits: each column put in on its own.
    private static func packWideRows(
        _ columns: UnsafeBufferPointer<UInt64>, _ block: Block, into words: UnsafeMutableBufferPointer<UInt64>
    ) {
        let rowCount = blockRowCount
        let width0 = Int(block.width0)
        let width1 = Int(block.width1)
        let width2 = Int(block.width2)
        var bit = 0
        for row in 0..<rowCount {
            if !block.consecutive { put(columns[row] &- block.base0, at: bit, width: width0, into: words) }
            put(columns[rowCount + row], at: bit + width0, width: width1, into: words)
            put(columns[2 * rowCount + row], at: bit + width0 + width1, width: width2, into: words)
            bit += block.rowBits
        }
    }

    /// Bits needed for `value` (0 for 0).
    private static func bitWidth(_ value: UInt64) -> UInt8 { UInt8(64 - value.leadingZeroBitCount) }

    /// ORs the low `width` bits of `value` in at bit `bit` (the bits there are 0).
    @inline(__always)
    private static func put(_ value: UInt64, at bit: Int, width: Int, into words: UnsafeMutableBufferPointer<UInt64>) {
        guard width > 0 else { return }
        assert(width == 64 || value >> UInt64(width) == 0, "the value fits its width")
        let word = bit >> 6
        let shift = bit & 63
        words[word] |= value << UInt64(shift)
        if shift + width > 64 { words[word + 1] |= value >> UInt64(64 - shift) }
    }

    /// The `width` bits at bit `bit` of the packed words.
    @inline(__always)
    fileprivate func bits(at bit: Int, width: Int) -> UInt64 {
        guard width > 0 else { return 0 }
        let word = bit >> 6
        let shift = bit & 63
        var value = words[word] >> UInt64(shift)
        if shift + width > 64 { value |= words[word + 1] << UInt64(64 - shift) }
        return width == 64 ? value : value & ((1 << UInt64(width)) - 1)
    }
}
