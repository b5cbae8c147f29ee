// The messages of Control/Status (`moby.buildkit.v1`).
//
// A StatusRequest names a build by its ref; the daemon streams StatusResponse batches until the
// build ends. Each batch carries vertices (build steps, re-sent whenever they change, keyed by
// digest), statuses (sub-task progress keyed by vertex and id), raw log chunks and warnings.
// Timestamps are absent when unset; v0.13 daemons send them as empty messages instead.

import CBuildKitProtos

extension Control {
  /// A request for the progress of one build (`moby.buildkit.v1.StatusRequest`).
  public struct StatusRequest: WireMessage, Hashable {
    /// The build's ref, as in its SolveRequest.
    public var ref: String

    /// Creates a request; each parameter sets the property of the same name.
    public init(ref: String = "") {
      self.ref = ref
    }
  }

  /// One batch of progress updates (`moby.buildkit.v1.StatusResponse`).
  public struct StatusResponse: WireMessage, Hashable {
    /// Vertices that started, finished or changed.
    public var vertexes: [Vertex]
    /// Sub-task progress.
    public var statuses: [VertexStatus]
    /// Output chunks.
    public var logs: [VertexLog]
    /// Warnings.
    public var warnings: [VertexWarning]

    /// Creates a batch; each parameter sets the property of the same name.
    public init(
      vertexes: [Vertex] = [],
      statuses: [VertexStatus] = [],
      logs: [VertexLog] = [],
      warnings: [VertexWarning] = []
    ) {
      self.vertexes = vertexes
      self.statuses = statuses
      self.logs = logs
      self.warnings = warnings
    }
  }

  /// A build step as shown in progress output (`moby.buildkit.v1.Vertex`).
  public struct Vertex: WireMessage, Hashable {
    /// The vertex's key, e.g. `sha256:...`; opaque.
    public var digest: String
    /// Digests of the vertices this one depends on.
    public var inputs: [String]
    /// The display name.
    public var name: String
    /// Whether the result came from the cache.
    public var cached: Bool
    /// When the step started; nil while it has not.
    public var started: Google.Timestamp?
    /// When the step finished; nil while it has not.
    public var completed: Google.Timestamp?
    /// The error; non-empty when the step failed.
    public var error: String
    /// The progress row this vertex belongs to.
    public var progressGroup: LLB.ProgressGroup?

    /// Creates a vertex; each parameter sets the property of the same name.
    public init(
      digest: String = "",
      inputs: [String] = [],
      name: String = "",
      cached: Bool = false,
      started: Google.Timestamp? = nil,
      completed: Google.Timestamp? = nil,
      error: String = "",
      progressGroup: LLB.ProgressGroup? = nil
    ) {
      self.digest = digest
      self.inputs = inputs
      self.name = name
      self.cached = cached
      self.started = started
      self.completed = completed
      self.error = error
      self.progressGroup = progressGroup
    }
  }

  /// Progress of a sub-task of a vertex, such as a layer download
  /// (`moby.buildkit.v1.VertexStatus`).
  public struct VertexStatus: WireMessage, Hashable {
    /// The sub-task, e.g. `transferring context:` or a layer digest.
    public var id: String
    /// The owning vertex's digest.
    public var vertex: String
    /// The action, e.g. `downloading` or `extracting`.
    public var name: String
    /// Units done so far.
    public var current: Int64
    /// Units in total; 0 when unknown.
    public var total: Int64
    /// When this update was made.
    public var timestamp: Google.Timestamp?
    /// When the sub-task started.
    public var started: Google.Timestamp?
    /// When the sub-task finished; nil while running.
    public var completed: Google.Timestamp?

    /// Creates a status; each parameter sets the property of the same name.
    public init(
      id: String = "",
      vertex: String = "",
      name: String = "",
      current: Int64 = 0,
      total: Int64 = 0,
      timestamp: Google.Timestamp? = nil,
      started: Google.Timestamp? = nil,
      completed: Google.Timestamp? = nil
    ) {
      self.id = id
      self.vertex = vertex
      self.name = name
      self.current = current
      self.total = total
      self.timestamp = timestamp
      self.started = started
      self.completed = completed
    }
  }

  /// A chunk of a vertex's output (`moby.buildkit.v1.VertexLog`).
  public struct VertexLog: WireMessage, Hashable {
    /// The vertex's digest.
    public var vertex: String
    /// When the chunk was written.
    public var timestamp: Google.Timestamp?
    /// 1 for stdout, 2 for stderr.
    public var stream: Int64
    /// The bytes; chunks are not aligned to lines.
    public var msg: [UInt8]

    /// Creates a log chunk; each parameter sets the property of the same name.
    public init(
      vertex: String = "",
      timestamp: Google.Timestamp? = nil,
      stream: Int64 = 0,
      msg: [UInt8] = []
    ) {
      self.vertex = vertex
      self.timestamp = timestamp
      self.stream = stream
      self.msg = msg
    }
  }

