/// The authenticated caller of a request, from its API key.
public struct Principal: Hashable, Sendable {
    /// The key's public id (`k-…`), never the key itself.
    public var keyID: String
    public var role: Role
    /// For a user key, the one user it may read; for an admin key, the admin's name if one was given.
    public var userID: String?

    public init(keyID: String, role: Role, userID: String? = nil) {
        self.keyID = keyID
        self.role = role
        self.userID = userID
    }

    /// The id recorded as `initiated_by` of an admin action: the admin's name, else the key id.
    public var actorID: String { userID ?? keyID }
}
