/// The enforcement state of a user at a time (SEMANTICS.md, "Enforcement state").
public enum EnforcementState: UInt8, CaseIterable, Hashable, Sendable {
    case active = 0
    case warn = 1
    case grace = 2
    case degraded = 3
    case suspended = 4

    public var name: String {
        switch self {
        case .active: "ACTIVE"
        case .warn: "WARN"
        case .grace: "GRACE"
        case .degraded: "DEGRADED"
        case .suspended: "SUSPENDED"
        }
    }
}
