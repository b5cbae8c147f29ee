internal import CGRPC
import Synchronization

/// One call in progress on a ``ClientChannel``: messages out, messages in, and a final status.
///
/// Every call shape is a stream underneath; the channel's `unary`, `serverStreaming`,
/// `clientStreaming` and `bidirectionalStreaming` methods scope a stream to a closure and make sure
/// it has ended, cancelling it if needed, before they return. At most one ``send(_:)`` runs at a
/// time (concurrent sends wait their turn) and at most one ``receive()``.
public final class ClientStream: Sendable {
  /// The method path, e.g. `/moby.buildkit.v1.Control/Solve`.
  public let method: String

  private let call: CoreCall
  private let address: Address
  private let status = OneShot<Batch>()
  private let headers = OneShot<Metadata>()
  private let sends: SendQueue
  private let halfClosed = Mutex(false)

  init(
    channel: ClientChannel,
    method: String,
    metadata: Metadata,
    timeout: Duration?,
    waitForReady: Bool
  ) throws(GRPCError) {
    let handle = try channel.handle()
    let created = method.withCString { path in
      let slice = grpc_slice_from_copied_string(path)
      defer { grpc_slice_unref(slice) }
      return grpc_channel_create_call(
        handle,
        nil,
        cgrpc_propagate_defaults(),
        channel.queue.queue,
        slice,
        nil,
        CoreTime.deadline(after: timeout),
        nil
      )
    }
    guard let created else {
      throw GRPCError(code: .callFailed, message: "C-core could not create a call to \(method)")
    }
    self.method = method
    self.address = channel.address
    self.call = CoreCall(
      handle: created, description: "\(method) on \(channel.address)", queue: channel.queue)
    let failure = GRPCError.status(
      .unavailable, "\(method) on \(channel.address) ended while sending")
    self.sends = SendQueue(
      call: self.call,
      makeBatch: { message, moreFollow in
        let batch = Batch()
        batch.sendMessage(message, bufferHint: moreFollow)
        return batch
      },
      failure: { failure })

    // The opening batch sends our metadata and asks for the server's; the status batch stays
    // pending for the life of the call and completes when it ends, however it ends.
    let opening = Batch()
    opening.sendInitialMetadata(metadata)
    if waitForReady {
      opening.setLastOpFlags(UInt32(GRPC_INITIAL_METADATA_WAIT_FOR_READY))
    }
    opening.receiveInitialMetadata()
    let headers = self.headers
    self.call.start(opening) { outcome in
      headers.fulfil((try? outcome.get()) == true ? opening.initialMetadata : Metadata())
    }

    let closing = Batch()
    closing.receiveStatusOnClient()
    let status = self.status
    self.call.start(closing) { _ in status.fulfil(closing) }
  }

  /// Sends one message.
  ///
  /// Messages go out in the order they are sent. The call returns once the message is queued
  /// behind the ones still going out, and waits only while several megabytes are queued; a
  /// message that cannot be delivered because the call ended fails a later send, or
  /// ``closeSend()``.
  /// - Parameter message: The encoded message.
  /// - Throws: ``GRPCError`` with the call's final status if the call has already ended.
  public func send(_ message: [UInt8]) async throws(GRPCError) {
    do {
      try await self.sends.enqueue(OutgoingMessage(copying: message))
    } catch {
      try await self.throwFinalStatus()
      throw error
    }
  }

  /// Tells the server that no more messages follow. Idempotent.
  public func closeSend() async throws(GRPCError) {
    let first = self.halfClosed.withLock { closed in
      defer { closed = true }
      return !closed
    }
    guard first else { return }
    do {
      try await self.sends.drain()
    } catch {
      try await self.throwFinalStatus()
      throw error
    }
    let batch = Batch()
    batch.sendCloseFromClient()
    _ = try await self.runCancellable(batch)
  }

  /// Receives the next message.
  /// - Returns: The encoded message, or nil when the server ended the stream with status OK.
  /// - Throws: ``GRPCError`` with the call's status when it ended with any other status.
  public func receive() async throws(GRPCError) -> [UInt8]? {
    let batch = Batch()
    batch.receiveMessage()
    let received = try await self.runCancellable(batch)
    if received, let message = batch.message {
      return message
    }
    try await self.throwFinalStatus()
    return nil
  }

