/// A defined plan: its definition as last given, its entitlements in key order (sorted once, at `define_plan`,
/// never per command) and the users subscribed to it.
struct Plan: Sendable {
    var definition: Command.DefinePlan
    /// Entitlements in ascending key order with their usage keys resolved once.
    var sortedEntitlements: [(key: String, limit: Int64, usageKey: String)]
    /// User slots; membership only, never iterated into any output.
    var subscribers: Set<Int32> = []

    init(definition: Command.DefinePlan) {
        self.definition = definition
        let usageKeys = definition.usageKeys
        self.sortedEntitlements = definition.entitlements.sorted { $0.key < $1.key }.map {
            ($0.key, $0.value, usageKeys[$0.key] ?? Plan.defaultUsageKey(for: $0.key))
        }
    }

    /// The usage key of an entitlement: the plan's `usage_keys[key]`, else the default rule.
    func usageKey(for entitlementKey: String) -> String {
        definition.usageKeys[entitlementKey] ?? Plan.defaultUsageKey(for: entitlementKey)
    }

    /// `key` with a trailing `.max` replaced by `.created`; else `key`.
    static func defaultUsageKey(for entitlementKey: String) -> String {
        guard entitlementKey.utf8.count >= 4, entitlementKey.hasSuffix(".max") else { return entitlementKey }
        return String(entitlementKey.dropLast(4)) + ".created"
    }
}
