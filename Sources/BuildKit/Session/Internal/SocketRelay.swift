import Foundation
import Synchronization

/// Moves bytes between a stream socket and async code without blocking Swift's cooperative
/// threads.
///
/// A build session runs our gRPC server on one end of a socketpair; this relay owns the other
/// end. A reader thread reads chunks from the socket and hands them to ``chunks``, holding at
/// most a few chunks in flight so a slow consumer slows the reader instead of growing memory. A
/// writer thread writes queued chunks to the socket in order. ``close()`` stops both threads
/// and closes the socket.
final class SocketRelay: Sendable {
  /// Chunks read from the socket; finishes at end of file or on a read error.
  let chunks: AsyncStream<[UInt8]>

  private let descriptor: Int32
  private let credits: DispatchSemaphore
  private let writes = WriteQueue()
  private let threadsDone = DispatchGroup()
  private let closed = Mutex(false)

  /// Starts relaying a connected socket, taking ownership of it.
  /// - Parameters:
  ///   - descriptor: The socket.
  ///   - chunkSize: The largest chunk read at once.
  ///   - inFlight: How many read chunks may wait for the consumer.
  init(descriptor: Int32, chunkSize: Int = 256 << 10, inFlight: Int = 4) {
    self.descriptor = descriptor
    // Credits are added by signalling: a semaphore created with a value traps when it is freed
    // below that value, which happens when a cancelled consumer leaves chunks unconsumed.
    self.credits = DispatchSemaphore(value: 0)
    for _ in 0..<inFlight { self.credits.signal() }
    let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
    self.chunks = stream

    let credits = self.credits
    let done = self.threadsDone
    done.enter()
    let reader = Thread {
      defer { done.leave() }
      var buffer = [UInt8](repeating: 0, count: chunkSize)
      while true {
        credits.wait()
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
        if count < 0, errno == EINTR {
          credits.signal()
          continue
        }
        guard count > 0 else { break }
        continuation.yield(Array(buffer[0..<count]))
      }
      continuation.finish()
    }
    reader.name = "session-relay-read"
    reader.start()

    let writes = self.writes
    done.enter()
    let writer = Thread {
      defer { done.leave() }
      while let chunk = writes.next() {
        guard Self.writeAll(chunk, to: descriptor) else {
          writes.fail()
          break
        }
      }
      // No more writes: tell the server side of the socket that the peer is done.
      shutdown(descriptor, Int32(SHUT_WR))
    }
    writer.name = "session-relay-write"
    writer.start()
  }

  /// Tells the relay that the consumer is done with one chunk from ``chunks``.
  func consumed() {
    self.credits.signal()
  }

  /// Queues bytes to be written to the socket.
  /// - Returns: false when the socket can no longer be written.
  @discardableResult
  func write(_ bytes: [UInt8]) -> Bool {
    self.writes.push(bytes)
  }

  /// Writes what is queued, then shuts down the socket's write side.
  func finishWriting() {
    self.writes.finish()
  }

  /// Stops both threads and closes the socket. Idempotent.
  func close() {
    let first = self.closed.withLock { closed in
      defer { closed = true }
      return !closed
    }
    guard first else { return }
    self.writes.finish()
    // Shutting down both directions wakes a reader blocked in read().
    shutdown(self.descriptor, Int32(SHUT_RDWR))
    // A reader waiting for credit needs one more to see the end.
    self.credits.signal()
    self.threadsDone.wait()
    Foundation.close(self.descriptor)
  }

  private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer in
        send(descriptor, buffer.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      }
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }
}

/// The writer thread's queue: pushes from any thread, blocking pops on the writer thread.
private final class WriteQueue: Sendable {
  private struct State {
    var chunks: [[UInt8]] = []
    var finished = false
    var failed = false
  }

  private let state = Mutex(State())
  private let available = DispatchSemaphore(value: 0)

  func push(_ chunk: [UInt8]) -> Bool {
    let accepted = self.state.withLock { state in
      guard !state.finished, !state.failed else { return false }
      state.chunks.append(chunk)
      return true
    }
    if accepted { self.available.signal() }
    return accepted
  }

  func finish() {
    self.state.withLock { $0.finished = true }
    self.available.signal()
  }

  func fail() {
    self.state.withLock { $0.failed = true }
  }

  /// The next chunk, or nil once finished and drained.
  func next() -> [UInt8]? {
    while true {
      self.available.wait()
      let outcome: (chunk: [UInt8]?, done: Bool) = self.state.withLock { state in
        if !state.chunks.isEmpty { return (state.chunks.removeFirst(), false) }
        return (nil, state.finished || state.failed)
      }
      if let chunk = outcome.chunk { return chunk }
      if outcome.done { return nil }
    }
  }
}
