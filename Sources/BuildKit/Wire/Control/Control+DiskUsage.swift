// The messages of Control/DiskUsage and Control/Prune (`moby.buildkit.v1`): the daemon's cache
// records, and the request to delete some of them. Prune answers with a stream of the records it
// deleted, one UsageRecord each.

import CBuildKitProtos

extension Control {
  /// A request for the daemon's cache records (`moby.buildkit.v1.DiskUsageRequest`).
  public struct DiskUsageRequest: WireMessage, Hashable {
    /// containerd-style filters; empty lists every record.
    public var filter: [String]
    /// Only records unused for at least this long, in nanoseconds; newer daemons only.
    public var ageLimit: Int64

    /// Creates a request; each parameter sets the property of the same name.
    public init(filter: [String] = [], ageLimit: Int64 = 0) {
      self.filter = filter
      self.ageLimit = ageLimit
    }
  }

  /// The daemon's cache records (`moby.buildkit.v1.DiskUsageResponse`).
  public struct DiskUsageResponse: WireMessage, Hashable {
    /// The records.
    public var record: [UsageRecord]

    /// Creates a response; each parameter sets the property of the same name.
    public init(record: [UsageRecord] = []) {
      self.record = record
    }
  }

  /// One cache record (`moby.buildkit.v1.UsageRecord`).
  public struct UsageRecord: WireMessage, Hashable {
    /// The record id.
    public var id: String
    /// Whether the record can still change.
    public var mutable: Bool
    /// Whether a build uses it right now.
    public var inUse: Bool
    /// Its size in bytes.
    public var size: Int64
    /// Its parent record; superseded by `parents`.
    public var parent: String
    /// When it was created.
    public var createdAt: Google.Timestamp?
    /// When it was last used.
    public var lastUsedAt: Google.Timestamp?
    /// How often it was used.
    public var usageCount: Int64
    /// What it holds, in words.
    public var description: String
    /// Its kind: `regular`, `source.local`, `exec.cachemount`, `frontend`, ...
    public var recordType: String
    /// Whether other records share its data.
    public var shared: Bool
    /// Its parent records.
    public var parents: [String]

    /// Creates a record; each parameter sets the property of the same name.
    public init(
      id: String = "",
      mutable: Bool = false,
      inUse: Bool = false,
      size: Int64 = 0,
      parent: String = "",
      createdAt: Google.Timestamp? = nil,
      lastUsedAt: Google.Timestamp? = nil,
      usageCount: Int64 = 0,
      description: String = "",
      recordType: String = "",
      shared: Bool = false,
      parents: [String] = []
    ) {
      self.id = id
      self.mutable = mutable
      self.inUse = inUse
      self.size = size
      self.parent = parent
      self.createdAt = createdAt
      self.lastUsedAt = lastUsedAt
      self.usageCount = usageCount
      self.description = description
      self.recordType = recordType
      self.shared = shared
      self.parents = parents
    }
  }

  /// A request to delete cache records (`moby.buildkit.v1.PruneRequest`).
  public struct PruneRequest: WireMessage, Hashable {
    /// containerd-style filters selecting the records.
    public var filter: [String]
    /// Whether to include records that are still referenced, such as internal ones.
    public var all: Bool
    /// Keep records used within this long, in nanoseconds.
    public var keepDuration: Int64
    /// Keep this many bytes; newer daemons call it `reservedSpace`.
    public var keepBytes: Int64
    /// Delete until the cache uses at most this many bytes; newer daemons only.
    public var maxUsedSpace: Int64
    /// Delete until this many bytes of disk are free; newer daemons only.
    public var minFreeSpace: Int64

    /// Creates a request; each parameter sets the property of the same name.
    public init(
      filter: [String] = [],
      all: Bool = false,
      keepDuration: Int64 = 0,
      keepBytes: Int64 = 0,
      maxUsedSpace: Int64 = 0,
      minFreeSpace: Int64 = 0
    ) {
      self.filter = filter
      self.all = all
      self.keepDuration = keepDuration
      self.keepBytes = keepBytes
      self.maxUsedSpace = maxUsedSpace
      self.minFreeSpace = minFreeSpace
    }
  }
}

extension Control.DiskUsageRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__DiskUsageRequest) {
    self.init(filter: .init(count: c.n_filter, cValues: c.filter), ageLimit: c.age_limit)
  }

  func fill(_ c: inout Moby__Buildkit__V1__DiskUsageRequest, in arena: CArena) {
    (c.n_filter, c.filter) = arena.list(self.filter)
    c.age_limit = self.ageLimit
  }
}

extension Control.DiskUsageResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__DiskUsageResponse) {
    self.init(record: .init(count: c.n_record, cValues: c.record))
  }

  func fill(_ c: inout Moby__Buildkit__V1__DiskUsageResponse, in arena: CArena) {
    (c.n_record, c.record) = arena.list(self.record)
  }
}

extension Control.UsageRecord: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__UsageRecord) {
    self.init()
    self.id = .init(cValue: c.id)
    self.mutable = .init(cValue: c.mutable_)
    self.inUse = .init(cValue: c.in_use)
    self.size = c.size
    self.parent = .init(cValue: c.parent)
    self.createdAt = .init(cValue: c.created_at)
    self.lastUsedAt = .init(cValue: c.last_used_at)
    self.usageCount = c.usage_count
    self.description = .init(cValue: c.description)
    self.recordType = .init(cValue: c.record_type)
    self.shared = .init(cValue: c.shared)
    self.parents = .init(count: c.n_parents, cValues: c.parents)
  }

  func fill(_ c: inout Moby__Buildkit__V1__UsageRecord, in arena: CArena) {
    c.id = arena.value(self.id)
    c.mutable_ = arena.value(self.mutable)
    c.in_use = arena.value(self.inUse)
    c.size = self.size
    c.parent = arena.value(self.parent)
    c.created_at = arena.value(self.createdAt)
    c.last_used_at = arena.value(self.lastUsedAt)
    c.usage_count = self.usageCount
    c.description = arena.value(self.description)
    c.record_type = arena.value(self.recordType)
    c.shared = arena.value(self.shared)
    (c.n_parents, c.parents) = arena.list(self.parents)
  }
}

extension Control.PruneRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__PruneRequest) {
    self.init()
    self.filter = .init(count: c.n_filter, cValues: c.filter)
    self.all = .init(cValue: c.all)
    self.keepDuration = c.keep_duration
    self.keepBytes = c.keep_bytes
    self.maxUsedSpace = c.max_used_space
    self.minFreeSpace = c.min_free_space
  }

  func fill(_ c: inout Moby__Buildkit__V1__PruneRequest, in arena: CArena) {
    (c.n_filter, c.filter) = arena.list(self.filter)
    c.all = arena.value(self.all)
    c.keep_duration = self.keepDuration
    c.keep_bytes = self.keepBytes
    c.max_used_space = self.maxUsedSpace
    c.min_free_space = self.minFreeSpace
  }
}
