import TollgateBilling
import TollgateLog

/// One snapshot file: the folded state after record `seq`, bound to the log by the chain value after that record
/// and to the billing configuration it was folded with, checksummed whole. Layout (docs/snapshots.md):
///
/// | offset | field | type |
/// |---|---|---|
/// | 0 | magic `0x4E534754` ("TGSN") | UInt32 |
/// | 4 | version 1 | UInt16 |
/// | 6 | flags 0 | UInt16 |
/// | 8 | seq (records 1…seq folded) | UInt64 |
/// | 16 | chain value after record seq | UInt64 |
/// | 24 | time of record seq, ms | Int64 |
/// | 32 | billing configuration (bit 0 credit_enforcement_enabled, other bits 0) | UInt32 |
/// | 36 | reserved 0 | UInt32 |
/// | 40 | stateSizeBytes | UInt64 |
/// | 48 | state (`State.snapshotBytes()`) | stateSizeBytes |
/// | 48 + stateSizeBytes | CRC32C of every byte before it | UInt32 |
public struct Snapshot: Sendable {
    static let magic: UInt32 = 0x4E53_4754
    public static let formatVersion: UInt16 = 1
    static let headerSizeBytes = 48
    static let trailerSizeBytes = 4
    /// A snapshot file larger than this is rejected before it is read whole.
    public static let fileSizeBytesMax: UInt64 = 1 << 36

    /// The snapshot covers records 1…seq.
    public var seq: Int64
    /// The log's chain value after record `seq`.
    public var chain: UInt64
    public var lastTimeMs: Int64
    public var billing: BillingConfiguration
    /// The encoded state; decoded (and checked) only when the snapshot is used.
    public var stateBytes: [UInt8]

    public init(seq: Int64, chain: UInt64, lastTimeMs: Int64, billing: BillingConfiguration, stateBytes: [UInt8]) {
        self.seq = seq; self.chain = chain; self.lastTimeMs = lastTimeMs; self.billing = billing
        self.stateBytes = stateBytes
    }

    /// A snapshot of `state`, which must have folded exactly records 1…seq of a log whose chain after seq is `chain`.
    public init(state: State, chain: UInt64) {
        precondition(state.recordCount > 0, "a snapshot covers at least one record")
        self.init(
            seq: state.recordCount, chain: chain, lastTimeMs: state.lastRecordTime!.millisecondsSinceEpoch,
            billing: state.configuration, stateBytes: state.snapshotBytes())
    }

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSizeBytes + stateBytes.count + Self.trailerSizeBytes)
        Self.append(UInt64(Self.magic) | UInt64(Self.formatVersion) << 32, 8, to: &bytes)
        Self.append(UInt64(bitPattern: seq), 8, to: &bytes)
        Self.append(chain, 8, to: &bytes)
        Self.append(UInt64(bitPattern: lastTimeMs), 8, to: &bytes)
        Self.append(billing.creditEnforcementEnabled ? 1 : 0, 8, to: &bytes)
        Self.append(UInt64(stateBytes.count), 8, to: &bytes)
        bytes.append(contentsOf: stateBytes)
        Self.append(UInt64(CRC32C.checksum(bytes)), 4, to: &bytes)
        return bytes
    }

    /// Why a file is not a snapshot.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Checks the checksum, then the header; the state bytes are not decoded here.
    public static func decode(_ bytes: [UInt8]) -> Result<Snapshot, DecodingError> {
        let headerEnd = min(bytes.count, headerSizeBytes)
        let stateEnd = max(headerEnd, bytes.count - trailerSizeBytes)
        return decode(
            header: Array(bytes[..<headerEnd]), stateBytes: Array(bytes[headerEnd..<stateEnd]),
            trailer: Array(bytes[stateEnd...]))
    }

    /// ``decode(_:)`` of a file read in three parts (``SnapshotStore`` reads the state into its own buffer, so it
    /// is never copied): `header` is the first 48 bytes, `trailer` the last 4, `stateBytes` everything between.
    static func decode(header: [UInt8], stateBytes: [UInt8], trailer: [UInt8]) -> Result<Snapshot, DecodingError> {
        func failure(_ message: String) -> Result<Snapshot, DecodingError> { .failure(DecodingError(message: message)) }
        let fileSizeBytes = header.count + stateBytes.count + trailer.count
        guard header.count == headerSizeBytes, trailer.count == trailerSizeBytes else {
            return failure("file of \(fileSizeBytes) bytes is shorter than a snapshot header")
        }
        let stored = UInt32(truncatingIfNeeded: read(trailer, at: 0, 4))
        let computed = stateBytes.withUnsafeBytes { state in
            header.withUnsafeBytes { CRC32C.update(CRC32C.update(0, $0), state) }
        }
        guard stored == computed else {
            return failure("checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        guard read(header, at: 0, 4) == UInt64(magic) else { return failure("bad magic") }
        let version = UInt16(truncatingIfNeeded: read(header, at: 4, 2))
        guard version == formatVersion else { return failure("unknown snapshot version \(version)") }
        guard read(header, at: 6, 2) == 0 else { return failure("reserved flags are not zero") }
        let seq = Int64(bitPattern: read(header, at: 8, 8))
        guard seq >= 1 else { return failure("bad seq \(seq)") }
        let configBits = read(header, at: 32, 4)
        guard configBits & ~1 == 0, read(header, at: 36, 4) == 0 else { return failure("reserved bits are not zero") }
        let stateSizeBytes = read(header, at: 40, 8)
        guard stateSizeBytes == UInt64(stateBytes.count) else {
            return failure("state size \(stateSizeBytes) does not match the file size \(fileSizeBytes)")
        }
        return .success(
            Snapshot(
                seq: seq, chain: read(header, at: 16, 8), lastTimeMs: Int64(bitPattern: read(header, at: 24, 8)),
                billing: BillingConfiguration(creditEnforcementEnabled: configBits & 1 != 0), stateBytes: stateBytes))
    }

    /// The state, decoded strictly and checked against the header (record count, last record time, config).
    public func state() -> Result<State, DecodingError> {
        switch State.decodeSnapshot(stateBytes) {
        case .failure(let error):
            return .failure(DecodingError(message: "\(error)"))
        case .success(let state):
            guard state.recordCount == seq, state.lastRecordTime?.millisecondsSinceEpoch == lastTimeMs,
                state.configuration == billing
            else { return .failure(DecodingError(message: "state does not match the snapshot header")) }
            return .success(state)
        }
    }

    private static func append(_ value: UInt64, _ sizeBytes: Int, to bytes: inout [UInt8]) {
        for index in 0..<sizeBytes { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index))) }
    }

    private static func read(_ bytes: [UInt8], at offset: Int, _ sizeBytes: Int) -> UInt64 {
        precondition(offset >= 0 && offset + sizeBytes <= bytes.count)
        var value: UInt64 = 0
        for index in 0..<sizeBytes { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        return value
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
