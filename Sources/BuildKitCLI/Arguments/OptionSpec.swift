/// The description of one command-line option: its spellings, whether it takes a value, and
/// its help text.
struct OptionSpec: Sendable {
  /// How an option consumes arguments.
  enum Kind: Sendable {
    /// A switch: present or absent; `--flag=false` turns it off.
    case flag
    /// An option with one value; given twice, the last one wins.
    case value
    /// An option that may repeat; every value is kept, in order.
    case values
  }

  /// The spellings, long first: `["--output", "-o"]`.
  let names: [String]
  let kind: Kind
  /// The placeholder shown in help, e.g. `DIR`.
  let valueName: String
  let help: String

  init(_ names: [String], _ kind: Kind, valueName: String = "VALUE", help: String) {
    self.names = names
    self.kind = kind
    self.valueName = valueName
    self.help = help
  }

  /// The canonical name, the long spelling without dashes.
  var key: String {
    String(self.names[0].drop { $0 == "-" })
  }

  /// The line shown for this option in help output.
  var helpLine: String {
    var left = self.names.joined(separator: ", ")
    if self.kind != .flag {
      left += " \(self.valueName)"
    }
    let padded =
      left.count < 30 ? left + String(repeating: " ", count: 30 - left.count) : left + "  "
    return "  " + padded + self.help
  }
}

/// A command-line mistake: the message says what was wrong and how to fix it. Exits 64.
struct UsageError: Error, CustomStringConvertible {
  let message: String
  /// The command whose usage to print, if any.
  let command: String?

  init(_ message: String, command: String? = nil) {
    self.message = message
    self.command = command
  }

  var description: String { self.message }
}
