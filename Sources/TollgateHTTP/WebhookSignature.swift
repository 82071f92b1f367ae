import Crypto
import Foundation
import HTTPTypes
import TollgateBilling

/// Checks a Stripe-style webhook signature: the header `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`
/// where each `v1` is the hex HMAC-SHA256, keyed with the shared secret, of `"<t>." + raw body`.
///
/// Several `v1` entries are allowed (a provider signs with the old and the new secret while a secret rotates);
/// one match is enough. The MAC comparison takes the same time whatever the bytes. A timestamp further than
/// `toleranceSeconds` from now (either way) is refused, so a captured delivery cannot be replayed later.
public struct WebhookSignature: Sendable {
    public static let headerName = HTTPField.Name("Stripe-Signature")!
    /// Stripe's default tolerance.
    public static let toleranceSecondsDefault: Int64 = 300
    /// A header with more entries than this is refused before any MAC is computed.
    static let entryCountMax = 16

    /// The shared secret's bytes (a `SymmetricKey` is made per check: it is not `Sendable`).
    let secret: [UInt8]
    public let toleranceSeconds: Int64

    public init(secret: [UInt8], toleranceSeconds: Int64 = Self.toleranceSecondsDefault) {
        precondition(!secret.isEmpty, "webhook secret must not be empty")
        precondition(toleranceSeconds >= 0)
        self.secret = secret
        self.toleranceSeconds = toleranceSeconds
    }

    /// The header value a provider would send for `payload` at `timestamp` (tests, fixtures, docs).
    public func header(payload: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=" + HexBytes.text(mac(payload: payload, timestamp: timestamp))
    }

    /// Throws `bad_signature` or `stale_timestamp` (400); returns when the delivery is authentic and fresh.
    public func verify(header: String?, payload: [UInt8], now: Timestamp) throws(APIError) {
        guard let header, !header.isEmpty else {
            throw APIError.badSignature("Missing \(Self.headerName.rawName) header.")
        }
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        let entries = header.split(separator: ",", omittingEmptySubsequences: false)
        guard entries.count <= Self.entryCountMax else { throw APIError.badSignature("Too many signature entries.") }
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw APIError.badSignature("Malformed signature header.") }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            switch name {
            case "t":
                guard timestamp == nil, value.count <= 12, value.allSatisfy(\.isASCIIDigitCharacter),
                    let seconds = Int64(value)
                else { throw APIError.badSignature("Malformed signature timestamp.") }
                timestamp = seconds
            case "v1":
                // A malformed candidate simply never matches.
                if let bytes = Self.bytes(hex: value) { candidates.append(bytes) }
            default:
                continue  // Other schemes (v0, …) are not ours to check.
            }
        }
        guard let timestamp else { throw APIError.badSignature("The signature header has no timestamp.") }
        let expected = mac(payload: payload, timestamp: timestamp)
        var matched = false
        for candidate in candidates where Self.constantTimeEqual(candidate, expected) { matched = true }
        guard matched else { throw APIError.badSignature("No v1 signature matches the payload.") }
        let nowSeconds = now.millisecondsSinceEpoch / 1000
        guard abs(nowSeconds - timestamp) <= toleranceSeconds else {
            throw APIError.staleSignature(
                "The signature timestamp is more than \(toleranceSeconds) s away from the server's time.")
        }
    }

    private func mac(payload: [UInt8], timestamp: Int64) -> [UInt8] {
        var authenticator = HMAC<SHA256>(key: SymmetricKey(data: secret))
        authenticator.update(data: Array("\(timestamp).".utf8))
        authenticator.update(data: payload)
        return Array(authenticator.finalize())
    }

    /// Compares every byte whatever the first difference; lengths are public (always 32 for SHA-256).
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// Lowercase or uppercase hex of exactly 32 bytes; nil otherwise.
    static func bytes(hex: String) -> [UInt8]? {
        guard hex.utf8.count == 64 else { return nil }
        return HexBytes.bytes(hex)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
