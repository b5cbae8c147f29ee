/// A logger the caller hands to the library; without one the library prints nothing.
///
/// The library logs lifecycle events at `debug` and individual messages at `trace`, never above
/// `info`. The caller chooses the level and where lines go.
public struct Logger: Sendable {
  /// How important a line is, from the most verbose to the most severe.
  public enum Level: Int, Sendable, Comparable {
    case trace, debug, info, notice, warning, error, critical

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  /// The least important level that is written.
  public var level: Level
  private let sink: @Sendable (Level, String) -> Void

  /// Creates a logger.
  /// - Parameters:
  ///   - level: The least important level to write.
  ///   - sink: Receives each line that passes the level.
  public init(level: Level, sink: @escaping @Sendable (Level, String) -> Void) {
    self.level = level
    self.sink = sink
  }

  /// Writes a line at `level` if the logger's level lets it through.
  /// - Parameters:
  ///   - level: The line's level.
  ///   - message: The text, built only when written.
  public func log(_ level: Level, _ message: @autoclosure () -> String) {
    guard level >= self.level else { return }
    self.sink(level, message())
  }
}

extension Optional where Wrapped == Logger {
  func debug(_ message: @autoclosure () -> String) {
    self?.log(.debug, message())
  }

  func trace(_ message: @autoclosure () -> String) {
    self?.log(.trace, message())
  }
}
