// An LLB op and the kinds that do not touch files directly (`pb`): sources, merges and diffs.
//
// An op names its inputs by the digest of their serialized bytes and an output index, carries at
// most one operation (the protobuf oneof `op`), and optionally the platform it runs for. The
// terminal op of a definition carries only its single input.

import CBuildKitProtos

extension LLB {
  /// One vertex of a build graph (`pb.Op`).
  public struct Op: WireMessage, Hashable {
    /// What an op does: exactly one operation, or none for the terminal op.
    public enum Operation: Hashable, Sendable {
      /// Runs a process.
      case exec(ExecOp)
      /// Brings in content from outside: an image, a local directory, git, http.
      case source(SourceOp)
      /// Copies, creates or removes files.
      case file(FileOp)
      /// Stacks the inputs' file systems.
      case merge(MergeOp)
      /// Takes the difference between two inputs.
      case diff(DiffOp)
    }

    /// The inputs, by digest and output index.
    public var inputs: [Input]
    /// The operation; nil for the terminal op.
    public var op: Operation?
    /// The platform to run for; nil uses the worker's default.
    public var platform: Platform?
    /// Which workers may run the op.
    public var constraints: WorkerConstraints?

    /// Creates an op; each parameter sets the property of the same name.
    public init(
      inputs: [Input] = [],
      op: Operation? = nil,
      platform: Platform? = nil,
      constraints: WorkerConstraints? = nil
    ) {
      self.inputs = inputs
      self.op = op
      self.platform = platform
      self.constraints = constraints
    }
  }

  /// An OS and CPU architecture (`pb.Platform`).
  public struct Platform: WireMessage, Hashable {
    /// The CPU architecture, e.g. `amd64` or `arm64`.
    public var architecture: String
    /// The operating system, e.g. `linux`.
    public var os: String
    /// The architecture variant, e.g. `v8`.
    public var variant: String
    /// The OS version (Windows).
    public var osVersion: String
    /// Required OS features (Windows).
    public var osFeatures: [String]

    /// Creates a platform; each parameter sets the property of the same name.
    public init(
      architecture: String = "",
      os: String = "",
      variant: String = "",
      osVersion: String = "",
      osFeatures: [String] = []
    ) {
      self.architecture = architecture
      self.os = os
      self.variant = variant
      self.osVersion = osVersion
      self.osFeatures = osFeatures
    }
  }

  /// An op's input: one output of another op (`pb.Input`).
  public struct Input: WireMessage, Hashable {
    /// The digest of the other op's serialized bytes, `sha256:<hex>`.
    public var digest: String
    /// Which output of that op; 0 for sources and file ops.
    public var index: Int64

    /// Creates an input; each parameter sets the property of the same name.
    public init(digest: String = "", index: Int64 = 0) {
      self.digest = digest
      self.index = index
    }
  }

  /// Content from outside the build (`pb.SourceOp`).
  public struct SourceOp: WireMessage, Hashable {
    /// Where from, e.g. `docker-image://docker.io/library/alpine:latest` or `local://context`.
    public var identifier: String
    /// Source options, e.g. `local.session` or `image.resolvemode`.
    public var attrs: [String: String]

    /// Creates a source; each parameter sets the property of the same name.
    public init(identifier: String = "", attrs: [String: String] = [:]) {
      self.identifier = identifier
      self.attrs = attrs
    }
  }

  /// Stacks the file systems of several inputs, later ones on top (`pb.MergeOp`).
  public struct MergeOp: WireMessage, Hashable {
    /// Indexes into `Op.inputs`, bottom first; each travels as a `pb.MergeInput`.
    public var inputs: [Int64]

    /// Creates a merge; each parameter sets the property of the same name.
    public init(inputs: [Int64] = []) {
      self.inputs = inputs
    }
  }

  /// The changes that turn one input into another (`pb.DiffOp`).
  public struct DiffOp: WireMessage, Hashable {
    /// Index into `Op.inputs` of the lower side, sent as a `pb.LowerDiffInput`; nil leaves it out.
    public var lower: Int64?
    /// Index into `Op.inputs` of the upper side, sent as a `pb.UpperDiffInput`; nil leaves it out.
    public var upper: Int64?

    /// Creates a diff; each parameter sets the property of the same name.
    public init(lower: Int64? = nil, upper: Int64? = nil) {
      self.lower = lower
      self.upper = upper
    }
  }

  /// Which workers may run an op (`pb.WorkerConstraints`).
  public struct WorkerConstraints: WireMessage, Hashable {
    /// containerd-style filters over worker labels.
    public var filter: [String]

    /// Creates constraints; each parameter sets the property of the same name.
    public init(filter: [String] = []) {
      self.filter = filter
    }
  }
}

extension LLB.Op: CBackedMessage {
  init(cStruct c: Pb__Op) {
    self.init()
    self.inputs = .init(count: c.n_inputs, cValues: c.inputs)
    switch c.op_case {
    case PB__OP__OP_EXEC: self.op = .exec(.init(cValue: c.exec))
    case PB__OP__OP_SOURCE: self.op = .source(.init(cValue: c.source))
    case PB__OP__OP_FILE: self.op = .file(.init(cValue: c.file))
    case PB__OP__OP_MERGE: self.op = .merge(.init(cValue: c.merge))
    case PB__OP__OP_DIFF: self.op = .diff(.init(cValue: c.diff))
    default: self.op = nil
    }
    self.platform = .init(cValue: c.platform)
    self.constraints = .init(cValue: c.constraints)
  }

