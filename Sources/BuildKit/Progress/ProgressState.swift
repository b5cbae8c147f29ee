// Merging Control/Status batches into the state of a build.
//
// The daemon streams StatusResponse batches. Each is incremental:
//
// - Vertices are re-sent whole whenever something about them changes; the last copy of a digest
//   wins for its name, cache flag and error. Each distinct `started` time opens a run interval
//   that the `completed` time sent with it closes. The daemon may re-send a vertex with a new
//   start, e.g. as a cache hit while an earlier run is still open, so a vertex has finished only
//   once all of its intervals are closed. A non-empty `error` means it failed, and an error
//   ending in `context canceled` means the build was cancelled under it.
// - Statuses are sub-task rows keyed by (vertex, id), updated in place until `completed` is set.
// - Logs are raw chunks of stdout (stream 1) or stderr (stream 2) that do not respect line
//   breaks, so each (vertex, stream) pair keeps the unfinished tail of its last line until the
//   rest arrives. The tail is released as a line when the vertex finishes, or on request.
// - Warnings arrive once each.
//
// Vertices that carry the same progress group id are folded into one step named by the group.
// A group is hidden while only its weak members have started and none has failed.

/// The merged progress of one build, fed with the daemon's status batches in order.
public struct ProgressState: Sendable {
  /// The steps, in the order they first appeared.
  public private(set) var steps: [ProgressStep] = []

  private var stepIndexes: [ProgressStep.ID: Int] = [:]
  private var vertices: [String: Control.Vertex] = [:]
  private var intervals: [String: [RunInterval]] = [:]
  private var stepIDsByDigest: [String: ProgressStep.ID] = [:]
  private var statusIndexes: [StatusKey: Int] = [:]
  private var partialLines: [String: [Int64: PartialLine]] = [:]

  /// A status row's key: the owning vertex and the row's id.
  private struct StatusKey: Hashable {
    var vertex: String
    var id: String
  }

  /// A time a vertex ran: from one `started` value to the `completed` value sent with it.
  private struct RunInterval {
    var start: Google.Timestamp
    var end: Google.Timestamp?
  }

  /// The start of a line whose break has not arrived yet.
  private struct PartialLine {
    var bytes: [UInt8]
    var timestamp: Google.Timestamp?
  }

  /// Creates an empty state.
  public init() {}

  /// The latest copy of a vertex.
  /// - Parameter digest: The vertex's digest.
  /// - Returns: The vertex, or nil if no batch has mentioned it yet.
  public func vertex(_ digest: String) -> Control.Vertex? {
    self.vertices[digest]
  }

  /// A step by id.
  /// - Parameter id: The step's id.
  /// - Returns: The step, or nil if it is unknown.
  public func step(_ id: ProgressStep.ID) -> ProgressStep? {
    self.stepIndexes[id].map { self.steps[$0] }
  }

  /// The id of the step a vertex is shown in, e.g. to mark the step a solve failure names.
  /// - Parameter digest: The vertex's digest.
  /// - Returns: The step's id, or nil if no batch has mentioned the vertex yet.
  public func stepID(containing digest: String) -> ProgressStep.ID? {
    self.stepIDsByDigest[digest]
  }

  /// Merges one status batch.
  /// - Parameter response: The next batch from the Status stream.
  /// - Returns: The ids of the steps the batch changed, in the order it first touched them.
  @discardableResult
  public mutating func apply(_ response: Control.StatusResponse) -> [ProgressStep.ID] {
    var touched = OrderedStepIDs()

    for vertex in response.vertexes {
      self.vertices[vertex.digest] = vertex
      self.recordInterval(of: vertex)
      let index = self.stepIndex(for: vertex.digest, group: vertex.progressGroup)
      self.refreshStep(at: index)
      touched.insert(self.steps[index].id)
    }

    for status in response.statuses {
      let index = self.stepIndex(for: status.vertex, group: nil)
      self.upsert(status, inStepAt: index)
      touched.insert(self.steps[index].id)
    }

    for log in response.logs {
      let index = self.stepIndex(for: log.vertex, group: nil)
      self.append(log, toStepAt: index)
      touched.insert(self.steps[index].id)
    }

    for warning in response.warnings {
      let index = self.stepIndex(for: warning.vertex, group: nil)
      self.steps[index].warnings.append(warning)
      touched.insert(self.steps[index].id)
    }

    // Output cannot grow after a vertex finishes, so its unfinished last line is complete.
    for id in touched.ordered {
      guard let index = self.stepIndexes[id] else { continue }
      for digest in self.steps[index].vertexDigests where self.vertexHasFinished(digest) {
        self.flushPartialLines(of: digest, intoStepAt: index)
      }
    }
    return touched.ordered
  }

  /// Turns every unfinished last line into a complete line, e.g. when the stream has ended.
  /// - Returns: The ids of the steps that gained lines, in step order.
  @discardableResult
  public mutating func flushPartialLines() -> [ProgressStep.ID] {
    var touched: [ProgressStep.ID] = []
    for index in self.steps.indices {
      let before = self.steps[index].logLines.count
      for digest in self.steps[index].vertexDigests {
        self.flushPartialLines(of: digest, intoStepAt: index)
      }
      if self.steps[index].logLines.count > before {
        touched.append(self.steps[index].id)
      }
    }
    return touched
  }

  // MARK: - Steps

