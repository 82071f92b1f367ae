/// Bounds on what a record body may hold; a body beyond them does not decode.
enum RecordLimits {
    static let identifierSizeBytesMax = Identifier.sizeBytesMax
    /// `reason` and `request_id` are any JSON string; a line is bounded by the parser, this by the decoder.
    static let textSizeBytesMax = 1 << 20
    /// The compact JSON text of `module_rules`: ≤ 16 KiB.
    static let moduleRulesSizeBytesMax = 16 * 1024
    /// Entries of a plan map, allowlist entries.
    static let collectionCountMax = 1 << 16
    /// Admin grants: ≤ 10,000 credits.
    static let adminGrantAmountMax: Int64 = 10_000 * Millicredits.perCredit
}