  func fill(_ c: inout Pb__Op, in arena: CArena) {
    (c.n_inputs, c.inputs) = arena.list(self.inputs)
    switch self.op {
    case .exec(let exec): (c.op_case, c.exec) = (PB__OP__OP_EXEC, arena.value(exec))
    case .source(let source): (c.op_case, c.source) = (PB__OP__OP_SOURCE, arena.value(source))
    case .file(let file): (c.op_case, c.file) = (PB__OP__OP_FILE, arena.value(file))
    case .merge(let merge): (c.op_case, c.merge) = (PB__OP__OP_MERGE, arena.value(merge))
    case .diff(let diff): (c.op_case, c.diff) = (PB__OP__OP_DIFF, arena.value(diff))
    case nil: break
    }
    c.platform = arena.value(self.platform)
    c.constraints = arena.value(self.constraints)
  }
}

extension LLB.Platform: CBackedMessage {
  init(cStruct c: Pb__Platform) {
    self.init()
    self.architecture = .init(cValue: c.architecture)
    self.os = .init(cValue: c.os)
    self.variant = .init(cValue: c.variant)
    self.osVersion = .init(cValue: c.os_version)
    self.osFeatures = .init(count: c.n_os_features, cValues: c.os_features)
  }

  func fill(_ c: inout Pb__Platform, in arena: CArena) {
    c.architecture = arena.value(self.architecture)
    c.os = arena.value(self.os)
    c.variant = arena.value(self.variant)
    c.os_version = arena.value(self.osVersion)
    (c.n_os_features, c.os_features) = arena.list(self.osFeatures)
  }
}

extension LLB.Input: CBackedMessage {
  init(cStruct c: Pb__Input) {
    self.init(digest: .init(cValue: c.digest), index: c.index)
  }

  func fill(_ c: inout Pb__Input, in arena: CArena) {
    c.digest = arena.value(self.digest)
    c.index = self.index
  }
}

extension LLB.SourceOp: CBackedMessage {
  init(cStruct c: Pb__SourceOp) {
    self.init(
      identifier: .init(cValue: c.identifier),
      attrs: .init(count: c.n_attrs, cEntries: c.attrs)
    )
  }

  func fill(_ c: inout Pb__SourceOp, in arena: CArena) {
    c.identifier = arena.value(self.identifier)
    (c.n_attrs, c.attrs) = arena.map(self.attrs)
  }
}

extension LLB.MergeOp: CBackedMessage {
  init(cStruct c: Pb__MergeOp) {
    let inputs: [InputIndex<Pb__MergeInput>] = .init(count: c.n_inputs, cValues: c.inputs)
    self.init(inputs: inputs.map(\.input))
  }

  func fill(_ c: inout Pb__MergeOp, in arena: CArena) {
    (c.n_inputs, c.inputs) = arena.list(self.inputs.map(InputIndex<Pb__MergeInput>.init))
  }
}

extension LLB.DiffOp: CBackedMessage {
  init(cStruct c: Pb__DiffOp) {
    let lower: InputIndex<Pb__LowerDiffInput>? = .init(cValue: c.lower)
    let upper: InputIndex<Pb__UpperDiffInput>? = .init(cValue: c.upper)
    self.init(lower: lower?.input, upper: upper?.input)
  }

  func fill(_ c: inout Pb__DiffOp, in arena: CArena) {
    c.lower = arena.value(self.lower.map(InputIndex<Pb__LowerDiffInput>.init))
    c.upper = arena.value(self.upper.map(InputIndex<Pb__UpperDiffInput>.init))
  }
}

extension LLB.WorkerConstraints: CBackedMessage {
  init(cStruct c: Pb__WorkerConstraints) {
    self.init(filter: .init(count: c.n_filter, cValues: c.filter))
  }

  func fill(_ c: inout Pb__WorkerConstraints, in arena: CArena) {
    (c.n_filter, c.filter) = arena.list(self.filter)
  }
}

/// A message struct whose only field is `int64 input = 1`.
protocol CInputIndexStruct: PackableCMessageStruct {
  var input: Int64 { get set }
}

extension Pb__MergeInput: CInputIndexStruct {}
extension Pb__LowerDiffInput: CInputIndexStruct {}
extension Pb__UpperDiffInput: CInputIndexStruct {}

/// `pb.MergeInput`, `pb.LowerDiffInput` and `pb.UpperDiffInput`, which differ only in name; the
/// public types expose the index alone.
struct InputIndex<CStruct: CInputIndexStruct>: CBackedMessage {
  /// Index into `Op.inputs`.
  var input: Int64

  init(_ input: Int64) {
    self.input = input
  }

  init(cStruct c: CStruct) {
    self.input = c.input
  }

  func fill(_ c: inout CStruct, in arena: CArena) {
    c.input = self.input
  }
}
