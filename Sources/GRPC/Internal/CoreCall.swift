internal import CGRPC
import Synchronization

/// Owns one C-core `grpc_call` and runs op batches on it.
///
/// Every batch retains the call through its completion handler, so the handle is released only
/// after C-core has finished with every batch started on it.
final class CoreCall: @unchecked Sendable {
  // @unchecked: `handle` is a C-core call; grpc_call_start_batch and grpc_call_cancel are
  // thread-safe, and callers keep at most one batch of each kind in flight.
  let handle: OpaquePointer
  let description: String
  /// The queue the call's operations complete on.
  private let queue: CompletionQueue

  init(handle: OpaquePointer, description: String, queue: CompletionQueue) {
    self.handle = handle
    self.description = description
    self.queue = queue
  }

  /// Starts a batch and waits for it to complete.
  /// - Returns: Whether C-core reports the batch as successful.
  /// - Throws: ``GRPCError`` with code ``GRPCError/Code/callFailed`` if C-core refuses the batch.
  func run(_ batch: Batch) async throws(GRPCError) -> Bool {
    let outcome: Result<Bool, GRPCError> = await withCheckedContinuation { continuation in
      self.start(batch) { result in continuation.resume(returning: result) }
    }
    return try outcome.get()
  }

  /// Starts a batch and calls `done` from the drain thread when it completes.
  func start(_ batch: Batch, done: @escaping @Sendable (Result<Bool, GRPCError>) -> Void) {
    let completion = Completion { success in
      withExtendedLifetime((batch, self)) { done(.success(success)) }
    }
    let tag = completion.makeTag()
    // grpc_call_start_batch returns GRPC_CALL_OK, or an error such as
    // GRPC_CALL_ERROR_TOO_MANY_OPERATIONS or GRPC_CALL_ERROR_INVALID_METADATA when the batch is
    // malformed; then the tag will never complete.
    var result = GRPC_CALL_OK
    let started = self.queue.whileOpen {
      result = batch.ops.withUnsafeBufferPointer { ops in
        grpc_call_start_batch(self.handle, ops.baseAddress, ops.count, tag, nil)
      }
    }
    guard started else {
      // The channel or server is closing: the operation fails as on a cancelled call.
      Completion.discard(tag)
      done(.success(false))
      return
    }
    guard result == GRPC_CALL_OK else {
      Completion.discard(tag)
      let reason = String(cString: grpc_call_error_to_string(result))
      done(
        .failure(
          GRPCError(
            code: .callFailed,
            message: "C-core refused an operation on \(self.description): \(reason)")
        )
      )
      return
    }
  }

  /// Cancels the call; pending and later batches fail.
  func cancel() {
    _ = grpc_call_cancel(self.handle, nil)
  }

  deinit {
    grpc_call_unref(self.handle)
  }
}

/// A value that arrives once, from a C-core thread, and that any number of tasks can await.
final class OneShot<Value: Sendable>: Sendable {
  private enum State {
    case waiting([CheckedContinuation<Value, Never>])
    case done(Value)
  }

  private let state = Mutex(State.waiting([]))

  init() {}

  /// Delivers the value and wakes every waiter; later deliveries are ignored.
  func fulfil(_ value: Value) {
    let waiters: [CheckedContinuation<Value, Never>] = self.state.withLock { state in
      guard case .waiting(let waiters) = state else { return [] }
      state = .done(value)
      return waiters
    }
    for waiter in waiters { waiter.resume(returning: value) }
  }

  /// The value, if it has arrived.
  var current: Value? {
    self.state.withLock { state in
      if case .done(let value) = state { return value }
      return nil
    }
  }

  /// Waits for the value.
  func value() async -> Value {
    await withCheckedContinuation { continuation in
      let ready: Value? = self.state.withLock { state in
        switch state {
        case .done(let value):
          return value
        case .waiting(var waiters):
          waiters.append(continuation)
          state = .waiting(waiters)
          return nil
        }
      }
      if let ready { continuation.resume(returning: ready) }
    }
  }
}
