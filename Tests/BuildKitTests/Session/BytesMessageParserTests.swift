import Testing

@testable import BuildKit

@Suite("BytesMessageParser")
struct BytesMessageParserTests {
  /// The data the parser hands on when `message` arrives cut into pieces of `pieceSize` bytes.
  func parse(_ message: [UInt8], pieceSize: Int) -> [UInt8] {
    var parser = BytesMessageParser()
    var output: [UInt8] = []
    var offset = 0
    while offset < message.count {
      let end = min(offset + pieceSize, message.count)
      message[offset..<end].withUnsafeBytes { piece in
        parser.feed(piece) { output.append(contentsOf: $0) }
      }
      offset = end
    }
    return output
  }

  @Test("hands on the data field of an encoded BytesMessage, however it is cut into pieces")
  func dataField() throws {
    let data = (0..<300).map { UInt8($0 % 256) }
    let encoded = Control.BytesMessage(data: data).encoded()
    // 300 bytes: tag 0x0A, then the length 300 as a two-byte varint.
    #expect(Array(encoded.prefix(3)) == [0x0A, 0xAC, 0x02])
    for size in [1, 2, 3, 7, 64, 1000] {
      #expect(self.parse(encoded, pieceSize: size) == data, "pieces of \(size) bytes")
    }
  }

  @Test("skips fields other than data, of every wire type")
  func otherFields() {
    let message: [UInt8] =
      [0x10, 0x96, 0x01]  // field 2, varint 150
      + [0x1A, 0x02, 0xFF, 0xFF]  // field 3, two bytes
      + [0x0A, 0x03, 0x61, 0x62, 0x63]  // field 1: "abc"
      + [0x21] + [UInt8](repeating: 1, count: 8)  // field 4, fixed 64-bit
      + [0x2D] + [UInt8](repeating: 2, count: 4)  // field 5, fixed 32-bit
    for size in [1, 4, 100] {
      #expect(self.parse(message, pieceSize: size) == Array("abc".utf8))
    }
  }

  @Test("an empty message and an empty data field hand on nothing")
  func empty() {
    #expect(self.parse([], pieceSize: 1).isEmpty)
    #expect(self.parse([0x0A, 0x00], pieceSize: 1).isEmpty)
  }
}
