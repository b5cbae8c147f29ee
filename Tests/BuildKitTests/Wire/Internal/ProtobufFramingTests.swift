import Testing

@testable import BuildKit

@Suite("ProtobufFraming")
struct ProtobufFramingTests {
  @Test("varints round-trip, and ones that do not end are refused")
  func varints() {
    for value: UInt64 in [0, 1, 127, 128, 300, 1 << 20, UInt64.max] {
      var bytes: [UInt8] = [0xFF]
      ProtobufFraming.appendVarint(value, to: &bytes)
      let read = ProtobufFraming.readVarint(in: bytes, at: 1)
      #expect(read?.value == value && read?.next == bytes.count, "\(value)")
    }
    #expect(ProtobufFraming.readVarint(in: [0x96, 0x01], at: 0)?.value == 150)
    #expect(ProtobufFraming.readVarint(in: [0x80, 0x80], at: 0) == nil)
    #expect(ProtobufFraming.readVarint(in: [UInt8](repeating: 0x80, count: 11), at: 0) == nil)
  }

  @Test("a length-delimited header is the key with wire type 2, then the length")
  func lengthDelimited() {
    #expect(ProtobufFraming.lengthDelimitedHeader(field: 1, length: 2) == [0x0A, 0x02])
    #expect(ProtobufFraming.lengthDelimitedHeader(field: 4, length: 300) == [0x22, 0xAC, 0x02])
  }

  @Test("a header is placed to end right where the bytes it frames begin")
  func place() {
    var storage = [UInt8](repeating: 0, count: 8)
    let start = storage.withUnsafeMutableBytes { buffer in
      ProtobufFraming.place([0x0A, 0x03], before: 4, in: buffer)
    }
    #expect(start == 2)
    #expect(storage == [0, 0, 0x0A, 0x03, 0, 0, 0, 0])
  }
}
