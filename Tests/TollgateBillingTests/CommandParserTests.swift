import Testing

@testable import TollgateBilling

private func parse(_ line: String) -> Result<Command, InvalidRequest> { CommandParser.parse(line.utf8) }

private func mc(_ text: String) -> Millicredits { Millicredits(decimalText: text)! }

private func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

/// One identifier of exactly `count` bytes.
private func identifier(_ count: Int) -> String { String(repeating: "a", count: count) }

struct CommandParserTests {
    // MARK: Valid commands, one table per op (SEMANTICS.md "Commands" table; defaults in brackets there)

    static let grants: [(String, Command)] = [
        (
            #"{"op":"grant","user_id":"u1","amount":10,"initiated_by":"ops"}"#,
            .grant(.init(userID: "u1", amount: mc("10"), source: .admin, initiatedBy: "ops"))
        ),
        // "An admin grant ... above 10,000 credits ... is invalid": exactly 10,000 is fine.
        (
            #"{"op":"grant","user_id":"u1","amount":"10000","source":"admin","initiated_by":"ops"}"#,
            .grant(.init(userID: "u1", amount: mc("10000"), initiatedBy: "ops"))
        ),
        // Non-admin sources have neither the bound nor the initiated_by requirement.
        (
            #"{"op":"grant","user_id":"u1","amount":"20000.5","source":"purchase","reason":"card \"4242\"","idempotency_key":"k-1","at":"2026-03-01T12:00:00.250Z"}"#,
            .grant(
                .init(
                    userID: "u1", amount: mc("20000.5"), source: .purchase, reason: "card \"4242\"",
                    idempotencyKey: "k-1", at: time("2026-03-01T12:00:00.250Z")))
        ),
        (
            #"{"op":"grant","user_id":"u1","amount":1,"source":"promo"}"#,
            .grant(.init(userID: "u1", amount: mc("1"), source: .promo))
        ),
        (
            #"{"op":"grant","user_id":"u1","amount":1,"source":"adjustment","initiated_by":"x"}"#,
            .grant(.init(userID: "u1", amount: mc("1"), source: .adjustment, initiatedBy: "x"))
        ),
        // "null for an optional field means absent": source null is the default, admin.
        (
            #"{"op":"grant","user_id":"u1","amount":1,"source":null,"initiated_by":"ops","reason":null,"at":null}"#,
            .grant(.init(userID: "u1", amount: mc("1"), initiatedBy: "ops"))
        ),
        // Members in any order, JSON whitespace anywhere, a trailing "\r".
        (
            " \t{ \"at\" : \"2026-03-01T00:00:00Z\" , \"initiated_by\":\"ops\",\"amount\":\"1.2345e1\",\"user_id\":\"u1\",\"op\":\"grant\" }\r",
            .grant(.init(userID: "u1", amount: mc("12.345"), initiatedBy: "ops", at: time("2026-03-01T00:00:00Z")))
        ),
        // Escapes decode by value, in identifiers too.
        (
            #"{"op":"grant","user_id":"\u0075\u0031","amount":1,"initiated_by":"ops","reason":"caf\u00e9 \ud83d\ude00 \n","idempotency_key":"k\u002e1"}"#,
            .grant(.init(userID: "u1", amount: mc("1"), initiatedBy: "ops", reason: "café 😀 \n", idempotencyKey: "k.1"))
        ),
    ]

