/// A change of a user's enforcement state, noticed after an applied record that concerns the user (time-driven
/// changes are noticed at that user's next record).
public struct EnforcementTransition: Hashable, Sendable {
    public var from: EnforcementState
    public var to: EnforcementState
    /// The time of the record after which the change was noticed.
    public var at: Timestamp
    /// The seq of that record.
    public var seq: Int64
    /// The entitlement that triggered it: the first key (ascending) that reaches the level of the new state; nil
    /// for ACTIVE and SUSPENDED.
    public var entitlementKey: String?

    /// How many transitions a user keeps (the most recent ones).
    static let historyCountMax = 16

    public var json: JSONValue {
        .object([
            ("from", .string(from.name)), ("to", .string(to.name)), ("at", .string(at.civilUTCString())),
            ("seq", .int(seq)), ("entitlement_key", entitlementKey.map(JSONValue.string) ?? .null),
        ])
    }
}
