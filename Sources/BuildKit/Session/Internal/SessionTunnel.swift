// The byte tunnel of a build session, between one end of a socketpair (our gRPC server holds the
// other end) and the `Control/Session` call.
//
// Neither direction goes through a Swift task:
//
// - out: a thread of its own reads what our server wrote into a buffer of C-core's memory, a few
//   bytes after its start, then writes the `BytesMessage` header (field 1, length-delimited: the
//   tag byte 0x0A and the length as a varint) right before the bytes and sends the whole as one
//   message. Nothing is copied in user space.
// - in: the channel's completion-queue thread, as each of the daemon's `BytesMessage`s arrives,
//   writes its `data` field to the socket straight from C-core's slices, parsing the message as
//   the slices come, and starts the next receive. The daemon sends an export as tens of
//   thousands of small messages; waking another thread for each would cost more than the
//   copying. Our server shares that thread, so these writes never block: what the socket does
//   not take at once is left to a writer thread, and the next message waits for it.
//
// When our server closes its connection the out thread sees the end of the socket and the call
// is half-closed; when the daemon ends the call, the in thread shuts the socket's write side so
// that our server sees the end too.

import Foundation
import GRPC
import Synchronization

/// The relays of one session's tunnel.
final class SessionTunnel: Sendable {
  /// The most bytes read from the socket into one message.
  static let chunkSize = 256 << 10
  /// Room before the bytes for the message header: the tag and a varint of up to 3 bytes.
  private static let headerRoom = 4

  private let descriptor: Int32
  private let stream: ClientStream
  private let outDone = ThreadEnd()
  private let inDone = ThreadEnd()

  /// Starts relaying between `descriptor` (which stays the caller's to close) and `stream`.
  init(descriptor: Int32, stream: ClientStream) {
    self.descriptor = descriptor
    self.stream = stream
    let outbound = Thread { [descriptor, stream, outDone] in
      Self.relayOut(from: descriptor, to: stream)
      outDone.signal()
    }
    outbound.name = "session-out"
    outbound.start()
    Self.relayIn(from: stream, to: descriptor) { [inDone] in inDone.signal() }
  }

  /// Waits until our server's side has ended and the call is half-closed, then until the
  /// daemon has ended the call. Cancelling the waiting task cancels the call.
  func run() async {
    await withTaskCancellationHandler {
      await self.outDone.wait()
      try? await self.stream.closeSend()
      await self.inDone.wait()
    } onCancel: {
      self.stream.cancel()
      shutdown(self.descriptor, Int32(SHUT_RDWR))
    }
  }

  private struct EndOfInput: Error {}

  private static func relayOut(from descriptor: Int32, to stream: ClientStream) {
    while true {
      do {
        try stream.sendWaiting(capacity: Self.headerRoom + Self.chunkSize) { buffer in
          let count = Self.readWhenReady(
            descriptor, into: buffer.baseAddress! + Self.headerRoom, count: Self.chunkSize)
          guard count > 0 else { throw EndOfInput() }
          let start = ProtobufFraming.place(
            ProtobufFraming.lengthDelimitedHeader(field: 1, length: count),
            before: Self.headerRoom, in: buffer)
          return start..<(Self.headerRoom + count)
        }
      } catch {
        // The end of our server's connection, a read error, or the end of the call.
        return
      }
    }
  }

  /// Reads what the socket holds, waiting for input with poll(2) rather than inside read(2):
  /// a reader asleep in read(2) is woken each time our server reads the daemon's bytes from the
  /// other end, since the socket announces free write space on the same wait queue, whereas
  /// poll(2) is woken by input only.
  /// - Returns: The count read, 0 at the end of the input, -1 on an error.
  private static func readWhenReady(
    _ descriptor: Int32, into pointer: UnsafeMutableRawPointer, count: Int
  ) -> Int {
    while true {
      let received = recv(descriptor, pointer, count, Int32(MSG_DONTWAIT))
      if received >= 0 { return received }
      switch errno {
      case EINTR:
        continue
      case EAGAIN, EWOULDBLOCK:
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, -1) < 0, errno != EINTR { return -1 }
      default:
        return -1
      }
    }
  }

  private static func relayIn(
    from stream: ClientStream, to descriptor: Int32, ended: @escaping @Sendable () -> Void
  ) {
    let relay = InboundRelay(descriptor: descriptor)
    stream.receiveAll { piece, first in
      relay.feed(piece, first: first)
    } holdNext: { resume in
      relay.flushLater(then: resume)
    } onEnd: {
      relay.stop()
      // No more bytes for our server: let it see the end of its connection.
      shutdown(descriptor, Int32(SHUT_WR))
      ended()
    }
  }
}

/// Reads one `BytesMessage` as its bytes arrive in pieces, handing on the bytes of its `data`
/// field (number 1) and skipping any other field.
struct BytesMessageParser {
  private enum Step {
    case key
    case length(field: UInt64)
    case data(remaining: Int)
    case skip(remaining: Int)
    case varint
  }

  private var step = Step.key
  private var varint: UInt64 = 0
  private var shift: UInt64 = 0

  /// Starts on a new message.
  mutating func reset() {
    self.step = .key
    self.varint = 0
    self.shift = 0
  }

