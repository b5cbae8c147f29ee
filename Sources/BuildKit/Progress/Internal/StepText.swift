// Text about a step that more than one printer writes: log lines with their time offsets, status
// rows, and the summary block of a failed step.

enum StepText {
  /// How many of a failed step's last lines its summary block repeats.
  static let summaryLineCount = 10

  /// A log line as `<seconds since the step started> <text>`.
  static func logLine(_ line: ProgressStep.LogLine, of step: ProgressStep) -> String {
    var offset = 0.0
    if let started = step.started, let written = line.timestamp {
      offset = written.interval(since: started)
    }
    return ProgressFormat.logOffset(offset) + " " + line.text
  }

  /// A status row as `<id> <current>[ / <total>][ <seconds>s][ done]`.
  static func status(_ status: Control.VertexStatus) -> String {
    var text = status.id
    if status.total != 0 {
      text += " \(ProgressFormat.size(status.current)) / \(ProgressFormat.size(status.total))"
    } else if status.current != 0 {
      text += " \(ProgressFormat.size(status.current))"
    }

    if let started = status.started, let end = status.completed ?? status.timestamp {
      let seconds = end.interval(since: started)
      if seconds > 0.01 {
        text += " \(ProgressFormat.tenths(seconds))s"
      }
    }
    if status.completed != nil {
      text += " done"
    }
    return text
  }

  /// The word for a finished step: `DONE`, `CACHED`, `ERROR` or `CANCELED`.
  static func outcome(of step: ProgressStep) -> String {
    switch step.phase {
    case .waiting, .running, .done: "DONE"
    case .cached: "CACHED"
    case .failed: "ERROR"
    case .cancelled: "CANCELED"
    }
  }

  /// The summary block of a failed step: a rule, ` > <name>:`, its last lines, a rule.
  static func failureSummary(of step: ProgressStep) -> [String] {
    let lines = step.logLines.suffix(self.summaryLineCount).map { self.logLine($0, of: step) }
    return ["------", " > \(step.name):"] + lines + ["------"]
  }

  /// Steps ordered by completion time; steps without one keep their order and go last.
  static func byCompletion(_ steps: [ProgressStep]) -> [ProgressStep] {
    steps.enumerated()
      .sorted { lhs, rhs in
        switch (lhs.element.completed, rhs.element.completed) {
        case (let left?, let right?) where left != right: left.isBefore(right)
        case (nil, _?): false
        case (_?, nil): true
        default: lhs.offset < rhs.offset
        }
      }
      .map(\.element)
  }
}
