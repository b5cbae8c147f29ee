/// An error raised by the OCI layer: digests, image references, platforms, credentials, the
/// registry client and the image index writer.
///
/// Each error carries a ``Code`` that callers can switch on, a message that names the failing
/// value (a registry host, an image reference, a digest, a file) and says what to do about it, and
/// the lower-level error that caused it, if any. Messages never contain credentials: neither
/// passwords, identity tokens nor bearer tokens are ever put into an error.
public struct OCIError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure this is.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case invalidDigest
      case invalidReference
      case invalidPlatform
      case invalidArgument
      case invalidManifest
      case invalidConfiguration
      case digestMismatch
      case unauthorized
      case notFound
      case registryError
      case connectionFailed
      case credentialHelperFailed
      case cryptoFailed
      case io
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// A string is not a valid `algorithm:hex` content digest.
    public static let invalidDigest = Code(.invalidDigest)
    /// A string is not a valid image reference.
    public static let invalidReference = Code(.invalidReference)
    /// A string is not a valid `os/arch[/variant]` platform.
    public static let invalidPlatform = Code(.invalidPlatform)
    /// A value given by the caller is not acceptable.
    public static let invalidArgument = Code(.invalidArgument)
    /// A manifest, index or image config does not decode or is inconsistent.
    public static let invalidManifest = Code(.invalidManifest)
    /// A Docker client configuration file cannot be read or decoded.
    public static let invalidConfiguration = Code(.invalidConfiguration)
    /// Content does not hash to the digest it was addressed by.
    public static let digestMismatch = Code(.digestMismatch)
    /// The registry refused the credentials, or asked for credentials that are not configured.
    public static let unauthorized = Code(.unauthorized)
    /// The registry has no such repository, manifest or blob.
    public static let notFound = Code(.notFound)
    /// The registry answered with an unexpected status.
    public static let registryError = Code(.registryError)
    /// The registry could not be reached, or the connection broke down.
    public static let connectionFailed = Code(.connectionFailed)
    /// A `docker-credential-*` helper could not be run or answered badly.
    public static let credentialHelperFailed = Code(.credentialHelperFailed)
    /// OpenSSL reported a failure while hashing.
    public static let cryptoFailed = Code(.cryptoFailed)
    /// Reading or writing local files failed.
    public static let io = Code(.io)

    /// The code's name, such as `digestMismatch`.
    public var description: String { String(describing: self.wrapped) }
  }

  /// What kind of failure this is.
  public var code: Code
  /// A sentence that names the failing value and says what to do.
  public var message: String
  /// The lower-level error that caused this one, if any.
  public var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: A sentence that names the failing value and says what to do. It must not
  ///     contain credentials.
  ///   - cause: The lower-level error, if any.
  public init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// The message, followed by the cause in parentheses if there is one.
  public var description: String {
    guard let cause = self.cause else {
      return self.message
    }
    return "\(self.message) (\(cause))"
  }
}
