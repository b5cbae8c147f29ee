// The terminal progress display: a live area redrawn in place below a growing list of finished
// steps.
//
// The live area is a headline with the build's elapsed time and how many steps have finished,
// then each running step with its own elapsed time, its unfinished sub-tasks and its last few
// output lines. To redraw, the printer moves the cursor up over the area it drew last
// (`ESC [ n A`), rewrites every line after clearing it (`ESC [ 2 K`) and clears anything left
// below (`ESC [ J`). When a step finishes, one short line about it is written above the live
// area, where it stays (a failed step adds its error below); warnings are written there too.
// When the stream ends the live area is erased and a summary follows, with the output of every
// failed step.
//
// New data is drawn at most once per interval of the caller's clock (100 ms by default); a tick
// draws what was held back once the interval has passed, and otherwise only redraws the live
// area when its times have changed. Lines are cut to the terminal's width so that none wraps,
// which would break the cursor arithmetic. Elapsed times come from the caller's clock: a step's
// clock starts when this printer first sees it running, so clock differences between daemon and
// client do not matter. Finished steps show the duration the daemon reported.

/// Writes build progress as a live display for terminals (`--progress=tty`).
public struct TTYProgressPrinter: ProgressPrinter {
  /// Everything merged so far.
  public private(set) var state = ProgressState()

  private let width: Int
  private let height: Int?
  private let logLineCount: Int
  private let interval: Duration
  private let sink: @Sendable (String) -> Void
  private var pending = OrderedStepIDs()
  private var lastSettled: ContinuousClock.Instant?

  private var startedAt: ContinuousClock.Instant?
  private var runningSince: [ProgressStep.ID: ContinuousClock.Instant] = [:]
  private var reported: Set<ProgressStep.ID> = []
  private var printedWarnings: [ProgressStep.ID: Int] = [:]
  private var numbers: [ProgressStep.ID: Int] = [:]
  private var drawnLines = 0
  private var lastFrame: [String] = []

  /// The most unfinished sub-tasks shown under a running step.
  private static let statusLimit = 3

  /// Creates a printer.
  /// - Parameters:
  ///   - width: The terminal's width in columns; longer lines are cut.
  ///   - height: The terminal's height in rows, if known; the live area stays below it.
  ///   - logLines: How many of a running step's last output lines to show.
  ///   - interval: The shortest time between two draws of new data; `.zero` draws every batch.
  ///   - sink: Receives the output, including escape sequences, one redraw per call.
  public init(
    width: Int,
    height: Int? = nil,
    logLines: Int = 6,
    interval: Duration = .milliseconds(100),
    sink: @escaping @Sendable (String) -> Void
  ) {
    self.width = max(width, 20)
    self.height = height.map { max($0, 3) }
    self.logLineCount = max(logLines, 0)
    self.interval = interval
    self.sink = sink
  }

  /// Merges a status batch and redraws, unless the last draw of new data was less than the
  /// interval ago.
  /// - Parameters:
  ///   - response: The next batch from the Status stream.
  ///   - now: The current time of the caller's clock.
  public mutating func update(_ response: Control.StatusResponse, now: ContinuousClock.Instant) {
    self.startedAt = self.startedAt ?? now
    self.pending.insert(contentsOf: self.state.apply(response))
    if let last = self.lastSettled, now - last < self.interval {
      return
    }
    self.redraw(settled: self.settlePending(now: now), frame: self.frame(now: now))
  }

  /// Draws changes held back by the interval once it has passed, else redraws the live area if
  /// the times it shows have changed.
  /// - Parameter now: The current time of the caller's clock.
  public mutating func tick(now: ContinuousClock.Instant) {
    self.startedAt = self.startedAt ?? now
    var settled: [String] = []
    if !self.pending.isEmpty, self.lastSettled.map({ now - $0 >= self.interval }) ?? true {
      settled = self.settlePending(now: now)
    }
    let frame = self.frame(now: now)
    guard !settled.isEmpty || frame != self.lastFrame else { return }
    self.redraw(settled: settled, frame: frame)
  }

  /// Erases the live area and writes the summary of the build.
  /// - Parameter now: The current time of the caller's clock.
  public mutating func finish(now: ContinuousClock.Instant) {
    self.startedAt = self.startedAt ?? now
    self.pending.insert(contentsOf: self.state.flushPartialLines())
    var lines = self.settlePending(now: now)
    lines.append(contentsOf: self.summary(now: now))
    self.redraw(settled: lines, frame: [])
  }

  // MARK: - Finished steps