    static let debits: [(String, Command)] = [
        (#"{"op":"debit","user_id":"u1","amount":"1.5"}"#, .debit(.init(userID: "u1", amount: mc("1.5")))),
        (#"{"op":"debit","user_id":"u1","amount":0.001}"#, .debit(.init(userID: "u1", amount: mc("0.001")))),
        (
            #"{"op":"debit","user_id":"user@example.com","amount":"2e0","session_id":"s:1","request_id":"any text ✓ \"q\"","idempotency_key":"idem.1","at":"2026-03-01T12:00:00.5Z"}"#,
            .debit(
                .init(
                    userID: "user@example.com", amount: mc("2"), sessionID: "s:1", requestID: "any text ✓ \"q\"",
                    idempotencyKey: "idem.1", at: time("2026-03-01T12:00:00.500Z")))
        ),
        // "±9e15 mc exactly is allowed".
        (#"{"op":"debit","user_id":"u1","amount":9e12}"#, .debit(.init(userID: "u1", amount: mc("9000000000000")))),
        (
            #"{"op":"debit","user_id":"u1","amount":"9000000000000.000"}"#,
            .debit(.init(userID: "u1", amount: mc("9000000000000")))
        ),
        (
            #"{"op":"debit","user_id":"u1","amount":1.0000,"session_id":null,"request_id":null,"idempotency_key":null}"#,
            .debit(.init(userID: "u1", amount: mc("1")))
        ),
        (
            #"{"op":"debit","user_id":"u1","amount":1,"request_id":""}"#,
            .debit(.init(userID: "u1", amount: mc("1"), requestID: ""))
        ),
        (#"{"op":"debit","user_id":"AZaz09._:@-","amount":1}"#, .debit(.init(userID: "AZaz09._:@-", amount: mc("1")))),
    ]

    static let refunds: [(String, Command)] = [
        (
            #"{"op":"refund","user_id":"u1","debit_seq":7,"initiated_by":"ops"}"#,
            .refund(.init(userID: "u1", debitSeq: 7, initiatedBy: "ops"))
        ),
        (
            #"{"op":"refund","user_id":"u1","debit_seq":7,"amount":null,"initiated_by":"ops"}"#,
            .refund(.init(userID: "u1", debitSeq: 7, initiatedBy: "ops"))
        ),
        // Integer fields: "a JSON number whose value is whole (`5`, `5e0`, `5.0`)".
        (
            #"{"op":"refund","user_id":"u1","debit_seq":5e0,"amount":"0.5","initiated_by":"ops","reason":"dup","at":"2026-01-01T00:00:00Z"}"#,
            .refund(
                .init(
                    userID: "u1", debitSeq: 5, amount: mc("0.5"), initiatedBy: "ops", reason: "dup",
                    at: time("2026-01-01T00:00:00Z")))
        ),
        (
            #"{"op":"refund","user_id":"u1","debit_seq":5.0,"amount":2,"initiated_by":"ops"}"#,
            .refund(.init(userID: "u1", debitSeq: 5, amount: mc("2"), initiatedBy: "ops"))
        ),
    ]

    static let flags: [(String, Command)] = [
        (
            #"{"op":"set_flag","flag":"credit_enforcement_enabled","value":true,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .creditEnforcementEnabled(true), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"shadow_billing_enabled","value":false,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .shadowBillingEnabled(false), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"billing_charging_enabled","value":false,"initiated_by":"ops","at":"2026-03-01T00:00:00Z"}"#,
            .setFlag(.init(value: .billingChargingEnabled(false), initiatedBy: "ops", at: time("2026-03-01T00:00:00Z")))
        ),
        (
            #"{"op":"set_flag","flag":"anomaly_circuit_breaker_enabled","value":true,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .anomalyCircuitBreakerEnabled(true), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"billing_rollout_percentage","value":0,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .billingRolloutPercentage(0), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"billing_rollout_percentage","value":100,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .billingRolloutPercentage(100), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"billing_rollout_percentage","value":5e1,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .billingRolloutPercentage(50), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"billing_allowlist","value":[],"initiated_by":"ops"}"#,
            .setFlag(.init(value: .billingAllowlist([]), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"billing_allowlist","value":[ "u2" , "u1","u2" ],"initiated_by":"ops"}"#,
            .setFlag(.init(value: .billingAllowlist(["u2", "u1", "u2"]), initiatedBy: "ops"))
        ),
        // "`low_balance_threshold` may be negative".
        (
            #"{"op":"set_flag","flag":"low_balance_threshold","value":"-5","initiated_by":"ops"}"#,
            .setFlag(.init(value: .lowBalanceThreshold(mc("-5")), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"low_balance_threshold","value":2.5,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .lowBalanceThreshold(mc("2.5")), initiatedBy: "ops"))
        ),
        // "caps ≥ 0 (a single-request cap of 0 rejects every debit ...)".
        (
            #"{"op":"set_flag","flag":"single_request_cap","value":0,"initiated_by":"ops"}"#,
            .setFlag(.init(value: .singleRequestCap(.zero), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"daily_cap","value":"500","initiated_by":"ops"}"#,
            .setFlag(.init(value: .dailyCap(mc("500")), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_flag","flag":"session_cap","value":"-0","initiated_by":"ops"}"#,
            .setFlag(.init(value: .sessionCap(.zero), initiatedBy: "ops"))
        ),
        (
            #"{"op":"clear_flag","flag":"credit_enforcement_enabled","initiated_by":"ops"}"#,
            .clearFlag(.init(flag: .creditEnforcementEnabled, initiatedBy: "ops"))
        ),
        (
            #"{"op":"clear_flag","flag":"billing_allowlist","initiated_by":"ops","at":"2026-03-01T00:00:00.1Z"}"#,
            .clearFlag(.init(flag: .billingAllowlist, initiatedBy: "ops", at: time("2026-03-01T00:00:00.100Z")))
        ),
    ]

    static let plans: [(String, Command)] = [
        (
            #"{"op":"define_plan","plan_id":"free","initiated_by":"ops"}"#,
            .definePlan(.init(planID: "free", initiatedBy: "ops"))
        ),
        (
            #"{"op":"define_plan","plan_id":"free","entitlements":null,"usage_keys":null,"enforcement_enabled":null,"enforcement_grace_count":null,"thresholds":null,"module_rules":null,"initiated_by":"ops"}"#,
            .definePlan(.init(planID: "free", initiatedBy: "ops"))
        ),
        (
            #"{"op":"define_plan","plan_id":"pro","entitlements":{"projects.max":10,"seats":-1,"sso":0},"usage_keys":{"seats":"seats.used"},"enforcement_enabled":true,"enforcement_grace_count":3,"thresholds":{"warn_pct":70,"grace_hours":24},"module_rules":{ "apiTraces" : { "samplingRate" : 10 , "dropResponseBodies" : true } , "businessConfig" : {"freezePublishing":true} },"initiated_by":"ops","at":"2026-03-01T00:00:00Z"}"#,
            .definePlan(
                .init(
                    planID: "pro", entitlements: ["projects.max": 10, "seats": -1, "sso": 0],
                    usageKeys: ["seats": "seats.used"],
                    enforcementEnabled: true, enforcementGraceCount: 3,
                    thresholds: Thresholds(warnPct: 70, hardPct: 100, graceHours: 24, overageBufferPct: 0),
                    moduleRulesJSON:
                        #"{"apiTraces":{"samplingRate":10,"dropResponseBodies":true},"businessConfig":{"freezePublishing":true}}"#,
                    initiatedBy: "ops", at: time("2026-03-01T00:00:00Z")))
        ),
        // "`thresholds` may be partial (missing keys take the defaults ...)"; a null member is a missing key.
        (
            #"{"op":"define_plan","plan_id":"p","thresholds":{"hard_pct":120,"overage_buffer_pct":10,"warn_pct":null},"enforcement_grace_count":0.0,"module_rules":{},"initiated_by":"ops"}"#,
            .definePlan(
                .init(
                    planID: "p",
                    thresholds: Thresholds(warnPct: 80, hardPct: 120, graceHours: 48, overageBufferPct: 10),
                    moduleRulesJSON: "{}", initiatedBy: "ops"))
        ),
        (
            #"{"op":"define_plan","plan_id":"p","entitlements":{},"usage_keys":{},"thresholds":{},"enforcement_enabled":false,"initiated_by":"ops"}"#,
            .definePlan(.init(planID: "p", initiatedBy: "ops"))
        ),
        (
            #"{"op":"define_plan","plan_id":"p","module_rules":{"s":"a \"q\" \u00e9","n":[1.50,-2e3,null]},"initiated_by":"ops"}"#,
            .definePlan(
                .init(planID: "p", moduleRulesJSON: #"{"s":"a \"q\" \u00e9","n":[1.50,-2e3,null]}"#, initiatedBy: "ops")
            )
        ),
        (#"{"op":"subscribe","user_id":"u1","plan_id":"pro"}"#, .subscribe(.init(userID: "u1", planID: "pro"))),
        (
            #"{"op":"subscribe","user_id":"u1","plan_id":"pro","initiated_by":"ops","at":"2026-03-01T00:00:00Z"}"#,
            .subscribe(.init(userID: "u1", planID: "pro", initiatedBy: "ops", at: time("2026-03-01T00:00:00Z")))
        ),
        (
            #"{"op":"set_override","user_id":"u1","entitlement_key":"seats","value":-1,"initiated_by":"ops"}"#,
            .setOverride(.init(userID: "u1", entitlementKey: "seats", value: -1, initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_override","user_id":"u1","entitlement_key":"seats","value":0,"expires_at":"2026-04-01T00:00:00Z","initiated_by":"ops"}"#,
            .setOverride(
                .init(
                    userID: "u1", entitlementKey: "seats", value: 0, expiresAt: time("2026-04-01T00:00:00Z"),
                    initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_override","user_id":"u1","entitlement_key":"seats","value":25,"expires_at":null,"initiated_by":"ops"}"#,
            .setOverride(.init(userID: "u1", entitlementKey: "seats", value: 25, initiatedBy: "ops"))
        ),
        (
            #"{"op":"clear_override","user_id":"u1","entitlement_key":"seats","initiated_by":"ops"}"#,
            .clearOverride(.init(userID: "u1", entitlementKey: "seats", initiatedBy: "ops"))
        ),
        (
            #"{"op":"consume","user_id":"u1","entitlement_key":"projects.max"}"#,
            .consume(.init(userID: "u1", entitlementKey: "projects.max", quantity: 1))
        ),
        (
            #"{"op":"consume","user_id":"u1","entitlement_key":"projects.max","quantity":null}"#,
            .consume(.init(userID: "u1", entitlementKey: "projects.max", quantity: 1))
        ),
        (
            #"{"op":"consume","user_id":"u1","entitlement_key":"k","quantity":3,"idempotency_key":"c1","at":"2026-03-01T00:00:00Z"}"#,
            .consume(
                .init(
                    userID: "u1", entitlementKey: "k", quantity: 3, idempotencyKey: "c1",
                    at: time("2026-03-01T00:00:00Z")))
        ),
    ]

    static let accounts: [(String, Command)] = [
        (#"{"op":"suspend","user_id":"u1","initiated_by":"ops"}"#, .suspend(.init(userID: "u1", initiatedBy: "ops"))),
        (
            #"{"op":"suspend","user_id":"u1","initiated_by":"ops","reason":"fraud","at":"2026-03-01T00:00:00Z"}"#,
            .suspend(.init(userID: "u1", initiatedBy: "ops", reason: "fraud", at: time("2026-03-01T00:00:00Z")))
        ),
        (
            #"{"op":"reinstate","user_id":"u1","initiated_by":"ops","reason":null}"#,
            .reinstate(.init(userID: "u1", initiatedBy: "ops"))
        ),
        // "`set_user_limits` patches: `null` clears that cap, an absent field leaves it as it was, no cap field at
        // all is an applied no-op."
        (
            #"{"op":"set_user_limits","user_id":"u1","initiated_by":"ops"}"#,
            .setUserLimits(.init(userID: "u1", initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_user_limits","user_id":"u1","single_request_cap":"5","daily_cap":0,"session_cap":"12.5","initiated_by":"ops"}"#,
            .setUserLimits(
                .init(
                    userID: "u1", singleRequestCap: .set(mc("5")), dailyCap: .set(.zero),
                    sessionCap: .set(mc("12.5")), initiatedBy: "ops"))
        ),
        (
            #"{"op":"set_user_limits","user_id":"u1","single_request_cap":null,"session_cap":1,"initiated_by":"ops","at":"2026-03-01T00:00:00Z"}"#,
            .setUserLimits(
                .init(
                    userID: "u1", singleRequestCap: .clear, dailyCap: .unchanged, sessionCap: .set(mc("1")),
                    initiatedBy: "ops", at: time("2026-03-01T00:00:00Z")))
        ),
    ]

    static let validCommands: [(String, Command)] = {
        var all = grants
        all += debits
        all += refunds
        all += flags
        all += plans
        all += accounts
        return all
    }()

    @Test(arguments: validCommands)
    func parsesValidCommand(line: String, expected: Command) {
        #expect(parse(line) == .success(expected), "\(line)")
    }

    // MARK: Invalid lines, with the field to blame (nil: the line as a whole)

    /// "Blank lines, duplicate keys in one object, invalid UTF-8 → invalid"; "A line that is not a JSON object gives
    /// an invalid result"; "Unknown op, unknown fields, missing required fields or bad values give invalid".
    static let malformedLines: [(String, String?)] = [
        ("", nil), ("   ", nil), ("\r", nil), ("\t \t", nil),
        ("[]", nil), ("5", nil), (#""debit""#, nil), ("null", nil), ("true", nil),
        (#"[{"op":"debit","user_id":"u1","amount":1}]"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":1"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":1}}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":1} {}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":1}x"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":1,}"#, nil),
        (#"{"op":"debit" "user_id":"u1","amount":1}"#, nil),
        (#"{'op':'debit','user_id':'u1','amount':1}"#, nil),
        (#"{op:"debit","user_id":"u1","amount":1}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":01}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":NaN}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":+5}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":.5}"#, nil),
        (#"{"op":"debit","user_id":"u1","amount":5.}"#, nil),
        (#"{"op":"debit","user_id":"u1\x","amount":1}"#, nil),
        (#"{"op":"debit","user_id":"u1\ud800","amount":1}"#, "user_id"),
        ("{\"op\":\"debit\",\"user_id\":\"u1\",\"amount\":1,\"request_id\":\"a\tb\"}", nil),
        ("{\"op\":\"debit\",\"user_id\":\"u1\",\"amount\":1}\n{}", nil),
        ("\u{FEFF}{\"op\":\"debit\",\"user_id\":\"u1\",\"amount\":1}", nil),
        ("{\"op\":\"debit\",\"user_id\":\"u1\",\"amount\":1}\u{00A0}", nil),
        // Unknown ops and a missing or non-string op.
        (#"{}"#, "op"), (#"{"user_id":"u1","amount":1}"#, "op"), (#"{"op":null,"user_id":"u1","amount":1}"#, "op"),
        (#"{"op":5}"#, "op"), (#"{"op":["debit"]}"#, "op"), (#"{"op":"DEBIT","user_id":"u1","amount":1}"#, "op"),
        (#"{"op":"transfer","user_id":"u1","amount":1}"#, "op"), (#"{"op":"debit ","user_id":"u1","amount":1}"#, "op"),
        (#"{"op":"","user_id":"u1","amount":1}"#, "op"),
        // Duplicate keys, also spelled differently, also as null.
        (#"{"op":"debit","user_id":"u1","amount":1,"amount":1}"#, "amount"),
        (#"{"op":"debit","op":"debit","user_id":"u1","amount":1}"#, "op"),
        (#"{"op":"debit","user_id":"u1","amount":1,"\u0061mount":2}"#, "amount"),
        (#"{"op":"debit","user_id":"u1","amount":1,"at":null,"at":null}"#, "at"),
        // Unknown fields: names no op has, and names of other ops (null does not excuse them).
        (#"{"op":"debit","user_id":"u1","amount":1,"foo":1}"#, "foo"),
        (#"{"op":"debit","user_id":"u1","amount":1,"User_id":"u1"}"#, "User_id"),
        (#"{"op":"debit","user_id":"u1","amount":1,"initiated_by":"ops"}"#, "initiated_by"),
        (#"{"op":"debit","user_id":"u1","amount":1,"reason":null}"#, "reason"),
        (#"{"op":"grant","user_id":"u1","amount":1,"initiated_by":"ops","session_id":"s"}"#, "session_id"),
        (#"{"op":"clear_flag","flag":"daily_cap","value":1,"initiated_by":"ops"}"#, "value"),
        (#"{"op":"subscribe","user_id":"u1","plan_id":"p","reason":"x"}"#, "reason"),
        (#"{"op":"consume","user_id":"u1","entitlement_key":"k","amount":1}"#, "amount"),
    ]

    @Test(arguments: malformedLines)
    func rejectsMalformedLine(line: String, field: String?) {
        expectInvalid(line, field: field)
    }

    @Test(
        arguments: [
            Array(#"{"op":"debit","user_id":"u1","amount":1,"request_id":""#.utf8) + [0xFF] + Array(#""}"#.utf8),
            Array(#"{"op":"debit","user_id":"u1","amount":1,"request_id":""#.utf8) + [0xC3] + Array(#""}"#.utf8),
            Array(#"{"op":"debit","user_id":"u1","amount":1,"request_id":""#.utf8) + [0xED, 0xA0, 0x80]
                + Array(#""}"#.utf8),
            Array(#"{"op":"debit","user_id":"u1","amount":1,"reason":""#.utf8) + [0xC0, 0x80] + Array(#""}"#.utf8),
            Array(#"{"op":"debit","user_id":"u1","amount":1,""#.utf8) + [0xE9] + Array(#"":1}"#.utf8),
            Array(#"{"op":"debit","user_id":"u1","amount":1}"#.utf8) + [0x80],
        ] as [[UInt8]])
    func rejectsInvalidUTF8(line: [UInt8]) {
        guard case .failure = CommandParser.parse(line) else {
            Issue.record("accepted \(line)")
            return
        }
    }

    /// Identifiers: "1–128 bytes of `[A-Za-z0-9._:@-]`. Anything else is invalid."
    static let badIdentifiers: [String] = [
        #""""#, "\"\(identifier(129))\"", #""a b""#, #""a/b""#, #""a+b""#, #""é""#, #""a\u0000""#, #""a\n""#,
        #""a,b""#, #""a#b""#, #""ü""#, #""\u00e9""#, "5", "true", "[\"a\"]", "{\"a\":1}",
    ]

    @Test(arguments: badIdentifiers)
    func rejectsBadIdentifier(value: String) {
        expectInvalid(#"{"op":"debit","user_id":\#(value),"amount":1}"#, field: "user_id")
        expectInvalid(#"{"op":"debit","user_id":"u1","amount":1,"session_id":\#(value)}"#, field: "session_id")
        expectInvalid(
            #"{"op":"debit","user_id":"u1","amount":1,"idempotency_key":\#(value)}"#, field: "idempotency_key")
        expectInvalid(#"{"op":"grant","user_id":"u1","amount":1,"initiated_by":\#(value)}"#, field: "initiated_by")
        expectInvalid(#"{"op":"subscribe","user_id":"u1","plan_id":\#(value)}"#, field: "plan_id")
        expectInvalid(#"{"op":"consume","user_id":"u1","entitlement_key":\#(value)}"#, field: "entitlement_key")
        expectInvalid(
            #"{"op":"set_flag","flag":"billing_allowlist","value":["u1",\#(value)],"initiated_by":"ops"}"#,
            field: "value")
        expectInvalid(
            #"{"op":"define_plan","plan_id":"p","usage_keys":{"k":\#(value)},"initiated_by":"ops"}"#,
            field: "usage_keys")
    }

    @Test func identifierLengthBounds() {
        let longest = identifier(128)
        #expect(
            parse(#"{"op":"debit","user_id":"\#(longest)","amount":1}"#)
                == .success(.debit(.init(userID: longest, amount: mc("1")))))
        #expect(
            parse(#"{"op":"debit","user_id":"a","amount":1}"#) == .success(.debit(.init(userID: "a", amount: mc("1")))))
        for byte in UInt8(0)...UInt8(127) {
            let character = Character(Unicode.Scalar(byte))
            let allowed = character.isASCII && (character.isLetter || character.isNumber || "._:@-".contains(character))
            let escaped = String(format4: byte)
            let result = parse(#"{"op":"debit","user_id":"\#(escaped)","amount":1}"#)
            if allowed {
                #expect(result == .success(.debit(.init(userID: String(character), amount: mc("1")))), "byte \(byte)")
            } else {
                #expect(result.isInvalid, "byte \(byte)")
            }
        }
    }

    /// Amounts: "a whole number of millicredits by value"; "A string amount must be spelled exactly as a JSON number
    /// literal"; "±9e15 mc"; "Lower bounds: debit, refund and grant amounts > 0".
    static let badPositiveAmounts: [String] = [
        "0", #""0""#, "-0", "0e5", "-1", #""-1""#, "-0.001", "1.0005", #""1.0005""#, "0.0001", #""+5""#, #"" 5""#,
        #""5 ""#, #"".5""#, #""5.""#, #""NaN""#, #""""#, #""1e400""#, "1e400", "9000000000000.001",
        #""9000000000001""#, "1e13", "true", "false", "[1]", "{\"v\":1}", #""0x10""#, #""1,5""#, #""\u0031\u002e""#,
    ]

    @Test(arguments: badPositiveAmounts)
    func rejectsBadPositiveAmount(value: String) {
        expectInvalid(#"{"op":"debit","user_id":"u1","amount":\#(value)}"#, field: "amount")
        expectInvalid(#"{"op":"grant","user_id":"u1","amount":\#(value),"source":"purchase"}"#, field: "amount")
        expectInvalid(
            #"{"op":"refund","user_id":"u1","debit_seq":1,"amount":\#(value),"initiated_by":"ops"}"#, field: "amount")
    }

    @Test func amountMessagesNameTheField() {
        #expect(
            parse(#"{"op":"debit","user_id":"u1","amount":"1.0005"}"#)
                == .failure(InvalidRequest(field: "amount", message: "amount: not a whole number of millicredits")))
        #expect(
            parse(#"{"op":"debit","user_id":"u1","amount":1e400}"#)
                == .failure(InvalidRequest(field: "amount", message: "amount: beyond ±9e15 millicredits")))
        #expect(
            parse(#"{"op":"debit","user_id":"u1"}"#)
                == .failure(InvalidRequest(field: "amount", message: "amount: required")))
        #expect(
            parse(#"{"op":"debit","user_id":"u1","amount":null}"#)
                == .failure(InvalidRequest(field: "amount", message: "amount: required, got null")))
    }

    @Test func stringAmountDecodesEscapes() {
        #expect(
            parse(#"{"op":"debit","user_id":"u1","amount":"\u0031.5"}"#)
                == .success(.debit(.init(userID: "u1", amount: mc("1.5")))))
    }

    /// Integer fields: "a JSON number whose value is whole ... a string, bool or `1.5` → invalid".
    static let badIntegers: [String] = [
        #""5""#, "true", "1.5", "5e-1", "null", "[5]", "9223372036854775808", "1e19", #""""#,
    ]

    @Test(arguments: badIntegers)
    func rejectsBadInteger(value: String) {
        // null is invalid for required integers only; for optional ones it means absent.
        expectInvalid(#"{"op":"refund","user_id":"u1","debit_seq":\#(value),"initiated_by":"ops"}"#, field: "debit_seq")
        expectInvalid(
            #"{"op":"set_override","user_id":"u1","entitlement_key":"k","value":\#(value),"initiated_by":"ops"}"#,
            field: "value")
        expectInvalid(
            #"{"op":"set_flag","flag":"billing_rollout_percentage","value":\#(value),"initiated_by":"ops"}"#,
            field: "value")
        if value != "null" {
            expectInvalid(
                #"{"op":"consume","user_id":"u1","entitlement_key":"k","quantity":\#(value)}"#, field: "quantity")
            expectInvalid(
                #"{"op":"define_plan","plan_id":"p","enforcement_grace_count":\#(value),"initiated_by":"ops"}"#,
                field: "enforcement_grace_count")
            expectInvalid(
                #"{"op":"define_plan","plan_id":"p","entitlements":{"k":\#(value)},"initiated_by":"ops"}"#,
                field: "entitlements")
            expectInvalid(
                #"{"op":"define_plan","plan_id":"p","thresholds":{"warn_pct":\#(value)},"initiated_by":"ops"}"#,
                field: "thresholds")
        }
    }

    /// Integer lower and upper bounds: "`quantity` ≥ 1; `enforcement_grace_count` ≥ 0; entitlement limits −1 or ≥ 0";
    /// override value "(−1 or ≥0)"; thresholds "integers ≥ 0"; "rollout an integer 0–100".
    static let outOfBoundIntegers: [(String, String)] = [
        (#"{"op":"consume","user_id":"u1","entitlement_key":"k","quantity":0}"#, "quantity"),
        (#"{"op":"consume","user_id":"u1","entitlement_key":"k","quantity":-1}"#, "quantity"),
        (
            #"{"op":"define_plan","plan_id":"p","enforcement_grace_count":-1,"initiated_by":"ops"}"#,
            "enforcement_grace_count"
        ),
        (#"{"op":"define_plan","plan_id":"p","entitlements":{"k":-2},"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","thresholds":{"grace_hours":-1},"initiated_by":"ops"}"#, "thresholds"),
        (#"{"op":"set_override","user_id":"u1","entitlement_key":"k","value":-2,"initiated_by":"ops"}"#, "value"),
        (#"{"op":"set_flag","flag":"billing_rollout_percentage","value":101,"initiated_by":"ops"}"#, "value"),
        (#"{"op":"set_flag","flag":"billing_rollout_percentage","value":-1,"initiated_by":"ops"}"#, "value"),
        (#"{"op":"refund","user_id":"u1","debit_seq":0,"initiated_by":"ops"}"#, "debit_seq"),
        (#"{"op":"refund","user_id":"u1","debit_seq":-3,"initiated_by":"ops"}"#, "debit_seq"),
    ]

    @Test(arguments: outOfBoundIntegers)
    func rejectsOutOfBoundInteger(line: String, field: String) {
        expectInvalid(line, field: field)
    }

    @Test func integerBounds() {
        #expect(
            parse(#"{"op":"consume","user_id":"u1","entitlement_key":"k","quantity":9223372036854775807}"#)
                == .success(.consume(.init(userID: "u1", entitlementKey: "k", quantity: .max))))
        #expect(
            parse(#"{"op":"consume","user_id":"u1","entitlement_key":"k","quantity":2.0e0}"#)
                == .success(.consume(.init(userID: "u1", entitlementKey: "k", quantity: 2))))
    }

    /// `at`, `expires_at`: "`+00:00`, lowercase, 4+ fraction digits → invalid"; "a real calendar instant".
    static let badTimes: [String] = [
        #""2026-03-01T12:00:00+00:00""#, #""2026-03-01t12:00:00Z""#, #""2026-03-01T12:00:00.2500Z""#,
        #""2026-02-30T00:00:00Z""#, #""2026-03-01T23:59:60Z""#, #""2026-03-01""#, #""""#, "1772366400000", "true",
        #""2026-03-01 12:00:00Z""#, #"" 2026-03-01T12:00:00Z""#,
    ]

    @Test(arguments: badTimes)
    func rejectsBadTime(value: String) {
        expectInvalid(#"{"op":"debit","user_id":"u1","amount":1,"at":\#(value)}"#, field: "at")
        expectInvalid(
            #"{"op":"set_override","user_id":"u1","entitlement_key":"k","value":1,"expires_at":\#(value),"initiated_by":"ops"}"#,
            field: "expires_at")
    }

    /// Required fields of every op: absent or null → invalid ("`null` ... for a required field it is invalid").
    static let requiredFields: [(String, [String])] = [
        (#"{"op":"grant","user_id":"u1","amount":1,"initiated_by":"ops"}"#, ["user_id", "amount"]),
        (#"{"op":"debit","user_id":"u1","amount":1}"#, ["user_id", "amount"]),
        (
            #"{"op":"refund","user_id":"u1","debit_seq":1,"initiated_by":"ops"}"#,
            ["user_id", "debit_seq", "initiated_by"]
        ),
        (#"{"op":"set_flag","flag":"daily_cap","value":1,"initiated_by":"ops"}"#, ["flag", "value", "initiated_by"]),
        (#"{"op":"clear_flag","flag":"daily_cap","initiated_by":"ops"}"#, ["flag", "initiated_by"]),
        (#"{"op":"define_plan","plan_id":"p","initiated_by":"ops"}"#, ["plan_id", "initiated_by"]),
        (#"{"op":"subscribe","user_id":"u1","plan_id":"p"}"#, ["user_id", "plan_id"]),
        (
            #"{"op":"set_override","user_id":"u1","entitlement_key":"k","value":1,"initiated_by":"ops"}"#,
            ["user_id", "entitlement_key", "value", "initiated_by"]
        ),
        (
            #"{"op":"clear_override","user_id":"u1","entitlement_key":"k","initiated_by":"ops"}"#,
            ["user_id", "entitlement_key", "initiated_by"]
        ),
        (#"{"op":"consume","user_id":"u1","entitlement_key":"k"}"#, ["user_id", "entitlement_key"]),
        (#"{"op":"suspend","user_id":"u1","initiated_by":"ops"}"#, ["user_id", "initiated_by"]),
        (#"{"op":"reinstate","user_id":"u1","initiated_by":"ops"}"#, ["user_id", "initiated_by"]),
        (#"{"op":"set_user_limits","user_id":"u1","initiated_by":"ops"}"#, ["user_id", "initiated_by"]),
    ]

    @Test(arguments: requiredFields)
    func requiresFields(line: String, required: [String]) {
        #expect(parse(line).isSuccess, "\(line)")
        for field in required {
            let absent = line.replacingMember(field, with: nil)
            #expect(!absent.contains("\"\(field)\""), "\(absent)")
            expectInvalid(absent, field: field)
            expectInvalid(line.replacingMember(field, with: "null"), field: field)
        }
    }

    /// "An admin grant (source `admin`, the default) above 10,000 credits or without `initiated_by` is invalid".
    static let badGrants: [(String, String)] = [
        (#"{"op":"grant","user_id":"u1","amount":"10000.001","initiated_by":"ops"}"#, "amount"),
        (#"{"op":"grant","user_id":"u1","amount":"1e5","source":"admin","initiated_by":"ops"}"#, "amount"),
        (#"{"op":"grant","user_id":"u1","amount":1}"#, "initiated_by"),
        (#"{"op":"grant","user_id":"u1","amount":1,"source":"admin"}"#, "initiated_by"),
        (#"{"op":"grant","user_id":"u1","amount":1,"source":null,"initiated_by":null}"#, "initiated_by"),
        (#"{"op":"grant","user_id":"u1","amount":1,"source":"Admin","initiated_by":"ops"}"#, "source"),
        (#"{"op":"grant","user_id":"u1","amount":1,"source":"gift","initiated_by":"ops"}"#, "source"),
        (#"{"op":"grant","user_id":"u1","amount":1,"source":1,"initiated_by":"ops"}"#, "source"),
        (#"{"op":"grant","user_id":"u1","amount":1,"initiated_by":"ops","reason":5}"#, "reason"),
        (#"{"op":"debit","user_id":"u1","amount":1,"request_id":5}"#, "request_id"),
        (#"{"op":"suspend","user_id":"u1","initiated_by":"ops","reason":false}"#, "reason"),
    ]

    @Test(arguments: badGrants)
    func rejectsBadGrantOrText(line: String, field: String) {
        expectInvalid(line, field: field)
    }

    /// Flags: "caps are amounts ≥ 0; `billing_allowlist` is a JSON array of user ids; rollout an integer 0–100";
    /// bools are JSON booleans; an unknown flag is invalid.
    static let badFlagValues: [(String, String, String)] = [
        ("credit_enforcement_enabled", #""true""#, "value"), ("shadow_billing_enabled", "1", "value"),
        ("billing_charging_enabled", "null", "value"), ("anomaly_circuit_breaker_enabled", "[]", "value"),
        ("billing_rollout_percentage", "50.5", "value"), ("billing_rollout_percentage", #""50""#, "value"),
        ("billing_allowlist", #""u1""#, "value"), ("billing_allowlist", "[null]", "value"),
        ("billing_allowlist", "[[\"u1\"]]", "value"), ("billing_allowlist", "{\"u1\":true}", "value"),
        ("low_balance_threshold", "1.0005", "value"), ("low_balance_threshold", "true", "value"),
        ("single_request_cap", "-0.001", "value"), ("daily_cap", #""-1""#, "value"), ("session_cap", "false", "value"),
        ("daily_cap", "null", "value"), ("nonexistent_flag", "true", "flag"), ("Daily_cap", "1", "flag"),
    ]

    @Test(arguments: badFlagValues)
    func rejectsBadFlagValue(flag: String, value: String, field: String) {
        expectInvalid(#"{"op":"set_flag","flag":"\#(flag)","value":\#(value),"initiated_by":"ops"}"#, field: field)
    }

    @Test func rejectsBadFlagName() {
        expectInvalid(#"{"op":"clear_flag","flag":"nope","initiated_by":"ops"}"#, field: "flag")
        expectInvalid(#"{"op":"clear_flag","flag":5,"initiated_by":"ops"}"#, field: "flag")
    }

    /// define_plan's nested objects: duplicate keys anywhere, unknown threshold keys, identifier keys.
    static let badPlans: [(String, String)] = [
        (#"{"op":"define_plan","plan_id":"p","entitlements":[],"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","entitlements":{"a b":1},"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","entitlements":{"":1},"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","entitlements":{"k":1,"k":2},"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","entitlements":{"k":1,"\u006b":1},"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","entitlements":{"k":null},"initiated_by":"ops"}"#, "entitlements"),
        (#"{"op":"define_plan","plan_id":"p","usage_keys":{"k":"u","k":"v"},"initiated_by":"ops"}"#, "usage_keys"),
        (#"{"op":"define_plan","plan_id":"p","usage_keys":{"a/b":"u"},"initiated_by":"ops"}"#, "usage_keys"),
        (#"{"op":"define_plan","plan_id":"p","usage_keys":{"k":null},"initiated_by":"ops"}"#, "usage_keys"),
        (#"{"op":"define_plan","plan_id":"p","usage_keys":"k","initiated_by":"ops"}"#, "usage_keys"),
        (#"{"op":"define_plan","plan_id":"p","thresholds":{"warn":80},"initiated_by":"ops"}"#, "thresholds"),
        (
            #"{"op":"define_plan","plan_id":"p","thresholds":{"warn_pct":80,"warn_pct":90},"initiated_by":"ops"}"#,
            "thresholds"
        ),
        (#"{"op":"define_plan","plan_id":"p","thresholds":{"hard_pct":"100"},"initiated_by":"ops"}"#, "thresholds"),
        (#"{"op":"define_plan","plan_id":"p","thresholds":[80],"initiated_by":"ops"}"#, "thresholds"),
        (
            #"{"op":"define_plan","plan_id":"p","enforcement_enabled":"true","initiated_by":"ops"}"#,
            "enforcement_enabled"
        ),
        (#"{"op":"define_plan","plan_id":"p","enforcement_enabled":1,"initiated_by":"ops"}"#, "enforcement_enabled"),
        (#"{"op":"define_plan","plan_id":"p","module_rules":[],"initiated_by":"ops"}"#, "module_rules"),
        (#"{"op":"define_plan","plan_id":"p","module_rules":"{}","initiated_by":"ops"}"#, "module_rules"),
        (#"{"op":"define_plan","plan_id":"p","module_rules":{"a":1,"a":1},"initiated_by":"ops"}"#, "module_rules"),
        (
            #"{"op":"define_plan","plan_id":"p","module_rules":{"a":{"x":1,"y":[{"z":1,"z":2}]}},"initiated_by":"ops"}"#,
            "module_rules"
        ),
    ]

    @Test(arguments: badPlans)
    func rejectsBadPlan(line: String, field: String) {
        expectInvalid(line, field: field)
    }

    /// module_rules: "a JSON object whose compact JSON text is ≤ 16 KiB, stored as given".
    @Test func moduleRulesSizeBound() {
        // {"k":"…"} is 8 bytes plus the string.
        let fits = #"{"k":"\#(String(repeating: "x", count: 16 * 1024 - 8))"}"#
        #expect(fits.utf8.count == 16 * 1024)
        let spaced = fits.replacing("{", with: "{    ").replacing(":", with: " :  ")
        let line = #"{"op":"define_plan","plan_id":"p","module_rules":\#(spaced),"initiated_by":"ops"}"#
        #expect(parse(line) == .success(.definePlan(.init(planID: "p", moduleRulesJSON: fits, initiatedBy: "ops"))))
        let tooLarge = #"{"k":"\#(String(repeating: "x", count: 16 * 1024 - 7))"}"#
        expectInvalid(
            #"{"op":"define_plan","plan_id":"p","module_rules":\#(tooLarge),"initiated_by":"ops"}"#,
            field: "module_rules")
    }

    @Test func setUserLimitsRejectsBadCaps() {
        for value in ["-1", #""-0.001""#, "true", #""x""#, "[]", "1.0005"] {
            for field in ["single_request_cap", "daily_cap", "session_cap"] {
                expectInvalid(
                    #"{"op":"set_user_limits","user_id":"u1","\#(field)":\#(value),"initiated_by":"ops"}"#,
                    field: field)
            }
        }
    }

    @Test func lineSizeBound() {
        let padding = String(repeating: " ", count: CommandParser.lineSizeBytesMax)
        expectInvalid(#"{"op":"debit","user_id":"u1","amount":1}"# + padding, field: nil)
        let reason = String(repeating: "r", count: CommandParser.lineSizeBytesMax - 80)
        #expect(parse(#"{"op":"suspend","user_id":"u1","initiated_by":"ops","reason":"\#(reason)"}"#).isSuccess)
    }

    @Test func parsesEveryCollectionKind() {
        let text = #"{"op":"debit","user_id":"u1","amount":1}"#
        let expected: Result<Command, InvalidRequest> = .success(.debit(.init(userID: "u1", amount: mc("1"))))
        #expect(CommandParser.parse(text.utf8) == expected)
        #expect(CommandParser.parse(Array(text.utf8)) == expected)
        #expect(CommandParser.parse(Array(("xx" + text).utf8).dropFirst(2)) == expected)
        #expect(CommandParser.parse(("xx" + text).utf8.dropFirst(2)) == expected)
        #expect(CommandParser.parse(text.utf8.lazy.map { $0 }) == expected)
    }
}

extension String {
    /// `\u00XX` for one byte.
    fileprivate init(format4 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = "\\u00" + (hex.count == 1 ? "0" + hex : hex)
    }
}

extension String {
    /// Replaces the simple (unnested) value of member `name` with `value`, or removes the member when nil.
    fileprivate func replacingMember(_ name: String, with value: String?) -> String {
        guard let keyRange = firstRange(of: "\"\(name)\":") else { return self }
        var valueEnd = keyRange.upperBound
        while self[valueEnd] != "," && self[valueEnd] != "}" { valueEnd = index(after: valueEnd) }
        var result = self
        if let value {
            result.replaceSubrange(keyRange.upperBound..<valueEnd, with: value)
            return result
        }
        if self[valueEnd] == "," {
            result.removeSubrange(keyRange.lowerBound...valueEnd)
        } else {
            result.removeSubrange(keyRange.lowerBound..<valueEnd)
            if let comma = result[..<keyRange.lowerBound].lastIndex(of: ",") { result.remove(at: comma) }
        }
        return result
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }

    fileprivate var isInvalid: Bool { !isSuccess }
}

/// Expects `line` to be invalid, blaming `field` (nil: the line as a whole).
private func expectInvalid(_ line: String, field: String?, sourceLocation: SourceLocation = #_sourceLocation) {
    switch CommandParser.parse(line.utf8) {
    case .success(let command):
        Issue.record("accepted \(line) as \(command)", sourceLocation: sourceLocation)
    case .failure(let invalid):
        #expect(invalid.field == field, "\(line): \(invalid.message)", sourceLocation: sourceLocation)
        #expect(!invalid.message.isEmpty, sourceLocation: sourceLocation)
        if let field {
            #expect(invalid.message.hasPrefix(field), "\(invalid.message)", sourceLocation: sourceLocation)
        }
    }
}

struct CommandFieldTests {
    @Test func memberTableHasRoomForEveryField() {
        #expect(CommandField.allCases.count <= CommandFields.fieldCountMax)
    }

    @Test(arguments: CommandField.allCases)
    func namesLookUp(field: CommandField) {
        let name = Array(field.nameString.utf8)
        #expect(name.withUnsafeBufferPointer { CommandField(name: $0) } == field)
        #expect((name + [0x5F]).withUnsafeBufferPointer { CommandField(name: $0) } == nil)
        #expect(name.dropLast().withUnsafeBufferPointer { CommandField(name: $0) } == nil)
    }

    @Test(arguments: CommandOp.allCases)
    func opsLookUp(op: CommandOp) {
        #expect(Array(op.rawValue.utf8).withUnsafeBufferPointer { CommandOp(name: $0) } == op)
        #expect(Array(op.rawValue.uppercased().utf8).withUnsafeBufferPointer { CommandOp(name: $0) } == nil)
    }
}
