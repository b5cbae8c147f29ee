// The plain progress format: numbered text blocks that tools and people can both read.
//
// Steps are numbered `#1`, `#2`, ... in the order this printer first shows them. Output about a
// step comes in a block that opens with a blank line (except the very first) and the header
// `#N <name>`, followed by lines that each start with `#N `:
//
//     #N <status id> <current>[ / <total>][ <seconds>s][ done]   sub-task progress
//     #N <seconds since start> <text>                            one line of output
//     #N WARN: <summary>                                         a warning
//     #N DONE <seconds>s | #N CACHED | #N ERROR: <error> | #N CANCELED
//
// Sizes are decimal (`1.23MB`, or `68B` below 1000). A running status row is printed again only
// once it has advanced by 5 % of its total or its timestamp by 5 s. When output moves to another
// step while the current one is still running, `#N ...` marks the interruption, and the step's
// header is repeated when its output resumes. Each write puts steps that finished first, by
// completion time, then the current step, then other running steps.
//
// Output is written at most once per interval of the caller's clock (100 ms by default); changes
// that arrive sooner wait for a later update or tick. The daemon often closes a vertex and opens
// it again moments later, and this keeps such a vertex to one block.
//
// After the stream ends, every failed step gets a summary right below the last block: `------`,
// ` > <name>:`, its last ten output lines, `------`. Apart from the write interval, all times come
// from the daemon's timestamps, so the same batches at the same clock readings always produce
// the same text.

/// Writes build progress in the plain, line-oriented format (`--progress=plain`).
public struct PlainProgressPrinter: ProgressPrinter {
  /// Everything merged so far.
  public private(set) var state = ProgressState()

  private let prefix: String
  private let interval: Duration
  private let sink: @Sendable (String) -> Void
  private var pending = OrderedStepIDs()
  private var lastFlush: ContinuousClock.Instant?
  private var marks: [ProgressStep.ID: StepMarks] = [:]
  private var nextNumber = 1
  private var current: ProgressStep.ID?
  private var hasWritten = false

  /// What has been printed about one step.
  private struct StepMarks {
    var number: Int?
    var printedLogLines = 0
    var printedWarnings = 0
    var statuses: [StatusKey: StatusMark] = [:]
    var finishPrinted = false
  }

  private struct StatusKey: Hashable {
    var vertex: String
    var id: String
  }

  /// The last printed state of a status row.
  private struct StatusMark {
    var current: Int64
    var timestamp: Google.Timestamp?
    var done: Bool
  }

  /// The smallest share of a row's total that justifies printing it again.
  private static let minimumProgress = 0.05
  /// The longest a running row waits before it is printed again, in seconds.
  private static let maximumSilence = 5.0

  /// Creates a printer.
  /// - Parameters:
  ///   - prefix: Text put before every non-empty line, e.g. `linux/arm64 `, so that the output
  ///     of several builds can be interleaved and still be told apart.
  ///   - interval: The shortest time between two writes; `.zero` writes after every batch.
  ///   - sink: Receives the output, one chunk of complete lines per call.
  public init(
    prefix: String = "",
    interval: Duration = .milliseconds(100),
    sink: @escaping @Sendable (String) -> Void
  ) {
    self.prefix = prefix
    self.interval = interval
    self.sink = sink
  }

  /// Merges a status batch and writes the lines it produces, unless the last write was less
  /// than the interval ago.
  /// - Parameters:
  ///   - response: The next batch from the Status stream.
  ///   - now: The current time of the caller's clock.
  public mutating func update(_ response: Control.StatusResponse, now: ContinuousClock.Instant) {
    self.pending.insert(contentsOf: self.state.apply(response))
    self.flushIfDue(now: now)
  }

  /// Writes changes held back by the interval, once it has passed.
  /// - Parameter now: The current time of the caller's clock.
  public mutating func tick(now: ContinuousClock.Instant) {
    guard !self.pending.isEmpty else { return }
    self.flushIfDue(now: now)
  }

  /// Writes everything held back, unfinished last lines and the summary of every failed step.
  /// - Parameter now: The current time of the caller's clock.
  public mutating func finish(now: ContinuousClock.Instant) {
    self.pending.insert(contentsOf: self.state.flushPartialLines())
    var lines = self.flush(now: now)

    let failed = self.state.steps
      .filter { $0.phase == .failed && !$0.isHidden }
      .sorted { (self.marks[$0.id]?.number ?? .max) < (self.marks[$1.id]?.number ?? .max) }
    for step in failed {
      lines.append(contentsOf: StepText.failureSummary(of: step))
    }
    self.write(lines)
  }

