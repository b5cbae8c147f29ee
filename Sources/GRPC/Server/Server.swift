internal import CGRPC
import Dispatch
import Synchronization

/// A gRPC server that serves connections it is handed as connected file descriptors.
///
/// This is the server a build session runs: the daemon is the HTTP/2 client inside a byte
/// tunnel, and our end of that tunnel is a socket given to ``addConnection(fileDescriptor:)``.
/// Calls are routed by method path to ``Handler``s; methods without a handler are answered with
/// `UNIMPLEMENTED` at once. ``run(handlers:)`` serves until ``close()`` is called or its task
/// is cancelled, runs every handler as a child task, and releases all C-core resources before it
/// returns.
public final class Server: Sendable {
  /// Handles one call. Returning ends the call with OK; throwing a ``GRPCError`` ends it with
  /// that error's status and message, any other error with `UNKNOWN`.
  public typealias Handler = @Sendable (ServerCall) async throws -> Void

  private struct State {
    var server: OpaquePointer?
    var shutdownStarted = false
    var running = false
  }

  private let state: Mutex<State>
  private let queue: CompletionQueue
  private let shutdownDone = ShutdownNotice()

  /// Creates and starts a server with no listening ports.
  /// - Parameter channel: A channel whose completion-queue thread the server shares, or nil
  ///   for a thread of its own. A session server relays its connection through a call on that
  ///   channel: sharing the thread carries each message through both with one thread instead of
  ///   handing it between two, which C-core's poller otherwise does for every message. The
  ///   channel may be closed first; the thread stays until the server is gone.
  public init(sharingThreadOf channel: ClientChannel? = nil) {
    CoreLibrary.retain()
    let server = ChannelArguments.standard(messageLimit: Int32(ClientChannel.messageLimit))
      .withCoreArguments { args in grpc_server_create(args, nil)! }
    if let shared = channel?.queue, shared.share() {
      self.queue = shared
    } else {
      self.queue = CompletionQueue(name: "grpc-server")
    }
    grpc_server_register_completion_queue(server, self.queue.queue, nil)
    // A server without ports can be started; connections are added afterwards, which C-core
    // needs in this order to poll them.
    grpc_server_start(server)
    self.state = Mutex(State(server: server))
  }

  /// Serves a connected stream socket, taking ownership of it.
  /// - Parameter fileDescriptor: One end of a connected socket; it is made non-blocking.
  /// - Throws: ``GRPCError`` with code ``GRPCError/Code/closed`` after ``close()``.
  public func addConnection(fileDescriptor: Int32) throws(GRPCError) {
    // C-core polls the descriptor but does not switch it to non-blocking mode itself; a blocking
    // descriptor leaves its reader stuck in recvmsg.
    guard cgrpc_set_nonblocking(fileDescriptor) == 0 else {
      throw GRPCError(
        code: .invalidConfiguration,
        message: "descriptor \(fileDescriptor) cannot be made non-blocking; is it open?"
      )
    }
    try self.state.withLock { state throws(GRPCError) in
      guard let server = state.server, !state.shutdownStarted else {
        throw GRPCError(code: .closed, message: "the session server is closed")
      }
      let credentials = grpc_insecure_server_credentials_create()
      grpc_server_add_channel_from_fd(server, fileDescriptor, credentials)
      grpc_server_credentials_release(credentials)
    }
  }

  /// Serves calls until ``close()`` or cancellation, then shuts the server down.
  /// - Parameter handlers: Handlers keyed by method path, e.g. `/grpc.health.v1.Health/Check`.
  public func run(handlers: [String: Handler]) async {
    let incoming = AsyncStream<IncomingCall>.makeStream()
    let started = self.state.withLock { state in
      guard state.server != nil, !state.running else { return false }
      state.running = true
      return true
    }
    guard started else { return }
    self.requestCall(into: incoming.continuation)

    await withTaskCancellationHandler {
      await withDiscardingTaskGroup { group in
        for await call in incoming.stream {
          group.addTask {
            await Self.serve(call, handlers: handlers)
          }
        }
      }
    } onCancel: {
      self.close()
    }
    // Waits for C-core's confirmation without holding one of Swift's few cooperative threads:
    // builds that end together would otherwise block them all and stall every other task.
    if let server = self.beginDestroying() {
      await self.shutdownDone.wait()
      self.finishDestroying(server)
    }
  }

  /// Stops accepting calls and cancels those in progress. Idempotent; ``run(handlers:)`` returns
  /// once every handler has finished.
  public func close() {
    let server: OpaquePointer? = self.state.withLock { state in
      guard !state.shutdownStarted else { return nil }
      state.shutdownStarted = true
      return state.server
    }
    guard let server else { return }
    let done = self.shutdownDone
    let completion = Completion { _ in done.signal() }
    grpc_server_shutdown_and_notify(server, self.queue.queue, completion.makeTag())
    grpc_server_cancel_all_calls(server)
  }

