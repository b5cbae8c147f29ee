// One row of build progress: a single vertex, or the vertices of a progress group shown together.

/// One row of build progress as a printer shows it.
///
/// A step is either one vertex, or all vertices that share a progress group id; a group is named
/// by the group and summarizes its members. ``ProgressState`` keeps steps up to date as status
/// batches arrive.
public struct ProgressStep: Sendable, Hashable, Identifiable {
  /// What a step stands for.
  public enum ID: Sendable, Hashable {
    /// A single vertex, by digest.
    case vertex(String)
    /// The vertices of a progress group, by group id.
    case group(String)
  }

  /// Where a step is in its life.
  public enum Phase: Sendable, Hashable {
    /// Known but not started.
    case waiting
    /// Started and not finished.
    case running
    /// Finished successfully.
    case done
    /// Finished by a cache hit.
    case cached
    /// Finished with an error.
    case failed
    /// Stopped because the build was cancelled (the error ends in `context canceled`).
    case cancelled

    /// Whether the step has finished, in any way.
    public var isFinished: Bool {
      switch self {
      case .waiting, .running: false
      case .done, .cached, .failed, .cancelled: true
      }
    }
  }

  /// A complete line of a step's output.
  public struct LogLine: Sendable, Hashable {
    /// The digest of the vertex that wrote the line.
    public var vertex: String
    /// 1 for stdout, 2 for stderr.
    public var stream: Int64
    /// When the line's first byte arrived, by the daemon's clock.
    public var timestamp: Google.Timestamp?
    /// The text without its line break; invalid UTF-8 is replaced.
    public var text: String

    /// Creates a line; each parameter sets the property of the same name.
    public init(vertex: String, stream: Int64, timestamp: Google.Timestamp?, text: String) {
      self.vertex = vertex
      self.stream = stream
      self.timestamp = timestamp
      self.text = text
    }
  }

  /// What the step stands for.
  public var id: ID
  /// The display name: the vertex name, or the group name.
  public var name: String
  /// The digests of the vertices in this step, in the order they appeared.
  public var vertexDigests: [String]
  /// When the earliest run of its vertices started, by the daemon's clock.
  public var started: Google.Timestamp?
  /// When the last run finished; nil while any run of its vertices is still open.
  public var completed: Google.Timestamp?
  /// Whether every vertex was a cache hit.
  public var cached: Bool
  /// The first error reported by a vertex; empty when none failed.
  public var error: String
  /// Whether the step is not shown: a group whose only started vertices are weak members.
  public var isHidden: Bool
  /// Seconds the step's vertices spent running, overlaps counted once; nil until finished.
  public var duration: Double?
  /// Sub-task progress rows, in the order they first appeared.
  public var statuses: [Control.VertexStatus]
  /// Complete output lines, in the order they arrived.
  public var logLines: [LogLine]
  /// Warnings, in the order they arrived.
  public var warnings: [Control.VertexWarning]

  /// Creates a step; each parameter sets the property of the same name.
  public init(
    id: ID,
    name: String = "",
    vertexDigests: [String] = [],
    started: Google.Timestamp? = nil,
    completed: Google.Timestamp? = nil,
    cached: Bool = false,
    error: String = "",
    isHidden: Bool = false,
    duration: Double? = nil,
    statuses: [Control.VertexStatus] = [],
    logLines: [LogLine] = [],
    warnings: [Control.VertexWarning] = []
  ) {
    self.id = id
    self.name = name
    self.vertexDigests = vertexDigests
    self.started = started
    self.completed = completed
    self.cached = cached
    self.error = error
    self.isHidden = isHidden
    self.duration = duration
    self.statuses = statuses
    self.logLines = logLines
    self.warnings = warnings
  }

  /// Where the step is in its life, derived from its error, times and cache flag.
  public var phase: Phase {
    if !self.error.isEmpty {
      return self.error.hasSuffix("context canceled") ? .cancelled : .failed
    }
    if self.started != nil && self.completed == nil {
      return .running
    }
    if self.cached {
      return .cached
    }
    return self.completed != nil ? .done : .waiting
  }
}
