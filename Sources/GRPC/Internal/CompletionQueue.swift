internal import CGRPC
import Foundation
import Synchronization

/// A C-core completion queue drained by a thread of its own.
///
/// Every operation started on C-core carries a tag: a retained ``Completion`` whose handler the
/// drain thread runs when the operation finishes. Handlers only resume continuations or yield to
/// streams, so the thread never blocks on Swift work. ``shutdown()`` stops accepting work, lets
/// C-core flush every pending tag, and joins the thread.
final class CompletionQueue: @unchecked Sendable {
  // @unchecked: `queue` is a C-core handle whose API is thread-safe; the Swift state is the
  // `finished` semaphore, which is itself thread-safe.
  let queue: OpaquePointer
  private let finished = DispatchSemaphore(value: 0)
  /// Whether work may still be started on the queue; false once ``shutdown()`` began.
  private let open = Mutex(true)

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
    self.open.withLock { open in
      guard open else { return false }
      start()
      return true
    }
  }

  /// Shuts the queue down and waits for the drain thread to exit. Idempotent.
  func shutdown() {
    let first = self.open.withLock { open in
      defer { open = false }
      return open
    }
    guard first else { return }
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
