import Foundation
import GRPC
public import OCI

/// Builds: a session for the daemon's callbacks, the Solve call, and the Status stream.
///
/// The three run together, as the daemon expects: the session is opened first (the daemon looks
/// it up by id when the solve starts), Solve runs until the build and all its exports have
/// finished, and Status streams progress for the same ref meanwhile. After Solve returns, the
/// status stream gets a few seconds to deliver its last batches before it is cancelled; the
/// session is closed last, since exports use it until the very end.
extension BuildKitClient {
  /// How long the status stream may trail a finished solve.
  static let statusGrace: Duration = .seconds(3)

  /// Runs a build and reports progress to a closure.
  /// - Parameters:
  ///   - request: What to build and where the results go.
  ///   - credentials: Registry credentials served to the daemon; by default the user's Docker
  ///     configuration.
  ///   - onStatus: Called with each batch of progress from the daemon.
  /// - Returns: The exporters' response.
  /// - Throws: ``BuildKitError``; code ``BuildKitError/Code/solveFailed`` when the build itself
  ///   failed, with a ``SolveFailure`` as its cause.
  public func build(
    _ request: BuildRequest,
    credentials: any CredentialProviding = CredentialStore(),
    onStatus: @escaping @Sendable (Control.StatusResponse) -> Void = { _ in }
  ) async throws(BuildKitError) -> BuildResult {
    try self.validate(request)
    let (session, solveRequest) = self.prepare(request, credentials: credentials)
    self.logger.debug("build \(request.ref): session \(session.id) on \(self.address)")
    do {
      let result = try await session.run(on: self.channel) {
        try await self.solve(solveRequest, onStatus: onStatus)
      }
      self.logger.debug("build \(request.ref): session closed")
      return result
    } catch let error as BuildKitError {
      throw error
    } catch {
      throw BuildKitError(
        code: .sessionFailed, message: "build \(request.ref) failed: \(error)", cause: error)
    }
  }

  /// Runs a build while `observe` reads its progress as an asynchronous sequence.
  ///
  /// The sequence finishes when the build has ended, successfully or not.
  /// - Parameters:
  ///   - request: What to build and where the results go.
  ///   - credentials: Registry credentials served to the daemon.
  ///   - observe: Reads the progress batches; runs concurrently with the build.
  /// - Returns: The exporters' response and what `observe` returned.
  /// - Throws: ``BuildKitError``, or what `observe` throws.
  public func build<Observed: Sendable>(
    _ request: BuildRequest,
    credentials: any CredentialProviding = CredentialStore(),
    observe: @escaping @Sendable (AsyncStream<Control.StatusResponse>) async throws -> Observed
  ) async throws -> (result: BuildResult, observed: Observed) {
    let (updates, continuation) = AsyncStream<Control.StatusResponse>.makeStream()
    async let observed = observe(updates)
    let result: Result<BuildResult, BuildKitError>
    do {
      result = .success(
        try await self.build(request, credentials: credentials) { continuation.yield($0) })
    } catch {
      result = .failure(error)
    }
    continuation.finish()
    let value = try await observed
    return (try result.get(), value)
  }

