/// Field layout and value encodings of the ustar header block and of PAX records.
///
/// A header block is 512 bytes: `name` (100), `mode` (8), `uid` (8), `gid` (8), `size` (12),
/// `mtime` (12), `chksum` (8), `typeflag` (1), `linkname` (100), `magic` (6), `version` (2),
/// `uname` (32), `gname` (32), `devmajor` (8), `devminor` (8), `prefix` (155). Numbers are octal
/// text padded with zeros and ended by NUL; GNU tar writes numbers too large for octal in base-256
/// (first byte has its high bit set). The checksum is the sum of all header bytes with the
/// checksum field counted as spaces. POSIX ustar marks itself with `ustar\0` + `00` and may split
/// long names into `prefix/name`; GNU marks itself with `ustar ` + ` \0` and uses the prefix
/// area for other data.
///
/// A PAX extended header's content is a list of records `"<length> <key>=<value>\n"`, where
/// `<length>` counts the whole record including its own digits.
enum TarFormat {
  static let blockSize = 512

  enum Field {
    static let name = 0..<100
    static let mode = 100..<108
    static let uid = 108..<116
    static let gid = 116..<124
    static let size = 124..<136
    static let modificationTime = 136..<148
    static let checksum = 148..<156
    static let typeFlag = 156
    static let linkName = 157..<257
    static let magic = 257..<263
    static let version = 263..<265
    static let userName = 265..<297
    static let groupName = 297..<329
    static let deviceMajor = 329..<337
    static let deviceMinor = 337..<345
    static let prefix = 345..<500
  }

  static let ustarMagic: [UInt8] = Array("ustar\0".utf8)
  static let ustarVersion: [UInt8] = Array("00".utf8)
  static let gnuMagic: [UInt8] = Array("ustar ".utf8)

  /// Bytes needed to pad `size` to a whole block.
  static func padding(for size: Int64) -> Int {
    let remainder = Int(size % Int64(self.blockSize))
    return remainder == 0 ? 0 : self.blockSize - remainder
  }

  /// The largest value an octal field of `width` bytes can hold (width - 1 digits).
  static func octalLimit(width: Int) -> Int64 {
    (Int64(1) << (3 * Int64(width - 1))) - 1
  }

  /// Writes `value` as zero-padded octal followed by NUL.
  static func writeOctal(_ value: Int64, into block: inout [UInt8], field: Range<Int>) {
    let digits = Array(String(value, radix: 8).utf8)
    let width = field.count - 1
    let padded = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - digits.count)) + digits
    block.replaceSubrange(field.lowerBound..<(field.lowerBound + width), with: padded.suffix(width))
    block[field.upperBound - 1] = 0
  }

  /// Writes text bytes, truncated to the field and NUL-padded.
  static func writeText(_ text: [UInt8], into block: inout [UInt8], field: Range<Int>) {
    let count = min(text.count, field.count)
    block.replaceSubrange(field.lowerBound..<(field.lowerBound + count), with: text.prefix(count))
  }

  /// Reads a NUL-terminated text field.
  static func readText(_ block: ArraySlice<UInt8>, field: Range<Int>) -> [UInt8] {
    let bytes = block[(block.startIndex + field.lowerBound)..<(block.startIndex + field.upperBound)]
    return Array(bytes.prefix { $0 != 0 })
  }

  /// Reads an octal or base-256 number; nil when the field holds something else.
  static func readNumber(_ block: ArraySlice<UInt8>, field: Range<Int>) -> Int64? {
    let bytes = block[(block.startIndex + field.lowerBound)..<(block.startIndex + field.upperBound)]
    if let first = bytes.first, first & 0x80 != 0 {
      return self.readBase256(bytes)
    }
    let trimmed = bytes.drop { $0 == 0 || $0 == 0x20 }.reversed().drop { $0 == 0 || $0 == 0x20 }
    var value: Int64 = 0
    for byte in trimmed.reversed() {
      guard (0x30...0x37).contains(byte), value <= (Int64.max >> 3) else { return nil }
      value = value << 3 | Int64(byte - 0x30)
    }
    return value
  }

  private static func readBase256(_ bytes: ArraySlice<UInt8>) -> Int64? {
    let negative = bytes.first! & 0x40 != 0
    var value: Int64 = 0
    for (offset, raw) in bytes.enumerated() {
      var byte = negative ? ~raw : raw
      if offset == 0 { byte &= 0x7F }
      guard value <= (Int64.max >> 8) else { return nil }
      value = value << 8 | Int64(byte)
    }
    return negative ? ~value : value
  }

  /// The header checksum: all bytes summed, with the checksum field counted as spaces.
  static func checksum(_ block: ArraySlice<UInt8>) -> Int64 {
    block.withUnsafeBufferPointer { bytes in
      // A plain loop over the whole block, which the compiler vectorizes; the field's own
      // bytes are taken out again afterwards.
      var sum: UInt64 = 0
      for byte in bytes { sum &+= UInt64(byte) }
      for offset in Field.checksum where offset < bytes.count { sum &-= UInt64(bytes[offset]) }
      return Int64(sum) + Self.checksumFieldAsSpaces(bytes.count)
    }
  }

  /// The signed-byte checksum some old tar programs wrote.
  static func signedChecksum(_ block: ArraySlice<UInt8>) -> Int64 {
    block.withUnsafeBufferPointer { bytes in
      var sum: Int64 = 0
      for byte in bytes { sum &+= Int64(Int8(bitPattern: byte)) }
      for offset in Field.checksum where offset < bytes.count {
        sum &-= Int64(Int8(bitPattern: bytes[offset]))
      }
      return sum + Self.checksumFieldAsSpaces(bytes.count)
    }
  }

  /// What the checksum field adds when counted as spaces, in a block of `count` bytes.
  private static func checksumFieldAsSpaces(_ count: Int) -> Int64 {
    Int64(Field.checksum.clamped(to: 0..<count).count) * 0x20
  }
}

