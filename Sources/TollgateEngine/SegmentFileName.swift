/// The segment files of a log directory as docs/log-format.md names them (`<20-digit base seq>.log` raw,
/// `.log.lz4` sealed), for derived files that follow segments. Read-only; the log's own listing stays internal.
public struct SegmentFileName: Hashable, Sendable, Comparable {
    public var name: String
    public var baseSeq: Int64
    public var isSealed: Bool

    static let digitCount = 20

    public init?(_ name: String) {
        let sealed = name.hasSuffix(".log.lz4")
        guard sealed || name.hasSuffix(".log") else { return nil }
        let digits = name.prefix(Self.digitCount)
        guard digits.count == Self.digitCount, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            name.count == Self.digitCount + (sealed ? 8 : 4), let base = Int64(digits), base >= 1
        else { return nil }
        self.name = name
        self.baseSeq = base
        self.isSealed = sealed
    }

    /// The raw segment file name of `baseSeq` (20 digits, `.log`).
    static func rawName(baseSeq: UInt64) -> String {
        let digits = String(baseSeq)
        return String(repeating: "0", count: max(0, digitCount - digits.count)) + digits + ".log"
    }

    public static func < (lhs: SegmentFileName, rhs: SegmentFileName) -> Bool {
        (lhs.baseSeq, lhs.isSealed ? 0 : 1) < (rhs.baseSeq, rhs.isSealed ? 0 : 1)
    }

    /// The segments of `names`, in seq order; a raw file whose sealed twin exists (an interrupted seal) is left out.
    public static func segments(of names: [String]) -> [SegmentFileName] {
        let parsed = names.compactMap(SegmentFileName.init).sorted()
        let sealedBases = Set(parsed.filter(\.isSealed).map(\.baseSeq))
        return parsed.filter { $0.isSealed || !sealedBases.contains($0.baseSeq) }
    }
}
