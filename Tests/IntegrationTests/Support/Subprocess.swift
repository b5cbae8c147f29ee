// Runs a program the tests use as a peer or a verifier (buildctl, skopeo, openssl) and collects
// everything it did: its exit status, all of its standard output and standard error. Output is
// drained on threads of its own while the program runs, so a chatty child never blocks on a full
// pipe, and no shared thread pool is ever blocked by a read. A deadline bounds each run: a child
// that outlives it gets SIGTERM, then SIGKILL, and the run throws. Children start with no signal
// blocked, whatever thread spawns them.

import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a finished subprocess left behind.
struct ProcessOutput: Sendable {
  /// The exit status, or the number of the signal that ended the process (see `signaled`).
  let status: Int32
  /// Whether a signal ended the process instead of `exit`.
  let signaled: Bool
  /// Everything the process wrote to standard output.
  let stdout: Data
  /// Everything the process wrote to standard error.
  let stderr: Data

  /// Standard output as UTF-8 text (invalid bytes replaced).
  var standardOutput: String { String(decoding: self.stdout, as: UTF8.self) }
  /// Standard error as UTF-8 text (invalid bytes replaced).
  var standardError: String { String(decoding: self.stderr, as: UTF8.self) }
  /// Whether the process exited with status 0.
  var succeeded: Bool { !self.signaled && self.status == 0 }
}

/// Runs programs as child processes, with a deadline.
enum Subprocess {
  /// Runs a program to its end and returns its status and output.
  ///
  /// - Parameters:
  ///   - executable: An absolute path, or a name looked up in `PATH`.
  ///   - arguments: The program's arguments (without the program name).
  ///   - environment: Variables to set on top of this process's environment.
  ///   - input: Bytes for the program's standard input, which is then closed; nil gives it
  ///     `/dev/null`.
  ///   - timeout: How long the program may run.
  /// - Returns: The exit status and everything the program wrote. A non-zero status is not an
  ///   error here; the caller decides.
  /// - Throws: `SubprocessError` when the program cannot be found or started, or when it
  ///   outlives `timeout` (the error carries the output so far).
  static func run(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    input: Data? = nil,
    timeout: Duration = .seconds(120)
  ) async throws(SubprocessError) -> ProcessOutput {
    let path = try self.resolve(executable)
    let command = ([path] + arguments).joined(separator: " ")
    guard !Task.isCancelled else {
      throw SubprocessError(
        code: .cancelled, message: "\(command) was not started because its task was cancelled")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    let stdinPipe = input.map { _ in Pipe() }
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    process.standardInput = stdinPipe ?? FileHandle.nullDevice

    let collector = Collector()
    process.terminationHandler = { finished in
      collector.exited(
        status: finished.terminationStatus,
        signaled: finished.terminationReason == .uncaughtSignal
      )
    }
    do {
      try self.withUnblockedSignals { try process.run() }
    } catch {
      throw SubprocessError(
        code: .launchFailed, message: "cannot start \(command): \(error)", cause: error)
    }
    let pid = process.processIdentifier

    // Blocking reads and writes get threads of their own: on the shared dispatch or cooperative
    // pools they would starve other work while a child runs.
    for (stream, pipe) in [(Collector.Stream.stdout, stdoutPipe), (.stderr, stderrPipe)] {
      let handle = pipe.fileHandleForReading
      Thread {
        let data = (try? handle.readToEnd()) ?? Data()
        // Closed here rather than left to the handle's release, which keeps the descriptor
        // open for as long as Foundation holds on to the pipe.
        try? handle.close()
        collector.closed(stream, data: data)
      }.start()
    }
    if let stdinPipe, let input {
      let handle = stdinPipe.fileHandleForWriting
      Thread {
        // A child that exits without reading its input makes this write fail; that is its choice.
        try? handle.write(contentsOf: input)
        try? handle.close()
      }.start()
    }

    let finished = await withTaskCancellationHandler {
      await collector.result(within: timeout)
    } onCancel: {
      collector.signal(SIGTERM, to: pid)
    }
    if let finished {
      return finished
    }

    // The deadline passed or the task was cancelled: ask, then force, and report what the
    // program wrote until then.
    collector.signal(SIGTERM, to: pid)
    var stopped = await collector.result(within: .seconds(5))
    if stopped == nil {
      collector.signal(SIGKILL, to: pid)
      stopped = await collector.result(within: .seconds(5))
    }
    let partial = stopped ?? collector.partialOutput()
    if Task.isCancelled {
      throw SubprocessError(
        code: .cancelled, message: "\(command) was stopped because its task was cancelled",
        output: partial)
    }
    throw SubprocessError(
      code: .timedOut,
      message: "\(command) did not finish within \(timeout) and was stopped; its standard error "
        + "so far: \(partial.standardError)",
      output: partial
    )
  }

  /// Runs `body` with no signal blocked on the current thread. A child starts with the signal
  /// mask of the thread that spawns it, and the threads of Swift's cooperative pool block most
  /// signals: a child spawned there would ignore SIGTERM and SIGINT for its whole life.
  private static func withUnblockedSignals<T>(_ body: () throws -> T) rethrows -> T {
    var none = sigset_t()
    var previous = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
  }

  /// Finds a program: a name with a slash is used as it is, a bare name is looked up in `PATH`.
  private static func resolve(_ executable: String) throws(SubprocessError) -> String {
    let fileManager = FileManager.default
    if executable.contains("/") {
      guard fileManager.isExecutableFile(atPath: executable) else {
        throw SubprocessError(
          code: .notFound, message: "\(executable) is not an executable file (run Scripts/install)")
      }
      return executable
    }
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in searchPath.split(separator: ":") {
      let candidate = "\(folder)/\(executable)"
      if fileManager.isExecutableFile(atPath: candidate) {
        return candidate
      }
    }
    throw SubprocessError(
      code: .notFound, message: "\(executable) is not in PATH (\(searchPath)); run Scripts/install")
  }
}

/// Gathers a child's output and exit status from the threads that observe them, and hands the
/// result to the task that waits for it once all three are in.
private final class Collector: Sendable {
  enum Stream { case stdout, stderr }

