import Foundation
import GRPC
import Testing

@Suite("Calls between our client and our server over a socketpair")
struct CallShapeTests {
  @Test("a unary call carries metadata both ways and echoes the request")
  func unaryCall() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      var metadata = Metadata()
      metadata.append("x-tag", "one")
      metadata.append("x-tag", "two")
      let headers = try await client.bidirectionalStreaming("/test.Echo/Unary", metadata: metadata)
      {
        stream throws(GRPCError) in
        try await stream.send([UInt8](text: "hello"))
        try await stream.closeSend()
        #expect(try await stream.receive()?.text == "hello")
        #expect(try await stream.receive() == nil)
        return await stream.initialMetadata()
      }
      #expect(headers.first("x-echo-method") == "/test.Echo/Unary")
      #expect(headers.values(for: "x-tag-seen") == ["one", "two"])

      let response = try await client.unary("/test.Echo/Unary", request: [UInt8](text: "ping"))
      #expect(response.text == "ping")
    }
  }

  @Test("a server-streaming call delivers every message in order")
  func serverStreaming() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let received = try await client.serverStreaming(
        "/test.Echo/Count",
        request: [UInt8](text: "100")
      ) { stream throws(GRPCError) in
        var texts: [String] = []
        while let message = try await stream.receive() {
          texts.append(message.text)
        }
        return texts
      }
      #expect(received == (0..<100).map(String.init))
    }
  }

  @Test("a client-streaming call sees every message before answering")
  func clientStreaming() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let response = try await client.clientStreaming("/test.Echo/Sum") {
        stream throws(GRPCError) in
        for value in 1...50 {
          try await stream.send([UInt8](text: "\(value)"))
        }
      }
      #expect(response.text == "1275")
    }
  }

  @Test("a bidirectional call interleaves requests and responses")
  func bidirectional() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      try await client.bidirectionalStreaming("/test.Echo/Chat") { stream throws(GRPCError) in
        for word in ["a", "b", "c"] {
          try await stream.send([UInt8](text: word))
          #expect(try await stream.receive()?.text == "re: \(word)")
        }
        try await stream.closeSend()
        #expect(try await stream.receive() == nil)
      }
    }
  }

  @Test("messages up to the 16 MiB limit pass, larger ones are refused")
  func messageLimit() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let large = [UInt8](repeating: 7, count: 15 << 20)
      let echoed = try await client.unary("/test.Echo/Unary", request: large)
      #expect(echoed == large)

      let tooLarge = [UInt8](repeating: 7, count: 17 << 20)
      await #expect(throws: GRPCError.self) {
        _ = try await client.unary("/test.Echo/Unary", request: tooLarge)
      }
    }
  }

  @Test("an unknown method is answered with UNIMPLEMENTED")
  func unknownMethod() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let error = await #expect(throws: GRPCError.self) {
        _ = try await client.unary("/test.Nothing/Here", request: [])
      }
      #expect(error?.status == .unimplemented)
      #expect(error?.message.contains("/test.Nothing/Here") == true)
    }
  }

  @Test("a handler's error keeps its status, message and details")
  func errorStatus() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let error = await #expect(throws: GRPCError.self) {
        _ = try await client.unary("/test.Echo/Fail", request: [])
      }
      #expect(error?.status == .notFound)
      #expect(error?.message == "no such thing")
      #expect(error?.details == [0x08, 0x05])
    }
  }

  @Test("a deadline ends a call the server never answers")
  func deadline() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let error = await #expect(throws: GRPCError.self) {
        _ = try await client.unary("/test.Echo/Hang", request: [], timeout: .milliseconds(200))
      }
      #expect(error?.status == .deadlineExceeded)
    }
  }

  @Test("cancelling the calling task cancels the call on both sides")
  func cancellation() async throws {
    try await Loopback.run(handlers: TestService.handlers) { client in
      let outcome = await withTaskGroup(of: GRPCError?.self) { group in
        group.addTask {
          do {
            _ = try await client.unary("/test.Echo/Hang", request: [])
            return nil
          } catch {
            return error as? GRPCError
          }
        }
        try? await Task.sleep(for: .milliseconds(100))
        group.cancelAll()
        return await group.next() ?? nil
      }
      #expect(outcome?.status == .cancelled)
    }
  }
}
