/// One `buildkit` subcommand.
protocol Command: Sendable {
  /// The word that selects the command, e.g. `du`.
  static var name: String { get }
  /// One sentence for the command list.
  static var abstract: String { get }
  /// The synopsis after `buildkit NAME`, e.g. `[OPTIONS]`.
  static var synopsis: String { get }
  /// The options besides the global ones.
  static var options: [OptionSpec] { get }
  /// Whether the command talks to a daemon and so takes the global options.
  static var usesDaemon: Bool { get }

  /// Runs the command.
  /// - Returns: The process exit code.
  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32
}

extension Command {
  static var synopsis: String { "[OPTIONS]" }
  static var usesDaemon: Bool { true }

  static var allOptions: [OptionSpec] {
    self.usesDaemon ? self.options + GlobalOptions.specs : self.options
  }

  static var help: String {
    var lines = ["Usage: buildkit \(self.name) \(self.synopsis)", "", self.abstract]
    if !self.options.isEmpty {
      lines += ["", "Options:"] + self.options.map(\.helpLine)
    }
    if self.usesDaemon {
      lines += ["", "Connection options:"] + GlobalOptions.specs.map(\.helpLine)
    }
    lines.append(OptionSpec(["-h", "--help"], .flag, help: "show this help").helpLine)
    return lines.joined(separator: "\n")
  }
}

/// What a command needs from its surroundings: the environment and the output streams.
struct CommandContext: Sendable {
  let environment: [String: String]
  let output: OutputStreams
}
