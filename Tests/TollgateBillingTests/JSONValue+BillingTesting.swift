@testable import TollgateBilling

/// Member accessors for result assertions.
extension JSONValue {
    var code: String? { if case .string(let s) = self["code"] { s } else { nil } }
    var status: String? { if case .string(let s) = self["status"] { s } else { nil } }
    var mode: String? { if case .string(let s) = self["mode"] { s } else { nil } }
    var seq: Int64? { if case .int(let n) = self["seq"] { n } else { nil } }
    func string(_ key: String) -> String? { if case .string(let s) = self[key] { s } else { nil } }
    func amount(_ key: String) -> String? {
        switch self[key] {
        case .amount(let value): value.formatted
        case .string(let s): s
        default: nil
        }
    }
    func int(_ key: String) -> Int64? { if case .int(let n) = self[key] { n } else { nil } }
    func bool(_ key: String) -> Bool? { if case .bool(let b) = self[key] { b } else { nil } }
}
