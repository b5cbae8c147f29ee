// The interface every progress display implements, and a lock-protected wrapper for driving one
// printer from several tasks (the task reading the Status stream and the task ticking the clock).

import Synchronization

/// Renders the Status stream of a build as text.
///
/// The caller feeds every batch to ``update(_:now:)`` in order, calls ``tick(now:)`` a few times
/// per second so live displays can advance their clocks, and calls ``finish(now:)`` once after
/// the stream ends. Printers write complete chunks of text through the sink they were created
/// with, and write the same text for the same batches and clock readings.
public protocol ProgressPrinter: Sendable {
  /// Merges a status batch and writes what changed.
  /// - Parameters:
  ///   - response: The next batch from the Status stream.
  ///   - now: The current time of the caller's clock.
  mutating func update(_ response: Control.StatusResponse, now: ContinuousClock.Instant)

  /// Lets the printer refresh time-dependent output without new data.
  /// - Parameter now: The current time of the caller's clock.
  mutating func tick(now: ContinuousClock.Instant)

  /// Writes the final output once the Status stream has ended.
  /// - Parameter now: The current time of the caller's clock.
  mutating func finish(now: ContinuousClock.Instant)
}

extension ProgressMode {
  /// Creates the printer for this mode.
  ///
  /// Resolve ``auto`` with ``resolved(outputIsTerminal:)`` first; an unresolved ``auto`` prints
  /// as ``plain``.
  /// - Parameters:
  ///   - width: The terminal's width in columns; used by ``tty``.
  ///   - height: The terminal's height in rows, if known; used by ``tty``.
  ///   - prefix: Text put before every line; used by ``plain``.
  ///   - sink: Receives the printer's output.
  /// - Returns: A printer that writes to `sink`.
  public func makePrinter(
    width: Int = 80,
    height: Int? = nil,
    prefix: String = "",
    sink: @escaping @Sendable (String) -> Void
  ) -> any ProgressPrinter {
    switch self {
    case .auto, .plain:
      PlainProgressPrinter(prefix: prefix, sink: sink)
    case .tty:
      TTYProgressPrinter(width: width, height: height, sink: sink)
    case .rawjson:
      RawJSONProgressPrinter(sink: sink)
    case .quiet:
      QuietProgressPrinter()
    }
  }
}

/// A printer that prints nothing, for `--progress=quiet`.
public struct QuietProgressPrinter: ProgressPrinter {
  /// Creates the printer.
  public init() {}

  /// Ignores the batch.
  /// - Parameters:
  ///   - response: The next batch from the Status stream.
  ///   - now: The current time of the caller's clock.
  public mutating func update(_ response: Control.StatusResponse, now: ContinuousClock.Instant) {}

  /// Does nothing.
  /// - Parameter now: The current time of the caller's clock.
  public mutating func tick(now: ContinuousClock.Instant) {}

  /// Does nothing.
  /// - Parameter now: The current time of the caller's clock.
  public mutating func finish(now: ContinuousClock.Instant) {}
}

/// A printer that several tasks can drive at once, e.g. one reading the Status stream and one
/// calling ``tick(now:)`` on a timer.
public final class SharedProgressPrinter: Sendable {
  private let printer: Mutex<any ProgressPrinter>

  /// Wraps a printer.
  /// - Parameter printer: The printer to drive; calls are serialized by a lock.
  public init(_ printer: any ProgressPrinter) {
    self.printer = Mutex(printer)
  }

  /// Merges a status batch and writes what changed.
  /// - Parameters:
  ///   - response: The next batch from the Status stream.
  ///   - now: The current time; the continuous clock's reading by default.
  public func update(_ response: Control.StatusResponse, now: ContinuousClock.Instant = .now) {
    self.printer.withLock { $0.update(response, now: now) }
  }

  /// Lets the printer refresh time-dependent output.
  /// - Parameter now: The current time; the continuous clock's reading by default.
  public func tick(now: ContinuousClock.Instant = .now) {
    self.printer.withLock { $0.tick(now: now) }
  }

  /// Writes the final output once the Status stream has ended.
  /// - Parameter now: The current time; the continuous clock's reading by default.
  public func finish(now: ContinuousClock.Instant = .now) {
    self.printer.withLock { $0.finish(now: now) }
  }
}
