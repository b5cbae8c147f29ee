import BuildKit
import Testing

@Suite("fsutil packets and stats")
struct FSUtilMessagesTests {
  @Test(
    "packets encode to the bytes fsutil exchanges",
    arguments: [
      (FSUtil.Packet(type: .req, id: 5), "08 01 18 05"),
      (FSUtil.Packet(type: .req, id: 0), "08 01"),
      (FSUtil.Packet(type: .fin), "08 03"),
      (FSUtil.Packet(type: .stat), ""),
      (FSUtil.Packet(type: .data, id: 7), "08 02 18 07"),
      (FSUtil.Packet(type: .err, data: Array("boom".utf8)), "08 04 22 04 62 6F 6F 6D"),
      (
        FSUtil.Packet(
          type: .stat,
          stat: FSUtil.Stat(path: "a", mode: 0x1A4, size: 3, modTime: 1_700_000_000_123_456_789)
        ),
        "12 12 0A 01 61 10 A4 03 28 03 30 95 9A 97 EC E3 9F E7 CB 17"
      ),
    ]
  )
  func packetBytes(packet: FSUtil.Packet, hex: String) throws {
    #expect(packet.encoded() == bytes(hex))
    #expect(try FSUtil.Packet(decoding: bytes(hex)) == packet)
  }

  @Test("a directory's Go file mode 0x800001ED encodes as a five-byte varint")
  func directoryMode() throws {
    let stat = FSUtil.Stat(path: "src", mode: 0x8000_01ED)

    #expect(stat.encoded() == bytes("0A 03 73 72 63 10 ED 83 80 80 08"))
    #expect(try FSUtil.Stat(decoding: stat.encoded()).mode == 0x8000_01ED)
  }

  @Test("a stat with every field set, extended attributes included, round-trips")
  func statRoundTrip() throws {
    let stat = FSUtil.Stat(
      path: "dir/файл.txt",
      mode: 0x0800_01FF,
      uid: 1000,
      gid: 1001,
      size: 11,
      modTime: -1,
      linkname: "../target",
      devmajor: 8,
      devminor: 1,
      xattrs: ["user.empty": [], "user.mime": Array("text/plain".utf8), "security.x": [0, 255]]
    )

    #expect(try roundTripped(stat) == stat)
  }

  @Test(
    "a DATA packet carrying a megabyte round-trips through both decoders",
    arguments: [0, 1, 65_536, 1 << 20]
  )
  func largeData(count: Int) throws {
    let packet = FSUtil.Packet(type: .data, id: 42, data: patternBytes(count: count))
    let encoded = packet.encoded()

    #expect(try FSUtil.Packet(decoding: encoded) == packet)
    #expect(try encoded.withUnsafeBytes { try FSUtil.Packet(decoding: $0) } == packet)
  }

  @Test("an unknown packet type survives a decode and re-encode")
  func unknownPacketType() throws {
    let decoded = try FSUtil.Packet(decoding: bytes("08 09 18 01"))

    #expect(decoded.type == FSUtil.PacketType(rawValue: 9))
    #expect(decoded.encoded() == bytes("08 09 18 01"))
  }
}
