import Foundation
public import GRPC

/// A build session: the gRPC server that buildkitd calls back into while it builds.
///
/// The exchange: we open the bidirectional `Control/Session` call, naming the session id, its
/// shared key and every method we serve in the call's metadata. From then on the call is a raw
/// byte pipe: each `BytesMessage` the daemon sends carries the next bytes of an HTTP/2
/// connection in which the daemon is the client and we are the server, and we send our side's
/// bytes back the same way. We run our ``GRPC/Server`` on one end of a socketpair and relay the
/// other end to the call. The daemon health-checks the session every few seconds and calls our
/// file sync, auth, secrets and export services as the build needs them. When the work is done
/// we cancel the call, which ends the session on the daemon; if the inner connection dies
/// first, we half-close the call ourselves, since the daemon does not end it.
public struct Session: Sendable {
  /// The session id, sent as `SolveRequest.session`.
  public let id: String
  /// A free-text name for the session (older daemons show it; newer ones ignore it).
  public let name: String
  /// The key under which the daemon keeps its copy of our local directories between builds.
  public let sharedKey: String
  /// The services served in this session.
  public let attachables: [any SessionAttachable]

  /// Creates a session description; nothing is opened until ``run(on:body:)``.
  /// - Parameters:
  ///   - id: The session id; a fresh random one by default.
  ///   - name: A free-text name.
  ///   - sharedKey: The key for incremental context transfers.
  ///   - attachables: The services to serve; health checks are always served.
  public init(
    id: String = Identifiers.random(),
    name: String = "buildkit",
    sharedKey: String = "",
    attachables: [any SessionAttachable]
  ) {
    self.id = id
    self.name = name
    self.sharedKey = sharedKey
    self.attachables = attachables
  }

  /// Every handler served, keyed by method path.
  var handlers: [String: Server.Handler] {
    var handlers = HealthService().handlers
    for attachable in self.attachables {
      handlers.merge(attachable.handlers) { _, new in new }
    }
    return handlers
  }

  /// Opens the session on `channel`, runs `body` while it is open, and closes it.
  /// - Parameters:
  ///   - channel: The channel to the daemon.
  ///   - body: The work that needs the session, typically a solve.
  /// - Returns: What `body` returns.
  /// - Throws: ``BuildKitError`` when the session cannot be set up, or what `body` throws.
  public func run<Result: Sendable>(
    on channel: ClientChannel,
    body: @Sendable () async throws -> Result
  ) async throws -> Result {
    var descriptors: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0 else {
      throw BuildKitError(
        code: .sessionFailed,
        message:
          "cannot create the socket pair for session \(self.id): \(String(cString: strerror(errno)))"
      )
    }
    let server = Server(sharingThreadOf: channel)
    do {
      try server.addConnection(fileDescriptor: descriptors[0])
    } catch {
      close(descriptors[1])
      server.close()
      throw BuildKitError(
        code: .sessionFailed, message: "cannot serve session \(self.id)", cause: error)
    }
    let tunnelEnd = descriptors[1]
    let handlers = self.handlers
    let metadata = self.metadata(methods: handlers.keys.sorted())

    // The server and the tunnel run in tasks of their own rather than in a task group, so that
    // the caller has its result as soon as the work is done: taking down C-core's server and
    // the cancelled call takes a millisecond or more, which a caller that builds again and
    // again should not wait for. Nothing the two report is lost: once the work has ended, a
    // failing session no longer fails it, and before that the work itself fails.
    let serving = Task {
      await server.run(handlers: handlers)
    }
    // The work starts only once the Session call is under way, so the daemon knows the
    // session before it is asked to use it, however the tasks happen to be scheduled.
    let (opened, open) = AsyncStream<Void>.makeStream()
    let tunnel = Task {
      defer { open.finish() }
      try? await Self.relayTunnel(
        channel: channel, metadata: metadata, descriptor: tunnelEnd, opened: open)
    }
    for await _ in opened { break }
    let result: Swift.Result<Result, any Error>
    do {
      result = .success(try await body())
    } catch {
      result = .failure(error)
    }
    // The work is over: end the session at once, as buildctl does, by cancelling the Session
    // call instead of half-closing it and waiting for the daemon to end it.
    tunnel.cancel()
    serving.cancel()
    server.close()
    shutdown(tunnelEnd, Int32(SHUT_RDWR))
    Task {
      await tunnel.value
      await serving.value
      close(tunnelEnd)
    }
    return try result.get()
  }

  private func metadata(methods: [String]) -> Metadata {
    var metadata = Metadata()
    metadata.append("x-docker-expose-session-uuid", self.id)
    metadata.append("x-docker-expose-session-name", self.name)
    metadata.append("x-docker-expose-session-sharedkey", self.sharedKey)
    for method in methods {
      metadata.append("x-docker-expose-session-grpc-method", method)
    }
    return metadata
  }

  /// Relays the socket to the Session call in both directions until both sides have ended;
  /// `opened` hears once the call has been started.
  private static func relayTunnel(
    channel: ClientChannel,
    metadata: Metadata,
    descriptor: Int32,
    opened: AsyncStream<Void>.Continuation
  ) async throws {
    try await channel.bidirectionalStreaming(
      "/moby.buildkit.v1.Control/Session",
      metadata: metadata
    ) { stream throws(GRPCError) in
      let tunnel = SessionTunnel(descriptor: descriptor, stream: stream)
      opened.yield()
      await tunnel.run()
    }
  }
}