  private mutating func flushIfDue(now: ContinuousClock.Instant) {
    if let last = self.lastFlush, now - last < self.interval {
      return
    }
    self.write(self.flush(now: now))
  }

  /// The lines for every pending change; the changes are no longer pending afterwards.
  private mutating func flush(now: ContinuousClock.Instant) -> [String] {
    self.lastFlush = now
    var lines: [String] = []
    for id in self.printOrder(of: self.pending.ordered) {
      self.emit(id, into: &lines)
    }
    self.pending.removeAll()
    return lines
  }

  // MARK: - Ordering

  /// Finished steps by completion time, then the current step, then other running steps.
  private func printOrder(of touched: [ProgressStep.ID]) -> [ProgressStep.ID] {
    let steps = touched.compactMap { self.state.step($0) }
      .filter { !$0.isHidden && $0.phase != .waiting }

    let finished = StepText.byCompletion(steps.filter(\.phase.isFinished)).map(\.id)

    let running = steps.filter { !$0.phase.isFinished }.map(\.id)
    let currentFirst = running.filter { $0 == self.current } + running.filter { $0 != self.current }
    return finished + currentFirst
  }

  // MARK: - Blocks

  /// Appends whatever is new about a step, opening its block first if needed.
  private mutating func emit(_ id: ProgressStep.ID, into lines: inout [String]) {
    guard let step = self.state.step(id) else { return }
    var marks = self.marks[id] ?? StepMarks()
    if !step.phase.isFinished {
      marks.finishPrinted = false
    }

    let body = self.newLines(of: step, marks: &marks)
    guard !body.isEmpty || marks.number == nil else {
      self.marks[id] = marks
      return
    }

    let number = marks.number ?? self.nextNumber
    if marks.number == nil {
      marks.number = number
      self.nextNumber += 1
    }

    if self.current != id {
      if let current = self.current, let left = self.marks[current], let leftNumber = left.number,
        !left.finishPrinted
      {
        lines.append("#\(leftNumber) ...")
      }
      if self.hasWritten || !lines.isEmpty {
        lines.append("")
      }
      lines.append("#\(number) \(step.name)")
      self.current = id
    }

    lines.append(contentsOf: body.map { "#\(number) \($0)" })
    if marks.finishPrinted {
      self.current = nil
    }
    self.marks[id] = marks
  }

  /// The lines not yet printed for a step, without their `#N ` prefix, and the marks updated as
  /// if they were printed.
  private func newLines(of step: ProgressStep, marks: inout StepMarks) -> [String] {
    var body: [String] = []

    for status in step.statuses {
      let key = StatusKey(vertex: status.vertex, id: status.id)
      guard Self.shouldPrint(status, after: marks.statuses[key]) else { continue }
      marks.statuses[key] = StatusMark(
        current: status.current,
        timestamp: status.timestamp,
        done: status.completed != nil
      )
      body.append(StepText.status(status))
    }

    for warning in step.warnings.dropFirst(marks.printedWarnings) {
      body.append("WARN: " + String(decoding: warning.short, as: UTF8.self))
    }
    marks.printedWarnings = step.warnings.count

    for line in step.logLines.dropFirst(marks.printedLogLines) {
      body.append(StepText.logLine(line, of: step))
    }
    marks.printedLogLines = step.logLines.count

    if step.phase.isFinished && !marks.finishPrinted {
      body.append(Self.completion(of: step))
      marks.finishPrinted = true
    }
    return body
  }

  /// Whether a status row has changed enough since it was last printed.
  private static func shouldPrint(_ status: Control.VertexStatus, after mark: StatusMark?) -> Bool {
    guard let mark else { return true }
    if mark.done {
      return false
    }
    if status.completed != nil {
      return true
    }

    var progress = 0.0
    if status.total > 0 {
      progress = Double(status.current - mark.current) / Double(status.total)
    }
    var silence = 0.0
    if let now = status.timestamp, let then = mark.timestamp {
      silence = now.interval(since: then)
    }
    return progress >= self.minimumProgress || silence >= self.maximumSilence
  }

  private static func completion(of step: ProgressStep) -> String {
    switch step.phase {
    case .failed:
      return "ERROR: \(step.error)"
    case .waiting, .running, .done:
      guard let duration = step.duration else { return "DONE" }
      return "DONE \(ProgressFormat.tenths(duration))s"
    case .cached, .cancelled:
      return StepText.outcome(of: step)
    }
  }

  // MARK: - Output

  private mutating func write(_ lines: [String]) {
    guard !lines.isEmpty else { return }
    var text = ""
    for line in lines {
      if !line.isEmpty {
        text += self.prefix
      }
      text += line + "\n"
    }
    self.hasWritten = true
    self.sink(text)
  }
}
