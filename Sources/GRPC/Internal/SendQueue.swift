internal import CGRPC
import Dispatch
import Synchronization

/// Pipelines the messages one call sends.
///
/// C-core lets a call have one send in flight at a time. Awaiting each send before making the
/// next costs a trip from the completion-queue thread back to a Swift task per message, which
/// dominates when a stream carries thousands of small messages (a context listing is one STAT
/// message per file). Here a sender only queues its message and goes on; the completion of one
/// send starts the next queued one directly on the completion-queue thread. A sender waits only
/// while the queue holds more than its byte limit, so memory stays bounded. Senders are Swift
/// tasks (``enqueue(_:)``) or threads of their own (``enqueueWaiting(_:)``).
///
/// Once a send fails, every later enqueue and ``drain()`` throws that failure.
final class SendQueue: Sendable {
  /// What the first failed send is reported as.
  typealias Failure = @Sendable () -> GRPCError

  /// A sender held back until its message goes out.
  private enum Waiter {
    case task(CheckedContinuation<Bool, Never>)
    case thread(DispatchSemaphore)

    /// Wakes the sender, whose message has gone out (or failed with the call).
    func wake() {
      switch self {
      case .task(let continuation): continuation.resume(returning: false)
      case .thread(let semaphore): semaphore.signal()
      }
    }
  }

  private struct State {
    /// Queued messages from `head` on; a held-back sender rides with its message and is woken
    /// when the message goes out.
    var pending: [(message: OutgoingMessage?, waiter: Waiter?)] = []
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
  private let makeBatch: @Sendable (OutgoingMessage, _ moreFollow: Bool) -> Batch
  private let failure: Failure

  /// Creates a queue for one call.
  /// - Parameters:
  ///   - call: The call the messages go out on.
  ///   - byteLimit: How many bytes may wait before senders are held back, counting each
  ///     message's bookkeeping as well as its bytes (``OutgoingMessage/cost``).
  ///   - makeBatch: Makes the batch that sends one message (it may add other ops); its flag
  ///     says whether more messages are queued behind this one, so C-core may hold the message
  ///     back to write it together with them (`GRPC_WRITE_BUFFER_HINT`). The last message
  ///     queued never has it, so nothing stays held back.
  ///   - failure: The error to report once a send has failed (the call has ended).
  init(
    call: CoreCall, byteLimit: Int = 4 << 20,
    makeBatch: @escaping @Sendable (OutgoingMessage, _ moreFollow: Bool) -> Batch,
    failure: @escaping Failure
  ) {
    self.call = call
    self.byteLimit = byteLimit
    self.makeBatch = makeBatch
    self.failure = failure
  }

  private enum Admission {
    case start
    case queued
    case full
    case fail(GRPCError)
  }

  /// The fast path: starts the message or queues it, unless the queue is over its limit.
  /// - Returns: false when the sender must wait for room.
  /// - Throws: ``GRPCError`` once an earlier send has failed.
  private func tryEnqueue(_ message: OutgoingMessage) throws(GRPCError) -> Bool {
    let admission: Admission = self.state.withLock { state in
      if let failure = state.failure { return .fail(failure) }
      if !state.inFlight {
        state.inFlight = true
        return .start
      }
      guard
        state.queuedBytes + message.cost <= self.byteLimit || state.head == state.pending.count
      else { return .full }
      state.pending.append((message, nil))
      state.queuedBytes += message.cost
      return .queued
    }
    switch admission {
    case .start:
      self.start(message, moreFollow: false)
      return true
    case .queued:
      return true
    case .fail(let error):
      throw error
    case .full:
      return false
    }
  }

  /// Queues `message` with its held-back sender; true when it must start at once instead,
  /// false when the call has failed (the sender is then not queued).
  private func hold(_ message: OutgoingMessage, _ waiter: Waiter) -> Bool? {
    self.state.withLock { state in
      if state.failure != nil { return false }
      if !state.inFlight {
        state.inFlight = true
        return true
      }
      state.pending.append((message, waiter))
      state.queuedBytes += message.cost
      return nil
    }
  }

