import Testing

@testable import TollgateBilling

/// Drives `decide` and `fold` exactly as the engine does: decision time = max(at ?? clock, last record time);
/// records folded and "appended" (encoded) in order with consecutive seqs.
struct BillingHarness {
    struct LoggedRecord {
        var seq: Int64
        var time: Timestamp
        var typeTag: UInt8
        var body: [UInt8]
    }

    var state: State
    /// The time stamped on commands without `at`.
    var clock: Timestamp
    var nextSeq: Int64 = 1
    var log: [LoggedRecord] = []

    init(enforcement: Bool = false, clock: Timestamp = testTime("2026-03-01T12:00:00.000Z")) {
        state = State(configuration: BillingConfiguration(creditEnforcementEnabled: enforcement))
        self.clock = clock
    }

    @discardableResult
    mutating func apply(_ command: Command) -> JSONValue {
        let time = max(command.at ?? clock, state.lastRecordTime ?? command.at ?? clock)
        let decision = decide(command, in: state, seq: nextSeq, time: time)
        // The direct byte rendering is the rendering of `result`, for every decision any test makes.
        var bytes: [UInt8] = []
        decision.renderResult(into: &bytes)
        let rendered = decision.result.rendered
        if bytes != Array(rendered.utf8) {
            Issue.record("renderResult differs: \(String(decoding: bytes, as: UTF8.self)) vs \(rendered)")
        }
        for record in decision.records {
            fold(&state, record, seq: nextSeq, time: time)
            log.append(LoggedRecord(seq: nextSeq, time: time, typeTag: record.typeTag, body: record.encodedBody))
            nextSeq += 1
        }
        return decision.result
    }

    /// Applies each command and returns the last result.
    @discardableResult
    mutating func apply(_ commands: [Command]) -> JSONValue? {
        var last: JSONValue?
        for command in commands { last = apply(command) }
        return last
    }

    /// The records of the log, decoded.
    var records: [LedgerRecord] {
        log.map { try! LedgerRecord.decode(typeTag: $0.typeTag, body: $0.body).get() }
    }

    /// A fresh fold of the encoded log.
    func replayed() -> State {
        var replay = State(configuration: state.configuration)
        for entry in log {
            let record = try! LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body).get()
            fold(&replay, record, seq: entry.seq, time: entry.time)
        }
        return replay
    }

    /// Runs the verifier over the log.
    func verify(configuration: BillingConfiguration? = nil, log override: [LoggedRecord]? = nil) -> [Violation] {
        var verifier = LedgerVerifier(configuration: configuration ?? state.configuration)
        for entry in override ?? log {
            verifier.check(seq: entry.seq, time: entry.time, typeTag: entry.typeTag, body: entry.body)
        }
        return verifier.finish()
    }

    func balance(_ userID: String) -> String {
        state.balances().first { $0.userID == userID }?.balance.formatted ?? "absent"
    }
}

/// `"2026-03-01T12:00:00.250Z"` → Timestamp (test input only; the real parser lives elsewhere).
func testTime(_ text: String) -> Timestamp {
    let bytes = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int64 { Int64(String(decoding: bytes[range], as: UTF8.self))! }
    let year = number(0..<4), month = number(5..<7), day = number(8..<10)
    let hour = number(11..<13), minute = number(14..<16), second = number(17..<19)
    var milliseconds: Int64 = 0
    if bytes[19] == UInt8(ascii: ".") {
        let end = bytes.firstIndex(of: UInt8(ascii: "Z"))!
        var digits = String(decoding: bytes[20..<end], as: UTF8.self)
        while digits.count < 3 { digits += "0" }
        milliseconds = Int64(digits)!
    }
    // days_from_civil (Howard Hinnant)
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    return Timestamp(rawValue: ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milliseconds)
}

func testCredits(_ text: String) -> Millicredits {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let negative = text.hasPrefix("-")
    let whole = Int64(String(parts[0].filter { $0 != "-" }))!
    var fraction: Int64 = 0
    if parts.count > 1 {
        var digits = String(parts[1])
        while digits.count < 3 { digits += "0" }
        fraction = Int64(digits)!
    }
    let value = whole * 1000 + fraction
    return Millicredits(rawValue: negative ? -value : value)
}
