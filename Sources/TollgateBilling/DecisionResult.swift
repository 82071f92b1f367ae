/// The result line of a decision, kept compact until someone asks for it.
///
/// The hot results (debit, grant, consume: applied, duplicate, rejected) are held as the few values they are made
/// of; `json` builds the `JSONValue`, `render(into:)` writes the same bytes straight into a buffer. Everything else
/// is held as a `JSONValue`.
enum DecisionResult: Sendable {
    case value(JSONValue)
    /// An applied (`duplicate: false`) or duplicate result.
    case snapshot(ResultSnapshot, duplicate: Bool)
    /// A rejection of a debit, grant, refund or consume; `quota` carries the fields of `quota_exceeded`.
    case rejected(seq: Int64, RejectionCode, entitlementKey: String?, quota: ResultSnapshot.ConsumeSnapshot?)

    var json: JSONValue {
        switch self {
        case .value(let value): value
        case .snapshot(let snapshot, let duplicate): snapshot.json(status: duplicate ? "duplicate" : "applied")
        case .rejected(let seq, let code, let key, let quota):
            JSONValue.rejected(seq: seq, code, entitlementKey: key, quota?.quotaFields ?? [])
        }
    }

    /// Exactly the bytes of `json.rendered`.
    func render(into bytes: inout [UInt8]) {
        switch self {
        case .value(let value): value.renderUTF8(into: &bytes)
        case .snapshot(let snapshot, let duplicate): snapshot.render(duplicate: duplicate, into: &bytes)
        case .rejected(let seq, let code, let key, let quota):
            JSONValue.append(#"{"status":"rejected","seq":"#, to: &bytes)
            JSONValue.appendInteger(seq, to: &bytes)
            JSONValue.append(#","code":"#, to: &bytes)
            JSONValue.appendQuoted(code.code, to: &bytes)
            JSONValue.append(#","http_status":"#, to: &bytes)
            JSONValue.appendInteger(code.httpStatus, to: &bytes)
            JSONValue.append(#","message":"#, to: &bytes)
            JSONValue.appendQuoted(code.message(entitlementKey: key), to: &bytes)
            if let quota { quota.renderQuotaFields(into: &bytes) }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}

extension ResultSnapshot {
    /// The bytes of `json(status:)`.
    func render(duplicate: Bool, into bytes: inout [UInt8]) {
        let seq: Int64
        switch self {
        case .grant(let s, _), .debit(let s, _), .consume(let s, _): seq = s
        }
        if duplicate {
            JSONValue.append(#"{"status":"duplicate","seq":"#, to: &bytes)
        } else {
            JSONValue.append(#"{"status":"applied","seq":"#, to: &bytes)
        }
        JSONValue.appendInteger(seq, to: &bytes)
        JSONValue.append(#","code":"ok","http_status":200"#, to: &bytes)
        switch self {
        case .grant(_, let balanceAfter):
            JSONValue.append(#","balance_after":"#, to: &bytes)
            JSONValue.appendAmount(balanceAfter.rawValue, to: &bytes)
        case .debit(_, let snapshot):
            switch snapshot.mode {
            case .charged:
                JSONValue.append(#","mode":"charged","charged":"#, to: &bytes)
                JSONValue.appendAmount(snapshot.amount.rawValue, to: &bytes)
            case .free:
                JSONValue.append(#","mode":"free","charged":"0.000""#, to: &bytes)
            case .shadow:
                JSONValue.append(#","mode":"shadow","charged":"0.000","shadow_charge":"#, to: &bytes)
                JSONValue.appendAmount(snapshot.amount.rawValue, to: &bytes)
            }
            JSONValue.append(#","balance_after":"#, to: &bytes)
            JSONValue.appendAmount(snapshot.balanceAfter.rawValue, to: &bytes)
            JSONValue.append(snapshot.lowBalance ? #","low_balance":true"# : #","low_balance":false"#, to: &bytes)
            if snapshot.warned { JSONValue.append(#","warned":true"#, to: &bytes) }
            if snapshot.anomaly { JSONValue.append(#","anomaly":true"#, to: &bytes) }
        case .consume(_, let snapshot):
            JSONValue.append(#","mode":"#, to: &bytes)
            JSONValue.appendQuoted(snapshot.outcome.modeName, to: &bytes)
            snapshot.renderQuotaFields(into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }
}

extension ResultSnapshot.ConsumeSnapshot {
    /// The bytes of `quotaFields`, each preceded by a comma.
    func renderQuotaFields(into bytes: inout [UInt8]) {
        JSONValue.append(#","usage_after":"#, to: &bytes)
        JSONValue.appendInteger(usageAfter, to: &bytes)
        JSONValue.append(#","limit":"#, to: &bytes)
        JSONValue.appendInteger(limit, to: &bytes)
        JSONValue.append(#","grace_remaining":"#, to: &bytes)
        if let graceRemaining {
            JSONValue.appendInteger(graceRemaining, to: &bytes)
        } else {
            JSONValue.append("null", to: &bytes)
        }
        JSONValue.append(overrideApplied ? #","override_applied":true"# : #","override_applied":false"#, to: &bytes)
    }
}
