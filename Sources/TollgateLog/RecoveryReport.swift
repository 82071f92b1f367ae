/// What `Log.open` found and did: torn bytes truncated, leftovers of an interrupted seal removed, segments sealed,
/// and, only under `.truncateAfterLastGood`, the corruption it cut away.
public struct RecoveryReport: Sendable, CustomStringConvertible {
    /// Bytes of a partial last batch cut off the active segment (0 when the tail was whole).
    public var tornTailBytesTruncated: UInt64 = 0
    public var tornTailFile: String?
    public var tornTailOffset: UInt64?
    /// Files deleted: `.tmp` of an interrupted seal, raw twins of sealed segments, a segment with a torn header,
    /// and (`.truncateAfterLastGood`) segments after the corruption.
    public var removedFiles: [String] = []
    /// Raw segments found complete but unsealed (crash between roll and seal) and sealed during open.
    public var sealedFiles: [String] = []
    /// Under `.truncateAfterLastGood`: the corruption found; the log was truncated at its offset.
    public var truncatedAfterCorruption: LogError?
    public var notes: [String] = []

    public init() {}

    /// True when opening changed nothing on disk.
    public var isClean: Bool {
        tornTailBytesTruncated == 0 && removedFiles.isEmpty && sealedFiles.isEmpty && truncatedAfterCorruption == nil
            && notes.isEmpty
    }

    public var description: String {
        if isClean { return "clean" }
        var parts: [String] = []
        if let tornTailFile {
            parts.append(
                "torn tail: \(tornTailBytesTruncated) bytes truncated in \(tornTailFile) at byte \(tornTailOffset ?? 0)"
            )
        }
        if !removedFiles.isEmpty { parts.append("removed \(removedFiles.joined(separator: ", "))") }
        if !sealedFiles.isEmpty { parts.append("sealed \(sealedFiles.joined(separator: ", "))") }
        if let truncatedAfterCorruption { parts.append("truncated after corruption: \(truncatedAfterCorruption)") }
        parts.append(contentsOf: notes)
        return parts.joined(separator: "; ")
    }
}