  /// Records which of the pending steps run since when, and returns the lines for their new
  /// warnings and for those that finished; nothing is pending afterwards.
  private mutating func settlePending(now: ContinuousClock.Instant) -> [String] {
    let touched = self.pending.ordered
    self.pending.removeAll()
    self.lastSettled = now

    var lines: [String] = []
    var finished: [ProgressStep] = []
    for id in touched {
      guard let step = self.state.step(id), !step.isHidden else { continue }
      if step.phase == .running {
        self.runningSince[id] = self.runningSince[id] ?? now
        self.reported.remove(id)
      }

      let seen = self.printedWarnings[id] ?? 0
      for warning in step.warnings.dropFirst(seen) {
        let short = String(decoding: warning.short, as: UTF8.self)
        lines.append(self.fitted("#\(self.number(for: id)) WARN: \(short)"))
      }
      self.printedWarnings[id] = step.warnings.count

      if step.phase.isFinished && !self.reported.contains(id) {
        finished.append(step)
      }
    }

    for step in StepText.byCompletion(finished) {
      self.reported.insert(step.id)
      self.runningSince[step.id] = nil
      lines.append(self.finishedLine(for: step))
      if step.phase == .failed {
        lines.append(self.fitted("  " + step.error))
      }
    }
    return lines
  }

  private mutating func finishedLine(for step: ProgressStep) -> String {
    let left = "#\(self.number(for: step.id)) \(StepText.outcome(of: step)) \(step.name)"
    let right = step.duration.map { ProgressFormat.tenths($0) + "s" } ?? ""
    return ProgressFormat.spread(left, step.phase == .cached ? "" : right, width: self.width)
  }

  // MARK: - Live area

  /// The live area's lines at `now`.
  private mutating func frame(now: ContinuousClock.Instant) -> [String] {
    let visible = self.state.steps.filter { !$0.isHidden && $0.phase != .waiting }
    let finishedCount = visible.filter(\.phase.isFinished).count
    let elapsed = (now - (self.startedAt ?? now)).fractionalSeconds
    var lines = [
      self.fitted(
        "Building \(ProgressFormat.tenths(elapsed))s, \(finishedCount)/\(visible.count) steps done"
      )
    ]

    for step in visible where step.phase == .running {
      let since = self.runningSince[step.id] ?? now
      let seconds = ProgressFormat.tenths((now - since).fractionalSeconds) + "s"
      let head = "#\(self.number(for: step.id)) \(step.name)"
      lines.append(ProgressFormat.spread(head, seconds, width: self.width))

      let open = step.statuses.filter { $0.completed == nil }.suffix(Self.statusLimit)
      for status in open {
        lines.append(self.fitted("  " + StepText.status(status)))
      }
      for line in step.logLines.suffix(self.logLineCount) {
        lines.append(self.fitted("  > " + line.text))
      }
    }

    if let height = self.height, lines.count > height - 1 {
      let kept = height - 2
      let hidden = lines.count - kept
      lines = Array(lines.prefix(kept)) + [self.fitted("  ... \(hidden) more lines")]
    }
    return lines
  }

  /// Writes `settled` lines once, above a redrawn live area.
  private mutating func redraw(settled: [String], frame: [String]) {
    guard !settled.isEmpty || frame != self.lastFrame || self.drawnLines != frame.count else {
      return
    }

    var text = ""
    if self.drawnLines > 0 {
      text += "\u{1B}[\(self.drawnLines)A"
    }
    for line in settled + frame {
      text += "\u{1B}[2K" + line + "\n"
    }
    text += "\u{1B}[J"

    self.drawnLines = frame.count
    self.lastFrame = frame
    self.sink(text)
  }

  // MARK: - Summary

  private func summary(now: ContinuousClock.Instant) -> [String] {
    let visible = self.state.steps.filter { !$0.isHidden && $0.phase != .waiting }
    let count = { (phase: ProgressStep.Phase) in visible.filter { $0.phase == phase }.count }
    let warnings = visible.reduce(0) { $0 + $1.warnings.count }
    let elapsed = (now - (self.startedAt ?? now)).fractionalSeconds

    var parts = [Self.counted(visible.count, "step"), "\(count(.cached)) cached"]
    if count(.failed) > 0 {
      parts.append("\(count(.failed)) failed")
    }
    if count(.cancelled) > 0 {
      parts.append("\(count(.cancelled)) canceled")
    }
    if warnings > 0 {
      parts.append(Self.counted(warnings, "warning"))
    }
    var lines = [
      self.fitted(
        "Finished in \(ProgressFormat.tenths(elapsed))s: " + parts.joined(separator: ", ")
      )
    ]

    for step in visible where step.phase == .failed {
      lines.append("")
      lines.append(contentsOf: StepText.failureSummary(of: step))
    }
    return lines
  }

  // MARK: - Helpers

  /// The number shown for a step, assigned when the step is first shown.
  private mutating func number(for id: ProgressStep.ID) -> Int {
    if let number = self.numbers[id] {
      return number
    }
    let number = self.numbers.count + 1
    self.numbers[id] = number
    return number
  }

  private static func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)" + (count == 1 ? "" : "s")
  }

  private func fitted(_ line: String) -> String {
    ProgressFormat.truncated(line, width: self.width)
  }
}
