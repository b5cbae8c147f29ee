// Reading ustar, PAX and GNU archives from chunks of any size.
import Testing

@testable import BuildContext

@Suite("TarReader")
struct TarReaderTests {
  /// Feeds `archive` in chunks of `size` bytes and collects the entries; with `slices`, each
  /// chunk is a slice of the archive itself rather than an array of its own.
  static func read(_ archive: [UInt8], chunk size: Int, slices: Bool = false) throws -> [(
    header: TarHeader, content: [UInt8]
  )] {
    var reader = TarReader()
    var entries: [(header: TarHeader, content: [UInt8])] = []
    var ended = 0
    var offset = 0
    while offset < archive.count {
      let slice = archive[offset..<min(offset + size, archive.count)]
      let handle: (TarReader.Event) -> Void = { event in
        switch event {
        case .header(let header): entries.append((header, []))
        case .content(let bytes): entries[entries.count - 1].content += bytes
        case .entryEnd: ended += 1
        case .archiveEnd: break
        }
      }
      if slices {
        try reader.consume(slice, handle)
      } else {
        try reader.consume(Array(slice), handle)
      }
      offset += size
    }
    try reader.finish()
    #expect(ended == entries.count)
    #expect(reader.isAtEnd)
    return entries
  }

  static func sampleArchive() throws -> [UInt8] {
    var archive: [UInt8] = []
    var writer = TarWriter { archive += $0 }
    try writer.writeEntry(
      TarHeader(
        path: "dir/",
        kind: .directory,
        mode: 0o755,
        modificationTime: 1_000_000_000_000_000_000
      )
    )
    try writer.writeEntry(
      TarHeader(path: "dir/file.txt", mode: 0o640, modificationTime: 1_700_000_000_123_456_789),
      content: Array(repeating: 7, count: 1500)
    )
    try writer.writeEntry(TarHeader(path: "dir/empty", mode: 0o600))
    try writer.writeEntry(
      TarHeader(path: "link", kind: .symlink, mode: 0o777, linkName: "dir/file.txt")
    )
    try writer.writeEntry(TarHeader(path: "hard", kind: .hardlink, linkName: "dir/file.txt"))
    try writer.writeEntry(
      TarHeader(path: String(repeating: "long/", count: 40) + "name", mode: 0o644),
      content: Array("x".utf8)
    )
    try writer.finish()
    return archive
  }

