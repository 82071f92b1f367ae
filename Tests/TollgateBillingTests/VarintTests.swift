import Testing

@testable import TollgateBilling

/// The one LEB128 codec of record bodies and state snapshots: minimal encodings round-trip, anything else fails
/// with the same message and offset through both readers.
struct VarintTests {
    static let values: [UInt64] = [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, UInt64(Int64.max), UInt64.max]

    @Test(arguments: values)
    func roundTripsThroughBothReaders(value: UInt64) throws {
        var bodyWriter = BodyWriter(bytes: [])
        bodyWriter.writeVarint(value)
        var snapshotWriter = SnapshotWriter()
        snapshotWriter.varint(value)
        #expect(bodyWriter.bytes == snapshotWriter.bytes)
        #expect(bodyWriter.bytes.count <= Varint.sizeBytesMax)

        let decoded = try bodyWriter.bytes.withUnsafeBufferPointer { buffer throws(RecordDecodingError) in
            var reader = BodyReader(bytes: buffer, typeTag: 1)
            let decoded = try reader.readVarint()
            try reader.expectEnd()
            return decoded
        }
        #expect(decoded == value)
        var snapshotReader = SnapshotReader(bytes: snapshotWriter.bytes)
        #expect(try snapshotReader.varint() == value)
        #expect(snapshotReader.remainingCount == 0)
    }

    static let malformed: [([UInt8], String, Int)] = [
        ([], "truncated", 0),
        ([0x80], "truncated", 1),
        ([0x80, 0x00], "overlong varint", 2),
        ([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], "varint overflows 64 bits", 10),
        ([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01], "varint too long", 10),
    ]

    @Test(arguments: malformed)
    func malformedBytesFailAlikeInBothReaders(bytes: [UInt8], message: String, offset: Int) {
        let bodyError = bytes.withUnsafeBufferPointer { buffer -> RecordDecodingError? in
            var reader = BodyReader(bytes: buffer, typeTag: 3)
            do throws(RecordDecodingError) { _ = try reader.readVarint() } catch { return error }
            return nil
        }
        #expect(bodyError?.message == message)
        #expect(bodyError?.offset == offset)

        var snapshotReader = SnapshotReader(bytes: bytes)
        let snapshotError = #expect(throws: StateSnapshotError.self) { _ = try snapshotReader.varint() }
        #expect(snapshotError?.message == message)
        #expect(snapshotError?.offset == offset)
    }
}
