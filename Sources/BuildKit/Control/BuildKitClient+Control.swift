import GRPC

/// The daemon's administrative calls: version, workers, disk usage and pruning.
extension BuildKitClient {
  /// Options for ``prune(_:onRecord:)``, as `buildctl prune` takes them.
  public struct PruneOptions: Sendable, Hashable {
    /// Prune everything, not only records that are not in use and not shared.
    public var all: Bool
    /// Keep records used more recently than this.
    public var keepDuration: Duration?
    /// Keep this many bytes of cache.
    public var keepBytes: Int64
    /// containerd-style filters, e.g. `type==regular`.
    public var filters: [String]

    /// Creates options; the defaults prune only what is reclaimable.
    public init(
      all: Bool = false, keepDuration: Duration? = nil, keepBytes: Int64 = 0, filters: [String] = []
    ) {
      self.all = all
      self.keepDuration = keepDuration
      self.keepBytes = keepBytes
      self.filters = filters
    }
  }

  /// The daemon's BuildKit version.
  /// - Returns: The package, version and revision.
  /// - Throws: ``BuildKitError``; code ``BuildKitError/Code/unsupported`` for daemons before
  ///   BuildKit v0.11, which lack the call.
  public func info() async throws(BuildKitError) -> Control.BuildkitVersion {
    let response = try await self.unary(
      "/moby.buildkit.v1.Control/Info",
      Control.InfoRequest(),
      as: Control.InfoResponse.self
    )
    return response.buildkitVersion ?? Control.BuildkitVersion()
  }

  /// The daemon's workers; the first is the default one.
  /// - Parameter filter: containerd-style filters; empty lists all.
  /// - Returns: The worker records.
  /// - Throws: ``BuildKitError``.
  public func workers(filter: [String] = []) async throws(BuildKitError) -> [Control.WorkerRecord] {
    try await self.unary(
      "/moby.buildkit.v1.Control/ListWorkers",
      Control.ListWorkersRequest(filter: filter),
      as: Control.ListWorkersResponse.self
    ).record
  }

  /// The daemon's cache records.
  /// - Parameter filter: containerd-style filters; empty lists all.
  /// - Returns: The usage records.
  /// - Throws: ``BuildKitError``.
  public func diskUsage(filter: [String] = []) async throws(BuildKitError) -> [Control.UsageRecord]
  {
    try await self.unary(
      "/moby.buildkit.v1.Control/DiskUsage",
      Control.DiskUsageRequest(filter: filter),
      as: Control.DiskUsageResponse.self
    ).record
  }

  /// Deletes cache records.
  /// - Parameters:
  ///   - options: What to keep and what to delete.
  ///   - onRecord: Called for each record as the daemon deletes it.
  /// - Returns: Every deleted record.
  /// - Throws: ``BuildKitError``.
  @discardableResult
  public func prune(
    _ options: PruneOptions = PruneOptions(),
    onRecord: @Sendable (Control.UsageRecord) -> Void = { _ in }
  ) async throws(BuildKitError) -> [Control.UsageRecord] {
    var keepNanoseconds: Int64 = 0
    if let duration = options.keepDuration {
      let (seconds, attoseconds) = duration.components
      keepNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
    let request = Control.PruneRequest(
      filter: options.filters,
      all: options.all,
      keepDuration: keepNanoseconds,
      keepBytes: options.keepBytes
    )
    self.logger.debug("pruning on \(self.address)")
    do {
      return try await self.channel.serverStreaming(
        "/moby.buildkit.v1.Control/Prune",
        request: request.encoded()
      ) { stream throws(GRPCError) in
        var records: [Control.UsageRecord] = []
        while let bytes = try await stream.receive() {
          guard let record = try? Control.UsageRecord(decoding: bytes) else {
            throw GRPCError(
              code: .status, status: .internal, message: "the daemon sent a malformed prune record")
          }
          onRecord(record)
          records.append(record)
        }
        return records
      }
    } catch {
      throw self.translate(error, doing: "prune")
    }
  }
}
