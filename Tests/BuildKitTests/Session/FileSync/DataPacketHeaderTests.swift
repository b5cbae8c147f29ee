import Testing

@testable import BuildKit

@Suite("The DATA packet header written in place")
struct DataPacketHeaderTests {
  @Test(
    "header and bytes decode as the DATA packet they stand for",
    arguments: [
      (UInt32(0), 0), (1, 5), (127, 128), (128, 300), (70_000, 1 << 20),
    ])
  func decodes(id: UInt32, length: Int) throws {
    let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let header = FileSyncSender.dataPacketHeader(id: id, length: length)
    #expect(header.count <= FileSyncSender.dataHeaderRoom)
    let packet = try FSUtil.Packet(decoding: header + data)
    #expect(packet.type == .data)
    #expect(packet.id == id)
    #expect(packet.data == data)
    #expect(packet.stat == nil)
  }

  @Test("matches what the protobuf encoder writes")
  func matchesTheEncoder() throws {
    let data: [UInt8] = Array("hello".utf8)
    let encoded = FSUtil.Packet(type: .data, id: 9, data: data).encoded()
    #expect(FileSyncSender.dataPacketHeader(id: 9, length: data.count) + data == encoded)
  }
}
