/// What an API key may do. Every route names the roles it accepts; no role implies another.
public enum Role: String, CaseIterable, Codable, Sendable {
    /// Grants, refunds, flags, plans, subscriptions, overrides, suspensions, limits, any user's state.
    case admin
    /// The application backend: debits and entitlement consumption for any user.
    case service
    /// One end user: reads only the data of the user the key is bound to.
    case user
}
