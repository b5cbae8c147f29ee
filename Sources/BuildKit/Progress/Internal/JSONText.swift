// A small JSON writer that keeps object keys in the order they were added, so that the raw JSON
// progress output lists fields in a fixed order.

enum JSONText {
  /// A JSON value whose objects keep their key order.
  indirect enum Value {
    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([Value])
    case object([(String, Value)])
  }

  /// The value as compact JSON text.
  static func render(_ value: Value) -> String {
    var text = ""
    self.write(value, into: &text)
    return text
  }

  private static func write(_ value: Value, into text: inout String) {
    switch value {
    case .null:
      text += "null"
    case .bool(let flag):
      text += flag ? "true" : "false"
    case .integer(let number):
      text += String(number)
    case .string(let string):
      self.writeString(string, into: &text)
    case .array(let elements):
      text += "["
      for (offset, element) in elements.enumerated() {
        if offset > 0 { text += "," }
        self.write(element, into: &text)
      }
      text += "]"
    case .object(let members):
      text += "{"
      for (offset, (key, element)) in members.enumerated() {
        if offset > 0 { text += "," }
        self.writeString(key, into: &text)
        text += ":"
        self.write(element, into: &text)
      }
      text += "}"
    }
  }

  /// Writes a quoted string. Besides what JSON requires, `<`, `>`, `&`, U+2028 and U+2029 are
  /// escaped too, so the text is safe to embed in HTML and JavaScript, as Go's encoder does.
  private static func writeString(_ string: String, into text: inout String) {
    text += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": text += "\\\""
      case "\\": text += "\\\\"
      case "\n": text += "\\n"
      case "\r": text += "\\r"
      case "\t": text += "\\t"
      case "<", ">", "&", "\u{2028}", "\u{2029}":
        text += self.unicodeEscape(scalar)
      default:
        if scalar.value < 0x20 {
          text += self.unicodeEscape(scalar)
        } else {
          text.unicodeScalars.append(scalar)
        }
      }
    }
    text += "\""
  }

  private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
    let hex = String(scalar.value, radix: 16)
    return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }
}
