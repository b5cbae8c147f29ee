import Synchronization

/// Pipelines the messages one call sends.
///
/// C-core lets a call have one send in flight at a time. Awaiting each send before making the
/// next costs a trip from the completion-queue thread back to a Swift task per message, which
/// dominates when a stream carries thousands of small messages (a context listing is one STAT
/// message per file). Here a sender only queues its message and goes on; the completion of one
/// send starts the next queued one directly on the completion-queue thread. A sender waits only
/// while the queue holds more than ``byteLimit`` bytes, so memory stays bounded.
///
/// Once a send fails, every later ``enqueue(_:)`` and ``drain()`` throws that failure.
final class SendQueue: Sendable {
  /// What the first failed send is reported as.
  typealias Failure = @Sendable () -> GRPCError

  private struct State {
    /// Queued messages from `head` on; a waiting sender's continuation rides with its message
    /// and is resumed (with false: already started) when the message goes out.
    var pending: [(message: [UInt8], continuation: CheckedContinuation<Bool, Never>?)] = []
    var head = 0
    var queuedBytes = 0
    var inFlight = false
    var failure: GRPCError?
    /// Senders waiting for everything queued to be sent.
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
  }

  private let state = Mutex(State())
  private let call: CoreCall
  private let byteLimit: Int
  private let makeBatch: @Sendable ([UInt8], _ moreFollow: Bool) -> Batch
  private let failure: Failure

  /// Creates a queue for one call.
  /// - Parameters:
  ///   - call: The call the messages go out on.
  ///   - byteLimit: How many bytes may wait before senders are held back.
  ///   - makeBatch: Makes the batch that sends one message (it may add other ops); its flag
  ///     says whether more messages are queued behind this one, so C-core may hold the message
  ///     back to write it together with them (`GRPC_WRITE_BUFFER_HINT`). The last message
  ///     queued never has it, so nothing stays held back.
  ///   - failure: The error to report once a send has failed (the call has ended).
  init(
    call: CoreCall, byteLimit: Int = 4 << 20,
    makeBatch: @escaping @Sendable ([UInt8], _ moreFollow: Bool) -> Batch,
    failure: @escaping Failure
  ) {
    self.call = call
    self.byteLimit = byteLimit
    self.makeBatch = makeBatch
    self.failure = failure
  }

  /// Queues a message, starting it at once when nothing is in flight.
  ///
  /// Returns as soon as the message is queued, unless the queue is over its byte limit; then
  /// it waits until this message has been handed to C-core.
  /// - Throws: ``GRPCError`` once an earlier send has failed.
  func enqueue(_ message: [UInt8]) async throws(GRPCError) {
    enum Action {
      case start
      case queued
      case full
      case fail(GRPCError)
    }
    let action: Action = self.state.withLock { state in
      if let failure = state.failure { return .fail(failure) }
      if !state.inFlight {
        state.inFlight = true
        return .start
      }
      guard state.queuedBytes + message.count <= self.byteLimit || state.head == state.pending.count
      else { return .full }
      state.pending.append((message, nil))
      state.queuedBytes += message.count
      return .queued
    }
    switch action {
    case .start:
      self.start(message, moreFollow: false)
      return
    case .queued:
      return
    case .fail(let error):
      throw error
    case .full:
      break
    }
    // Over the limit: wait with the message in the queue until its turn comes. A cancelled
    // sender cancels the call, which fails the send in flight and so wakes every waiter.
    let call = self.call
    let startHere: Bool = await withTaskCancellationHandler {
      await self.waitForTurn(message)
    } onCancel: {
      call.cancel()
    }
    if startHere {
      self.start(message, moreFollow: false)
    } else if let failure = self.state.withLock({ $0.failure }) {
      throw failure
    }
  }

  /// Queues a message with its sender's continuation; true when it should start at once.
  private func waitForTurn(_ message: [UInt8]) async -> Bool {
    await withCheckedContinuation { continuation in
      let immediate: Bool? = self.state.withLock { state in
        if state.failure != nil { return false }
        if !state.inFlight {
          state.inFlight = true
          return true
        }
        state.pending.append((message, continuation))
        state.queuedBytes += message.count
        return nil
      }
      if let immediate { continuation.resume(returning: immediate) }
    }
  }

  /// Waits until every queued message has been handed to C-core.
  /// - Throws: ``GRPCError`` when a send failed.
  func drain() async throws(GRPCError) {
    let idle = self.state.withLock { $0.failure != nil || !$0.inFlight }
    if !idle {
      let call = self.call
      await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
          let done = self.state.withLock { state in
            if state.failure != nil || !state.inFlight { return true }
            state.drainWaiters.append(continuation)
            return false
          }
          if done { continuation.resume() }
        }
      } onCancel: {
        call.cancel()
      }
    }
    if let failure = self.state.withLock({ $0.failure }) { throw failure }
  }

  private func start(_ message: [UInt8], moreFollow: Bool) {
    self.call.start(self.makeBatch(message, moreFollow)) { [self] outcome in
      self.completed((try? outcome.get()) == true)
    }
  }

  /// Runs on the completion-queue thread: starts the next message, or records the failure.
  private func completed(_ success: Bool) {
    var wakeSenders: [CheckedContinuation<Bool, Never>] = []
    var wakeDrainers: [CheckedContinuation<Void, Never>] = []
    let next: (message: [UInt8], moreFollow: Bool)? = self.state.withLock { state in
      if !success, state.failure == nil {
        state.failure = self.failure()
      }
      guard state.failure == nil, state.head < state.pending.count else {
        if state.failure != nil {
          wakeSenders = state.pending[state.head...].compactMap(\.continuation)
        }
        wakeDrainers = state.drainWaiters
        state.pending = []
        state.head = 0
        state.queuedBytes = 0
        state.drainWaiters = []
        state.inFlight = false
        return nil
      }
      let entry = state.pending[state.head]
      state.pending[state.head] = ([], nil)
      state.head += 1
      state.queuedBytes -= entry.message.count
      if let continuation = entry.continuation { wakeSenders.append(continuation) }
      if state.head >= 64, state.head * 2 >= state.pending.count {
        state.pending.removeFirst(state.head)
        state.head = 0
      }
      return (entry.message, state.head < state.pending.count)
    }
    if let next { self.start(next.message, moreFollow: next.moreFollow) }
    for continuation in wakeSenders { continuation.resume(returning: false) }
    for continuation in wakeDrainers { continuation.resume() }
  }
}
