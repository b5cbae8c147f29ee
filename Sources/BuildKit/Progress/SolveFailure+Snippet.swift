// Printing the part of a source file that a failure points at, as buildctl does.
//
// For each source location: the file is split into lines at `\n`. The window to show runs from
// the smallest start line to the largest end line over all ranges (an end line before its start
// line counts as the start line), widened by one line on each side, or by two when the whole
// window is a single line, and clamped to the file. The output is
//
//     <filename>:<start line of the first range>
//     --------------------
//      <line number, right-aligned in 3> | >>> <text>     (lines inside a range)
//      <line number, right-aligned in 3> |     <text>     (lines around them)
//     --------------------
//
// and a full report ends with `error: <message>`. A line's carriage return before the break is
// not shown.

extension SolveFailure.Source {
  /// The rule above and below the quoted lines.
  private static let rule = String(repeating: "-", count: 20)

  /// The quoted part of the file with the failing lines marked.
  /// - Returns: The snippet, each line ending in a newline; empty when there are no ranges.
  public func renderedSnippet() -> String {
    guard let firstRange = self.ranges.first else { return "" }

    let spans = self.ranges.map { range in
      let start = Int(range.start?.line ?? 0)
      return (start: start, end: max(Int(range.end?.line ?? 0), start))
    }
    let low = spans.map(\.start).min() ?? 0
    let high = spans.map(\.end).max() ?? 0
    let margin = low == high ? 2 : 1

    let fileLines = self.info.data.split(separator: 0x0A, omittingEmptySubsequences: false)
    let first = max(low - margin, 1)
    let last = min(high + margin, fileLines.count)

    var text = "\(self.info.filename):\(firstRange.start?.line ?? 0)\n"
    text += Self.rule + "\n"
    if first <= last {
      for number in first...last {
        let marked = spans.contains { $0.start <= number && number <= $0.end }
        var content = fileLines[number - 1]
        if content.last == 0x0D {
          content = content.dropLast()
        }
        text += " " + Self.rightAligned(number) + " | " + (marked ? ">>>" : "   ") + " "
        text += String(decoding: content, as: UTF8.self) + "\n"
      }
    }
    text += Self.rule + "\n"
    return text
  }

  private static func rightAligned(_ number: Int) -> String {
    let digits = String(number)
    return String(repeating: " ", count: max(0, 3 - digits.count)) + digits
  }
}

extension SolveFailure {
  /// The failure as buildctl prints it: the snippet of every source location, then
  /// `error: <message>`.
  /// - Returns: The report, each line ending in a newline.
  public func renderedReport() -> String {
    self.sources.map { $0.renderedSnippet() }.joined() + "error: \(self.message)\n"
  }
}
