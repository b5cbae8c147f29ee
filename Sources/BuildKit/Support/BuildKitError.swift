/// An error raised by the BuildKit layer: the Control API, build sessions and solves.
///
/// Each error carries a ``Code`` that callers can switch on, a message that names the failing
/// value, and the lower-level error that caused it, if any.
public struct BuildKitError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure this is.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case malformedMessage
      case invalidArgument
      case connectionFailed
      case rpcFailed
      case sessionFailed
      case solveFailed
      case notFound
      case unsupported
      case cancelled
      case io
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// Bytes from the daemon that do not decode as the expected message.
    public static let malformedMessage = Code(.malformedMessage)
    /// A value given by the caller is not acceptable.
    public static let invalidArgument = Code(.invalidArgument)
    /// The daemon could not be reached.
    public static let connectionFailed = Code(.connectionFailed)
    /// A call to the daemon ended with a non-OK status.
    public static let rpcFailed = Code(.rpcFailed)
    /// The build session broke down.
    public static let sessionFailed = Code(.sessionFailed)
    /// The daemon reported that the build failed.
    public static let solveFailed = Code(.solveFailed)
    /// Something the caller named does not exist.
    public static let notFound = Code(.notFound)
    /// The daemon or this client does not support the request.
    public static let unsupported = Code(.unsupported)
    /// The operation was cancelled.
    public static let cancelled = Code(.cancelled)
    /// Reading or writing local files failed.
    public static let io = Code(.io)

    public var description: String { String(describing: self.wrapped) }
  }

  /// What kind of failure this is.
  public var code: Code
  /// A sentence that names the failing value.
  public var message: String
  /// The lower-level error that caused this one, if any.
  public var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: A sentence that names the failing value.
  ///   - cause: The lower-level error, if any.
  public init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    if let cause = self.cause {
      return "\(self.message) (\(cause))"
    }
    return self.message
  }
}
