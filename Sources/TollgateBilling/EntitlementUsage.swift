/// One entitlement of a user at a time, as `GET /api/v1/users/me/enforcement` shows it: the plan's limit, the
/// usage counter, and the limit consume decisions would resolve (an active override wins). A query result; never
/// part of a decision.
public struct EntitlementUsage: Hashable, Sendable {
    public var entitlementKey: String
    /// The usage counter the entitlement reads (the plan's `usage_keys`, else the default rule).
    public var usageKey: String
    /// The plan's limit; −1 unlimited, 0 when the key is not in the plan (listed only for an active override).
    public var planLimit: Int64
    /// The usage counter of (user, usage key); only grows through applied consumes.
    public var used: Int64
    /// The limit a consume at the same time would resolve: an active override, else `planLimit`.
    public var effectiveLimit: Int64
    /// Whether `effectiveLimit` comes from an override.
    public var overrideApplied: Bool
    /// When the applied override expires; nil without an override or for one that never expires.
    public var overrideExpiresAt: Timestamp?
    /// Grace count − grace used when the plan has enforcement on; nil otherwise (as in consume results).
    public var graceRemaining: Int64?

    public init(
        entitlementKey: String, usageKey: String, planLimit: Int64, used: Int64, effectiveLimit: Int64,
        overrideApplied: Bool, overrideExpiresAt: Timestamp? = nil, graceRemaining: Int64? = nil
    ) {
        self.entitlementKey = entitlementKey
        self.usageKey = usageKey
        self.planLimit = planLimit
        self.used = used
        self.effectiveLimit = effectiveLimit
        self.overrideApplied = overrideApplied
        self.overrideExpiresAt = overrideExpiresAt
        self.graceRemaining = graceRemaining
    }
}
