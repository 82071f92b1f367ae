/// Flag numbering in record bodies (the order of `Flag.allCases`, frozen here).
enum FlagCoding {
    static let order: [Flag] = [
        .creditEnforcementEnabled, .shadowBillingEnabled, .billingChargingEnabled, .billingRolloutPercentage,
        .billingAllowlist, .lowBalanceThreshold, .singleRequestCap, .dailyCap, .sessionCap,
        .anomalyCircuitBreakerEnabled,
    ]

    static func index(of flag: Flag) -> UInt8 { UInt8(order.firstIndex(of: flag)!) }

    static func encodeValue(_ value: FlagValue, into writer: inout BodyWriter) {
        switch value {
        case .creditEnforcementEnabled(let on), .shadowBillingEnabled(let on), .billingChargingEnabled(let on),
            .anomalyCircuitBreakerEnabled(let on):
            writer.writeByte(on ? 1 : 0)
        case .billingRolloutPercentage(let percent): writer.writeUnsigned(percent)
        case .billingAllowlist(let users):
            writer.writeUnsigned(Int64(users.count))
            for user in users { writer.writeIdentifier(user) }
        case .lowBalanceThreshold(let amount): writer.writeSigned(amount.rawValue)
        case .singleRequestCap(let amount), .dailyCap(let amount), .sessionCap(let amount):
            writer.writeUnsigned(amount.rawValue)
        }
    }

    static func decodeValue(
        _ flag: Flag, from reader: inout BodyReader
    ) throws(RecordDecodingError) -> FlagValue {
        let capRange: ClosedRange<Int64> = 0...Millicredits.magnitudeMax
        switch flag {
        case .creditEnforcementEnabled: return .creditEnforcementEnabled(try reader.readBool())
        case .shadowBillingEnabled: return .shadowBillingEnabled(try reader.readBool())
        case .billingChargingEnabled: return .billingChargingEnabled(try reader.readBool())
        case .anomalyCircuitBreakerEnabled: return .anomalyCircuitBreakerEnabled(try reader.readBool())
        case .billingRolloutPercentage:
            let percent = try reader.readUnsigned()
            guard percent <= 100 else { throw reader.failure("rollout above 100") }
            return .billingRolloutPercentage(percent)
        case .billingAllowlist:
            let count = try reader.readUnsigned()
            guard count <= Int64(min(RecordLimits.collectionCountMax, reader.remainingCount)) else {
                throw reader.failure("allowlist count out of range")
            }
            var users: [String] = []
            users.reserveCapacity(Int(count))
            for _ in 0..<count { users.append(try reader.readIdentifier()) }
            return .billingAllowlist(users)
        case .lowBalanceThreshold:
            return .lowBalanceThreshold(
                try reader.readAmount(-Millicredits.magnitudeMax...Millicredits.magnitudeMax))
        case .singleRequestCap: return .singleRequestCap(try reader.readAmount(capRange))
        case .dailyCap: return .dailyCap(try reader.readAmount(capRange))
        case .sessionCap: return .sessionCap(try reader.readAmount(capRange))
        }
    }
}
