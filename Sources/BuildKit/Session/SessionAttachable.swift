public import GRPC

/// A service that a build session serves to the daemon: file sync, auth, secrets, exports.
public protocol SessionAttachable: Sendable {
  /// The handlers of this service, keyed by full method path such as
  /// `/moby.filesync.v1.FileSync/DiffCopy`. Every key is advertised to the daemon.
  var handlers: [String: Server.Handler] { get }
}

/// Answers the daemon's health checks, which keep the session alive.
///
/// The daemon calls `Check` every five seconds and drops the session after failed checks, so the
/// answer is immediate and needs no other work.
struct HealthService: SessionAttachable {
  var handlers: [String: Server.Handler] {
    let serving = Health.HealthCheckResponse(status: .serving).encoded()
    return [
      "/grpc.health.v1.Health/Check": { call in
        _ = try await call.receive()
        try await call.send(serving)
      }
    ]
  }
}
