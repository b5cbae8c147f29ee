import Foundation
import GRPC
import Testing

@Suite("A server that shares its client's completion-queue thread")
struct SharedThreadTests {
  @Test("serves unary and streaming calls made on the channel whose thread it shares")
  func servesCallsOnTheSharedThread() async throws {
    try await Loopback.run(handlers: TestService.handlers, sharingThread: true) { client in
      let response = try await client.unary("/test.Echo/Unary", request: [UInt8](text: "ping"))
      #expect(response.text == "ping")

      let replies = try await client.bidirectionalStreaming("/test.Echo/Chat") {
        stream throws(GRPCError) in
        var replies: [String] = []
        for index in 0..<500 {
          try await stream.send([UInt8](text: "\(index)"))
          if let reply = try await stream.receive() { replies.append(reply.text) }
        }
        try await stream.closeSend()
        #expect(try await stream.receive() == nil)
        return replies
      }
      #expect(replies == (0..<500).map { "re: \($0)" })
    }
  }

  @Test("ends after the channel it shares a thread with was closed first")
  func outlivesTheClosedChannel() async throws {
    // Loopback closes the client before the server; the shared thread must stay until the
    // server has shut down, or run() would never return.
    let sum = try await Loopback.run(handlers: TestService.handlers, sharingThread: true) {
      client in
      try await client.clientStreaming("/test.Echo/Sum") { stream throws(GRPCError) in
        for value in 1...100 {
          try await stream.send([UInt8](text: "\(value)"))
        }
      }
    }
    #expect(sum.text == "5050")
  }
}
