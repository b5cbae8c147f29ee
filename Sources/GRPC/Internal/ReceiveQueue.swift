import Synchronization

/// Receives the messages of one call ahead of its reader.
///
/// C-core lets a call have one receive in flight at a time. Starting each receive only when the
/// reader asks for a message costs a trip from the completion-queue thread back to a Swift task
/// per message, even when the messages are already there; an export arrives as tens of
/// thousands of small messages. Here the next receive starts on the completion-queue thread as
/// soon as one completes, and the reader takes messages from a buffer, waiting only when it is
/// empty. Receiving pauses while the buffer holds more than its byte limit.
final class ReceiveQueue: Sendable {
  private struct State {
    /// Messages received and not yet read, from `head` on; nil marks the end of the stream.
    var buffered: [[UInt8]?] = []
    var head = 0
    var bufferedBytes = 0
    var receiving = false
    var started = false
    var ended = false
    var failure: GRPCError?
    var reader: CheckedContinuation<Void, Never>?
  }

  private let state = Mutex(State())
  private let call: CoreCall
  private let byteLimit: Int
  private let failure: @Sendable () -> GRPCError

  /// Creates a queue for one call; nothing is received before the first ``next()``.
  /// - Parameters:
  ///   - call: The call the messages arrive on.
  ///   - byteLimit: How many unread bytes pause receiving.
  ///   - failure: The error to report when a receive fails (the call was cancelled).
  init(call: CoreCall, byteLimit: Int = 4 << 20, failure: @escaping @Sendable () -> GRPCError) {
    self.call = call
    self.byteLimit = byteLimit
    self.failure = failure
  }

  /// The next message, or nil at the end of the stream.
  /// - Throws: ``GRPCError`` when a receive failed.
  func next() async throws(GRPCError) -> [UInt8]? {
    while true {
      enum Step {
        case message([UInt8]?)
        case fail(GRPCError)
        case wait(startReceive: Bool)
      }
      let step: Step = self.state.withLock { state in
        if state.head < state.buffered.count {
          let message = state.buffered[state.head]
          state.buffered[state.head] = nil
          state.head += 1
          state.bufferedBytes -= message?.count ?? 0
          if state.head == state.buffered.count {
            state.buffered = []
            state.head = 0
          }
          return .message(message)
        }
        if let failure = state.failure { return .fail(failure) }
        if state.ended { return .message(nil) }
        let start = !state.receiving
        state.receiving = true
        state.started = true
        return .wait(startReceive: start)
      }
      switch step {
      case .message(let message):
        self.resumeIfPaused()
        return message
      case .fail(let error):
        throw error
      case .wait(let startReceive):
        if startReceive { self.receive() }
        // A cancelled reader cancels the call, which fails the receive in flight.
        let call = self.call
        await withTaskCancellationHandler {
          await withCheckedContinuation { continuation in
            let ready = self.state.withLock { state in
              let ready =
                state.head < state.buffered.count || state.failure != nil || state.ended
                || !state.receiving
              if !ready { state.reader = continuation }
              return ready
            }
            if ready { continuation.resume() }
          }
        } onCancel: {
          call.cancel()
        }
      }
    }
  }

  /// Starts receiving again if the buffer had paused it and has room now.
  private func resumeIfPaused() {
    let start = self.state.withLock { state in
      guard state.started, !state.receiving, !state.ended, state.failure == nil,
        state.bufferedBytes <= self.byteLimit
      else { return false }
      state.receiving = true
      return true
    }
    if start { self.receive() }
  }

  private func receive() {
    let batch = Batch()
    batch.receiveMessage()
    self.call.start(batch) { [self] outcome in
      self.completed(batch, success: (try? outcome.get()) == true)
    }
  }

  /// Runs on the completion-queue thread: buffers the message and receives the next one.
  private func completed(_ batch: Batch, success: Bool) {
    let message = success ? batch.message : nil
    let (reader, again): (CheckedContinuation<Void, Never>?, Bool) = self.state.withLock { state in
      if !success {
        state.failure = self.failure()
      } else {
        state.buffered.append(message)
        state.bufferedBytes += message?.count ?? 0
        if message == nil { state.ended = true }
      }
      let again = success && message != nil && state.bufferedBytes <= self.byteLimit
      state.receiving = again
      defer { state.reader = nil }
      return (state.reader, again)
    }
    if again { self.receive() }
    reader?.resume()
  }
}
