import Foundation

/// Left-aligned text columns, like a tab writer: each column is as wide as its widest cell.
struct Table {
  private var rows: [[String]] = []
  private let spacing: Int

  init(spacing: Int = 3) {
    self.spacing = spacing
  }

  /// Adds a row; rows may have different numbers of cells.
  mutating func append(_ cells: [String]) {
    self.rows.append(cells)
  }

  /// The rendered table, one line per row, without trailing spaces.
  var rendered: String {
    var widths: [Int] = []
    for row in self.rows {
      for (index, cell) in row.enumerated() {
        if index >= widths.count { widths.append(0) }
        widths[index] = max(widths[index], cell.count)
      }
    }
    return self.rows.map { row in
      row.enumerated().map { index, cell in
        index == row.count - 1 ? cell : cell.padding(to: widths[index] + self.spacing)
      }.joined()
    }.joined(separator: "\n")
  }
}

extension String {
  func padding(to width: Int) -> String {
    self.count >= width ? self : self + String(repeating: " ", count: width - self.count)
  }
}

/// Human-readable byte sizes in decimal units, the way buildctl prints them (`1.23MB`).
enum ByteSize {
  static func format(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    if unit == 0 {
      return "\(bytes)B"
    }
    // Two decimals, as buildctl prints them, except that a whole number drops them. C's
    // formatting rounds the exact binary value as Go's does, and costs far less than
    // Foundation's String(format:) when a listing has thousands of sizes.
    var characters = [CChar](repeating: 0, count: 32)
    let length = withVaList([value]) { arguments in
      vsnprintf(&characters, characters.count, "%.2f", arguments)
    }
    let written = max(0, min(Int(length), characters.count - 1))
    var text = String(
      decoding: characters.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if text.hasSuffix(".00") { text.removeLast(3) }
    return text + units[unit]
  }

  /// Parses a size such as `512`, `10MB`, `1.5GB` or `100mib` into bytes.
  static func parse(_ text: String, defaultUnit: Int64 = 1) -> Int64? {
    let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
    let digits = lowered.prefix { $0.isNumber || $0 == "." }
    guard let number = Double(digits), number >= 0 else { return nil }
    let multipliers: [String: Double] = [
      "": Double(defaultUnit), "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9,
      "gb": 1e9, "t": 1e12, "tb": 1e12, "kib": 1024, "mib": Double(1 << 20), "gib": Double(1 << 30),
      "tib": Double(1 << 40),
    ]
    guard let multiplier = multipliers[String(lowered.dropFirst(digits.count))] else { return nil }
    return Int64(number * multiplier)
  }
}