  /// Shuts the server down if that has not begun and takes its C-core server, once; the caller
  /// waits for C-core to confirm the shutdown (the drain thread is still up), then calls
  /// ``finishDestroying(_:)``.
  private func beginDestroying() -> OpaquePointer? {
    self.close()
    return self.state.withLock { state in
      defer { state.server = nil }
      return state.server
    }
  }

  /// Frees the C-core server and gives up the completion queue.
  private func finishDestroying(_ server: OpaquePointer) {
    grpc_server_destroy(server)
    self.queue.shutdown()
    CoreLibrary.release()
  }

  deinit {
    // Only a server whose run(handlers:) never ran gets here with its C-core server.
    if let server = self.beginDestroying() {
      self.shutdownDone.waitBlocking()
      self.finishDestroying(server)
    }
  }

  /// Runs `body` with the server unless its shutdown has begun, holding the lock that
  /// ``close()`` takes to begin it: a request for a call that raced with the shutdown could
  /// otherwise reach a server that ``finishDestroying(_:)`` has already freed.
  /// - Returns: false when the shutdown has begun and `body` did not run.
  private func whileAccepting(_ body: (OpaquePointer) -> Void) -> Bool {
    self.state.withLock { state in
      guard !state.shutdownStarted, let server = state.server else { return false }
      body(server)
      return true
    }
  }

  private func requestCall(into continuation: AsyncStream<IncomingCall>.Continuation) {
    let request = PendingRequest()
    let completion = Completion { [self] success in
      guard success, let call = request.call else {
        continuation.finish()
        return
      }
      // Ask for the next call before handing this one on, so one request is always pending.
      self.requestCall(into: continuation)
      continuation.yield(request.take(call, queue: self.queue))
    }
    let tag = completion.makeTag()
    var result = GRPC_CALL_OK
    let asked = self.whileAccepting { server in
      result = grpc_server_request_call(
        server,
        request.callSlot,
        request.details,
        request.metadata,
        self.queue.queue,
        self.queue.queue,
        tag
      )
    }
    if !asked || result != GRPC_CALL_OK {
      Completion.discard(tag)
      continuation.finish()
    }
  }

  private static func serve(_ incoming: IncomingCall, handlers: [String: Handler]) async {
    let call = ServerCall(call: incoming.call, method: incoming.method, metadata: incoming.metadata)
    guard let handler = handlers[incoming.method] else {
      await call.finish(.unimplemented, message: "method \(incoming.method) is not served here")
      return
    }
    do {
      try await handler(call)
      await call.finish(.ok, message: "")
    } catch let error as GRPCError {
      let status = error.code == .status ? error.status : .unknown
      await call.finish(
        status == .ok ? .unknown : status, message: error.message, details: error.details)
    } catch {
      await call.finish(.unknown, message: String(describing: error))
    }
  }
}

/// C-core's confirmation that a server has shut down, awaited by a task or, in `deinit`, by a
/// blocked thread.
private final class ShutdownNotice: Sendable {
  private let confirmation = OneShot<Void>()
  private let semaphore = DispatchSemaphore(value: 0)

  /// Records the confirmation and wakes every waiter; called once, on the drain thread.
  func signal() {
    self.confirmation.fulfil(())
    self.semaphore.signal()
  }

  func wait() async {
    await self.confirmation.value()
  }

  /// Blocks the calling thread until the confirmation; for one waiter only.
  func waitBlocking() {
    self.semaphore.wait()
  }
}

/// A call C-core handed us: the call itself plus its method and metadata, copied out.
struct IncomingCall: Sendable {
  let call: CoreCall
  let method: String
  let metadata: Metadata
}

/// The storage one `grpc_server_request_call` fills in.
final class PendingRequest: @unchecked Sendable {
  // @unchecked: filled by C-core before the tag completes, then read once by the completion
  // handler on the drain thread.
  let callSlot = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
  let details = UnsafeMutablePointer<grpc_call_details>.allocate(capacity: 1)
  let metadata = UnsafeMutablePointer<grpc_metadata_array>.allocate(capacity: 1)

  init() {
    self.callSlot.initialize(to: nil)
    grpc_call_details_init(self.details)
    grpc_metadata_array_init(self.metadata)
  }

  var call: OpaquePointer? { self.callSlot.pointee }

  func take(_ call: OpaquePointer, queue: CompletionQueue) -> IncomingCall {
    let method = String(decoding: ByteBuffers.bytes(of: self.details.pointee.method), as: UTF8.self)
    return IncomingCall(
      call: CoreCall(handle: call, description: method, queue: queue),
      method: method,
      metadata: ByteBuffers.metadata(self.metadata.pointee)
    )
  }

  deinit {
    grpc_call_details_destroy(self.details)
    grpc_metadata_array_destroy(self.metadata)
    self.details.deallocate()
    self.metadata.deallocate()
    self.callSlot.deallocate()
  }
}