  /// Parses the next piece of the message, calling `data` with each run of `data` bytes.
  mutating func feed(_ piece: UnsafeRawBufferPointer, data: (UnsafeRawBufferPointer) -> Void) {
    var index = 0
    while index < piece.count {
      switch self.step {
      case .data(let remaining), .skip(let remaining):
        let take = min(remaining, piece.count - index)
        if case .data = self.step {
          data(UnsafeRawBufferPointer(rebasing: piece[index..<(index + take)]))
          self.step = remaining == take ? .key : .data(remaining: remaining - take)
        } else {
          self.step = remaining == take ? .key : .skip(remaining: remaining - take)
        }
        index += take
      case .key, .length, .varint:
        let byte = piece[index]
        index += 1
        self.varint |= UInt64(byte & 0x7F) << self.shift
        self.shift += 7
        guard byte & 0x80 == 0 else { continue }
        let value = self.varint
        self.varint = 0
        self.shift = 0
        switch self.step {
        case .key:
          switch value & 7 {
          case 2: self.step = .length(field: value >> 3)
          case 0: self.step = .varint
          case 1: self.step = .skip(remaining: 8)
          case 5: self.step = .skip(remaining: 4)
          default: self.step = .skip(remaining: piece.count)  // malformed: drop the rest
          }
        case .length(let field):
          let length = Int(clamping: value)
          if length == 0 {
            self.step = .key
          } else {
            self.step = field == 1 ? .data(remaining: length) : .skip(remaining: length)
          }
        default:
          self.step = .key
        }
      }
    }
  }
}

/// The inbound direction: parses each of the daemon's messages and writes its bytes to the
/// socket without blocking.
///
/// It runs on the channel's completion-queue thread, which our server shares: if that thread
/// blocked on a full socket, nothing would read the other end. So a write that would block
/// keeps the rest of the message as a backlog, and the next message is not received until a
/// thread of the relay's own has written the backlog out.
///
/// `@unchecked Sendable`: the completion-queue thread uses it one message after another; the
/// writer thread touches the backlog and `failed` only while no receive is under way, and
/// hands them back by starting the next one.
final class InboundRelay: @unchecked Sendable {
  private let descriptor: Int32
  private var parser = BytesMessageParser()
  private var backlog: [UInt8] = []
  private var failed = false
  private var writer: BlockingWriter?

  init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  /// Parses a piece and writes its `data` bytes; false once a write has failed.
  func feed(_ piece: UnsafeRawBufferPointer, first: Bool) -> Bool {
    if first { self.parser.reset() }
    self.parser.feed(piece) { data in self.write(data) }
    return !self.failed
  }

  /// Hands the backlog of the message just fed to the writer thread, which calls `resume`
  /// once it is written.
  /// - Returns: false when there is no backlog and the next message may come at once.
  func flushLater(then resume: @escaping @Sendable () -> Void) -> Bool {
    guard !self.backlog.isEmpty else { return false }
    let bytes = self.backlog
    self.backlog = []
    if self.writer == nil { self.writer = BlockingWriter(descriptor: self.descriptor) }
    self.writer!.write(bytes) { [self] written in
      if !written { self.failed = true }
      resume()
    }
    return true
  }

  /// Ends the writer thread, if one was started.
  func stop() {
    self.writer?.stop()
  }

  private func write(_ data: UnsafeRawBufferPointer) {
    guard !self.failed else { return }
    guard self.backlog.isEmpty else {
      self.backlog.append(contentsOf: data)
      return
    }
    var offset = 0
    while offset < data.count {
      let written = send(
        self.descriptor, data.baseAddress! + offset, data.count - offset,
        Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
      if written >= 0 {
        offset += written
      } else if errno == EAGAIN || errno == EWOULDBLOCK {
        self.backlog.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[offset...]))
        return
      } else if errno != EINTR {
        self.failed = true
        return
      }
    }
  }
}

/// A thread that writes byte runs to a blocking socket, one after another, and reports each.
private final class BlockingWriter: Sendable {
  private typealias Job = (bytes: [UInt8], done: @Sendable (Bool) -> Void)
  private let jobs = Mutex<(queue: [Job], stopped: Bool)>(([], false))
  private let ready = DispatchSemaphore(value: 0)

  /// Starts the thread, which holds the writer until ``stop()``.
  init(descriptor: Int32) {
    let thread = Thread { [self] in self.run(descriptor: descriptor) }
    thread.name = "session-in"
    thread.start()
  }

  private func run(descriptor: Int32) {
    while true {
      self.ready.wait()
      let next: Job?? = self.jobs.withLock { jobs in
        if jobs.queue.isEmpty { return jobs.stopped ? .some(nil) : nil }
        return jobs.queue.removeFirst()
      }
      guard let job = next else { continue }
      guard let job else { return }
      let written = job.bytes.withUnsafeBytes { Self.writeAll($0, to: descriptor) }
      job.done(written)
    }
  }

  /// Queues `bytes`; `done` hears, on the writer's thread, whether all were written.
  func write(_ bytes: [UInt8], done: @escaping @Sendable (Bool) -> Void) {
    self.jobs.withLock { $0.queue.append((bytes, done)) }
    self.ready.signal()
  }

  /// Lets the thread end once the queued runs are written.
  func stop() {
    self.jobs.withLock { $0.stopped = true }
    self.ready.signal()
  }

  private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = send(
        descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }
}

/// The end of one direction of the tunnel, awaited by the session's task.
private final class ThreadEnd: Sendable {
  private let state = Mutex<(ended: Bool, waiters: [CheckedContinuation<Void, Never>])>(
    (false, []))

  func signal() {
    let waiters = self.state.withLock { state in
      state.ended = true
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  func wait() async {
    await withCheckedContinuation { continuation in
      let ended = self.state.withLock { state in
        if !state.ended { state.waiters.append(continuation) }
        return state.ended
      }
      if ended { continuation.resume() }
    }
  }
}
