/// Durations written the way Go writes and reads them (`48h0m0s`, `90m`, `1.5h`), since users
/// copy them between buildctl and this tool.
enum GoDuration {
  private static let units: [(suffix: String, nanoseconds: Double)] = [
    ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
  ]

  /// Parses a duration such as `24h`, `1h30m` or `500ms`; a bare `0` is zero.
  static func parse(_ text: String) -> Duration? {
    if text == "0" { return .zero }
    var rest = Substring(text)
    var total: Double = 0
    guard !rest.isEmpty else { return nil }
    while !rest.isEmpty {
      let number = rest.prefix { $0.isNumber || $0 == "." }
      guard !number.isEmpty, let value = Double(number) else { return nil }
      rest = rest.dropFirst(number.count)
      let suffix = rest.prefix { !$0.isNumber && $0 != "." }
      guard let unit = self.units.first(where: { $0.suffix == suffix }) else { return nil }
      rest = rest.dropFirst(suffix.count)
      total += value * unit.nanoseconds
    }
    return .nanoseconds(Int64(total))
  }

  /// Formats nanoseconds like Go's `time.Duration.String` for whole seconds and above.
  static func format(nanoseconds: Int64) -> String {
    if nanoseconds == 0 { return "0s" }
    var seconds = nanoseconds / 1_000_000_000
    let hours = seconds / 3600
    seconds %= 3600
    let minutes = seconds / 60
    seconds %= 60
    if hours > 0 { return "\(hours)h\(minutes)m\(seconds)s" }
    if minutes > 0 { return "\(minutes)m\(seconds)s" }
    return "\(seconds)s"
  }
}