  /// Queues a message, starting it at once when nothing is in flight.
  ///
  /// Returns as soon as the message is queued, unless the queue is over its byte limit; then
  /// it waits until this message has been handed to C-core.
  /// - Throws: ``GRPCError`` once an earlier send has failed.
  func enqueue(_ message: OutgoingMessage) async throws(GRPCError) {
    guard try !self.tryEnqueue(message) else { return }
    // Over the limit: wait with the message in the queue until its turn comes. A cancelled
    // sender cancels the call, which fails the send in flight and so wakes every waiter.
    let call = self.call
    let startHere: Bool = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        if let immediate = self.hold(message, .task(continuation)) {
          continuation.resume(returning: immediate)
        }
      }
    } onCancel: {
      call.cancel()
    }
    try self.finishHolding(message, startHere: startHere)
  }

  /// Like ``enqueue(_:)``, for a thread of its own: blocks the calling thread while the queue
  /// is over its byte limit. Never call it from one of Swift's cooperative threads.
  /// - Throws: ``GRPCError`` once an earlier send has failed.
  func enqueueWaiting(_ message: OutgoingMessage) throws(GRPCError) {
    guard try !self.tryEnqueue(message) else { return }
    let semaphore = DispatchSemaphore(value: 0)
    let startHere: Bool
    if let immediate = self.hold(message, .thread(semaphore)) {
      startHere = immediate
    } else {
      semaphore.wait()
      startHere = false
    }
    try self.finishHolding(message, startHere: startHere)
  }

  private func finishHolding(_ message: OutgoingMessage, startHere: Bool) throws(GRPCError) {
    if startHere {
      self.start(message, moreFollow: false)
    } else if let failure = self.state.withLock({ $0.failure }) {
      throw failure
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

  private func start(_ message: OutgoingMessage, moreFollow: Bool) {
    self.call.start(self.makeBatch(message, moreFollow)) { [self] outcome in
      self.completed((try? outcome.get()) == true)
    }
  }

  /// Runs on the completion-queue thread: starts the next message, or records the failure.
  private func completed(_ success: Bool) {
    var wakeSenders: [Waiter] = []
    var wakeDrainers: [CheckedContinuation<Void, Never>] = []
    let next: (message: OutgoingMessage, moreFollow: Bool)? = self.state.withLock { state in
      if !success, state.failure == nil {
        state.failure = self.failure()
      }
      guard state.failure == nil, state.head < state.pending.count else {
        if state.failure != nil {
          wakeSenders = state.pending[state.head...].compactMap(\.waiter)
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
      state.pending[state.head] = (nil, nil)
      state.head += 1
      // Every entry from `head` on holds a message.
      let message = entry.message!
      state.queuedBytes -= message.cost
      if let waiter = entry.waiter { wakeSenders.append(waiter) }
      if state.head >= 64, state.head * 2 >= state.pending.count {
        state.pending.removeFirst(state.head)
        state.head = 0
      }
      return (message, state.head < state.pending.count)
    }
    if let next { self.start(next.message, moreFollow: next.moreFollow) }
    for waiter in wakeSenders { waiter.wake() }
    for continuation in wakeDrainers { continuation.resume() }
  }
}

/// One message to send, held as C-core's byte buffer from the moment it is queued.
///
/// `@unchecked Sendable`: the buffer is written once, in `init`, and only read afterwards, by
/// C-core while a send batch runs.
final class OutgoingMessage: @unchecked Sendable {
  let buffer: UnsafeMutablePointer<grpc_byte_buffer>
  /// The message's length in bytes.
  let count: Int

  /// The memory a queued message takes: its bytes plus what C-core's byte buffer and slice and
  /// this object take besides (about 250 bytes, measured). Counting it keeps a queue of tiny
  /// messages (a four-byte end-of-file packet per file) within its limit in memory too, where
  /// counting bytes alone let tens of thousands of them wait.
  var cost: Int { self.count + 256 }

  /// A message holding a copy of `bytes`.
  init(copying bytes: [UInt8]) {
    self.buffer = ByteBuffers.make(bytes)
    self.count = bytes.count
  }

  /// A message written in place into C-core's own memory: `fill` gets `capacity` bytes and
  /// returns the range of them that makes the message. No copy is made afterwards, unless the
  /// message uses less than half of a large buffer.
  init(capacity: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Range<Int>) rethrows {
    var slice = grpc_slice_malloc(capacity)
    let range: Range<Int>
    do {
      range = try withUnsafeMutablePointer(to: &slice) { pointer in
        try fill(
          UnsafeMutableRawBufferPointer(
            start: cgrpc_slice_start_mutable(pointer), count: cgrpc_slice_length(pointer)))
      }
    } catch {
      grpc_slice_unref(slice)
      throw error
    }
    // A message that fills little of a large buffer is copied into one of its own size, so
    // that queued small messages do not each hold a large buffer.
    var part =
      range.count * 2 < capacity && capacity > 16 << 10
      ? withUnsafePointer(to: &slice) { pointer in
        grpc_slice_from_copied_buffer(
          UnsafeRawPointer(cgrpc_slice_start(pointer) + range.lowerBound)
            .assumingMemoryBound(to: CChar.self),
          range.count)
      }
      : grpc_slice_sub(slice, range.lowerBound, range.upperBound)
    grpc_slice_unref(slice)
    self.buffer = grpc_raw_byte_buffer_create(&part, 1)
    grpc_slice_unref(part)
    self.count = range.count
  }

  deinit {
    grpc_byte_buffer_destroy(self.buffer)
  }
}
