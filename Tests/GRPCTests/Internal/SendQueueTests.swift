import Foundation
import GRPC
import Testing

/// Sends are queued and pipelined: a sender goes on before C-core has taken its message. These
/// tests check what that must not change: order, completeness, bounded waiting, and failures.
@Suite("Pipelined sends on one call")
struct SendQueueTests {
  /// Handlers that count and checksum what they receive, or send many messages.
  static let handlers: [String: Server.Handler] = [
    // Answers with "<messages> <bytes> <checksum>" once the client half-closes.
    "/test.Queue/Absorb": { call in
      var messages = 0
      var bytes = 0
      var checksum: UInt64 = 0
      while let message = try await call.receive() {
        messages += 1
        bytes += message.count
        checksum = SendQueueTests.checksum(message, continuing: checksum)
      }
      try await call.send([UInt8](text: "\(messages) \(bytes) \(checksum)"))
    },
    // Sends the numbers 0..<N, each padded to a size that varies with the number.
    "/test.Queue/Emit": { call in
      guard let request = try await call.receive(), let count = Int(request.text) else { return }
      for index in 0..<count {
        try await call.send(SendQueueTests.numbered(index))
      }
    },
    // Reads one message, then ends the call.
    "/test.Queue/Quit": { call in
      _ = try await call.receive()
    },
  ]

  /// A running checksum over messages in order.
  static func checksum(_ message: [UInt8], continuing checksum: UInt64) -> UInt64 {
    message.reduce(checksum) { $0 &* 31 &+ UInt64($1) }
  }

  /// Message `index`: its number, then padding of a length that varies with it.
  static func numbered(_ index: Int) -> [UInt8] {
    [UInt8](text: "\(index):") + [UInt8](repeating: UInt8(index % 251), count: index % 300)
  }

  /// Sends `messages` to the absorbing handler on one client-streaming call.
  /// - Returns: The handler's answer and the answer that means everything arrived in order.
  func absorb(_ messages: some Sequence<[UInt8]> & Sendable) async throws -> (
    answer: String, expected: String
  ) {
    try await Loopback.run(handlers: Self.handlers) { client in
      var count = 0
      var bytes = 0
      var checksum: UInt64 = 0
      let response = try await client.clientStreaming("/test.Queue/Absorb") {
        stream throws(GRPCError) in
        for message in messages {
          count += 1
          bytes += message.count
          checksum = Self.checksum(message, continuing: checksum)
          try await stream.send(message)
        }
      }
      return (response.text, "\(count) \(bytes) \(checksum)")
    }
  }

  @Test("twenty thousand small messages from the client arrive complete and in order")
  func manySmallMessagesFromTheClient() async throws {
    let outcome = try await self.absorb((0..<20_000).lazy.map(Self.numbered))
    #expect(outcome.answer == outcome.expected)
    #expect(outcome.answer.hasPrefix("20000 "))
  }

  @Test("twenty thousand small messages from the server arrive complete and in order")
  func manySmallMessagesFromTheServer() async throws {
    try await Loopback.run(handlers: Self.handlers) { client in
      let mismatches = try await client.serverStreaming(
        "/test.Queue/Emit", request: [UInt8](text: "20000")
      ) { stream throws(GRPCError) in
        var index = 0
        var mismatches = 0
        while let message = try await stream.receive() {
          if message != Self.numbered(index) { mismatches += 1 }
          index += 1
        }
        return (index, mismatches)
      }
      #expect(mismatches.0 == 20_000)
      #expect(mismatches.1 == 0)
    }
  }

  @Test("forty messages of a mebibyte, more than may wait at once, all arrive")
  func largeMessagesBeyondTheQueueLimit() async throws {
    let outcome = try await self.absorb(
      (0..<40).lazy.map { [UInt8](repeating: UInt8($0), count: 1 << 20) })
    #expect(outcome.answer == outcome.expected)
    #expect(outcome.answer.hasPrefix("40 \(40 << 20) "))
  }

  @Test("sending on after the server ended the call fails instead of hanging")
  func sendingAfterTheServerEnded() async throws {
    try await Loopback.run(handlers: Self.handlers) { client in
      let error = await #expect(throws: GRPCError.self) {
        try await client.bidirectionalStreaming("/test.Queue/Quit") {
          stream throws(GRPCError) in
          // The server ends the call after the first message; with 64 KiB messages the
          // queue fills, so some send or the half-close must report the end.
          for _ in 0..<2_000 {
            try await stream.send([UInt8](repeating: 7, count: 64 << 10))
          }
          try await stream.closeSend()
          while try await stream.receive() != nil {}
          try await stream.send([UInt8](text: "after the end"))
        }
      }
      #expect(error != nil)
    }
  }
}
