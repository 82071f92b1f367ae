// libFuzzer target: `State.decodeSnapshot` (the snapshot's state decoder, docs/snapshots.md) on arbitrary bytes.
// Must never crash, hang or allocate without bound. A state it accepts has passed its own checks (invariants,
// canonical encoding); here it must also survive a second round: its encoding decodes again to the same bytes.
// The file header around it (`Snapshot.decode`, TollgateEngine) is a CRC32C over fixed fields, so fuzzing it
// would stop at the checksum; the state bytes are where the variable-length structure is. Built by tools/fuzz.
import TollgateBilling

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshotDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .success(let state) = State.decodeSnapshot(bytes) {
        let encoded = state.snapshotBytes()
        precondition(encoded == bytes, "an accepted snapshot does not encode back to the same bytes")
        guard case .success(let again) = State.decodeSnapshot(encoded) else {
            preconditionFailure("the encoding of an accepted snapshot does not decode")
        }
        precondition(again.snapshotBytes() == encoded, "a second round changed the snapshot")
    }
    return 0
}
