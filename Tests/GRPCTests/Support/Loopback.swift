import Foundation
import GRPC
import Testing

/// A server and a client joined by a socketpair, as a build session joins them.
struct Loopback {
  let server: Server
  let client: ClientChannel

  /// Runs `body` with a served loopback pair and tears both down afterwards, the client first.
  /// - Parameter sharingThread: Whether the server shares the client's completion-queue thread.
  static func run<T: Sendable>(
    handlers: [String: Server.Handler],
    sharingThread: Bool = false,
    _ body: @Sendable (ClientChannel) async throws -> T
  ) async throws -> T {
    var fds: [Int32] = [0, 0]
    #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
    let client = try ClientChannel(connectedSocket: fds[1], address: .unix(path: "socketpair"))
    let server = Server(sharingThreadOf: sharingThread ? client : nil)
    try server.addConnection(fileDescriptor: fds[0])
    return try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask {
        await server.run(handlers: handlers)
        return nil
      }
      defer {
        client.close()
        server.close()
      }
      let result = try await body(client)
      client.close()
      server.close()
      for try await _ in group {}
      return result
    }
  }
}

/// Byte helpers for the test protocol: messages are UTF-8 text.
extension [UInt8] {
  init(text: String) { self = Array(text.utf8) }
  var text: String { String(decoding: self, as: UTF8.self) }
}

/// The handlers every call-shape test serves.
enum TestService {
  static let handlers: [String: Server.Handler] = [
    "/test.Echo/Unary": { call in
      guard let request = try await call.receive() else { return }
      var headers = Metadata()
      headers.append("x-echo-method", call.method)
      for value in call.metadata.values(for: "x-tag") {
        headers.append("x-tag-seen", value)
      }
      call.setResponseHeaders(headers)
      try await call.send(request)
    },
    "/test.Echo/Count": { call in
      guard let request = try await call.receive(), let count = Int(request.text) else { return }
      for index in 0..<count {
        try await call.send([UInt8](text: "\(index)"))
      }
    },
    "/test.Echo/Sum": { call in
      var sum = 0
      while let message = try await call.receive() {
        sum += Int(message.text) ?? 0
      }
      try await call.send([UInt8](text: "\(sum)"))
    },
    "/test.Echo/Chat": { call in
      while let message = try await call.receive() {
        try await call.send([UInt8](text: "re: " + message.text))
      }
    },
    "/test.Echo/Fail": { _ in
      throw GRPCError(
        code: .status,
        status: .notFound,
        message: "no such thing",
        details: [0x08, 0x05]
      )
    },
    "/test.Echo/Hang": { call in
      _ = await call.wasCancelled()
    },
  ]
}
