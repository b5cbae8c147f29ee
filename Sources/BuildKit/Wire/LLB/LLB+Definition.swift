// The LLB definition that a SolveRequest carries (`pb`), with per-op metadata and the optional
// source map.
//
// `def` holds serialized Op messages, the last being the terminal op; an op's digest is
// "sha256:" + hex of the SHA-256 of exactly those bytes. `metadata` is keyed by that digest. The
// source map lets the daemon point build errors at lines of the client's own files.

import CBuildKitProtos

extension LLB {
  /// A build graph as serialized ops plus metadata (`pb.Definition`).
  public struct Definition: WireMessage, Hashable {
    /// The serialized ops; the last one is the terminal op.
    public var def: [[UInt8]]
    /// Metadata per op, keyed by op digest (`sha256:<hex>`).
    public var metadata: [String: OpMetadata]
    /// The source map.
    public var source: Source?

    /// Creates a definition; each parameter sets the property of the same name.
    public init(def: [[UInt8]] = [], metadata: [String: OpMetadata] = [:], source: Source? = nil) {
      self.def = def
      self.metadata = metadata
      self.source = source
    }
  }

  /// What the daemon should know about one op besides the op itself (`pb.OpMetadata`).
  public struct OpMetadata: WireMessage, Hashable {
    /// Whether to run the op even when its result is cached.
    public var ignoreCache: Bool
    /// Free-form description; `llb.customname` is the name shown in progress output.
    public var description: [String: String]
    /// Whether to export this op's result to the cache.
    public var exportCache: ExportCache?
    /// Capabilities the op needs; the daemon rejects caps it does not know, so usually empty.
    public var caps: [String: Bool]
    /// The progress row this op is shown in.
    public var progressGroup: ProgressGroup?

    /// Creates op metadata; each parameter sets the property of the same name.
    public init(
      ignoreCache: Bool = false,
      description: [String: String] = [:],
      exportCache: ExportCache? = nil,
      caps: [String: Bool] = [:],
      progressGroup: ProgressGroup? = nil
    ) {
      self.ignoreCache = ignoreCache
      self.description = description
      self.exportCache = exportCache
      self.caps = caps
      self.progressGroup = progressGroup
    }
  }

  /// Whether an op's result goes to the cache export (`pb.ExportCache`).
  public struct ExportCache: WireMessage, Hashable {
    /// true to export.
    public var value: Bool

    /// Creates the setting; each parameter sets the property of the same name.
    public init(value: Bool = false) {
      self.value = value
    }
  }

  /// A progress row that groups several vertices (`pb.ProgressGroup`).
  public struct ProgressGroup: WireMessage, Hashable {
    /// Vertices with the same id are shown as one row.
    public var id: String
    /// The row's name.
    public var name: String
    /// Whether the group is only shown while one of its vertices runs.
    public var weak: Bool

    /// Creates a group; each parameter sets the property of the same name.
    public init(id: String = "", name: String = "", weak: Bool = false) {
      self.id = id
      self.name = name
      self.weak = weak
    }
  }

  /// A source map: which lines of which files each op came from (`pb.Source`).
  public struct Source: WireMessage, Hashable {
    /// Locations per op digest.
    public var locations: [String: Locations]
    /// The files that `Location.sourceIndex` points into.
    public var infos: [SourceInfo]

    /// Creates a source map; each parameter sets the property of the same name.
    public init(locations: [String: Locations] = [:], infos: [SourceInfo] = []) {
      self.locations = locations
      self.infos = infos
    }
  }

  /// The locations of one op (`pb.Locations`).
  public struct Locations: WireMessage, Hashable {
    /// The locations.
    public var locations: [Location]

    /// Creates a location list; each parameter sets the property of the same name.
    public init(locations: [Location] = []) {
      self.locations = locations
    }
  }

  /// Line ranges in one source file (`pb.Location`).
  public struct Location: WireMessage, Hashable {
    /// Index into `Source.infos`.
    public var sourceIndex: Int32
    /// The ranges.
    public var ranges: [Range]

    /// Creates a location; each parameter sets the property of the same name.
    public init(sourceIndex: Int32 = 0, ranges: [Range] = []) {
      self.sourceIndex = sourceIndex
      self.ranges = ranges
    }
  }

  /// A source file of a source map (`pb.SourceInfo`).
  public struct SourceInfo: WireMessage, Hashable {
    /// The file name shown in messages.
    public var filename: String
    /// The whole file.
    public var data: [UInt8]
    /// The LLB the file was turned into, if any.
    public var definition: Definition?
    /// The file's language, e.g. `Dockerfile`.
    public var language: String

    /// Creates a source file; each parameter sets the property of the same name.
    public init(
      filename: String = "",
      data: [UInt8] = [],
      definition: Definition? = nil,
      language: String = ""
    ) {
      self.filename = filename
      self.data = data
      self.definition = definition
      self.language = language
    }
  }

  /// A span of a source file (`pb.Range`).
  public struct Range: WireMessage, Hashable {
    /// The first position; v0.13 daemons always send it, newer ones omit it when zero.
    public var start: Position?
    /// The last position.
    public var end: Position?