extension TarFormat {
  /// Encodes one PAX record, `"<length> <key>=<value>\n"`.
  static func paxRecord(key: String, value: String) -> [UInt8] {
    let body = " \(key)=\(value)\n".utf8.count
    var length = body + 1
    while String(length).utf8.count + body != length {
      length = String(length).utf8.count + body
    }
    return Array("\(length) \(key)=\(value)\n".utf8)
  }

  /// Decodes PAX records; nil when the data is malformed.
  static func paxRecords(_ data: [UInt8]) -> [(key: String, value: String)]? {
    var records: [(key: String, value: String)] = []
    var cursor = 0
    while cursor < data.count {
      guard let space = data[cursor...].firstIndex(of: 0x20),
        let length = Int(String(decoding: data[cursor..<space], as: UTF8.self)),
        length > space - cursor + 1, cursor + length <= data.count,
        data[cursor + length - 1] == 0x0A
      else { return nil }

      let record = data[(space + 1)..<(cursor + length - 1)]
      guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { return nil }
      let key = String(decoding: record[..<equals], as: UTF8.self)
      let value = String(decoding: record[(equals + 1)...], as: UTF8.self)
      records.append((key, value))
      cursor += length
    }
    return records
  }

  /// Formats nanoseconds since the epoch as PAX time text (`[-]seconds[.fraction]`).
  static func paxTime(_ nanoseconds: Int64) -> String {
    let magnitude = nanoseconds.magnitude
    let seconds = magnitude / 1_000_000_000
    let fraction = magnitude % 1_000_000_000
    let sign = nanoseconds < 0 ? "-" : ""
    guard fraction != 0 else { return sign + String(seconds) }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 9 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(sign)\(seconds).\(digits)"
  }

  /// Parses PAX time text into nanoseconds since the epoch; nil when malformed.
  static func parsePAXTime(_ text: String) -> Int64? {
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let secondsText = parts.first, let seconds = Int64(secondsText) else { return nil }
    let negative = secondsText.hasPrefix("-")
    guard parts.count == 2 else { return seconds * 1_000_000_000 }
    let fractionText = parts[1]
    guard fractionText.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
    let nine =
      String(fractionText.prefix(9)) + String(repeating: "0", count: max(0, 9 - fractionText.count))
    guard let fraction = Int64(nine) else { return nil }
    return seconds * 1_000_000_000 + (negative ? -fraction : fraction)
  }
}

extension Character {
  fileprivate var isASCIIDigitCharacter: Bool {
    self.isASCII && self.isNumber
  }
}
