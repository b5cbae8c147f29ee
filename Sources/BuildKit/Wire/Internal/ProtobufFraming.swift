// Protobuf framing written and read by hand, for the few messages built or read in place around
// bytes that are not copied: a DATA packet's header in front of file bytes in C-core's memory,
// a tunnel chunk's `BytesMessage` header, a `BytesMessage` read without decoding it.
//
// The pieces: a varint holds 7 bits a byte, least significant group first, with the high bit set
// on every byte but the last; a field's key is the varint `number << 3 | wire type`, and a
// length-delimited field (wire type 2) is its key, its length as a varint, then the bytes.

/// The protobuf framing pieces used where messages are built or read in place.
enum ProtobufFraming {
  /// Appends `value` as a varint.
  static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  /// The key and length of length-delimited field `field` holding `length` bytes.
  static func lengthDelimitedHeader(field: UInt64, length: Int) -> [UInt8] {
    var header: [UInt8] = []
    Self.appendVarint(field << 3 | 2, to: &header)
    Self.appendVarint(UInt64(length), to: &header)
    return header
  }

  /// Reads the varint that starts at `index`.
  /// - Returns: Its value and the index after it, or nil when it does not end within the bytes
  ///   or within the ten bytes a 64-bit varint may take.
  static func readVarint(in bytes: [UInt8], at index: Int) -> (value: UInt64, next: Int)? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    var position = index
    while position < bytes.count, position < index + 10 {
      let byte = bytes[position]
      position += 1
      value |= UInt64(byte & 0x7F) << shift
      shift += 7
      if byte & 0x80 == 0 { return (value, position) }
    }
    return nil
  }

  /// Writes `header` into `buffer` so that it ends right before `end`, where the bytes it
  /// frames begin.
  /// - Returns: Where the header starts, and so the message.
  static func place(
    _ header: [UInt8], before end: Int, in buffer: UnsafeMutableRawBufferPointer
  ) -> Int {
    let start = end - header.count
    UnsafeMutableRawBufferPointer(rebasing: buffer[start..<end]).copyBytes(from: header)
    return start
  }
}
