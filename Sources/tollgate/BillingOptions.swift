import ArgumentParser
import TollgateBilling

#if canImport(Glibc)
import Glibc
#endif

/// Options that change decisions. They come from the environment or a flag, identically for every command that
/// decides or replays (`apply`, `replay`, queries, later `serve`); the flag wins over the environment.
struct BillingOptions: ParsableArguments {
    static let environmentVariable = "CREDIT_ENFORCEMENT_ENABLED"

    @Option(
        name: .customLong("credit-enforcement-enabled"),
        help: "Config default of credit_enforcement_enabled: true or false (else env CREDIT_ENFORCEMENT_ENABLED, else false)."
    )
    var creditEnforcementEnabled: String?

    /// The billing configuration, or a clear error naming the bad value and where it came from.
    func configuration() throws -> BillingConfiguration {
        try Self.configuration(creditEnforcementEnabled: creditEnforcementEnabled)
    }

    /// The same from the flag's value (nil: not given), for a caller that did not parse with ArgumentParser.
    static func configuration(creditEnforcementEnabled: String?) throws -> BillingConfiguration {
        if let creditEnforcementEnabled {
            return BillingConfiguration(
                creditEnforcementEnabled: try Self.parse(creditEnforcementEnabled, source: "--credit-enforcement-enabled"))
        }
        if let raw = getenv(Self.environmentVariable) {
            let text = String(cString: raw)
            return BillingConfiguration(creditEnforcementEnabled: try Self.parse(text, source: Self.environmentVariable))
        }
        return BillingConfiguration(creditEnforcementEnabled: false)
    }

    static func parse(_ text: String, source: String) throws -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default:
            throw ValidationError("\(source) must be `true` or `false`, got `\(text)`")
        }
    }
}