  private func validate(_ request: BuildRequest) throws(BuildKitError) {
    let streamed: Set<String> = ["local", "tar", "oci", "docker"]
    for export in request.exports where streamed.contains(export.type) {
      let tarball = export.attributes["tar"].map { $0 != "false" } ?? true
      if export.destination == nil, export.type == "local" || tarball {
        throw BuildKitError(
          code: .invalidArgument,
          message: "the \(export.type) export needs a destination; add dest=PATH to the output"
        )
      }
    }
    for (name, path) in request.localDirectories {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        throw BuildKitError(
          code: .notFound,
          message: "local directory \(name)=\(path) does not exist or is not a directory"
        )
      }
    }
  }

  private func prepare(
    _ request: BuildRequest,
    credentials: any CredentialProviding
  ) -> (Session, Control.SolveRequest) {
    var destinations: [Int: ExportDestination] = [:]
    for (index, export) in request.exports.enumerated() {
      destinations[index] = export.destination
    }
    let session = Session(
      sharedKey: request.sharedKey,
      attachables: [
        FileSyncProvider(directories: request.localDirectories),
        SecretsProvider(
          secrets: request.secrets,
          environment: request.secrets.isEmpty ? [:] : ProcessInfo.processInfo.environment),
        AuthProvider(credentials: credentials),
        FileSendTarget(destinations: destinations),
      ]
    )

    let exporters = request.exports.map { Control.Exporter(type: $0.type, attrs: $0.attributes) }
    var frontendAttributes = request.frontendAttributes
    if !request.frontend.isEmpty, !request.cacheImports.isEmpty {
      // Frontends read cache imports from their own attribute, as a JSON list.
      frontendAttributes["cache-imports"] = Self.json(request.cacheImports)
    }
    let solveRequest = Control.SolveRequest(
      ref: request.ref,
      definition: request.definition,
      // Daemons before v0.13 read only the single deprecated exporter; send the first there too.
      exporterDeprecated: exporters.first?.type ?? "",
      exporterAttrsDeprecated: exporters.first?.attrs ?? [:],
      session: session.id,
      frontend: request.frontend,
      frontendAttrs: frontendAttributes,
      cache: Control.CacheOptions(
        exports: request.cacheExports.map {
          Control.CacheOptionsEntry(type: $0.type, attrs: $0.attributes)
        },
        imports: request.cacheImports.map {
          Control.CacheOptionsEntry(type: $0.type, attrs: $0.attributes)
        }
      ),
      entitlements: request.entitlements,
      exporters: exporters
    )
    return (session, solveRequest)
  }

  private static func json(_ entries: [BuildRequest.CacheEntry]) -> String {
    let objects = entries.map { ["Type": $0.type, "Attrs": $0.attributes] as [String: Any] }
    let data =
      (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]))
      ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  private func solve(
    _ request: Control.SolveRequest,
    onStatus: @escaping @Sendable (Control.StatusResponse) -> Void
  ) async throws -> BuildResult {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        // Progress is best effort: a failed build often ends its status stream with an error
        // that says less than the Solve error does.
        try? await self.readStatus(ref: request.ref, onStatus: onStatus)
      }
      let response: Control.SolveResponse
      do {
        let bytes = try await self.channel.unary(
          "/moby.buildkit.v1.Control/Solve", request: request.encoded())
        response = try Control.SolveResponse(decoding: bytes)
      } catch let error as GRPCError {
        try? await Self.wait(for: &group, atMost: Self.statusGrace)
        throw self.solveError(error, ref: request.ref)
      }
      self.logger.debug("build \(request.ref): solve returned")
      try? await Self.wait(for: &group, atMost: Self.statusGrace)
      self.logger.debug("build \(request.ref): status stream ended")
      return BuildResult(exporterResponse: response.exporterResponse)
    }
  }

  /// Waits for the group's tasks to end by themselves, cancelling them after `limit`.
  private static func wait(
    for group: inout ThrowingTaskGroup<Void, any Error>, atMost limit: Duration
  ) async throws {
    group.addTask { try await Task.sleep(for: limit) }
    _ = try await group.next()
    group.cancelAll()
  }

  private func readStatus(
    ref: String,
    onStatus: @escaping @Sendable (Control.StatusResponse) -> Void
  ) async throws {
    try await self.channel.serverStreaming(
      "/moby.buildkit.v1.Control/Status",
      request: Control.StatusRequest(ref: ref).encoded()
    ) { stream throws(GRPCError) in
      while let bytes = try await stream.receive() {
        guard let update = try? Control.StatusResponse(decoding: bytes) else { continue }
        onStatus(update)
      }
    }
  }

  private func solveError(_ error: GRPCError, ref: String) -> BuildKitError {
    guard error.code == .status, error.status != .unavailable, error.status != .cancelled else {
      var translated = self.translate(error, doing: "build \(ref)")
      if error.status == .unavailable {
        translated.message =
          "lost the connection to buildkitd at \(self.address) during build \(ref): "
          + error.message
      } else if error.status == .cancelled, !Task.isCancelled {
        translated.message =
          "buildkitd at \(self.address) cancelled build \(ref); was the daemon stopped?"
      }
      return translated
    }
    var failure = SolveFailure(statusCode: Int32(error.status.rawValue), message: error.message)
    if let details = error.details, let decoded = try? SolveFailure(statusDetails: details) {
      failure = decoded
    }
    return BuildKitError(
      code: .solveFailed, message: "failed to solve: \(error.message)", cause: failure)
  }
}
