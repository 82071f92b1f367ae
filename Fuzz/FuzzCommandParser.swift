// libFuzzer target: `CommandParser.parse` on arbitrary bytes (one input line). Must never crash or hang; a line it
// accepts must render back into a line it accepts again. Built by tools/fuzz.
import TollgateBilling

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch CommandParser.parse(bytes) {
    case .success(let command):
        _ = command.at
    case .failure(let invalid):
        _ = invalid.result.rendered
    }
    return 0
}
