// The messages of Control/ListenBuildHistory and Control/UpdateBuildHistory (`moby.buildkit.v1`):
// the daemon's record of past and running builds, with their results, logs and traces stored as
// content descriptors.

import CBuildKitProtos

extension Control {
  /// A request to follow the build history (`moby.buildkit.v1.BuildHistoryRequest`).
  public struct BuildHistoryRequest: WireMessage, Hashable {
    /// Only running builds.
    public var activeOnly: Bool
    /// Only the build with this ref.
    public var ref: String
    /// End the stream after the current records instead of following new ones.
    public var earlyExit: Bool
    /// Filters; newer daemons only.
    public var filter: [String]
    /// The most records to send; newer daemons only.
    public var limit: Int32

    /// Creates a request; each parameter sets the property of the same name.
    public init(
      activeOnly: Bool = false,
      ref: String = "",
      earlyExit: Bool = false,
      filter: [String] = [],
      limit: Int32 = 0
    ) {
      self.activeOnly = activeOnly
      self.ref = ref
      self.earlyExit = earlyExit
      self.filter = filter
      self.limit = limit
    }
  }

  /// What happened to a history record (`moby.buildkit.v1.BuildHistoryEventType`).
  public struct BuildHistoryEventType: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// A build started.
    public static let started = BuildHistoryEventType(rawValue: 0)
    /// A build finished.
    public static let complete = BuildHistoryEventType(rawValue: 1)
    /// A record was deleted.
    public static let deleted = BuildHistoryEventType(rawValue: 2)
  }

  /// A change of the build history (`moby.buildkit.v1.BuildHistoryEvent`).
  public struct BuildHistoryEvent: WireMessage, Hashable {
    /// What happened.
    public var type: BuildHistoryEventType
    /// The record it happened to.
    public var record: BuildHistoryRecord?

    /// Creates an event; each parameter sets the property of the same name.
    public init(type: BuildHistoryEventType = .started, record: BuildHistoryRecord? = nil) {
      self.type = type
      self.record = record
    }
  }

  /// One build in the daemon's history (`moby.buildkit.v1.BuildHistoryRecord`).
  public struct BuildHistoryRecord: WireMessage, Hashable {
    /// The build's ref.
    public var ref: String
    /// The frontend it ran.
    public var frontend: String
    /// The frontend's options.
    public var frontendAttrs: [String: String]
    /// Its exporters.
    public var exporters: [Exporter]
    /// Why it failed; nil when it did not.
    public var error: Google.RPCStatus?
    /// When it started.
    public var createdAt: Google.Timestamp?
    /// When it finished.
    public var completedAt: Google.Timestamp?
    /// Its progress log, stored as content.
    public var logs: Descriptor?
    /// What its exporters reported.
    public var exporterResponse: [String: String]
    /// Its result.
    public var result: BuildResultInfo?
    /// Its results per platform or name.
    public var results: [String: BuildResultInfo]
    /// Incremented whenever the record changes.
    public var generation: Int32
    /// Its OpenTelemetry trace, stored as content.
    public var trace: Descriptor?
    /// Whether the record is kept from garbage collection.
    public var pinned: Bool
    /// How many steps came from the cache.
    public var numCachedSteps: Int32
    /// How many steps it has.
    public var numTotalSteps: Int32
    /// How many steps finished.
    public var numCompletedSteps: Int32
    /// The error with its details, stored as content; newer daemons only.
    public var externalError: Descriptor?
    /// How many warnings it produced; newer daemons only.
    public var numWarnings: Int32

    /// Creates a record; each parameter sets the property of the same name.
    public init(
      ref: String = "",
      frontend: String = "",
      frontendAttrs: [String: String] = [:],
      exporters: [Exporter] = [],
      error: Google.RPCStatus? = nil,
      createdAt: Google.Timestamp? = nil,
      completedAt: Google.Timestamp? = nil,
      logs: Descriptor? = nil,
      exporterResponse: [String: String] = [:],
      result: BuildResultInfo? = nil,
      results: [String: BuildResultInfo] = [:],
      generation: Int32 = 0,
      trace: Descriptor? = nil,
      pinned: Bool = false,
      numCachedSteps: Int32 = 0,
      numTotalSteps: Int32 = 0,
      numCompletedSteps: Int32 = 0,
      externalError: Descriptor? = nil,
      numWarnings: Int32 = 0
    ) {
      self.ref = ref
      self.frontend = frontend
      self.frontendAttrs = frontendAttrs
      self.exporters = exporters
      self.error = error
      self.createdAt = createdAt
      self.completedAt = completedAt
      self.logs = logs
      self.exporterResponse = exporterResponse
      self.result = result
      self.results = results
      self.generation = generation
      self.trace = trace
      self.pinned = pinned
      self.numCachedSteps = numCachedSteps
      self.numTotalSteps = numTotalSteps
      self.numCompletedSteps = numCompletedSteps
      self.externalError = externalError
      self.numWarnings = numWarnings
    }
  }

  /// A change to one history record (`moby.buildkit.v1.UpdateBuildHistoryRequest`).
  public struct UpdateBuildHistoryRequest: WireMessage, Hashable {
    /// The build's ref.
    public var ref: String
    /// Keep the record from garbage collection.
    public var pinned: Bool
    /// Delete the record.
    public var delete: Bool
    /// Finalize the record's traces; newer daemons only.
    public var finalize: Bool

    /// Creates a request; each parameter sets the property of the same name.
    public init(
      ref: String = "",
      pinned: Bool = false,
      delete: Bool = false,
      finalize: Bool = false
    ) {
      self.ref = ref
      self.pinned = pinned
      self.delete = delete
      self.finalize = finalize
    }
  }

  /// The empty answer to an UpdateBuildHistoryRequest
  /// (`moby.buildkit.v1.UpdateBuildHistoryResponse`).
  public struct UpdateBuildHistoryResponse: WireMessage, Hashable {
    /// Creates the response.
    public init() {}
  }

  /// A reference to content in the daemon's store (`moby.buildkit.v1.Descriptor`).
  public struct Descriptor: WireMessage, Hashable {
    /// The content's media type.
    public var mediaType: String
    /// The content's digest.
    public var digest: String
    /// The content's size in bytes.
    public var size: Int64
    /// Annotations.
    public var annotations: [String: String]

    /// Creates a descriptor; each parameter sets the property of the same name.
    public init(
      mediaType: String = "",
      digest: String = "",
      size: Int64 = 0,
      annotations: [String: String] = [:]
    ) {
      self.mediaType = mediaType
      self.digest = digest
      self.size = size
      self.annotations = annotations
    }
  }

  /// The stored result of a build (`moby.buildkit.v1.BuildResultInfo`).
  public struct BuildResultInfo: WireMessage, Hashable {
    /// The single result, as older daemons stored it.
    public var resultDeprecated: Descriptor?
    /// Attestations such as provenance.
    public var attestations: [Descriptor]
    /// The results by output index.
    public var results: [Int64: Descriptor]

    /// Creates a result; each parameter sets the property of the same name.
    public init(
      resultDeprecated: Descriptor? = nil,
      attestations: [Descriptor] = [],
      results: [Int64: Descriptor] = [:]
    ) {
      self.resultDeprecated = resultDeprecated
      self.attestations = attestations
      self.results = results
    }
  }
}

