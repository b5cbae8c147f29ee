/// The four call shapes, each scoped so that the call has ended when the method returns.
extension ClientChannel {
  /// Makes a unary call.
  /// - Parameters:
  ///   - method: The method path, e.g. `/moby.buildkit.v1.Control/Info`.
  ///   - request: The encoded request.
  ///   - metadata: Request metadata.
  ///   - timeout: The call's deadline from now; nil for none.
  ///   - waitForReady: Whether to wait for a connection instead of failing fast.
  /// - Returns: The encoded response.
  /// - Throws: ``GRPCError`` with the call's status.
  public func unary(
    _ method: String,
    request: [UInt8],
    metadata: Metadata = Metadata(),
    timeout: Duration? = nil,
    waitForReady: Bool = false
  ) async throws(GRPCError) -> [UInt8] {
    try await self.bidirectionalStreaming(
      method,
      metadata: metadata,
      timeout: timeout,
      waitForReady: waitForReady
    ) { stream throws(GRPCError) in
      try await stream.send(request)
      try await stream.closeSend()
      guard let response = try await stream.receive() else {
        throw GRPCError.status(.internal, "\(method) ended without a response")
      }
      return response
    }
  }

  /// Makes a server-streaming call.
  /// - Parameters:
  ///   - method: The method path.
  ///   - request: The encoded request.
  ///   - metadata: Request metadata.
  ///   - timeout: The call's deadline from now; nil for none.
  ///   - body: Reads responses from the stream until ``ClientStream/receive()`` returns nil.
  /// - Returns: What `body` returns.
  /// - Throws: ``GRPCError`` with the call's status, or what `body` throws.
  public func serverStreaming<Result: Sendable>(
    _ method: String,
    request: [UInt8],
    metadata: Metadata = Metadata(),
    timeout: Duration? = nil,
    body: (ClientStream) async throws(GRPCError) -> Result
  ) async throws(GRPCError) -> Result {
    try await self.bidirectionalStreaming(method, metadata: metadata, timeout: timeout) {
      stream throws(GRPCError) in
      try await stream.send(request)
      try await stream.closeSend()
      return try await body(stream)
    }
  }

  /// Makes a client-streaming call.
  /// - Parameters:
  ///   - method: The method path.
  ///   - metadata: Request metadata.
  ///   - timeout: The call's deadline from now; nil for none.
  ///   - body: Sends requests on the stream.
  /// - Returns: The encoded response.
  /// - Throws: ``GRPCError`` with the call's status, or what `body` throws.
  public func clientStreaming(
    _ method: String,
    metadata: Metadata = Metadata(),
    timeout: Duration? = nil,
    body: (ClientStream) async throws(GRPCError) -> Void
  ) async throws(GRPCError) -> [UInt8] {
    try await self.bidirectionalStreaming(method, metadata: metadata, timeout: timeout) {
      stream throws(GRPCError) in
      try await body(stream)
      try await stream.closeSend()
      guard let response = try await stream.receive() else {
        throw GRPCError.status(.internal, "\(method) ended without a response")
      }
      return response
    }
  }

  /// Makes a bidirectional-streaming call.
  ///
  /// When `body` returns or throws before the call has ended, the call is cancelled; either
  /// way the method waits for C-core to release it before returning.
  /// - Parameters:
  ///   - method: The method path.
  ///   - metadata: Request metadata.
  ///   - timeout: The call's deadline from now; nil for none.
  ///   - waitForReady: Whether to wait for a connection instead of failing fast.
  ///   - body: Sends and receives on the stream.
  /// - Returns: What `body` returns.
  /// - Throws: ``GRPCError`` with the call's status, or what `body` throws.
  public func bidirectionalStreaming<Result: Sendable>(
    _ method: String,
    metadata: Metadata = Metadata(),
    timeout: Duration? = nil,
    waitForReady: Bool = false,
    body: (ClientStream) async throws(GRPCError) -> Result
  ) async throws(GRPCError) -> Result {
    let stream = try ClientStream(
      channel: self,
      method: method,
      metadata: metadata,
      timeout: timeout,
      waitForReady: waitForReady
    )
    let result: Swift.Result<Result, GRPCError>
    do {
      result = .success(try await body(stream))
    } catch {
      result = .failure(error)
    }
    if !stream.hasEnded {
      stream.cancel()
    }
    _ = try? await stream.finish()
    return try result.get()
  }
}
