internal import CGRPC
import Foundation
import Synchronization

/// A C-core completion queue drained by a thread of its own.
///
/// Every operation started on C-core carries a tag: a retained ``Completion`` whose handler the
/// drain thread runs when the operation finishes. Handlers only resume continuations or yield to
/// streams, so the thread never blocks on Swift work. ``shutdown()`` stops accepting work, lets
/// C-core flush every pending tag, and joins the thread.
///
/// A queue can have several owners (a channel and the session servers that share its thread,
/// see ``share()``); each calls ``shutdown()`` once, and the last one shuts the queue down.
final class CompletionQueue: @unchecked Sendable {
  // @unchecked: `queue` is a C-core handle whose API is thread-safe; the Swift state is the
  // `finished` semaphore, which is itself thread-safe.
  let queue: OpaquePointer
  private let finished = DispatchSemaphore(value: 0)
  /// How many owners have not yet called ``shutdown()``.
  private let owners = Mutex(1)
  /// Bit 0: closed, no more work may start. The other bits count the starts under way, in
  /// steps of 2. Every batch starts through here, from several threads at once, so it is an
  /// atomic rather than a lock they would contend for.
  private let gate = Atomic<Int>(0)

  /// Creates the queue and starts its drain thread.
  /// - Parameter name: The thread's name, for debuggers.
  init(name: String) {
    self.queue = grpc_completion_queue_create_for_next(nil)
    let queue = CoreHandle(pointer: self.queue)
    let finished = self.finished
    let thread = Thread {
      Self.drain(queue.pointer)
      finished.signal()
    }
    thread.name = name
    thread.start()
  }

  private static func drain(_ queue: OpaquePointer) {
    while true {
      let event = grpc_completion_queue_next(queue, CoreTime.infiniteFuture, nil)
      switch event.type {
      case GRPC_QUEUE_SHUTDOWN:
        return
      case GRPC_OP_COMPLETE:
        guard let tag = event.tag else { continue }
        let completion = Unmanaged<Completion>.fromOpaque(tag).takeRetainedValue()
        completion.handler(event.success != 0)
      default:
        // GRPC_QUEUE_TIMEOUT cannot happen with an infinite deadline.
        continue
      }
    }
  }

  /// Runs `start`, which starts an operation that completes on this queue, unless the queue
  /// is being shut down: C-core must not be given new work for a queue after its shutdown.
  /// A completion handler that starts the next operation can race with ``shutdown()``.
  /// - Returns: false when the queue is shut down and `start` did not run.
  func whileOpen(_ start: () -> Void) -> Bool {
    var current = self.gate.load(ordering: .relaxed)
    while true {
      guard current & 1 == 0 else { return false }
      let (exchanged, original) = self.gate.compareExchange(
        expected: current, desired: current + 2, ordering: .acquiring)
      if exchanged { break }
      current = original
    }
    start()
    self.gate.subtract(2, ordering: .releasing)
    return true
  }

  /// Adds an owner, who must call ``shutdown()`` once done with the queue.
  /// - Returns: false when the queue is already shut down.
  func share() -> Bool {
    self.owners.withLock { owners in
      guard owners > 0 else { return false }
      owners += 1
      return true
    }
  }

  /// Gives up one owner's share; the last one shuts the queue down and waits for the drain
  /// thread to exit. Never call it from a completion handler, which runs on that thread.
  func shutdown() {
    let last = self.owners.withLock { owners in
      guard owners > 0 else { return false }
      owners -= 1
      return owners == 0
    }
    guard last else { return }
    // Close the gate, then let the starts under way finish: they are a C call each.
    self.gate.bitwiseOr(1, ordering: .acquiringAndReleasing)
    while self.gate.load(ordering: .acquiring) != 1 {
      sched_yield()
    }
    grpc_completion_queue_shutdown(self.queue)
    self.finished.wait()
    grpc_completion_queue_destroy(self.queue)
  }
}

/// The work to do when one C-core operation completes.
final class Completion: Sendable {
  let handler: @Sendable (Bool) -> Void

  init(_ handler: @escaping @Sendable (Bool) -> Void) {
    self.handler = handler
  }

  /// A retained tag for C-core; the drain thread releases it.
  func makeTag() -> UnsafeMutableRawPointer {
    Unmanaged.passRetained(self).toOpaque()
  }

  /// Releases a tag that C-core refused, so it will never complete.
  static func discard(_ tag: UnsafeMutableRawPointer) {
    Unmanaged<Completion>.fromOpaque(tag).release()
  }
}
