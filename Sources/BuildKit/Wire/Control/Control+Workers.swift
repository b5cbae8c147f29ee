// The messages of Control/ListWorkers and Control/Info (`moby.buildkit.v1` and
// `moby.buildkit.v1.types`): what the daemon's workers are, which platforms they build for, how
// they collect garbage, and which BuildKit version runs them.

import CBuildKitProtos

extension Control {
  /// A request for the daemon's workers (`moby.buildkit.v1.ListWorkersRequest`).
  public struct ListWorkersRequest: WireMessage, Hashable {
    /// containerd-style filters; empty lists every worker.
    public var filter: [String]

    /// Creates a request; each parameter sets the property of the same name.
    public init(filter: [String] = []) {
      self.filter = filter
    }
  }

  /// The daemon's workers (`moby.buildkit.v1.ListWorkersResponse`).
  public struct ListWorkersResponse: WireMessage, Hashable {
    /// One record per worker; the first one is the default.
    public var record: [WorkerRecord]

    /// Creates a response; each parameter sets the property of the same name.
    public init(record: [WorkerRecord] = []) {
      self.record = record
    }
  }

  /// A request for the daemon's version; it has no fields (`moby.buildkit.v1.InfoRequest`).
  public struct InfoRequest: WireMessage, Hashable {
    /// Creates the request.
    public init() {}
  }

  /// The daemon's version (`moby.buildkit.v1.InfoResponse`).
  public struct InfoResponse: WireMessage, Hashable {
    /// The BuildKit version the daemon runs.
    public var buildkitVersion: BuildkitVersion?

    /// Creates a response; each parameter sets the property of the same name.
    public init(buildkitVersion: BuildkitVersion? = nil) {
      self.buildkitVersion = buildkitVersion
    }
  }

  /// One worker of the daemon (`moby.buildkit.v1.types.WorkerRecord`).
  public struct WorkerRecord: WireMessage, Hashable {
    /// The worker id.
    public var id: String
    /// Labels such as `org.mobyproject.buildkit.worker.executor`.
    public var labels: [String: String]
    /// The platforms it builds for; the first is the default build platform.
    public var platforms: [LLB.Platform]
    /// Its garbage collection policies.
    public var gcPolicy: [GCPolicy]
    /// The BuildKit version it runs.
    public var buildkitVersion: BuildkitVersion?

    /// Creates a record; each parameter sets the property of the same name.
    public init(
      id: String = "",
      labels: [String: String] = [:],
      platforms: [LLB.Platform] = [],
      gcPolicy: [GCPolicy] = [],
      buildkitVersion: BuildkitVersion? = nil
    ) {
      self.id = id
      self.labels = labels
      self.platforms = platforms
      self.gcPolicy = gcPolicy
      self.buildkitVersion = buildkitVersion
    }
  }

  /// A garbage collection rule of a worker (`moby.buildkit.v1.types.GCPolicy`).
  public struct GCPolicy: WireMessage, Hashable {
    /// Whether the rule applies to every record, not only unused ones.
    public var all: Bool
    /// Records unused for this long are collected, in nanoseconds.
    public var keepDuration: Int64
    /// Space to keep, in bytes; newer daemons call it `reservedSpace`.
    public var keepBytes: Int64
    /// Which records the rule applies to.
    public var filters: [String]
    /// The most space the cache may use, in bytes; newer daemons only.
    public var maxUsedSpace: Int64
    /// Free disk space to leave, in bytes; newer daemons only.
    public var minFreeSpace: Int64

    /// Creates a policy; each parameter sets the property of the same name.
    public init(
      all: Bool = false,
      keepDuration: Int64 = 0,
      keepBytes: Int64 = 0,
      filters: [String] = [],
      maxUsedSpace: Int64 = 0,
      minFreeSpace: Int64 = 0
    ) {
      self.all = all
      self.keepDuration = keepDuration
      self.keepBytes = keepBytes
      self.filters = filters
      self.maxUsedSpace = maxUsedSpace
      self.minFreeSpace = minFreeSpace
    }
  }

