/// The effective global flags: runtime values from `set_flag` records, defaults otherwise.
struct FlagSettings: Sendable {
    static let singleRequestCapDefault = Millicredits.credits(50)
    static let dailyCapDefault = Millicredits.credits(500)
    static let sessionCapDefault = Millicredits.credits(100)
    static let rolloutPercentageDefault: Int64 = 100

    /// The runtime override of `credit_enforcement_enabled`; nil means the config value applies.
    var enforcementOverride: Bool?
    var shadowBillingEnabled = false
    var billingChargingEnabled = true
    var rolloutPercentage = rolloutPercentageDefault
    var allowlist: Set<String> = []
    var lowBalanceThreshold = Millicredits.zero
    var singleRequestCap = singleRequestCapDefault
    var dailyCap = dailyCapDefault
    var sessionCap = sessionCapDefault
    var anomalyCircuitBreakerEnabled = false

    mutating func set(_ value: FlagValue) {
        switch value {
        case .creditEnforcementEnabled(let on): enforcementOverride = on
        case .shadowBillingEnabled(let on): shadowBillingEnabled = on
        case .billingChargingEnabled(let on): billingChargingEnabled = on
        case .billingRolloutPercentage(let percent): rolloutPercentage = percent
        case .billingAllowlist(let users): allowlist = Set(users)
        case .lowBalanceThreshold(let amount): lowBalanceThreshold = amount
        case .singleRequestCap(let amount): singleRequestCap = amount
        case .dailyCap(let amount): dailyCap = amount
        case .sessionCap(let amount): sessionCap = amount
        case .anomalyCircuitBreakerEnabled(let on): anomalyCircuitBreakerEnabled = on
        }
    }

    /// Returns the flag to its default (`credit_enforcement_enabled` to the config). Clearing a flag with no
    /// runtime value is a no-op by construction.
    mutating func clear(_ flag: Flag) {
        switch flag {
        case .creditEnforcementEnabled: enforcementOverride = nil
        case .shadowBillingEnabled: shadowBillingEnabled = false
        case .billingChargingEnabled: billingChargingEnabled = true
        case .billingRolloutPercentage: rolloutPercentage = Self.rolloutPercentageDefault
        case .billingAllowlist: allowlist = []
        case .lowBalanceThreshold: lowBalanceThreshold = .zero
        case .singleRequestCap: singleRequestCap = Self.singleRequestCapDefault
        case .dailyCap: dailyCap = Self.dailyCapDefault
        case .sessionCap: sessionCap = Self.sessionCapDefault
        case .anomalyCircuitBreakerEnabled: anomalyCircuitBreakerEnabled = false
        }
    }
}
