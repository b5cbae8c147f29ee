/// A gRPC status code, as carried in the `grpc-status` trailer.
///
/// The values are gRPC's; codes this library does not know keep their raw value.
public struct StatusCode: Hashable, Sendable, CustomStringConvertible {
  /// The numeric value on the wire.
  public let rawValue: Int

  /// Creates a code from its wire value.
  /// - Parameter rawValue: The numeric value of `grpc-status`.
  public init(rawValue: Int) { self.rawValue = rawValue }

  /// The call succeeded.
  public static let ok = StatusCode(rawValue: 0)
  /// The call was cancelled, usually by the caller.
  public static let cancelled = StatusCode(rawValue: 1)
  /// An error with no better code.
  public static let unknown = StatusCode(rawValue: 2)
  /// The caller passed an argument the server rejects.
  public static let invalidArgument = StatusCode(rawValue: 3)
  /// The deadline passed before the call finished.
  public static let deadlineExceeded = StatusCode(rawValue: 4)
  /// Something the call names does not exist.
  public static let notFound = StatusCode(rawValue: 5)
  /// Something the call tried to create exists already.
  public static let alreadyExists = StatusCode(rawValue: 6)
  /// The caller may not do this.
  public static let permissionDenied = StatusCode(rawValue: 7)
  /// A resource, such as the message size limit, ran out.
  public static let resourceExhausted = StatusCode(rawValue: 8)
  /// The system is not in a state the call needs.
  public static let failedPrecondition = StatusCode(rawValue: 9)
  /// The call was aborted, often by a concurrency conflict.
  public static let aborted = StatusCode(rawValue: 10)
  /// A value was outside its valid range.
  public static let outOfRange = StatusCode(rawValue: 11)
  /// The server does not implement the method.
  public static let unimplemented = StatusCode(rawValue: 12)
  /// An invariant inside the server broke.
  public static let `internal` = StatusCode(rawValue: 13)
  /// The server could not be reached, or the connection broke.
  public static let unavailable = StatusCode(rawValue: 14)
  /// Data was lost or corrupted.
  public static let dataLoss = StatusCode(rawValue: 15)
  /// The caller has no valid credentials.
  public static let unauthenticated = StatusCode(rawValue: 16)

  private static let names = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  ]

  public var description: String {
    if self.rawValue >= 0, self.rawValue < Self.names.count {
      return Self.names[self.rawValue]
    }
    return "status \(self.rawValue)"
  }
}