extension Control.BuildHistoryEventType: WireEnum {
  typealias CValue = Moby__Buildkit__V1__BuildHistoryEventType
}

extension Control.BuildHistoryRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__BuildHistoryRequest) {
    self.init()
    self.activeOnly = .init(cValue: c.active_only)
    self.ref = .init(cValue: c.ref)
    self.earlyExit = .init(cValue: c.early_exit)
    self.filter = .init(count: c.n_filter, cValues: c.filter)
    self.limit = c.limit
  }

  func fill(_ c: inout Moby__Buildkit__V1__BuildHistoryRequest, in arena: CArena) {
    c.active_only = arena.value(self.activeOnly)
    c.ref = arena.value(self.ref)
    c.early_exit = arena.value(self.earlyExit)
    (c.n_filter, c.filter) = arena.list(self.filter)
    c.limit = self.limit
  }
}

extension Control.BuildHistoryEvent: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__BuildHistoryEvent) {
    self.init(type: .init(cValue: c.type), record: .init(cValue: c.record))
  }

  func fill(_ c: inout Moby__Buildkit__V1__BuildHistoryEvent, in arena: CArena) {
    c.type = arena.value(self.type)
    c.record = arena.value(self.record)
  }
}

extension Control.BuildHistoryRecord: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__BuildHistoryRecord) {
    self.init()
    self.ref = .init(cValue: c.ref)
    self.frontend = .init(cValue: c.frontend)
    self.frontendAttrs = .init(count: c.n_frontend_attrs, cEntries: c.frontend_attrs)
    self.exporters = .init(count: c.n_exporters, cValues: c.exporters)
    self.error = .init(cValue: c.error)
    self.createdAt = .init(cValue: c.created_at)
    self.completedAt = .init(cValue: c.completed_at)
    self.logs = .init(cValue: c.logs)
    self.exporterResponse = .init(count: c.n_exporter_response, cEntries: c.exporter_response)
    self.result = .init(cValue: c.result)
    self.results = .init(count: c.n_results, cEntries: c.results)
    self.generation = c.generation
    self.trace = .init(cValue: c.trace)
    self.pinned = .init(cValue: c.pinned)
    self.numCachedSteps = c.num_cached_steps
    self.numTotalSteps = c.num_total_steps
    self.numCompletedSteps = c.num_completed_steps
    self.externalError = .init(cValue: c.external_error)
    self.numWarnings = c.num_warnings
  }

  func fill(_ c: inout Moby__Buildkit__V1__BuildHistoryRecord, in arena: CArena) {
    c.ref = arena.value(self.ref)
    c.frontend = arena.value(self.frontend)
    (c.n_frontend_attrs, c.frontend_attrs) = arena.map(self.frontendAttrs)
    (c.n_exporters, c.exporters) = arena.list(self.exporters)
    c.error = arena.value(self.error)
    c.created_at = arena.value(self.createdAt)
    c.completed_at = arena.value(self.completedAt)
    c.logs = arena.value(self.logs)
    (c.n_exporter_response, c.exporter_response) = arena.map(self.exporterResponse)
    c.result = arena.value(self.result)
    (c.n_results, c.results) = arena.map(self.results)
    c.generation = self.generation
    c.trace = arena.value(self.trace)
    c.pinned = arena.value(self.pinned)
    c.num_cached_steps = self.numCachedSteps
    c.num_total_steps = self.numTotalSteps
    c.num_completed_steps = self.numCompletedSteps
    c.external_error = arena.value(self.externalError)
    c.num_warnings = self.numWarnings
  }
}

