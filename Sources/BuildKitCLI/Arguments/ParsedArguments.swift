/// Command-line arguments parsed against a list of ``OptionSpec``s.
///
/// Options may be written `--name value`, `--name=value`, or `-n value`; a lone `--` ends the
/// options. Unknown options are usage errors.
struct ParsedArguments: Sendable {
  private(set) var values: [String: [String]] = [:]
  private(set) var flags: [String: Bool] = [:]
  private(set) var positionals: [String] = []
  /// Set when `--help` or `-h` was given.
  private(set) var wantsHelp = false

  /// Parses `arguments` for the command `command`.
  /// - Throws: ``UsageError`` naming an unknown option or a missing value.
  init(_ arguments: [String], specs: [OptionSpec], command: String) throws(UsageError) {
    var lookup: [String: OptionSpec] = [:]
    for spec in specs {
      for name in spec.names { lookup[name] = spec }
    }
    var index = 0
    var optionsEnded = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
        self.positionals.append(argument)
        continue
      }
      if argument == "--" {
        optionsEnded = true
        continue
      }
      if argument == "--help" || argument == "-h" {
        self.wantsHelp = true
        continue
      }
      var name = argument
      var inline: String?
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inline = String(argument[argument.index(after: equals)...])
      }
      guard let spec = lookup[name] else {
        throw UsageError("unknown option \(name) for \(command)", command: command)
      }
      switch spec.kind {
      case .flag:
        switch inline?.lowercased() {
        case nil, "true", "1": self.flags[spec.key] = true
        case "false", "0": self.flags[spec.key] = false
        default:
          throw UsageError(
            "option \(name) takes true or false, not \"\(inline!)\"", command: command)
        }
      case .value, .values:
        let value: String
        if let inline {
          value = inline
        } else if index < arguments.count {
          value = arguments[index]
          index += 1
        } else {
          throw UsageError("option \(name) needs a \(spec.valueName)", command: command)
        }
        if spec.kind == .value {
          self.values[spec.key] = [value]
        } else {
          self.values[spec.key, default: []].append(value)
        }
      }
    }
  }

  /// The value of a single-valued option.
  func value(_ key: String) -> String? { self.values[key]?.last }

  /// Every value of a repeatable option, in order.
  func all(_ key: String) -> [String] { self.values[key] ?? [] }

  /// Whether a flag was set.
  func flag(_ key: String) -> Bool { self.flags[key] ?? false }
}
