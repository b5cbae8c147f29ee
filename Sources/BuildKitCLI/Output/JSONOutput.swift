import Foundation

/// JSON for `--format json`: keys sorted, slashes unescaped, one document per command.
enum JSONOutput {
  static func render(_ value: Any) -> String {
    if let array = value as? [Any], array.isEmpty { return "[]" }
    let options: JSONSerialization.WritingOptions = [
      .prettyPrinted, .sortedKeys, .withoutEscapingSlashes,
    ]
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: options) else {
      return "null"
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// Reads `--format`: `table` (the default) or `json`.
  static func wantsJSON(_ arguments: ParsedArguments, command: String) throws(UsageError) -> Bool {
    switch arguments.value("format") ?? "table" {
    case "table": return false
    case "json": return true
    case let other:
      throw UsageError("--format takes table or json, not \"\(other)\"", command: command)
    }
  }

  static let formatOption = OptionSpec(
    ["--format"],
    .value,
    valueName: "FORMAT",
    help: "output format: table (default) or json"
  )
}
