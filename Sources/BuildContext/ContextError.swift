/// An error raised by the build-context layer: ignore rules, directory walks and tar archives.
///
/// Each error carries a ``Code`` that callers can switch on, a message that names the failing
/// path or pattern and says what to do, and the lower-level error that caused it, if any.
public struct ContextError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure this is.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case invalidPattern
      case invalidPath
      case notFound
      case io
      case malformedArchive
      case unsafePath
      case unsupported
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// An include, exclude or `.dockerignore` pattern does not parse.
    public static let invalidPattern = Code(.invalidPattern)
    /// A path given by the caller is not acceptable (for example, not a directory).
    public static let invalidPath = Code(.invalidPath)
    /// A path that must exist does not.
    public static let notFound = Code(.notFound)
    /// A system call on a local file failed.
    public static let io = Code(.io)
    /// Tar bytes do not follow the ustar, PAX or GNU formats.
    public static let malformedArchive = Code(.malformedArchive)
    /// An archive entry would be written outside the destination directory.
    public static let unsafePath = Code(.unsafePath)
    /// The input uses a feature this library does not implement.
    public static let unsupported = Code(.unsupported)

    public var description: String { String(describing: self.wrapped) }
  }

  /// What kind of failure this is.
  public var code: Code
  /// A sentence that names the failing path or pattern and says what to do.
  public var message: String
  /// The lower-level error that caused this one, if any.
  public var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: A sentence that names the failing value and says what to do.
  ///   - cause: The lower-level error, if any.
  public init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    guard let cause = self.cause else {
      return "\(self.code): \"\(self.message)\""
    }
    return "\(self.code): \"\(self.message)\" (cause: \(cause))"
  }
}

/// A failed system call: the C function's name and the `errno` it left.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
  /// The C function that failed, such as `openat`.
  public var function: String
  /// The raw `errno` value.
  public var errno: Int32

  /// Creates an error from a function name and an `errno` value.
  /// - Parameters:
  ///   - function: The C function that failed.
  ///   - errno: The raw `errno` value.
  public init(function: String, errno: Int32) {
    self.function = function
    self.errno = errno
  }

  public var description: String {
    "\(self.function): \(systemErrorText(self.errno)) (errno \(self.errno))"
  }
}