  private typealias Waiter = CheckedContinuation<ProcessOutput, Never>

  private struct State {
    var stdout: Data?
    var stderr: Data?
    var exit: (status: Int32, signaled: Bool)?
    var waiter: Waiter?
    /// Set when a wait timed out before its waiting task got to suspend: that task must then
    /// return at once instead of waiting.
    var abandoned = false

    var complete: ProcessOutput? {
      guard let stdout, let stderr, let exit else { return nil }
      return ProcessOutput(
        status: exit.status, signaled: exit.signaled, stdout: stdout, stderr: stderr)
    }

    var partial: ProcessOutput {
      ProcessOutput(
        status: self.exit?.status ?? -1, signaled: self.exit?.signaled ?? false,
        stdout: self.stdout ?? Data(), stderr: self.stderr ?? Data())
    }
  }

  private let state = Mutex(State())

  /// Records that a stream reached its end, with everything read from it.
  func closed(_ stream: Stream, data: Data) {
    self.update { state in
      switch stream {
      case .stdout: state.stdout = data
      case .stderr: state.stderr = data
      }
    }
  }

  /// Records the child's exit.
  func exited(status: Int32, signaled: Bool) {
    self.update { state in state.exit = (status, signaled) }
  }

  /// Waits for the result, up to a deadline (or until the task is cancelled).
  ///
  /// - Returns: The result, or nil when the deadline passed first.
  func result(within limit: Duration) async -> ProcessOutput? {
    await withTaskGroup(of: ProcessOutput?.self) { group in
      group.addTask { await self.result() }
      group.addTask {
        try? await Task.sleep(for: limit)
        return nil
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      if first == nil {
        // The group cannot end while its other child waits for the process.
        self.releaseWaiter()
      }
      return first
    }
  }

  /// Sends a signal to the child, unless it has already exited (its pid may then be reused).
  func signal(_ signal: Int32, to pid: Int32) {
    let running = self.state.withLock { $0.exit == nil }
    if running {
      kill(pid, signal)
    }
  }

  /// What has arrived so far; a stream still open counts as empty.
  func partialOutput() -> ProcessOutput {
    self.state.withLock { $0.partial }
  }

  /// Waits until both streams are closed and the process has exited (or the wait is released).
  private func result() async -> ProcessOutput {
    await withCheckedContinuation { (continuation: Waiter) in
      let ready = self.state.withLock { state -> ProcessOutput? in
        if let output = state.complete {
          return output
        }
        if state.abandoned {
          state.abandoned = false
          return state.partial
        }
        state.waiter = continuation
        return nil
      }
      if let ready {
        continuation.resume(returning: ready)
      }
    }
  }

  /// Ends the wait of a task in `result()` with whatever has arrived.
  private func releaseWaiter() {
    let released = self.state.withLock { state -> (Waiter, ProcessOutput)? in
      guard let waiter = state.waiter else {
        state.abandoned = true
        return nil
      }
      state.waiter = nil
      return (waiter, state.partial)
    }
    if let (waiter, output) = released {
      waiter.resume(returning: output)
    }
  }

  private func update(_ change: (inout State) -> Void) {
    let resumption = self.state.withLock { state -> (Waiter, ProcessOutput)? in
      change(&state)
      guard let output = state.complete, let waiter = state.waiter else {
        return nil
      }
      state.waiter = nil
      return (waiter, output)
    }
    if let (waiter, output) = resumption {
      waiter.resume(returning: output)
    }
  }
}

/// A failure to run a subprocess to its end.
struct SubprocessError: Error, CustomStringConvertible {
  /// What kind of failure this is.
  struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String {
      case notFound, launchFailed, timedOut, cancelled
    }
    private let kind: Kind

    /// The program is not an executable file, or not in `PATH`.
    static let notFound = Code(kind: .notFound)
    /// The program could not be started.
    static let launchFailed = Code(kind: .launchFailed)
    /// The program outlived its deadline and was stopped.
    static let timedOut = Code(kind: .timedOut)
    /// The task that ran the program was cancelled, and the program was stopped.
    static let cancelled = Code(kind: .cancelled)

    /// The code's name.
    var description: String { self.kind.rawValue }
  }

  /// What kind of failure this is.
  let code: Code
  /// What failed and what to do about it.
  let message: String
  /// The underlying error, if any.
  let cause: (any Error)?
  /// For `timedOut` and `cancelled`, what the program wrote before it was stopped.
  let output: ProcessOutput?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: What failed and what to do about it.
  ///   - cause: The underlying error, if any.
  ///   - output: What the program wrote before it failed, if it ran.
  init(code: Code, message: String, cause: (any Error)? = nil, output: ProcessOutput? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
    self.output = output
  }

  /// The message.
  var description: String { self.message }
}