    /// Creates a range; each parameter sets the property of the same name.
    public init(start: Position? = nil, end: Position? = nil) {
      self.start = start
      self.end = end
    }
  }

  /// A position in a source file (`pb.Position`).
  public struct Position: WireMessage, Hashable {
    /// The line, 1-based.
    public var line: Int32
    /// The column.
    public var character: Int32

    /// Creates a position; each parameter sets the property of the same name.
    public init(line: Int32 = 0, character: Int32 = 0) {
      self.line = line
      self.character = character
    }
  }
}

extension LLB.Definition: CBackedMessage {
  init(cStruct c: Pb__Definition) {
    self.init()
    self.def = .init(count: c.n_def, cValues: c.def)
    self.metadata = .init(count: c.n_metadata, cEntries: c.metadata)
    self.source = .init(cValue: c.source)
  }

  func fill(_ c: inout Pb__Definition, in arena: CArena) {
    (c.n_def, c.def) = arena.list(self.def)
    (c.n_metadata, c.metadata) = arena.map(self.metadata)
    c.source = arena.value(self.source)
  }
}

extension LLB.OpMetadata: CBackedMessage {
  init(cStruct c: Pb__OpMetadata) {
    self.init()
    self.ignoreCache = .init(cValue: c.ignore_cache)
    self.description = .init(count: c.n_description, cEntries: c.description)
    self.exportCache = .init(cValue: c.export_cache)
    self.caps = .init(count: c.n_caps, cEntries: c.caps)
    self.progressGroup = .init(cValue: c.progress_group)
  }

  func fill(_ c: inout Pb__OpMetadata, in arena: CArena) {
    c.ignore_cache = arena.value(self.ignoreCache)
    (c.n_description, c.description) = arena.map(self.description)
    c.export_cache = arena.value(self.exportCache)
    (c.n_caps, c.caps) = arena.map(self.caps)
    c.progress_group = arena.value(self.progressGroup)
  }
}

extension LLB.ExportCache: CBackedMessage {
  init(cStruct c: Pb__ExportCache) {
    self.init(value: .init(cValue: c.value))
  }

  func fill(_ c: inout Pb__ExportCache, in arena: CArena) {
    c.value = arena.value(self.value)
  }
}

extension LLB.ProgressGroup: CBackedMessage {
  init(cStruct c: Pb__ProgressGroup) {
    self.init(id: .init(cValue: c.id), name: .init(cValue: c.name), weak: .init(cValue: c.weak))
  }

  func fill(_ c: inout Pb__ProgressGroup, in arena: CArena) {
    c.id = arena.value(self.id)
    c.name = arena.value(self.name)
    c.weak = arena.value(self.weak)
  }
}

extension LLB.Source: CBackedMessage {
  init(cStruct c: Pb__Source) {
    self.init(
      locations: .init(count: c.n_locations, cEntries: c.locations),
      infos: .init(count: c.n_infos, cValues: c.infos)
    )
  }

  func fill(_ c: inout Pb__Source, in arena: CArena) {
    (c.n_locations, c.locations) = arena.map(self.locations)
    (c.n_infos, c.infos) = arena.list(self.infos)
  }
}

extension LLB.Locations: CBackedMessage {
  init(cStruct c: Pb__Locations) {
    self.init(locations: .init(count: c.n_locations, cValues: c.locations))
  }

  func fill(_ c: inout Pb__Locations, in arena: CArena) {
    (c.n_locations, c.locations) = arena.list(self.locations)
  }
}

extension LLB.Location: CBackedMessage {
  init(cStruct c: Pb__Location) {
    self.init(sourceIndex: c.source_index, ranges: .init(count: c.n_ranges, cValues: c.ranges))
  }

  func fill(_ c: inout Pb__Location, in arena: CArena) {
    c.source_index = self.sourceIndex
    (c.n_ranges, c.ranges) = arena.list(self.ranges)
  }
}

extension LLB.SourceInfo: CBackedMessage {
  init(cStruct c: Pb__SourceInfo) {
    self.init()
    self.filename = .init(cValue: c.filename)
    self.data = .init(cValue: c.data)
    self.definition = .init(cValue: c.definition)
    self.language = .init(cValue: c.language)
  }

  func fill(_ c: inout Pb__SourceInfo, in arena: CArena) {
    c.filename = arena.value(self.filename)
    c.data = arena.value(self.data)
    c.definition = arena.value(self.definition)
    c.language = arena.value(self.language)
  }
}

extension LLB.Range: CBackedMessage {
  init(cStruct c: Pb__Range) {
    self.init(start: .init(cValue: c.start), end: .init(cValue: c.end))
  }

  func fill(_ c: inout Pb__Range, in arena: CArena) {
    c.start = arena.value(self.start)
    c.end = arena.value(self.end)
  }
}

extension LLB.Position: CBackedMessage {
  init(cStruct c: Pb__Position) {
    self.init(line: c.line, character: c.character)
  }

  func fill(_ c: inout Pb__Position, in arena: CArena) {
    c.line = self.line
    c.character = self.character
  }
}