  /// The version of a BuildKit daemon (`moby.buildkit.v1.types.BuildkitVersion`).
  public struct BuildkitVersion: WireMessage, Hashable {
    /// The Go package, e.g. `github.com/moby/buildkit`.
    public var package: String
    /// The version, e.g. `v0.13.2`.
    public var version: String
    /// The source revision.
    public var revision: String
    /// The version of the built-in Dockerfile frontend; newer daemons only.
    public var dockerfileVersion: String

    /// Creates a version; each parameter sets the property of the same name.
    public init(
      package: String = "",
      version: String = "",
      revision: String = "",
      dockerfileVersion: String = ""
    ) {
      self.package = package
      self.version = version
      self.revision = revision
      self.dockerfileVersion = dockerfileVersion
    }
  }
}

extension Control.ListWorkersRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__ListWorkersRequest) {
    self.init(filter: .init(count: c.n_filter, cValues: c.filter))
  }

  func fill(_ c: inout Moby__Buildkit__V1__ListWorkersRequest, in arena: CArena) {
    (c.n_filter, c.filter) = arena.list(self.filter)
  }
}

extension Control.ListWorkersResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__ListWorkersResponse) {
    self.init(record: .init(count: c.n_record, cValues: c.record))
  }

  func fill(_ c: inout Moby__Buildkit__V1__ListWorkersResponse, in arena: CArena) {
    (c.n_record, c.record) = arena.list(self.record)
  }
}

extension Control.InfoRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__InfoRequest) {
    self.init()
  }

  func fill(_ c: inout Moby__Buildkit__V1__InfoRequest, in arena: CArena) {}
}

extension Control.InfoResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__InfoResponse) {
    self.init(buildkitVersion: .init(cValue: c.buildkit_version))
  }

  func fill(_ c: inout Moby__Buildkit__V1__InfoResponse, in arena: CArena) {
    c.buildkit_version = arena.value(self.buildkitVersion)
  }
}

extension Control.WorkerRecord: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__Types__WorkerRecord) {
    self.init()
    self.id = .init(cValue: c.id)
    self.labels = .init(count: c.n_labels, cEntries: c.labels)
    self.platforms = .init(count: c.n_platforms, cValues: c.platforms)
    self.gcPolicy = .init(count: c.n_gc_policy, cValues: c.gc_policy)
    self.buildkitVersion = .init(cValue: c.buildkit_version)
  }

  func fill(_ c: inout Moby__Buildkit__V1__Types__WorkerRecord, in arena: CArena) {
    c.id = arena.value(self.id)
    (c.n_labels, c.labels) = arena.map(self.labels)
    (c.n_platforms, c.platforms) = arena.list(self.platforms)
    (c.n_gc_policy, c.gc_policy) = arena.list(self.gcPolicy)
    c.buildkit_version = arena.value(self.buildkitVersion)
  }
}

extension Control.GCPolicy: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__Types__GCPolicy) {
    self.init()
    self.all = .init(cValue: c.all)
    self.keepDuration = c.keep_duration
    self.keepBytes = c.keep_bytes
    self.filters = .init(count: c.n_filters, cValues: c.filters)
    self.maxUsedSpace = c.max_used_space
    self.minFreeSpace = c.min_free_space
  }

  func fill(_ c: inout Moby__Buildkit__V1__Types__GCPolicy, in arena: CArena) {
    c.all = arena.value(self.all)
    c.keep_duration = self.keepDuration
    c.keep_bytes = self.keepBytes
    (c.n_filters, c.filters) = arena.list(self.filters)
    c.max_used_space = self.maxUsedSpace
    c.min_free_space = self.minFreeSpace
  }
}

extension Control.BuildkitVersion: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__Types__BuildkitVersion) {
    self.init()
    self.package = .init(cValue: c.package)
    self.version = .init(cValue: c.version)
    self.revision = .init(cValue: c.revision)
    self.dockerfileVersion = .init(cValue: c.dockerfile_version)
  }

  func fill(_ c: inout Moby__Buildkit__V1__Types__BuildkitVersion, in arena: CArena) {
    c.package = arena.value(self.package)
    c.version = arena.value(self.version)
    c.revision = arena.value(self.revision)
    c.dockerfile_version = arena.value(self.dockerfileVersion)
  }
}