  /// The index of the step that shows `digest`, creating the step on first sight.
  private mutating func stepIndex(for digest: String, group: LLB.ProgressGroup?) -> Int {
    if let id = self.stepIDsByDigest[digest], let index = self.stepIndexes[id] {
      return index
    }

    let id: ProgressStep.ID
    if let group, !group.id.isEmpty {
      id = .group(group.id)
    } else {
      id = .vertex(digest)
    }
    self.stepIDsByDigest[digest] = id

    if let index = self.stepIndexes[id] {
      self.steps[index].vertexDigests.append(digest)
      return index
    }
    self.steps.append(ProgressStep(id: id, vertexDigests: [digest]))
    self.stepIndexes[id] = self.steps.count - 1
    return self.steps.count - 1
  }

  /// Opens or updates the run interval that starts at the vertex's `started` time.
  private mutating func recordInterval(of vertex: Control.Vertex) {
    guard let start = vertex.started ?? vertex.completed else { return }
    var known = self.intervals[vertex.digest] ?? []
    if let slot = known.firstIndex(where: { $0.start == start }) {
      known[slot].end = vertex.completed
    } else {
      known.append(RunInterval(start: start, end: vertex.completed))
    }
    self.intervals[vertex.digest] = known
  }

  /// Recomputes a step's name, times, cache flag, error and visibility from its vertices.
  private mutating func refreshStep(at index: Int) {
    let digests = self.steps[index].vertexDigests
    let members = digests.compactMap { self.vertices[$0] }
    guard !members.isEmpty else { return }

    let runs = digests.flatMap { self.intervals[$0] ?? [] }
    let allClosed = !runs.isEmpty && runs.allSatisfy { $0.end != nil }
    self.steps[index].started = runs.map(\.start).min { $0.isBefore($1) }
    self.steps[index].completed = allClosed ? runs.compactMap(\.end).max { $0.isBefore($1) } : nil
    self.steps[index].duration = allClosed ? Self.coveredSeconds(runs) : nil
    self.steps[index].cached = members.allSatisfy(\.cached)
    self.steps[index].error = members.first { !$0.error.isEmpty }?.error ?? ""

    guard case .group = self.steps[index].id else {
      self.steps[index].name = members[0].name
      return
    }
    let groupName = members.last { $0.progressGroup?.name.isEmpty == false }?.progressGroup?.name
    self.steps[index].name = groupName ?? members[0].name

    let strongStarted = members.contains { member in
      member.progressGroup?.weak != true && self.intervals[member.digest]?.isEmpty == false
    }
    self.steps[index].isHidden = !strongStarted && self.steps[index].error.isEmpty
  }

  /// Seconds covered by closed run intervals, overlaps counted once.
  private static func coveredSeconds(_ runs: [RunInterval]) -> Double {
    var total = 0.0
    var coveredUntil: Google.Timestamp?
    for run in runs.sorted(by: { $0.start.isBefore($1.start) }) {
      guard let end = run.end else { continue }
      var from = run.start
      if let coveredUntil, from.isBefore(coveredUntil) {
        from = coveredUntil
      }
      if from.isBefore(end) {
        total += end.interval(since: from)
        coveredUntil = end
      }
    }
    return total
  }

  private func vertexHasFinished(_ digest: String) -> Bool {
    guard let vertex = self.vertices[digest] else { return false }
    let runs = self.intervals[digest] ?? []
    return !vertex.error.isEmpty || (!runs.isEmpty && runs.allSatisfy { $0.end != nil })
  }

  // MARK: - Statuses and logs

  private mutating func upsert(_ status: Control.VertexStatus, inStepAt index: Int) {
    let key = StatusKey(vertex: status.vertex, id: status.id)
    if let slot = self.statusIndexes[key] {
      self.steps[index].statuses[slot] = status
      return
    }
    self.statusIndexes[key] = self.steps[index].statuses.count
    self.steps[index].statuses.append(status)
  }

  private mutating func append(_ log: Control.VertexLog, toStepAt index: Int) {
    var partial =
      self.partialLines[log.vertex]?[log.stream]
      ?? PartialLine(bytes: [], timestamp: log.timestamp)
    if partial.bytes.isEmpty {
      partial.timestamp = log.timestamp
    }

    var rest = log.msg[...]
    while let newline = rest.firstIndex(of: 0x0A) {
      partial.bytes.append(contentsOf: rest[..<newline])
      self.steps[index].logLines.append(Self.line(from: partial, vertex: log.vertex, log.stream))
      partial = PartialLine(bytes: [], timestamp: log.timestamp)
      rest = rest[(newline + 1)...]
    }
    partial.bytes.append(contentsOf: rest)
    self.partialLines[log.vertex, default: [:]][log.stream] = partial
  }

  private mutating func flushPartialLines(of digest: String, intoStepAt index: Int) {
    guard let streams = self.partialLines[digest] else { return }
    for stream in streams.keys.sorted() {
      guard let partial = streams[stream], !partial.bytes.isEmpty else { continue }
      self.steps[index].logLines.append(Self.line(from: partial, vertex: digest, stream))
    }
    self.partialLines[digest] = nil
  }

  private static func line(
    from partial: PartialLine,
    vertex: String,
    _ stream: Int64
  ) -> ProgressStep.LogLine {
    var bytes = partial.bytes[...]
    if bytes.last == 0x0D {
      bytes = bytes.dropLast()
    }
    return ProgressStep.LogLine(
      vertex: vertex,
      stream: stream,
      timestamp: partial.timestamp,
      text: String(decoding: bytes, as: UTF8.self)
    )
  }
}
