/// `set_flag`, `clear_flag` and `set_user_limits`.
extension CommandParser {
    static func setFlag(_ fields: CommandFields) throws(InvalidRequest) -> Command.SetFlag {
        let flag = try self.flag(fields)
        guard let token = fields.token(.value) else { throw fields.missing(.value) }
        let value = try flagValue(flag, token, fields)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.SetFlag(value: value, initiatedBy: initiatedBy, at: at)
    }

    static func clearFlag(_ fields: CommandFields) throws(InvalidRequest) -> Command.ClearFlag {
        let flag = try self.flag(fields)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.ClearFlag(flag: flag, initiatedBy: initiatedBy, at: at)
    }

    private static func flag(_ fields: CommandFields) throws(InvalidRequest) -> Flag {
        guard let token = fields.token(.flag) else { throw fields.missing(.flag) }
        guard token.kind == .string else { throw fields.invalid(.flag, "expected a string, got \(token.kindName)") }
        let name = fields.scanner.string(token)
        guard let flag = Flag(rawValue: name) else { throw fields.invalid(.flag, "unknown flag \"\(name)\"") }
        return flag
    }

    /// The value of `set_flag`, typed by its flag (SEMANTICS.md, "Flags" and "Edge cases, settled").
    private static func flagValue(_ flag: Flag, _ token: JSONToken, _ fields: CommandFields) throws(InvalidRequest)
        -> FlagValue
    {
        switch flag {
        case .creditEnforcementEnabled: return .creditEnforcementEnabled(try fields.boolValue(token, .value))
        case .shadowBillingEnabled: return .shadowBillingEnabled(try fields.boolValue(token, .value))
        case .billingChargingEnabled: return .billingChargingEnabled(try fields.boolValue(token, .value))
        case .anomalyCircuitBreakerEnabled: return .anomalyCircuitBreakerEnabled(try fields.boolValue(token, .value))
        case .billingRolloutPercentage:
            let percentage = try fields.integerValue(token, .value)
            guard (0...100).contains(percentage) else {
                throw fields.invalid(.value, "billing_rollout_percentage must be an integer 0–100")
            }
            return .billingRolloutPercentage(percentage)
        case .billingAllowlist:
            return .billingAllowlist(try allowlist(token, fields))
        case .lowBalanceThreshold:
            return .lowBalanceThreshold(try fields.amountValue(token, .value))
        case .singleRequestCap: return .singleRequestCap(try capValue(token, .value, fields))
        case .dailyCap: return .dailyCap(try capValue(token, .value, fields))
        case .sessionCap: return .sessionCap(try capValue(token, .value, fields))
        }
    }

    /// `billing_allowlist`: a JSON array of user ids, kept in the given order.
    private static func allowlist(_ token: JSONToken, _ fields: CommandFields) throws(InvalidRequest) -> [String] {
        guard token.kind == .array else {
            throw fields.invalid(.value, "billing_allowlist must be an array of user ids, got \(token.kindName)")
        }
        var scanner = JSONScanner(fields.scanner.bytes, index: token.start + 1)
        var userIDs: [String] = []
        var isFirst = true
        while try CommandFields.json({ () throws(JSONScanner.Error) in try scanner.nextArrayElement(isFirst: &isFirst) }
        ) {
            let element = try CommandFields.json({ () throws(JSONScanner.Error) in try scanner.scanValue(depth: 1) })
            userIDs.append(try fields.identifierValue(element, .value, path: "value[\(userIDs.count)]"))
        }
        return userIDs
    }

    /// A cap: an amount ≥ 0.
    private static func capValue(_ token: JSONToken, _ field: CommandField, _ fields: CommandFields)
        throws(InvalidRequest) -> Millicredits
    {
        let cap = try fields.amountValue(token, field)
        guard cap.rawValue >= 0 else { throw fields.invalid(field, "a cap must be ≥ 0") }
        return cap
    }

    static func setUserLimits(_ fields: CommandFields) throws(InvalidRequest) -> Command.SetUserLimits {
        let userID = try fields.requiredIdentifier(.userID)

        func patch(_ field: CommandField) throws(InvalidRequest) -> CapPatch {
            guard fields.isPresent(field) else { return .unchanged }
            guard let token = fields.token(field) else { return .clear }
            return .set(try capValue(token, field, fields))
        }

        let singleRequestCap = try patch(.singleRequestCap)
        let dailyCap = try patch(.dailyCap)
        let sessionCap = try patch(.sessionCap)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.SetUserLimits(
            userID: userID, singleRequestCap: singleRequestCap, dailyCap: dailyCap, sessionCap: sessionCap,
            initiatedBy: initiatedBy, at: at)
    }
}
