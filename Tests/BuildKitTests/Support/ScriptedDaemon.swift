import BuildKit
import Foundation
import GRPC
import Testing

/// Serves session attachables on one end of a socketpair and runs a scripted daemon as the
/// peer on the other, the way buildkitd calls into a session.
enum ScriptedDaemon {
  /// Serves `attachable` and runs `daemon` with a channel to it; both are torn down afterwards.
  static func exchange<T: Sendable>(
    with attachable: some SessionAttachable,
    _ daemon: @escaping @Sendable (ClientChannel) async throws -> T
  ) async throws -> T {
    var descriptors: [Int32] = [0, 0]
    #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
    let server = Server()
    try server.addConnection(fileDescriptor: descriptors[0])
    let client = try ClientChannel(
      connectedSocket: descriptors[1], address: .unix(path: "socketpair"))
    let handlers = attachable.handlers
    return try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask {
        await server.run(handlers: handlers)
        return nil
      }
      defer {
        client.close()
        server.close()
      }
      return try await daemon(client)
    }
  }
}