  /// A warning about a vertex, possibly pointing into a source file
  /// (`moby.buildkit.v1.VertexWarning`).
  public struct VertexWarning: WireMessage, Hashable {
    /// The vertex's digest.
    public var vertex: String
    /// The severity; 1 is a warning.
    public var level: Int64
    /// A one-line summary.
    public var short: [UInt8]
    /// Detail lines.
    public var detail: [[UInt8]]
    /// A link to documentation.
    public var url: String
    /// The source file the warning is about.
    public var info: LLB.SourceInfo?
    /// The ranges in that file.
    public var ranges: [LLB.Range]

    /// Creates a warning; each parameter sets the property of the same name.
    public init(
      vertex: String = "",
      level: Int64 = 0,
      short: [UInt8] = [],
      detail: [[UInt8]] = [],
      url: String = "",
      info: LLB.SourceInfo? = nil,
      ranges: [LLB.Range] = []
    ) {
      self.vertex = vertex
      self.level = level
      self.short = short
      self.detail = detail
      self.url = url
      self.info = info
      self.ranges = ranges
    }
  }
}

extension Control.StatusRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__StatusRequest) {
    self.init(ref: .init(cValue: c.ref))
  }

  func fill(_ c: inout Moby__Buildkit__V1__StatusRequest, in arena: CArena) {
    c.ref = arena.value(self.ref)
  }
}

extension Control.StatusResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__StatusResponse) {
    self.init()
    self.vertexes = .init(count: c.n_vertexes, cValues: c.vertexes)
    self.statuses = .init(count: c.n_statuses, cValues: c.statuses)
    self.logs = .init(count: c.n_logs, cValues: c.logs)
    self.warnings = .init(count: c.n_warnings, cValues: c.warnings)
  }

  func fill(_ c: inout Moby__Buildkit__V1__StatusResponse, in arena: CArena) {
    (c.n_vertexes, c.vertexes) = arena.list(self.vertexes)
    (c.n_statuses, c.statuses) = arena.list(self.statuses)
    (c.n_logs, c.logs) = arena.list(self.logs)
    (c.n_warnings, c.warnings) = arena.list(self.warnings)
  }
}

extension Control.Vertex: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__Vertex) {
    self.init()
    self.digest = .init(cValue: c.digest)
    self.inputs = .init(count: c.n_inputs, cValues: c.inputs)
    self.name = .init(cValue: c.name)
    self.cached = .init(cValue: c.cached)
    self.started = .init(cValue: c.started)
    self.completed = .init(cValue: c.completed)
    self.error = .init(cValue: c.error)
    self.progressGroup = .init(cValue: c.progress_group)
  }

  func fill(_ c: inout Moby__Buildkit__V1__Vertex, in arena: CArena) {
    c.digest = arena.value(self.digest)
    (c.n_inputs, c.inputs) = arena.list(self.inputs)
    c.name = arena.value(self.name)
    c.cached = arena.value(self.cached)
    c.started = arena.value(self.started)
    c.completed = arena.value(self.completed)
    c.error = arena.value(self.error)
    c.progress_group = arena.value(self.progressGroup)
  }
}

extension Control.VertexStatus: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__VertexStatus) {
    self.init()
    self.id = .init(cValue: c.id)
    self.vertex = .init(cValue: c.vertex)
    self.name = .init(cValue: c.name)
    self.current = c.current
    self.total = c.total
    self.timestamp = .init(cValue: c.timestamp)
    self.started = .init(cValue: c.started)
    self.completed = .init(cValue: c.completed)
  }

  func fill(_ c: inout Moby__Buildkit__V1__VertexStatus, in arena: CArena) {
    c.id = arena.value(self.id)
    c.vertex = arena.value(self.vertex)
    c.name = arena.value(self.name)
    c.current = self.current
    c.total = self.total
    c.timestamp = arena.value(self.timestamp)
    c.started = arena.value(self.started)
    c.completed = arena.value(self.completed)
  }
}

extension Control.VertexLog: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__VertexLog) {
    self.init()
    self.vertex = .init(cValue: c.vertex)
    self.timestamp = .init(cValue: c.timestamp)
    self.stream = c.stream
    self.msg = .init(cValue: c.msg)
  }

  func fill(_ c: inout Moby__Buildkit__V1__VertexLog, in arena: CArena) {
    c.vertex = arena.value(self.vertex)
    c.timestamp = arena.value(self.timestamp)
    c.stream = self.stream
    c.msg = arena.value(self.msg)
  }
}

extension Control.VertexWarning: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__VertexWarning) {
    self.init()
    self.vertex = .init(cValue: c.vertex)
    self.level = c.level
    self.short = .init(cValue: c.short_)
    self.detail = .init(count: c.n_detail, cValues: c.detail)
    self.url = .init(cValue: c.url)
    self.info = .init(cValue: c.info)
    self.ranges = .init(count: c.n_ranges, cValues: c.ranges)
  }

  func fill(_ c: inout Moby__Buildkit__V1__VertexWarning, in arena: CArena) {
    c.vertex = arena.value(self.vertex)
    c.level = self.level
    c.short_ = arena.value(self.short)
    (c.n_detail, c.detail) = arena.list(self.detail)
    c.url = arena.value(self.url)
    c.info = arena.value(self.info)
    (c.n_ranges, c.ranges) = arena.list(self.ranges)
  }
}
