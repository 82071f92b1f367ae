import Testing

@testable import TollgateBilling

/// Random valid commands, rendered as JSON text in random but valid spellings (member order, whitespace, escapes,
/// number forms, `null` for absent optionals), must parse back to the same command. Seeded: a failure prints its
/// seed and line, and replays exactly.
struct CommandRoundTripTests {
    @Test(arguments: 0..<64 as Range<UInt64>)
    func randomCommandsRoundTrip(seed: UInt64) {
        var generator = CommandTextGenerator(seed: seed)
        for _ in 0..<200 {
            let (command, line) = generator.command()
            let parsed = CommandParser.parse(line.utf8)
            #expect(parsed == .success(command), "seed \(seed): \(line)")
            if parsed != .success(command) { return }
        }
    }

    /// Every proper prefix of a valid line that cuts the object short is invalid, and random byte damage never
    /// traps: the parser answers every input with a command or an `InvalidRequest`.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func damagedLinesNeverTrap(seed: UInt64) {
        var generator = CommandTextGenerator(seed: seed)
        for _ in 0..<40 {
            let line = Array(generator.command().line.utf8)
            let closing = line.lastIndex(of: UInt8(ascii: "}"))!
            for length in stride(from: 0, through: closing, by: closing < 400 ? 1 : 13) {
                if case .success(let command) = CommandParser.parse(line[..<length]) {
                    Issue.record("seed \(seed): prefix \(length) of \(line) parsed as \(command)")
                }
            }
            for _ in 0..<50 {
                var damaged = line
                for _ in 0...generator.random.next() % 3 {
                    let position = Int(generator.random.next() % UInt64(damaged.count))
                    switch generator.random.next() % 3 {
                    case 0: damaged[position] = UInt8(truncatingIfNeeded: generator.random.next())
                    case 1: damaged.remove(at: position)
                    default: damaged.insert(UInt8(truncatingIfNeeded: generator.random.next()), at: position)
                    }
                    if damaged.isEmpty { break }
                }
                _ = CommandParser.parse(damaged)
            }
        }
    }
}

/// Builds a random valid command together with one random JSON spelling of it.
private struct CommandTextGenerator {
    var random: ParserRandom

