internal import CGRPC
import Synchronization

/// One call that a peer made to our ``Server``: the request metadata, messages in, messages out.
///
/// A handler receives a `ServerCall`, reads with ``receive()`` and writes with ``send(_:)``,
/// both pipelined: messages are received ahead of the reader and sent behind the writer;
/// the server ends the call with OK when the handler returns, or with the status of the
/// ``GRPCError`` it throws. Sends go out in order; receives must not overlap.
public final class ServerCall: Sendable {
  /// The method path the peer called, e.g. `/grpc.health.v1.Health/Check`.
  public let method: String
  /// The metadata the peer sent with the call.
  public let metadata: Metadata

  private let call: CoreCall
  private let closed = OneShot<Bool>()
  /// The response headers, until they have gone out with the first message or the status.
  private let headers = PendingHeaders()
  private let sends: SendQueue
  private let receives: ReceiveQueue

  init(call: CoreCall, method: String, metadata: Metadata) {
    self.call = call
    self.method = method
    self.metadata = metadata
    let cancelled = GRPCError.status(.cancelled, "\(method) was cancelled by the peer")
    self.receives = ReceiveQueue(call: call, failure: { cancelled })
    let headers = self.headers
    let failure = GRPCError.status(.cancelled, "\(method) ended before a message could be sent")
    self.sends = SendQueue(
      call: call,
      makeBatch: { message, moreFollow in
        let batch = Batch()
        Self.addHeadersIfNeeded(headers, to: batch)
        batch.sendMessage(message, bufferHint: moreFollow)
        return batch
      },
      failure: { failure })

    // Pending for the call's whole life: completes when the call is over, and tells whether the
    // peer cancelled it.
    let closing = Batch()
    closing.receiveCloseOnServer()
    let closed = self.closed
    call.start(closing) { _ in closed.fulfil(closing.wasCancelled) }
  }

  /// Receives the next message from the peer.
  /// - Returns: The encoded message, or nil once the peer has half-closed.
  /// - Throws: ``GRPCError`` with status `CANCELLED` when the call was cancelled.
  public func receive() async throws(GRPCError) -> [UInt8]? {
    try await self.receives.next()
  }

  /// Sends one message to the peer.
  ///
  /// Messages go out in the order they are sent. The call returns once the message is queued
  /// behind the ones still going out, and waits only while several megabytes are queued; a
  /// message that cannot be delivered because the call ended fails a later send.
  /// - Parameter message: The encoded message.
  /// - Throws: ``GRPCError`` with status `CANCELLED` when the call is already over.
  public func send(_ message: [UInt8]) async throws(GRPCError) {
    try await self.sends.enqueue(OutgoingMessage(copying: message))
  }

  /// Sends one message written in place: `fill` gets `capacity` bytes of C-core's memory and
  /// returns the range of them that makes the message; nothing is copied afterwards. Otherwise
  /// like ``send(_:)``.
  /// - Throws: What `fill` throws (then nothing is sent), or ``GRPCError`` with status
  ///   `CANCELLED` when the call is already over.
  public func send(
    capacity: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Range<Int>
  ) async throws {
    try await self.sends.enqueue(OutgoingMessage(capacity: capacity, fill: fill))
  }

  /// Ends the call with a status. Called by the server after the handler finishes.
  func finish(_ status: StatusCode, message: String, details: [UInt8]? = nil) async {
    // The status goes after every queued message; if one of them failed, the call is over and
    // the status batch fails harmlessly.
    try? await self.sends.drain()
    let batch = Batch()
    Self.addHeadersIfNeeded(self.headers, to: batch)
    var trailers = Metadata()
    if let details {
      trailers.append("grpc-status-details-bin", bytes: details)
    }
    batch.sendStatus(status, message: message, trailers: trailers)
    _ = try? await self.call.run(batch)
    _ = await self.closed.value()
  }

  /// Whether the peer cancelled the call, once it is over.
  public func wasCancelled() async -> Bool {
    await self.closed.value()
  }

  /// Sets the metadata sent to the peer before the first message or the status.
  /// - Parameter metadata: The response headers.
  public func setResponseHeaders(_ metadata: Metadata) {
    self.headers.value.withLock { headers in
      if headers != nil { headers = metadata }
    }
  }

  private static func addHeadersIfNeeded(_ headers: PendingHeaders, to batch: Batch) {
    let pending: Metadata? = headers.value.withLock { headers in
      defer { headers = nil }
      return headers
    }
    if let pending {
      batch.sendInitialMetadata(pending)
    }
  }
}

/// Response headers not sent yet: nil once they have gone out.
private final class PendingHeaders: Sendable {
  let value = Mutex<Metadata?>(Metadata())
}
