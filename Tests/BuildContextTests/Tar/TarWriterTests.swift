// The blocks the writer produces, and when it adds PAX extended headers.
import Testing

@testable import BuildContext

@Suite("TarWriter")
struct TarWriterTests {
  static func archive(_ build: (inout TarWriter) throws -> Void) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var writer = TarWriter { bytes += $0 }
    try build(&writer)
    try writer.finish()
    return bytes
  }

  @Test("writes a ustar header, padded content and two zero blocks")
  func layout() throws {
    let bytes = try Self.archive {
      try $0.writeEntry(
        TarHeader(path: "hello.txt", mode: 0o644, modificationTime: 1_700_000_000_000_000_000),
        content: Array("hi\n".utf8)
      )
    }
    #expect(bytes.count == 512 * 4)
    #expect(Array(bytes[0..<9]) == Array("hello.txt".utf8))
    #expect(Array(bytes[100..<108]) == Array("0000644\0".utf8))
    #expect(Array(bytes[124..<136]) == Array("00000000003\0".utf8))
    #expect(bytes[156] == UInt8(ascii: "0"))
    #expect(Array(bytes[257..<265]) == Array("ustar\u{0}00".utf8))
    #expect(
      TarFormat.readNumber(bytes[0..<512], field: TarFormat.Field.checksum)
        == TarFormat.checksum(bytes[0..<512])
    )
    #expect(Array(bytes[512..<515]) == Array("hi\n".utf8))
    #expect(bytes[(512 * 2)...].allSatisfy { $0 == 0 })
  }

  @Test("adds PAX records only for values ustar cannot hold")
  func paxRecords() {
    let plain = TarHeader(path: "short", modificationTime: 5_000_000_000)
    #expect(TarWriter.extendedRecords(for: plain).isEmpty)

    let long = TarHeader(
      path: String(repeating: "p", count: 101),
      kind: .symlink,
      uid: 3_000_000,
      size: 9 << 30,
      modificationTime: 1_700_000_000_000_000_500,
      linkName: String(repeating: "t", count: 101),
      extendedRecords: ["SCHILY.xattr.user.test": "v"]
    )
    let records = Dictionary(
      uniqueKeysWithValues: TarWriter.extendedRecords(for: long).map { ($0.key, $0.value) }
    )
    #expect(records["path"] == String(repeating: "p", count: 101))
    #expect(records["linkpath"] == String(repeating: "t", count: 101))
    #expect(records["size"] == String(9 << 30))
    #expect(records["uid"] == "3000000")
    #expect(records["mtime"] == "1700000000.0000005")
    #expect(records["SCHILY.xattr.user.test"] == "v")
    #expect(TarFormat.readNumber(TarWriter.block(for: long)[...], field: TarFormat.Field.uid) == 0)
  }

  @Test("encodes PAX record lengths that count their own digits")
  func recordLength() {
    #expect(TarFormat.paxRecord(key: "path", value: "abc") == Array("12 path=abc\n".utf8))
    // 98 bytes without the length field, so the length itself needs three digits.
    let value = String(repeating: "x", count: 91)
    let record = String(decoding: TarFormat.paxRecord(key: "path", value: value), as: UTF8.self)
    #expect(record == "101 path=\(value)\n")
    #expect(record.utf8.count == 101)
  }

  @Test("round-trips long names and nanosecond times through the reader")
  func roundTrip() throws {
    let name = String(repeating: "nested/", count: 30) + "file-ü.txt"
    let bytes = try Self.archive { writer in
      try writer.writeEntry(
        TarHeader(path: name, modificationTime: 1_234_567_890_987_654_321),
        content: [1, 2, 3]
      )
    }
    let entries = try TarReader.entries(of: bytes)
    #expect(entries.count == 1)
    #expect(entries[0].header.path == name)
    #expect(entries[0].header.modificationTime == 1_234_567_890_987_654_321)
    #expect(entries[0].content == [1, 2, 3])
  }

  @Test("refuses content that does not match the header size")
  func sizeMismatch() throws {
    var sink: [UInt8] = []
    var writer = TarWriter { sink += $0 }
    try writer.writeHeader(TarHeader(path: "f", size: 2))
    #expect(throws: ContextError.self) { try writer.writeContent([1, 2, 3]) }
    try writer.writeContent([1])
    #expect(throws: ContextError.self) { try writer.finish() }
  }

  @Test("streams to the sink in bounded chunks")
  func streaming() throws {
    var chunks: [Int] = []
    var writer = TarWriter { chunks.append($0.count) }
    for index in 0..<300 {
      try writer.writeEntry(TarHeader(path: "f\(index)"), content: Array(repeating: 1, count: 700))
    }
    try writer.writeHeader(TarHeader(path: "big", size: 200_000))
    try writer.writeContent([UInt8](repeating: 2, count: 200_000))
    try writer.finish()
    #expect(chunks.count > 3)
    #expect(chunks.dropLast().allSatisfy { $0 <= 200_000 })
    #expect(chunks.reduce(0, +) % 512 == 0)
  }

  @Test("maps walked entries to tar headers")
  func headersFromEntries() {
    let directory = TarHeader(entry: ContextEntry(path: "d", mode: FileMode.directory | 0o755))
    #expect(directory.kind == .directory && directory.path == "d/" && directory.mode == 0o755)

    let file = TarHeader(entry: ContextEntry(path: "f", mode: FileMode.setuid | 0o755, size: 9))
    #expect(file.kind == .regularFile && file.mode == 0o4755 && file.size == 9)

    let link = TarHeader(
      entry: ContextEntry(path: "l", mode: FileMode.symlink | 0o777, size: 3, linkName: "abc")
    )
    #expect(link.kind == .symlink && link.linkName == "abc" && link.size == 0)

    let hard = TarHeader(entry: ContextEntry(path: "h", mode: 0o644, linkName: "f"))
    #expect(hard.kind == .hardlink && hard.linkName == "f")

    let device = TarHeader(
      entry: ContextEntry(
        path: "null",
        mode: FileMode.device | FileMode.characterDevice | 0o666,
        deviceMajor: 1,
        deviceMinor: 3
      )
    )
    #expect(device.kind == .characterDevice && device.deviceMajor == 1 && device.deviceMinor == 3)
    #expect(
      TarHeader(entry: ContextEntry(path: "p", mode: FileMode.namedPipe | 0o600)).kind == .fifo
    )
  }
}