    init(seed: UInt64) { random = ParserRandom(seed: seed) }

    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        return range.lowerBound &+ Int64(bitPattern: width == 0 ? random.next() : random.next() % width)
    }

    /// Small values most of the time, the whole range sometimes.
    mutating func skewed(_ range: ClosedRange<Int64>) -> Int64 {
        switch random.next() % 4 {
        case 0: return range.lowerBound
        case 1: return range.upperBound
        case 2: return int(range.lowerBound...min(range.upperBound, range.lowerBound &+ 100))
        default: return int(range)
        }
    }

    // MARK: Values and their spellings

    static let identifierBytes = Array("ABCXYZabcxyz0123456789._:@-".utf8)

    mutating func identifier() -> String {
        let count = chance(5) ? 128 : Int(1 + random.next() % 12)
        let bytes = (0..<count).map { _ in Self.identifierBytes[Int(random.next() % UInt64(Self.identifierBytes.count))]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func text() -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "é", "€", "😀", "\u{FFFF}", "\u{10FFFF}",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<(random.next() % 10) { scalars.append(pool[Int(random.next() % UInt64(pool.count))]) }
        return String(scalars)
    }

    /// A JSON string literal for `value`, escaping randomly (always what must be escaped).
    mutating func quoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
            if mustEscape || chance(15) {
                switch (scalar, random.next() % 2) {
                case ("\"", 0): text += "\\\""
                case ("\\", 0): text += "\\\\"
                case ("/", 0): text += "\\/"
                case ("\n", 0): text += "\\n"
                case ("\t", 0): text += "\\t"
                default:
                    if scalar.value > 0xFFFF {
                        let offset = scalar.value - 0x10000
                        text += Self.escape(0xD800 + offset >> 10) + Self.escape(0xDC00 + offset & 0x3FF)
                    } else {
                        text += Self.escape(scalar.value)
                    }
                }
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    static func escape(_ unit: UInt32) -> String {
        let hex = String(unit, radix: 16, uppercase: unit % 2 == 0)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// One of the many JSON number spellings of `units × 10^-scale` (scale 3 for millicredits, 0 for integers).
    mutating func numberText(_ units: Int64, scale: Int) -> String {
        let negative = units < 0 || (units == 0 && chance(10))
        var digits = String(units.magnitude)  // the value is digits × 10^-scale
        var exponent = -scale
        // Move trailing zeros into the exponent, or add zeros, at random.
        if chance(30) {
            while digits.count > 1 && digits.hasSuffix("0") && chance(70) {
                digits.removeLast()
                exponent += 1
            }
        }
        if chance(20) {
            let zeros = Int(random.next() % 4)
            digits += String(repeating: "0", count: zeros)
            exponent -= zeros
        }
        // Place the decimal point: `pointShift` fraction digits, the rest goes to the exponent.
        let fractionCount = chance(50) ? max(0, -exponent) : Int(random.next() % UInt64(digits.count))
        let fractionDigits = min(fractionCount, digits.count - 1 + (chance(30) ? fractionCount : 0))
        var integerPart: String
        var fractionPart: String
        if fractionDigits >= digits.count {
            integerPart = "0"
            fractionPart = String(repeating: "0", count: fractionDigits - digits.count) + digits
        } else {
            integerPart = String(digits.dropLast(fractionDigits))
            fractionPart = String(digits.suffix(fractionDigits))
        }
        exponent += fractionDigits
        while integerPart.count > 1 && integerPart.hasPrefix("0") { integerPart.removeFirst() }
        if integerPart.allSatisfy({ $0 == "0" }) { integerPart = "0" }
        if units == 0 && chance(30) { exponent += Int(random.next() % 1000) }  // a zero, whatever its exponent
        var text = negative ? "-" : ""
        text += integerPart
        if !fractionPart.isEmpty { text += "." + fractionPart }
        if exponent != 0 || chance(10) {
            text += chance(50) ? "e" : "E"
            text += exponent < 0 ? "-" : (chance(30) ? "+" : "")
            text += String(exponent.magnitude)
        }
        return text
    }

    mutating func amountText(_ amount: Millicredits) -> String {
        let number = numberText(amount.rawValue, scale: 3)
        return chance(50) ? "\"" + number + "\"" : number
    }

    mutating func integerText(_ value: Int64) -> String { numberText(value, scale: 0) }

    mutating func timestampText(_ timestamp: Timestamp) -> String {
        var text = timestamp.rfc3339  // …SS.fffZ
        let millisecond = floorModulo(timestamp.rawValue, 1000)
        if millisecond == 0 && chance(50) {
            text.removeSubrange(text.index(text.endIndex, offsetBy: -5)..<text.index(before: text.endIndex))
        } else if millisecond % 100 == 0 && chance(50) {
            text.removeSubrange(text.index(text.endIndex, offsetBy: -3)..<text.index(before: text.endIndex))
        } else if millisecond % 10 == 0 && chance(50) {
            text.removeSubrange(text.index(text.endIndex, offsetBy: -2)..<text.index(before: text.endIndex))
        }
        return quoted(text)
    }

    mutating func timestamp() -> Timestamp {
        let low: Int64 = -62_167_219_200_000, high: Int64 = 253_402_300_799_999
        return Timestamp(rawValue: chance(50) ? int(1_700_000_000_000...1_900_000_000_000) : int(low...high))
    }

    mutating func amount(_ range: ClosedRange<Int64>) -> Millicredits { Millicredits(rawValue: skewed(range)) }

    mutating func whitespace() -> String {
        guard chance(20) else { return "" }
        let pool = [" ", "\t", "\r", "\n", "  "]
        return pool[Int(random.next() % UInt64(pool.count))]
    }

    /// A line from members: shuffled, random whitespace, optional trailing `\r`.
    mutating func line(_ members: [(String, String)]) -> String {
        var members = members
        members.shuffle(using: &random)
        var text = whitespace() + "{"
        for (index, member) in members.enumerated() {
            if index > 0 { text += whitespace() + "," }
            text += whitespace() + quoted(member.0) + whitespace() + ":" + whitespace() + member.1 + whitespace()
        }
        if members.isEmpty { text += whitespace() }
        return text + "}" + whitespace()
    }

    /// Members for an optional value: absent, `null`, or present.
    mutating func optional<T>(_ name: String, _ value: T?, _ render: (inout Self, T) -> String) -> [(String, String)] {
        if let value { return [(name, render(&self, value))] }
        return chance(20) ? [(name, "null")] : []
    }

    /// Members for a value with a default: absent or `null` when it is the default (sometimes), else present.
    mutating func defaulted<T: Equatable>(
        _ name: String, _ value: T, _ defaultValue: T, _ render: (inout Self, T) -> String
    )
        -> [(String, String)]
    {
        if value == defaultValue && chance(60) { return chance(30) ? [(name, "null")] : [] }
        return [(name, render(&self, value))]
    }

    mutating func maybe<T>(_ make: (inout Self) -> T) -> T? { chance(50) ? make(&self) : nil }

    // MARK: Commands

    static let positive: ClosedRange<Int64> = 1...Millicredits.magnitudeMax

    mutating func command() -> (command: Command, line: String) {
        let at = maybe { $0.timestamp() }
        var members: [(String, String)] = []
        let command: Command
        let ident: (inout Self, String) -> String = { generator, value in generator.quoted(value) }
        switch random.next() % 13 {
        case 0:
            let source = GrantSource.allCases[Int(random.next() % 4)]
            let amount = source == .admin ? amount(1...CommandParser.adminGrantMax.rawValue) : amount(Self.positive)
            let grant = Command.Grant(
                userID: identifier(), amount: amount, source: source,
                initiatedBy: source == .admin ? identifier() : maybe { $0.identifier() }, reason: maybe { $0.text() },
                idempotencyKey: maybe { $0.identifier() }, at: at)
            members = [
                ("op", quoted("grant")), ("user_id", quoted(grant.userID)), ("amount", amountText(grant.amount)),
            ]
            members += defaulted("source", grant.source, .admin) { generator, source in
                generator.quoted(source.rawValue)
            }
            members += optional("initiated_by", grant.initiatedBy, ident)
            members += optional("reason", grant.reason, ident)
            members += optional("idempotency_key", grant.idempotencyKey, ident)
            command = .grant(grant)
        case 1:
            let debit = Command.Debit(
                userID: identifier(), amount: amount(Self.positive), sessionID: maybe { $0.identifier() },
                requestID: maybe { $0.text() }, idempotencyKey: maybe { $0.identifier() }, at: at)
            members = [
                ("op", quoted("debit")), ("user_id", quoted(debit.userID)), ("amount", amountText(debit.amount)),
            ]
            members += optional("session_id", debit.sessionID, ident)
            members += optional("request_id", debit.requestID, ident)
            members += optional("idempotency_key", debit.idempotencyKey, ident)
            command = .debit(debit)
        case 2:
            let refund = Command.Refund(
                userID: identifier(), debitSeq: skewed(1...Int64.max), amount: maybe { $0.amount(Self.positive) },
                initiatedBy: identifier(), reason: maybe { $0.text() }, at: at)
            members = [
                ("op", quoted("refund")), ("user_id", quoted(refund.userID)),
                ("debit_seq", integerText(refund.debitSeq)),
                ("initiated_by", quoted(refund.initiatedBy)),
            ]
            members += optional("amount", refund.amount) { generator, amount in generator.amountText(amount) }
            members += optional("reason", refund.reason, ident)
            command = .refund(refund)
        case 3:
            let (value, valueText) = flagValue()
            let setFlag = Command.SetFlag(value: value, initiatedBy: identifier(), at: at)
            members = [
                ("op", quoted("set_flag")), ("flag", quoted(value.flag.rawValue)), ("value", valueText),
                ("initiated_by", quoted(setFlag.initiatedBy)),
            ]
            command = .setFlag(setFlag)
        case 4:
            let clearFlag = Command.ClearFlag(
                flag: Flag.allCases[Int(random.next() % UInt64(Flag.allCases.count))], initiatedBy: identifier(), at: at
            )
            members = [
                ("op", quoted("clear_flag")), ("flag", quoted(clearFlag.flag.rawValue)),
                ("initiated_by", quoted(clearFlag.initiatedBy)),
            ]
            command = .clearFlag(clearFlag)
        case 5:
            (command, members) = definePlan(at: at)
        case 6:
            let subscribe = Command.Subscribe(
                userID: identifier(), planID: identifier(), initiatedBy: maybe { $0.identifier() }, at: at)
            members = [
                ("op", quoted("subscribe")), ("user_id", quoted(subscribe.userID)),
                ("plan_id", quoted(subscribe.planID)),
            ]
            members += optional("initiated_by", subscribe.initiatedBy, ident)
            command = .subscribe(subscribe)
        case 7:
            let setOverride = Command.SetOverride(
                userID: identifier(), entitlementKey: identifier(), value: skewed(-1...Int64.max),
                expiresAt: maybe { $0.timestamp() }, initiatedBy: identifier(), at: at)
            members = [
                ("op", quoted("set_override")), ("user_id", quoted(setOverride.userID)),
                ("entitlement_key", quoted(setOverride.entitlementKey)), ("value", integerText(setOverride.value)),
                ("initiated_by", quoted(setOverride.initiatedBy)),
            ]
            members += optional("expires_at", setOverride.expiresAt) { generator, time in generator.timestampText(time)
            }
            command = .setOverride(setOverride)
        case 8:
            let clearOverride = Command.ClearOverride(
                userID: identifier(), entitlementKey: identifier(), initiatedBy: identifier(), at: at)
            members = [
                ("op", quoted("clear_override")), ("user_id", quoted(clearOverride.userID)),
                ("entitlement_key", quoted(clearOverride.entitlementKey)),
                ("initiated_by", quoted(clearOverride.initiatedBy)),
            ]
            command = .clearOverride(clearOverride)
        case 9:
            let consume = Command.Consume(
                userID: identifier(), entitlementKey: identifier(), quantity: chance(50) ? 1 : skewed(1...Int64.max),
                idempotencyKey: maybe { $0.identifier() }, at: at)
            members = [
                ("op", quoted("consume")), ("user_id", quoted(consume.userID)),
                ("entitlement_key", quoted(consume.entitlementKey)),
            ]
            members += defaulted("quantity", consume.quantity, 1) { generator, value in generator.integerText(value) }
            members += optional("idempotency_key", consume.idempotencyKey, ident)
            command = .consume(consume)
        case 10, 11:
            let action = Command.AccountAction(
                userID: identifier(), initiatedBy: identifier(), reason: maybe { $0.text() }, at: at)
            let op = random.next() % 2 == 0 ? "suspend" : "reinstate"
            members = [
                ("op", quoted(op)), ("user_id", quoted(action.userID)), ("initiated_by", quoted(action.initiatedBy)),
            ]
            members += optional("reason", action.reason, ident)
            command = op == "suspend" ? .suspend(action) : .reinstate(action)
        default:
            var limits = Command.SetUserLimits(userID: identifier(), initiatedBy: identifier(), at: at)
            members = [
                ("op", quoted("set_user_limits")), ("user_id", quoted(limits.userID)),
                ("initiated_by", quoted(limits.initiatedBy)),
            ]
            for (name, keyPath) in [
                ("single_request_cap", \Command.SetUserLimits.singleRequestCap), ("daily_cap", \.dailyCap),
                ("session_cap", \.sessionCap),
            ] {
                switch random.next() % 3 {
                case 0: break
                case 1:
                    limits[keyPath: keyPath] = .clear
                    members.append((name, "null"))
                default:
                    let cap = amount(0...Millicredits.magnitudeMax)
                    limits[keyPath: keyPath] = .set(cap)
                    members.append((name, amountText(cap)))
                }
            }
            command = .setUserLimits(limits)
        }
        members += optional("at", at) { generator, time in generator.timestampText(time) }
        return (command, line(members))
    }

    mutating func flagValue() -> (FlagValue, String) {
        let bool = random.next() % 2 == 0
        switch Flag.allCases[Int(random.next() % UInt64(Flag.allCases.count))] {
        case .creditEnforcementEnabled: return (.creditEnforcementEnabled(bool), String(bool))
        case .shadowBillingEnabled: return (.shadowBillingEnabled(bool), String(bool))
        case .billingChargingEnabled: return (.billingChargingEnabled(bool), String(bool))
        case .anomalyCircuitBreakerEnabled: return (.anomalyCircuitBreakerEnabled(bool), String(bool))
        case .billingRolloutPercentage:
            let percentage = int(0...100)
            return (.billingRolloutPercentage(percentage), integerText(percentage))
        case .billingAllowlist:
            let users = (0..<(random.next() % 4)).map { _ in identifier() }
            var text = "[" + whitespace()
            for (index, user) in users.enumerated() {
                text += (index > 0 ? "," + whitespace() : "") + quoted(user) + whitespace()
            }
            return (.billingAllowlist(users), text + "]")
        case .lowBalanceThreshold:
            let threshold = amount(-Millicredits.magnitudeMax...Millicredits.magnitudeMax)
            return (.lowBalanceThreshold(threshold), amountText(threshold))
        case .singleRequestCap:
            let cap = amount(0...Millicredits.magnitudeMax)
            return (.singleRequestCap(cap), amountText(cap))
        case .dailyCap:
            let cap = amount(0...Millicredits.magnitudeMax)
            return (.dailyCap(cap), amountText(cap))
        case .sessionCap:
            let cap = amount(0...Millicredits.magnitudeMax)
            return (.sessionCap(cap), amountText(cap))
        }
    }

    mutating func definePlan(at: Timestamp?) -> (Command, [(String, String)]) {
        var plan = Command.DefinePlan(planID: identifier(), initiatedBy: identifier(), at: at)
        var members: [(String, String)] = [
            ("op", quoted("define_plan")), ("plan_id", quoted(plan.planID)), ("initiated_by", quoted(plan.initiatedBy)),
        ]
        for _ in 0..<(random.next() % 4) { plan.entitlements[identifier()] = skewed(-1...Int64.max) }
        for _ in 0..<(random.next() % 3) { plan.usageKeys[identifier()] = identifier() }
        let entitlements = plan.entitlements.map { (key, limit) in (key, integerText(limit)) }
        let usageKeys = plan.usageKeys.map { (key, usageKey) in (key, quoted(usageKey)) }
        if !entitlements.isEmpty || chance(30) { members.append(("entitlements", line(entitlements))) }
        if !usageKeys.isEmpty || chance(30) { members.append(("usage_keys", line(usageKeys))) }
        plan.enforcementEnabled = random.next() % 2 == 0
        members += defaulted("enforcement_enabled", plan.enforcementEnabled, false) { _, value in String(value) }
        plan.enforcementGraceCount = chance(50) ? 0 : skewed(0...Int64.max)
        members += defaulted("enforcement_grace_count", plan.enforcementGraceCount, 0) { generator, value in
            generator.integerText(value)
        }
        var thresholdMembers: [(String, String)] = []
        for (name, keyPath) in [
            ("warn_pct", \Thresholds.warnPct), ("hard_pct", \.hardPct), ("grace_hours", \.graceHours),
            ("overage_buffer_pct", \.overageBufferPct),
        ] {
            if chance(50) { plan.thresholds[keyPath: keyPath] = skewed(0...Int64.max) }
            thresholdMembers += defaulted(name, plan.thresholds[keyPath: keyPath], Thresholds()[keyPath: keyPath]) {
                generator, value in generator.integerText(value)
            }
        }
        if !thresholdMembers.isEmpty || chance(30) { members.append(("thresholds", line(thresholdMembers))) }
        if chance(60) {
            let (compact, spaced) = jsonObject(depth: 0)
            plan.moduleRulesJSON = compact
            members.append(("module_rules", spaced))
        } else if chance(30) {
            members.append(("module_rules", "null"))
        }
        return (.definePlan(plan), members)
    }

    /// A random JSON object with unique keys: its compact text (tokens as spelled) and a spaced spelling.
    mutating func jsonObject(depth: Int) -> (compact: String, spaced: String) {
        var keys: Set<String> = []
        var compact = "{", spaced = "{" + whitespace()
        for _ in 0..<(random.next() % 4) {
            let key = text()
            guard keys.insert(key).inserted else { continue }
            let keyText = quoted(key)
            let (valueCompact, valueSpaced) = jsonValue(depth: depth + 1)
            if keys.count > 1 {
                compact += ","
                spaced += "," + whitespace()
            }
            compact += keyText + ":" + valueCompact
            spaced += keyText + whitespace() + ":" + whitespace() + valueSpaced + whitespace()
        }
        return (compact + "}", spaced + "}")
    }

    mutating func jsonValue(depth: Int) -> (compact: String, spaced: String) {
        switch random.next() % (depth < 4 ? 7 : 5) {
        case 0: return ("null", "null")
        case 1: return ("true", "true")
        case 2:
            let number = numberText(int(-1_000_000...1_000_000), scale: Int(random.next() % 4))
            return (number, number)
        case 3, 4:
            let string = quoted(text())
            return (string, string)
        case 5: return jsonObject(depth: depth)
        default:
            var compact = "[", spaced = "[" + whitespace()
            for index in 0..<(random.next() % 4) {
                let (valueCompact, valueSpaced) = jsonValue(depth: depth + 1)
                compact += (index > 0 ? "," : "") + valueCompact
                spaced += (index > 0 ? "," + whitespace() : "") + valueSpaced + whitespace()
            }
            return (compact + "]", spaced + "]")
        }
    }
}

/// Floor modulo.
private func floorModulo(_ lhs: Int64, _ rhs: Int64) -> Int64 {
    let remainder = lhs % rhs
    return remainder < 0 ? remainder + rhs : remainder
}