  /// The metadata the server sent before its first message (empty if it sent none).
  public func initialMetadata() async -> Metadata {
    await self.headers.value()
  }

  /// Waits for the call to end and returns its trailing metadata.
  /// - Throws: ``GRPCError`` with the call's status when it is not OK.
  @discardableResult
  public func finish() async throws(GRPCError) -> Metadata {
    let batch = await withTaskCancellationHandler {
      await self.status.value()
    } onCancel: {
      self.call.cancel()
    }
    let outcome = batch.statusOutcome
    if outcome.status != .ok {
      throw self.error(for: outcome)
    }
    return outcome.trailers
  }

  /// Cancels the call. The server sees a cancellation; pending operations fail.
  public func cancel() {
    self.call.cancel()
  }

  /// Whether the call has ended.
  var hasEnded: Bool { self.status.current != nil }

  private func throwFinalStatus() async throws(GRPCError) {
    try await self.finish()
  }

  private func error(
    for outcome: (status: StatusCode, message: String, trailers: Metadata)
  ) -> GRPCError {
    GRPCError.status(
      outcome.status,
      outcome.message,
      details: outcome.trailers.firstBytes("grpc-status-details-bin")
    )
  }

  private func runCancellable(_ batch: Batch) async throws(GRPCError) -> Bool {
    let call = self.call
    let outcome: Result<Bool, GRPCError> = await withTaskCancellationHandler {
      do throws(GRPCError) {
        return .success(try await call.run(batch))
      } catch {
        return .failure(error)
      }
    } onCancel: {
      call.cancel()
    }
    return try outcome.get()
  }
}

// MARK: - Byte relays on threads of their own

extension ClientStream {
  /// Sends one message written in place, from a thread of its own such as a byte relay's.
  ///
  /// `fill` gets `capacity` bytes of C-core's memory and returns the range of them that makes
  /// the message; nothing is copied afterwards. Like ``send(_:)``, this returns once the
  /// message is queued, and blocks the thread while several megabytes are queued. Never call
  /// it from one of Swift's cooperative threads.
  /// - Throws: What `fill` throws, or ``GRPCError`` once the call has ended.
  public func sendWaiting(
    capacity: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Range<Int>
  ) throws {
    try self.sends.enqueueWaiting(OutgoingMessage(capacity: capacity, fill: fill))
  }
}

extension ClientStream {
  /// Receives every further message on the channel's completion-queue thread, handing each
  /// message's bytes to `onPiece` as they are, piece by piece, with no task or other thread in
  /// between: the next receive starts as soon as one message has been handed on.
  ///
  /// `onPiece` gets each piece and whether it is the first of its message, and returns false
  /// to stop receiving. After each whole message, `holdNext` may take over: returning true, it
  /// promises to call the `resume` closure it was given (from any thread) once the next
  /// receive may start; until then none does. `onEnd` runs once, when the stream ends, the call
  /// ends or `onPiece` stops; ``finish()`` then tells how the call ended. The three run on the
  /// completion-queue thread, which other calls, and servers sharing it, also need: they must
  /// not block. No other receive may run on the stream meanwhile.
  public func receiveAll(
    onPiece: @escaping @Sendable (UnsafeRawBufferPointer, _ first: Bool) -> Bool,
    holdNext: @escaping @Sendable (_ resume: @escaping @Sendable () -> Void) -> Bool = { _ in
      false
    },
    onEnd: @escaping @Sendable () -> Void
  ) {
    let batch = Batch()
    batch.receiveMessage()
    self.call.start(batch) { [self] outcome in
      var first = true
      var going = true
      let received =
        (try? outcome.get()) == true
        && batch.withReceivedSlices { piece in
          guard going else { return }
          going = onPiece(piece, first)
          first = false
        }
      guard received, going else {
        onEnd()
        return
      }
      let next: @Sendable () -> Void = {
        self.receiveAll(onPiece: onPiece, holdNext: holdNext, onEnd: onEnd)
      }
      if !holdNext(next) { next() }
    }
  }
}

extension Batch {
  /// Sets flags on the op added last.
  func setLastOpFlags(_ flags: UInt32) {
    self.updateLastOp { $0.flags |= flags }
  }
}
