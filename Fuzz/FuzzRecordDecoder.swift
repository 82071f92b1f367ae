// libFuzzer target: `LedgerRecord.decode` (the billing record decoder) on arbitrary bytes: the first byte is the
// type tag, the rest the body. Must never crash, hang or allocate without bound; a body it decodes must encode back
// to the same bytes (the format has one encoding per record). Built by tools/fuzz.
import TollgateBilling

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let typeTag = data[0]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if case .success(let record) = LedgerRecord.decode(typeTag: typeTag, body: body) {
        var encoded: [UInt8] = []
        record.encodeBody(into: &encoded)
        precondition(record.typeTag == typeTag, "decoded record has another type tag")
        precondition(encoded == body, "a decoded body does not encode back to the same bytes")
    }
    return 0
}
