/// Usage per entitlement (``EntitlementUsage``) for the user-facing enforcement view.
extension State {
    /// The user's entitlements at `at` (clamped to the last record, like ``enforcement(userID:at:)``), in
    /// ascending key order: every entitlement of the user's plan, plus keys outside the plan that have an active
    /// override (an override is what a consume resolves first, so it is a limit the user has). Limits, usage and
    /// grace are resolved exactly as ``evaluateConsume(slot:key:at:)`` does. Empty for an unknown user or a user
    /// with neither plan nor override.
    public func entitlementUsage(userID: String, at: Timestamp) -> [EntitlementUsage] {
        let time = max(at, lastRecordTime ?? at)
        let userSlot = slot(of: userID)
        guard let detailsSlot = detailsSlot(ofSlot: userSlot) else { return [] }
        let plan = plan(ofDetails: detailsSlot)
        var keys = plan?.sortedEntitlements.map(\.key) ?? []
        let planKeys = Set(keys)
        // Sorted below, so the dictionary's order never reaches the output.
        for (key, override) in details[detailsSlot].overrides
        where override.isActive(at: time) && !planKeys.contains(key) {
            keys.append(key)
        }
        keys.sort()
        return keys.map { key in
            let evaluation = evaluateConsume(slot: userSlot, key: key, at: time)
            let override = details[detailsSlot].overrides[key]
            return EntitlementUsage(
                entitlementKey: key, usageKey: evaluation.usageKey,
                planLimit: plan?.definition.entitlements[key] ?? 0, used: evaluation.usage,
                effectiveLimit: evaluation.limit, overrideApplied: evaluation.overrideApplied,
                overrideExpiresAt: evaluation.overrideApplied ? override?.expiresAt : nil,
                graceRemaining: evaluation.graceRemaining)
        }
    }
}