extension Control.UpdateBuildHistoryRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__UpdateBuildHistoryRequest) {
    self.init()
    self.ref = .init(cValue: c.ref)
    self.pinned = .init(cValue: c.pinned)
    self.delete = .init(cValue: c.delete_)
    self.finalize = .init(cValue: c.finalize)
  }

  func fill(_ c: inout Moby__Buildkit__V1__UpdateBuildHistoryRequest, in arena: CArena) {
    c.ref = arena.value(self.ref)
    c.pinned = arena.value(self.pinned)
    c.delete_ = arena.value(self.delete)
    c.finalize = arena.value(self.finalize)
  }
}

extension Control.UpdateBuildHistoryResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__UpdateBuildHistoryResponse) {
    self.init()
  }

  func fill(_ c: inout Moby__Buildkit__V1__UpdateBuildHistoryResponse, in arena: CArena) {}
}

extension Control.Descriptor: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__Descriptor) {
    self.init()
    self.mediaType = .init(cValue: c.media_type)
    self.digest = .init(cValue: c.digest)
    self.size = c.size
    self.annotations = .init(count: c.n_annotations, cEntries: c.annotations)
  }

  func fill(_ c: inout Moby__Buildkit__V1__Descriptor, in arena: CArena) {
    c.media_type = arena.value(self.mediaType)
    c.digest = arena.value(self.digest)
    c.size = self.size
    (c.n_annotations, c.annotations) = arena.map(self.annotations)
  }
}

extension Control.BuildResultInfo: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__BuildResultInfo) {
    self.init()
    self.resultDeprecated = .init(cValue: c.result_deprecated)
    self.attestations = .init(count: c.n_attestations, cValues: c.attestations)
    self.results = .init(count: c.n_results, cEntries: c.results)
  }

  func fill(_ c: inout Moby__Buildkit__V1__BuildResultInfo, in arena: CArena) {
    c.result_deprecated = arena.value(self.resultDeprecated)
    (c.n_attestations, c.attestations) = arena.list(self.attestations)
    (c.n_results, c.results) = arena.map(self.results)
  }
}
