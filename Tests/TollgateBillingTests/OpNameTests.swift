import Testing

@testable import TollgateBilling

/// Op and record type names are spelled once (``CommandOp``); these pin the spellings metrics, `tail` and `audit`
/// print, so moving the table can never rename a label.
struct OpNameTests {
    /// The `op` member of a command line as written.
    private static func opMember(_ line: String) -> String? {
        let marker = #""op":""#
        var rest = Substring(line)
        while !rest.isEmpty {
            if rest.hasPrefix(marker) { return String(rest.dropFirst(marker.count).prefix { $0 != "\"" }) }
            rest = rest.dropFirst()
        }
        return nil
    }

    @Test(arguments: CommandParserTests.validCommands)
    func opNameIsTheParsedOp(line: String, command: Command) throws {
        let op = try #require(Self.opMember(line))
        #expect(command.opName == op)
        #expect(CommandParser.parse(line.utf8).map(\.opName) == .success(op))
    }

    @Test func everyCommandLineOpParsesByItsName() {
        for op in CommandOp.allCases {
            let parsed = Array(op.rawValue.utf8).withUnsafeBufferPointer { CommandOp(name: $0) }
            #expect(parsed == op)
        }
    }

    @Test func paymentCommandsHaveTheirOwnNames() {
        let event = PaymentEvent(
            eventID: "evt_1", kind: .checkoutSessionCompleted, createdUnixSeconds: 0, userID: "u1", amountCents: 100,
            currency: "usd", paymentID: "pi_1")
        #expect(Command.paymentEvent(.init(event: event)).opName == "payment_event")
        let retry = Command.retryPaymentEvent(.init(eventID: "evt_1", initiatedBy: "system"))
        #expect(retry.opName == "retry_payment_event")
    }

    @Test func recordTypeNamesAreUnchanged() {
        #expect(LedgerRecordKind.allCases.map(\.name) == [
            "grant", "debit", "refund", "set_flag", "clear_flag", "define_plan", "subscribe", "set_override",
            "clear_override", "consume", "suspend", "reinstate", "set_user_limits", "breaker_suspension",
            "payment_event", "purchase_grant", "cash_refund", "payment_attempt",
        ])
        #expect(LedgerRecord.breakerSuspension(userID: "u1").typeName == "breaker_suspension")
    }
}
