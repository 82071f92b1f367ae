/// `suspend`, `reinstate`, `subscribe`.
extension CommandParser {
    static func accountAction(_ fields: CommandFields) throws(InvalidRequest) -> Command.AccountAction {
        let userID = try fields.requiredIdentifier(.userID)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let reason = try fields.text(.reason)
        let at = try fields.timestamp(.at)
        return Command.AccountAction(userID: userID, initiatedBy: initiatedBy, reason: reason, at: at)
    }

    static func subscribe(_ fields: CommandFields) throws(InvalidRequest) -> Command.Subscribe {
        let userID = try fields.requiredIdentifier(.userID)
        let planID = try fields.requiredIdentifier(.planID)
        let initiatedBy = try fields.identifier(.initiatedBy)
        let at = try fields.timestamp(.at)
        return Command.Subscribe(userID: userID, planID: planID, initiatedBy: initiatedBy, at: at)
    }
}
