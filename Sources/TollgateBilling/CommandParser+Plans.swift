/// `define_plan`, `set_override`, `clear_override` and `consume`.
extension CommandParser {
    static func definePlan(_ fields: CommandFields) throws(InvalidRequest) -> Command.DefinePlan {
        let planID = try fields.requiredIdentifier(.planID)

        var entitlements: [String: Int64] = [:]
        if let token = fields.token(.entitlements) {
            try forEachMember(of: token, .entitlements, fields) { key, value throws(InvalidRequest) in
                let path = "entitlements.\(key)"
                let limit = try fields.integerValue(value, .entitlements, path: path)
                guard limit >= -1 else { throw fields.invalid(.entitlements, "a limit is −1 or ≥ 0", path: path) }
                entitlements[try entitlementKey(key, .entitlements, fields)] = limit
            }
        }

        var usageKeys: [String: String] = [:]
        if let token = fields.token(.usageKeys) {
            try forEachMember(of: token, .usageKeys, fields) { key, value throws(InvalidRequest) in
                let usageKey = try fields.identifierValue(value, .usageKeys, path: "usage_keys.\(key)")
                usageKeys[try entitlementKey(key, .usageKeys, fields)] = usageKey
            }
        }

        let enforcementEnabled = try fields.bool(.enforcementEnabled) ?? false
        let enforcementGraceCount = try fields.integer(.enforcementGraceCount, in: 0...Int64.max, "≥ 0") ?? 0

        var thresholds = Thresholds()
        if let token = fields.token(.thresholds) {
            try forEachMember(of: token, .thresholds, fields) { key, value throws(InvalidRequest) in
                let path = "thresholds.\(key)"
                let keyPath: WritableKeyPath<Thresholds, Int64>
                switch key {
                case "warn_pct": keyPath = \.warnPct
                case "hard_pct": keyPath = \.hardPct
                case "grace_hours": keyPath = \.graceHours
                case "overage_buffer_pct": keyPath = \.overageBufferPct
                default:
                    throw fields.invalid(
                        .thresholds, "unknown key (expected warn_pct, hard_pct, grace_hours, overage_buffer_pct)",
                        path: path)
                }
                guard value.kind != .null else { return }  // null: the default, like an absent key
                let number = try fields.integerValue(value, .thresholds, path: path)
                guard number >= 0 else { throw fields.invalid(.thresholds, "must be ≥ 0", path: path) }
                thresholds[keyPath: keyPath] = number
            }
        }

        var moduleRulesJSON: String?
        if let token = fields.token(.moduleRules) {
            guard token.kind == .object else {
                throw fields.invalid(.moduleRules, "expected a JSON object, got \(token.kindName)")
            }
            var text: [UInt8] = []
            do throws(JSONScanner.CompactError) {
                try fields.scanner.appendCompactText(of: token, to: &text, sizeBytesMax: moduleRulesSizeBytesMax)
            } catch .duplicateKey(let key) {
                throw fields.invalid(.moduleRules, "duplicate key \"\(key)\"")
            } catch {
                throw fields.invalid(.moduleRules, "compact JSON text longer than \(moduleRulesSizeBytesMax) bytes")
            }
            moduleRulesJSON = String(decoding: text, as: UTF8.self)
        }

        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.DefinePlan(
            planID: planID, entitlements: entitlements, usageKeys: usageKeys, enforcementEnabled: enforcementEnabled,
            enforcementGraceCount: enforcementGraceCount, thresholds: thresholds, moduleRulesJSON: moduleRulesJSON,
            initiatedBy: initiatedBy, at: at)
    }

    /// Calls `body` with each member of an object-valued field (decoded key, value), rejecting a non-object and a
    /// repeated key.
    private static func forEachMember(
        of token: JSONToken, _ field: CommandField, _ fields: CommandFields,
        _ body: (String, JSONToken) throws(InvalidRequest) -> Void
    ) throws(InvalidRequest) {
        guard token.kind == .object else {
            throw fields.invalid(field, "expected a JSON object, got \(token.kindName)")
        }
        var scanner = JSONScanner(fields.scanner.bytes, index: token.start + 1)
        var keys: Set<String> = []
        var isFirst = true
        while let keyToken = try CommandFields.json({ () throws(JSONScanner.Error) in
            try scanner.nextObjectKey(isFirst: &isFirst)
        }) {
            let key = scanner.string(keyToken)
            guard keys.insert(key).inserted else { throw fields.invalid(field, "duplicate key \"\(key)\"") }
            let value = try CommandFields.json({ () throws(JSONScanner.Error) in try scanner.scanValue(depth: 1) })
            try body(key, value)
        }
    }

    /// An object key that must be an entitlement key (the identifier rule).
    private static func entitlementKey(_ key: String, _ field: CommandField, _ fields: CommandFields)
        throws(InvalidRequest) -> String
    {
        var key = key
        guard key.withUTF8({ bytes in Identifier.isValid(bytes) }) else {
            throw fields.invalid(field, "key \"\(key)\" is not an identifier (1–128 bytes of A-Z a-z 0-9 . _ : @ -)")
        }
        return key
    }

    static func setOverride(_ fields: CommandFields) throws(InvalidRequest) -> Command.SetOverride {
        let userID = try fields.requiredIdentifier(.userID)
        let entitlementKey = try fields.requiredIdentifier(.entitlementKey)
        guard let value = try fields.integer(.value, in: -1...Int64.max, "−1 (unlimited) or ≥ 0") else {
            throw fields.missing(.value)
        }
        let expiresAt = try fields.timestamp(.expiresAt)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.SetOverride(
            userID: userID, entitlementKey: entitlementKey, value: value, expiresAt: expiresAt,
            initiatedBy: initiatedBy, at: at)
    }

    static func clearOverride(_ fields: CommandFields) throws(InvalidRequest) -> Command.ClearOverride {
        let userID = try fields.requiredIdentifier(.userID)
        let entitlementKey = try fields.requiredIdentifier(.entitlementKey)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.ClearOverride(userID: userID, entitlementKey: entitlementKey, initiatedBy: initiatedBy, at: at)
    }

    static func consume(_ fields: CommandFields) throws(InvalidRequest) -> Command.Consume {
        let userID = try fields.requiredIdentifier(.userID)
        let entitlementKey = try fields.requiredIdentifier(.entitlementKey)
        let quantity = try fields.integer(.quantity, in: 1...Int64.max, "≥ 1") ?? 1
        let idempotencyKey = try fields.identifier(.idempotencyKey)
        let at = try fields.timestamp(.at)
        return Command.Consume(
            userID: userID, entitlementKey: entitlementKey, quantity: quantity, idempotencyKey: idempotencyKey, at: at)
    }
}
