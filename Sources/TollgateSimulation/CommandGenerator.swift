import TollgateBilling

/// Random billing command lines (mostly valid; also the engine tests' stream) over a small universe of users,
/// plans and keys, so that rules interact: idempotency retries, caps, suspensions, plans with grace, overrides that
/// expire, out-of-order times, and a few invalid lines.
package struct CommandGenerator {
    var random: SplitMix64
    var timeMs: Int64 = 1_772_355_600_000  // 2026-03-01T09:00:00Z
    let users = ["u1", "u2", "u3", "u4", "u5"]
    let keys = ["projects.max", "api.calls", "seats"]
    var debitSeqs: [Int64] = []

    package init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func at() -> String {
        // Mostly forward in time, sometimes backwards (clamped by the engine), sometimes hours ahead.
        let step: Int64 = chance(10) ? -120_000 : (chance(5) ? 3 * 3_600_000 : Int64(random.next() % 90_000))
        timeMs += step
        return "\"at\":\"\(Timestamp(millisecondsSinceEpoch: timeMs).rfc3339)\""
    }

    mutating func amount() -> String {
        let milli = Int64(random.next() % 30_000) + 1
        return "\"\(Millicredits(rawValue: milli).formatted)\""
    }

    package mutating func nextLine() -> String {
        let user = pick(users)
        switch random.next() % 20 {
        case 0...5:
            let key = chance(30) ? ",\"idempotency_key\":\"k\(random.next() % 4)\"" : ""
            let session = chance(40) ? ",\"session_id\":\"s\(random.next() % 2)\"" : ""
            return "{\"op\":\"debit\",\"user_id\":\"\(user)\",\"amount\":\(amount())\(key)\(session),\(at())}"
        case 6, 7:
            let source = pick(["admin", "promo", "purchase"])
            let key = chance(20) ? ",\"idempotency_key\":\"g\(random.next() % 3)\"" : ""
            return "{\"op\":\"grant\",\"user_id\":\"\(user)\",\"amount\":\(amount()),\"source\":\"\(source)\",\"initiated_by\":\"admin\"\(key),\(at())}"
        case 8:
            let seq = Int64(random.next() % 40) + 1
            return "{\"op\":\"refund\",\"user_id\":\"\(user)\",\"debit_seq\":\(seq),\"initiated_by\":\"support\",\(at())}"
        case 9:
            let flag = pick([
                "\"flag\":\"credit_enforcement_enabled\",\"value\":\(chance(50))",
                "\"flag\":\"shadow_billing_enabled\",\"value\":\(chance(30))",
                "\"flag\":\"billing_charging_enabled\",\"value\":\(chance(80))",
                "\"flag\":\"billing_rollout_percentage\",\"value\":\(random.next() % 101)",
                "\"flag\":\"billing_allowlist\",\"value\":[\"\(pick(users))\"]",
                "\"flag\":\"daily_cap\",\"value\":\(amount())",
                "\"flag\":\"anomaly_circuit_breaker_enabled\",\"value\":\(chance(60))",
            ])
            return "{\"op\":\"set_flag\",\(flag),\"initiated_by\":\"ops\",\(at())}"
        case 10:
            let flag = pick(["credit_enforcement_enabled", "billing_charging_enabled", "daily_cap", "billing_rollout_percentage"])
            return "{\"op\":\"clear_flag\",\"flag\":\"\(flag)\",\"initiated_by\":\"ops\",\(at())}"
        case 11:
            let plan = pick(["free", "pro"])
            let limit = Int64(random.next() % 6) - 1
            let enforcement = chance(60)
            return "{\"op\":\"define_plan\",\"plan_id\":\"\(plan)\",\"entitlements\":{\"projects.max\":\(limit),\"seats\":2},\"enforcement_enabled\":\(enforcement),\"enforcement_grace_count\":\(random.next() % 3),\"thresholds\":{\"grace_hours\":1},\"initiated_by\":\"admin\",\(at())}"
        case 12:
            return "{\"op\":\"subscribe\",\"user_id\":\"\(user)\",\"plan_id\":\"\(pick(["free", "pro"]))\",\(at())}"
        case 13:
            let expires = chance(50) ? ",\"expires_at\":\"\(Timestamp(millisecondsSinceEpoch: timeMs + 600_000).rfc3339)\"" : ""
            return "{\"op\":\"set_override\",\"user_id\":\"\(user)\",\"entitlement_key\":\"\(pick(keys))\",\"value\":\(Int64(random.next() % 5) - 1)\(expires),\"initiated_by\":\"support\",\(at())}"
        case 14, 15, 16:
            let key = chance(20) ? ",\"idempotency_key\":\"c\(random.next() % 3)\"" : ""
            return "{\"op\":\"consume\",\"user_id\":\"\(user)\",\"entitlement_key\":\"\(pick(keys))\",\"quantity\":\(random.next() % 2 + 1)\(key),\(at())}"
        case 17:
            return "{\"op\":\"\(pick(["suspend", "reinstate", "reinstate"]))\",\"user_id\":\"\(user)\",\"initiated_by\":\"risk\",\(at())}"
        case 18:
            return "{\"op\":\"set_user_limits\",\"user_id\":\"\(user)\",\"single_request_cap\":\(chance(50) ? "null" : amount()),\"initiated_by\":\"ops\",\(at())}"
        default:
            return pick(["not json", "{\"op\":\"debit\"}", "{\"op\":\"debit\",\"user_id\":\"u1\",\"amount\":\"1.0005\"}", ""])
        }
    }
}
