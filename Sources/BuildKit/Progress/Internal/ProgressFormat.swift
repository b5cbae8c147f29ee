// Number and time formatting shared by the progress printers.
//
// Sizes use decimal units with two decimals (`1.23MB`), or whole bytes below 1000 (`68B`).
// Durations print with one decimal (`4.2s`). Log line offsets print with three decimals below
// 10 s, two below 100 s and one above, so the column stays roughly the same width.

import Foundation

enum ProgressFormat {
  /// The decimal units for sizes, from bytes upward.
  private static let sizeUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]

  /// A byte count in decimal units, e.g. `68B`, `1.23kB`, `4.56MB`.
  static func size(_ bytes: Int64) -> String {
    let magnitude = bytes.magnitude
    guard magnitude >= 1000 else { return "\(bytes)B" }

    var divisor: UInt64 = 1
    var unit = 0
    while unit + 1 < self.sizeUnits.count && magnitude / divisor >= 1000 {
      divisor *= 1000
      unit += 1
    }
    return String(format: "%.2f", Double(bytes) / Double(divisor)) + self.sizeUnits[unit]
  }

  /// Seconds with one decimal and no unit, e.g. `4.2`.
  static func tenths(_ seconds: Double) -> String {
    String(format: "%.1f", max(seconds, 0))
  }

  /// The offset of a log line from the start of its step, e.g. `0.125`, `12.50`, `123.4`.
  static func logOffset(_ seconds: Double) -> String {
    let seconds = max(seconds, 0)
    if seconds < 10 {
      return String(format: "%.3f", seconds)
    }
    if seconds < 100 {
      return String(format: "%.2f", seconds)
    }
    return String(format: "%.1f", seconds)
  }

  /// `text` cut to at most `width` characters, ending in `...` when cut.
  static func truncated(_ text: String, width: Int) -> String {
    guard text.count > width else { return text }
    guard width > 3 else { return String(text.prefix(max(width, 0))) }
    return String(text.prefix(width - 3)) + "..."
  }

  /// `left` and `right` on one line of `width` characters, `right` flush with the edge; `left`
  /// is cut first when both do not fit.
  static func spread(_ left: String, _ right: String, width: Int) -> String {
    guard !right.isEmpty else { return self.truncated(left, width: width) }
    let room = width - right.count - 1
    guard room > 0 else { return self.truncated(left, width: width) }

    let shownLeft = self.truncated(left, width: room)
    let gap = String(repeating: " ", count: width - shownLeft.count - right.count)
    return shownLeft + gap + right
  }
}

extension Google.Timestamp {
  /// Seconds from `earlier` to this time; negative when this time is before it.
  func interval(since earlier: Google.Timestamp) -> Double {
    Double(self.seconds - earlier.seconds) + Double(self.nanos - earlier.nanos) / 1e9
  }

  /// Whether this time is before `other`.
  func isBefore(_ other: Google.Timestamp) -> Bool {
    (self.seconds, self.nanos) < (other.seconds, other.nanos)
  }
}

extension Duration {
  /// The duration in seconds as a floating-point number.
  var fractionalSeconds: Double {
    let parts = self.components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
  }
}
