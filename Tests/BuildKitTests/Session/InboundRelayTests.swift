import Foundation
import Testing

@testable import BuildKit

@Suite("The session tunnel's inbound relay")
struct InboundRelayTests {
  /// A connected socket pair whose first end has a small send buffer, so it fills at once.
  func smallSocketPair() -> (write: Int32, read: Int32) {
    var descriptors: [Int32] = [0, 0]
    #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
    var size: Int32 = 4096
    setsockopt(
      descriptors[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    return (descriptors[0], descriptors[1])
  }

  /// `data` framed as a `BytesMessage`.
  func message(_ data: [UInt8]) -> [UInt8] {
    ProtobufFraming.lengthDelimitedHeader(field: 1, length: data.count) + data
  }

  /// Feeds `message` to the relay in pieces of `pieceSize` bytes.
  func feed(_ relay: InboundRelay, _ message: [UInt8], pieceSize: Int) -> Bool {
    var offset = 0
    var writable = true
    while offset < message.count {
      let end = min(offset + pieceSize, message.count)
      writable = message[offset..<end].withUnsafeBytes { piece in
        relay.feed(piece, first: offset == 0)
      }
      offset = end
    }
    return writable
  }

  @Test("a message larger than the socket takes is written out by its thread, in order")
  func overflowGoesThroughTheWriter() async throws {
    let sockets = self.smallSocketPair()
    defer { close(sockets.write) }
    let relay = InboundRelay(descriptor: sockets.write)
    let first = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let second = Array("after the backlog".utf8)

    // Nothing reads yet: the first message cannot go out at once.
    #expect(self.feed(relay, self.message(first), pieceSize: 64 << 10))
    let reader = Task.detached { () -> [UInt8] in
      var received: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 1 << 16)
      while true {
        let count = read(sockets.read, &buffer, buffer.count)
        if count <= 0 { break }
        received.append(contentsOf: buffer[0..<count])
      }
      close(sockets.read)
      return received
    }
    await withCheckedContinuation { (resumed: CheckedContinuation<Void, Never>) in
      let held = relay.flushLater { resumed.resume() }
      #expect(held, "a full socket should leave a backlog for the writer")
      if !held { resumed.resume() }
    }
    #expect(self.feed(relay, self.message(second), pieceSize: 5))
    await withCheckedContinuation { (resumed: CheckedContinuation<Void, Never>) in
      if !relay.flushLater(then: { resumed.resume() }) { resumed.resume() }
    }
    relay.stop()
    shutdown(sockets.write, Int32(SHUT_WR))
    let received = await reader.value
    #expect(received.count == first.count + second.count)
    #expect(received == first + second)
  }

  @Test("reports a failed write once the other end is gone")
  func failedWriteStopsTheRelay() {
    let sockets = self.smallSocketPair()
    defer { close(sockets.write) }
    close(sockets.read)
    let relay = InboundRelay(descriptor: sockets.write)
    #expect(!self.feed(relay, self.message(Array("lost".utf8)), pieceSize: 3))
    #expect(!relay.flushLater { Issue.record("nothing should be left to write") })
    relay.stop()
  }
}
