/// The `key=value,key=value` lists that `--output`, `--export-cache` and `--secret` take, read
/// the way buildctl reads them: comma-separated CSV fields, double quotes around a field that
/// contains commas, the first `=` splitting key from value.
enum CSVFields {
  /// Splits `text` into fields, honouring double quotes.
  static func split(_ text: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var iterator = text.makeIterator()
    while let character = iterator.next() {
      switch character {
      case "\"" where quoted:
        quoted = false
      case "\"" where current.isEmpty || current.hasSuffix("="):
        quoted = true
      case "," where !quoted:
        fields.append(current)
        current = ""
      default:
        current.append(character)
      }
    }
    fields.append(current)
    return fields.filter { !$0.isEmpty }
  }

  /// Parses `key=value` fields into pairs, in order.
  /// - Throws: ``UsageError`` naming a field without `=`.
  static func pairs(_ text: String, option: String, command: String) throws(UsageError) -> [(
    String, String
  )] {
    var pairs: [(String, String)] = []
    for field in Self.split(text) {
      guard let equals = field.firstIndex(of: "=") else {
        throw UsageError(
          "\(option) field \"\(field)\" is not KEY=VALUE (in \"\(text)\")", command: command)
      }
      pairs.append((String(field[..<equals]), String(field[field.index(after: equals)...])))
    }
    return pairs
  }
}
