internal import CGRPC
import Synchronization

/// A client connection to one gRPC server, over a unix socket or TCP, with or without TLS.
///
/// A channel connects lazily and reconnects as needed; many calls, of any shape, can run on it
/// at once. It owns a C-core channel and a completion queue with its own drain thread, and both
/// are released by ``close()``, which every owner must call once its calls have ended.
public final class ClientChannel: Sendable {
  /// The largest message sent or received, in bytes.
  public static let messageLimit = 16 << 20

  /// The server address this channel connects to.
  public let address: Address
  /// Whether the channel uses TLS.
  public var usesTLS: Bool { self.tunnel.withLock { $0 != nil } }

  private let state: Mutex<CoreHandle?>
  private let tunnel = Mutex<TLSTunnel?>(nil)
  /// Whether the channel runs over a socket connected before it was created; such a channel
  /// has no connectivity state to watch and never reconnects.
  private let preconnected: Bool
  let queue: CompletionQueue

  /// Creates a channel; no connection is made until the first call or ``connect(timeout:waitForReady:)``.
  /// - Parameters:
  ///   - address: The server address.
  ///   - tls: TLS settings, or nil for plaintext.
  /// - Throws: ``GRPCError`` with code ``GRPCError/Code/invalidConfiguration`` when the
  ///   credentials cannot be created.
  public convenience init(
    address: Address,
    tls: TLSConfiguration? = nil,
    connectTimeout: Duration = .seconds(5)
  ) throws(GRPCError) {
    if let tls {
      // TLS is ours, not C-core's: see TLSTunnel for why. The channel runs over its plaintext end.
      let tunnel = try TLSTunnel(address: address, tls: tls, timeout: connectTimeout)
      do {
        try self.init(
          connectedSocket: tunnel.plaintextDescriptor,
          address: address,
          authority: tls.serverName ?? address.host
        )
      } catch {
        tunnel.close()
        throw error
      }
      self.tunnel.withLock { $0 = tunnel }
      return
    }
    CoreLibrary.retain()
    let credentials = grpc_insecure_credentials_create()
    defer { grpc_channel_credentials_release(credentials) }
    let channel = ChannelArguments.standard(messageLimit: Int32(Self.messageLimit))
      .withCoreArguments { args in
        grpc_channel_create(address.coreTarget, credentials, args)
      }
    try self.init(channel: channel, address: address)
  }

  /// Creates a plaintext channel over a socket that is already connected to the server, such
  /// as one upgraded from HTTP/1.1 to HTTP/2.
  /// - Parameters:
  ///   - fileDescriptor: The connected socket; the channel takes ownership of it.
  ///   - address: The address to name in errors.
  /// - Throws: ``GRPCError`` when C-core cannot create the channel.
  ///   - authority: The `:authority` to send; C-core's default when nil.
  public convenience init(
    connectedSocket fileDescriptor: Int32,
    address: Address,
    authority: String? = nil
  ) throws(GRPCError) {
    CoreLibrary.retain()
    let credentials = grpc_insecure_credentials_create()
    defer { grpc_channel_credentials_release(credentials) }
    var arguments = ChannelArguments.standard(messageLimit: Int32(Self.messageLimit))
    if let authority {
      arguments.entries.append(("grpc.default_authority", .string(authority)))
    }
    let channel = arguments.withCoreArguments { args in
      grpc_channel_create_from_fd(address.coreTarget, fileDescriptor, credentials, args)
    }
    try self.init(channel: channel, address: address, preconnected: true)
  }

  private init(
    channel: OpaquePointer?,
    address: Address,
    preconnected: Bool = false
  ) throws(GRPCError) {
    guard let channel else {
      CoreLibrary.release()
      throw GRPCError(
        code: .invalidAddress, message: "C-core cannot create a channel to \(address)")
    }
    self.address = address
    self.preconnected = preconnected
    self.state = Mutex(CoreHandle(pointer: channel))
    self.queue = CompletionQueue(name: "grpc-client")
  }

  /// Waits until the channel is connected.
  ///
  /// Without `waitForReady` a refused or failed connection ends the wait at once; with it the
  /// channel keeps retrying until the timeout.
  /// - Parameters:
  ///   - timeout: How long to try.
  ///   - waitForReady: Whether to keep retrying after a failed attempt.
  /// - Throws: ``GRPCError`` with status `UNAVAILABLE` naming the address and the reason, or
  ///   `DEADLINE_EXCEEDED` when the timeout passes.
  public func connect(timeout: Duration, waitForReady: Bool = false) async throws(GRPCError) {
    let channel = try self.handle()
    guard !self.preconnected else { return }
    let deadline = CoreTime.deadline(after: timeout)
    var current = grpc_channel_check_connectivity_state(channel, 1)
    while current != GRPC_CHANNEL_READY {
      if current == GRPC_CHANNEL_SHUTDOWN {
        throw GRPCError(code: .closed, message: "the channel to \(self.address) is closed")
      }
      if current == GRPC_CHANNEL_TRANSIENT_FAILURE, !waitForReady {
        throw await self.connectionFailure(deadline: deadline)
      }
      let changed = await self.watch(channel, from: current, deadline: deadline)
      guard changed else {
        throw GRPCError.status(
          .deadlineExceeded,
          "could not connect to \(self.address) within \(timeout); is the daemon running there?"
        )
      }
      current = grpc_channel_check_connectivity_state(channel, 1)
    }
  }

  private func watch(
    _ channel: OpaquePointer,
    from state: grpc_connectivity_state,
    deadline: gpr_timespec
  ) async -> Bool {
    await withCheckedContinuation { continuation in
      let completion = Completion { changed in continuation.resume(returning: changed) }
      grpc_channel_watch_connectivity_state(
        channel,
        state,
        deadline,
        self.queue.queue,
        completion.makeTag()
      )
    }
  }

  /// The reason C-core gives for a failed connection, found by a call that fails fast.
  private func connectionFailure(deadline: gpr_timespec) async -> GRPCError {
    do {
      _ = try await self.unary("/grpc.health.v1.Health/Check", request: [], timeout: .seconds(5))
    } catch {
      if error.code == .status, error.status == .unavailable {
        return error
      }
    }
    return GRPCError.status(.unavailable, "could not connect to \(self.address)")
  }

  func handle() throws(GRPCError) -> OpaquePointer {
    guard let channel = self.state.withLock({ $0 }) else {
      throw GRPCError(code: .closed, message: "the channel to \(self.address) is closed")
    }
    return channel.pointer
  }

  /// Closes the channel, cancelling calls still running, and stops its drain thread.
  ///
  /// Idempotent. Call it after the calls on the channel have ended.
  public func close() {
    let channel: CoreHandle? = self.state.withLock { state in
      defer { state = nil }
      return state
    }
    guard let channel else { return }
    grpc_channel_destroy(channel.pointer)
    self.tunnel.withLock { $0 }?.close()
    self.queue.shutdown()
    CoreLibrary.release()
  }

  deinit {
    self.close()
  }
}
