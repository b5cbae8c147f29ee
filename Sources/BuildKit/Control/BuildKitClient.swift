public import GRPC

/// A client of one buildkitd (or a Docker Engine's embedded BuildKit): the Control API, and the
/// builds that run through it.
///
/// One client keeps one channel open and can run many calls and builds at once; create it
/// once, use it as long as needed, and ``close()`` it at the end.
public final class BuildKitClient: Sendable {
  /// The daemon's address.
  public let address: Address
  let channel: ClientChannel
  let logger: Logger?

  /// Creates a client; the connection opens on first use or with ``connect(timeout:wait:)``.
  /// - Parameters:
  ///   - address: The daemon's address.
  ///   - tls: TLS settings, or nil for plaintext.
  ///   - logger: Where the library logs; nil keeps it silent.
  ///   - connectTimeout: How long a TLS connection, made at once, may take to connect.
  /// - Throws: ``BuildKitError`` when the channel cannot be created, or a TLS connection fails.
  public init(
    address: Address,
    tls: TLSConfiguration? = nil,
    logger: Logger? = nil,
    connectTimeout: Duration = .seconds(5)
  ) throws(BuildKitError) {
    do {
      self.channel = try ClientChannel(address: address, tls: tls, connectTimeout: connectTimeout)
    } catch {
      let code: BuildKitError.Code = error.code == .status ? .connectionFailed : .invalidArgument
      throw BuildKitError(code: code, message: error.message, cause: error)
    }
    self.address = address
    self.logger = logger
  }

  /// Creates a client for an address written the way buildctl takes it.
  /// - Parameters:
  ///   - address: `unix://PATH` or `tcp://HOST:PORT`.
  ///   - tls: TLS settings, or nil for plaintext.
  ///   - logger: Where the library logs; nil keeps it silent.
  ///   - connectTimeout: How long a TLS connection, made at once, may take to connect.
  /// - Throws: ``BuildKitError`` naming an address that does not parse.
  public convenience init(
    address: String,
    tls: TLSConfiguration? = nil,
    logger: Logger? = nil,
    connectTimeout: Duration = .seconds(5)
  ) throws(BuildKitError) {
    let parsed: Address
    do {
      parsed = try Address(parsing: address)
    } catch {
      throw BuildKitError(code: .invalidArgument, message: error.message, cause: error)
    }
    try self.init(address: parsed, tls: tls, logger: logger, connectTimeout: connectTimeout)
  }

  /// Connects, or fails with a clear error.
  /// - Parameters:
  ///   - timeout: How long to try.
  ///   - wait: Whether to keep retrying until the timeout instead of failing at the first refusal.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/connectionFailed`` naming the address.
  public func connect(timeout: Duration = .seconds(5), wait: Bool = false)
    async throws(BuildKitError)
  {
    self.logger.debug("connecting to \(self.address)")
    do {
      try await self.channel.connect(timeout: timeout, waitForReady: wait)
    } catch {
      throw self.translate(error, doing: "connect")
    }
  }

  /// Closes the channel. Call it once no call or build is running.
  public func close() {
    self.channel.close()
  }

  // MARK: Calls

  func unary<Response: WireMessage>(
    _ method: String,
    _ request: some WireMessage,
    as: Response.Type,
    timeout: Duration? = nil
  ) async throws(BuildKitError) -> Response {
    self.logger.trace("calling \(method)")
    let bytes: [UInt8]
    do {
      bytes = try await self.channel.unary(method, request: request.encoded(), timeout: timeout)
    } catch {
      throw self.translate(error, doing: method)
    }
    return try Response(decoding: bytes)
  }

  /// Turns a gRPC failure into an error that says what to do about it.
  func translate(_ error: GRPCError, doing action: String) -> BuildKitError {
    if error.code == .closed {
      return BuildKitError(
        code: .invalidArgument, message: "the client for \(self.address) is closed", cause: error)
    }
    guard error.code == .status else {
      return BuildKitError(
        code: .rpcFailed, message: "\(action) on \(self.address) failed: \(error.message)",
        cause: error)
    }
    switch error.status {
    case .unavailable:
      if self.channel.usesTLS {
        return BuildKitError(
          code: .connectionFailed,
          message: "the TLS connection to buildkitd at \(self.address) failed (\(error.message)); "
            + "check --tlscacert, --tlscert, --tlskey and --tlsservername",
          cause: error
        )
      }
      return BuildKitError(
        code: .connectionFailed,
        message: "cannot reach buildkitd at \(self.address): \(error.message)",
        cause: error
      )
    case .unimplemented:
      return BuildKitError(
        code: .unsupported,
        message: "buildkitd at \(self.address) does not support \(action): \(error.message)",
        cause: error
      )
    case .cancelled:
      return BuildKitError(code: .cancelled, message: "\(action) was cancelled", cause: error)
    case .notFound:
      return BuildKitError(code: .notFound, message: error.message, cause: error)
    default:
      return BuildKitError(code: .rpcFailed, message: error.message, cause: error)
    }
  }
}