  @Test(
    "reads the same entries whatever the chunk size",
    arguments: [1, 7, 511, 512, 513, 4096, 1 << 20]
  )
  func chunking(_ size: Int) throws {
    let archive = try Self.sampleArchive()
    let whole = try TarReader.entries(of: archive)
    let chunked = try Self.read(archive, chunk: size)
    #expect(chunked.map(\.header) == whole.map(\.header))
    #expect(chunked.map(\.content) == whole.map(\.content))
    #expect(
      whole.map(\.header.path) == [
        "dir/", "dir/file.txt", "dir/empty", "link", "hard",
        String(repeating: "long/", count: 40) + "name",
      ]
    )
    #expect(whole[1].content == Array(repeating: 7, count: 1500))
    #expect(whole[1].header.modificationTime == 1_700_000_000_123_456_789)
    #expect(whole[3].header.kind == .symlink && whole[3].header.linkName == "dir/file.txt")
    #expect(whole[4].header.kind == .hardlink && whole[4].content.isEmpty)
  }

  @Test("reads slices of a larger buffer as it reads arrays", arguments: [1, 511, 513, 4096])
  func slices(_ size: Int) throws {
    let archive = try Self.sampleArchive()
    let fromArrays = try Self.read(archive, chunk: size)
    let fromSlices = try Self.read(archive, chunk: size, slices: true)
    #expect(fromSlices.map(\.header) == fromArrays.map(\.header))
    #expect(fromSlices.map(\.content) == fromArrays.map(\.content))
    #expect(fromSlices.count == 6)
  }

  @Test("reads GNU long names and long link names")
  func gnuLongNames() throws {
    let longName = String(repeating: "directory-", count: 15) + "file"
    let longTarget = String(repeating: "target-", count: 20)
    let archive =
      RawTar.gnuLong("L", longName)
      + RawTar.header(name: String(longName.prefix(100)), size: 3, magic: .gnu)
      + RawTar.content(Array("abc".utf8))
      + RawTar.gnuLong("K", longTarget) + RawTar.gnuLong("L", longName + ".link")
      + RawTar.header(
        name: "truncated",
        typeFlag: "2",
        linkName: String(longTarget.prefix(100)),
        magic: .gnu
      )
      + RawTar.end
    let entries = try Self.read(archive, chunk: 100)
    #expect(entries.map(\.header.path) == [longName, longName + ".link"])
    #expect(entries[0].content == Array("abc".utf8))
    #expect(entries[1].header.linkName == longTarget)
  }

  @Test("reads base-256 sizes, global PAX records, and V7 directories")
  func formatVariants() throws {
    let base256: [UInt8] = [0x80] + [UInt8](repeating: 0, count: 10) + [5]
    let global = Array(TarFormat.paxRecord(key: "uname", value: "builder"))
    let archive =
      RawTar.header(name: "pax_global_header", typeFlag: "g", size: global.count)
      + RawTar.content(global)
      + RawTar.header(name: "big", magic: .gnu, sizeField: base256)
      + RawTar.content(Array("12345".utf8))
      + RawTar.header(name: "old/", magic: .v7)
      + RawTar.end
    let entries = try TarReader.entries(of: archive)
    #expect(entries.map(\.header.path) == ["big", "old/"])
    #expect(entries[0].content == Array("12345".utf8))
    #expect(entries[0].header.userName == "builder")
    #expect(entries[1].header.kind == .directory)
    #expect(entries[1].header.userName == "builder")
  }

  @Test("accepts a stream that stops at an entry boundary and refuses one cut inside an entry")
  func truncation() throws {
    let archive = try Self.sampleArchive()
    let firstTwo = 512 + 512 + 512 * 2 + 512 * 3  // dir, PAX header + data, file header, content
    #expect(try TarReader.entries(of: Array(archive[..<firstTwo])).count == 2)
    #expect(throws: ContextError.self) {
      _ = try TarReader.entries(of: Array(archive[..<(firstTwo - 100)]))
    }
  }

  @Test("refuses bad checksums and sparse files, naming the problem")
  func malformed() throws {
    var corrupt = RawTar.header(name: "file", size: 0) + RawTar.end
    corrupt[0] = UInt8(ascii: "g")
    #expect {
      _ = try TarReader.entries(of: corrupt)
    } throws: { error in
      (error as? ContextError)?.code == .malformedArchive
    }
    let sparse = RawTar.header(name: "sparse", typeFlag: "S", magic: .gnu) + RawTar.end
    #expect {
      _ = try TarReader.entries(of: sparse)
    } throws: { error in
      (error as? ContextError)?.code == .unsupported
    }
  }

  @Test("parses and formats PAX times, including negative ones")
  func paxTimes() {
    for (text, nanoseconds) in [
      ("1700000000.123456789", Int64(1_700_000_000_123_456_789)), ("-1.5", -1_500_000_000),
      ("42", 42_000_000_000), ("0.000000001", 1),
    ] {
      #expect(TarFormat.parsePAXTime(text) == nanoseconds)
      #expect(TarFormat.paxTime(nanoseconds) == text)
    }
    #expect(TarFormat.parsePAXTime("1.1234567891") == 1_123_456_789)
    #expect(TarFormat.parsePAXTime("x") == nil)
  }
}

/// Hand-built tar blocks, so the reader is tested against bytes it did not write itself.
enum RawTar {
  enum Magic {
    case ustar, gnu, v7
  }

  /// One 512-byte header block with a correct checksum.
  static func header(
    name: String,
    typeFlag: Character = "0",
    size: Int = 0,
    mode: Int = 0o644,
    modificationTime: Int = 1_700_000_000,
    linkName: String = "",
    magic: Magic = .ustar,
    sizeField: [UInt8]? = nil
  ) -> [UInt8] {
    var block = [UInt8](repeating: 0, count: 512)
    func put(_ bytes: [UInt8], at offset: Int) {
      for (index, byte) in bytes.enumerated() { block[offset + index] = byte }
    }
    func octal(_ value: Int, width: Int) -> [UInt8] {
      let digits = String(value, radix: 8)
      return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
    }
    put(Array(name.utf8.prefix(100)), at: 0)
    put(octal(mode, width: 8), at: 100)
    put(octal(0, width: 8), at: 108)
    put(octal(0, width: 8), at: 116)
    put(sizeField ?? octal(size, width: 12), at: 124)
    put(octal(modificationTime, width: 12), at: 136)
    block[156] = typeFlag.asciiValue!
    put(Array(linkName.utf8.prefix(100)), at: 157)
    switch magic {
    case .ustar: put(Array("ustar\u{0}00".utf8), at: 257)
    case .gnu: put(Array("ustar  \u{0}".utf8), at: 257)
    case .v7: break
    }
    put(Array("        ".utf8), at: 148)
    let sum = block.reduce(0) { $0 + Int($1) }
    put(
      Array(
        (String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8))
          .utf8
      ) + [0, 0x20],
      at: 148
    )
    return block
  }

  /// Content padded to whole blocks.
  static func content(_ bytes: [UInt8]) -> [UInt8] {
    bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
  }

  static let end = [UInt8](repeating: 0, count: 1024)

  /// A GNU long-name (`L`) or long-link (`K`) entry carrying `text`.
  static func gnuLong(_ typeFlag: Character, _ text: String) -> [UInt8] {
    let data = Array(text.utf8) + [0]
    return self.header(name: "././@LongLink", typeFlag: typeFlag, size: data.count, magic: .gnu)
      + self.content(data)
  }
}
