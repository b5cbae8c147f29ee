/// An error from the gRPC layer: a call that ended with a non-OK status, or a failure of the
/// C-core machinery underneath.
///
/// Errors keep everything the peer sent: the status code, the status message and the binary
/// `grpc-status-details-bin` trailer (a serialized `google.rpc.Status`), so the layers above can
/// decode rich error details.
public struct GRPCError: Error, Sendable, CustomStringConvertible {
  /// Which part of the gRPC layer failed.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case status
      case invalidAddress
      case invalidConfiguration
      case callFailed
      case closed
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// The call ended with a non-OK status from the peer or from C-core.
    public static let status = Code(.status)
    /// An address could not be parsed.
    public static let invalidAddress = Code(.invalidAddress)
    /// Credentials or options could not be set up.
    public static let invalidConfiguration = Code(.invalidConfiguration)
    /// C-core refused to start an operation on a call.
    public static let callFailed = Code(.callFailed)
    /// The channel or server was already closed.
    public static let closed = Code(.closed)

    public var description: String { String(describing: self.wrapped) }
  }

  /// Which part of the gRPC layer failed.
  public var code: Code
  /// The gRPC status of the call; `.unknown` for errors that are not call statuses.
  public var status: StatusCode
  /// A sentence describing the failure, naming the failing value.
  public var message: String
  /// The binary `grpc-status-details-bin` trailer, if the peer sent one.
  public var details: [UInt8]?
  /// The lower-level error, if any.
  public var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: Which part of the layer failed.
  ///   - status: The gRPC status of the call.
  ///   - message: A sentence describing the failure.
  ///   - details: The binary status details, if any.
  ///   - cause: The lower-level error, if any.
  public init(
    code: Code,
    status: StatusCode = .unknown,
    message: String,
    details: [UInt8]? = nil,
    cause: (any Error)? = nil
  ) {
    self.code = code
    self.status = status
    self.message = message
    self.details = details
    self.cause = cause
  }

  /// An error for a call that ended with the given status.
  /// - Parameters:
  ///   - status: The status code.
  ///   - message: The status message.
  ///   - details: The binary status details, if any.
  /// - Returns: An error with code ``Code/status``.
  public static func status(
    _ status: StatusCode,
    _ message: String,
    details: [UInt8]? = nil
  ) -> GRPCError {
    GRPCError(code: .status, status: status, message: message, details: details)
  }

  public var description: String {
    var text = self.code == .status ? "\(self.status): \(self.message)" : self.message
    if let cause = self.cause {
      text += " (\(cause))"
    }
    return text
  }
}
