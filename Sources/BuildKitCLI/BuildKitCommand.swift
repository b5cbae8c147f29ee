import BuildKit
import Foundation
import GRPC

/// The `buildkit` program: picks the subcommand, parses its arguments and maps failures to exit
/// codes (1 for a failed operation, 64 for a usage mistake).
@main
enum BuildKitCommand {
  static let commands: [any Command.Type] = [
    InfoCommand.self,
    WorkersCommand.self,
    DiskUsageCommand.self,
    PruneCommand.self,
    BuildCommand.self,
    ImageToolsCommand.self,
  ]

  static let version = "0.1.0"

  static func main() async {
    // A peer that goes away mid-write (a daemon, a registry) must fail the write with EPIPE, not
    // end the process silently: OpenSSL writes to its socket without MSG_NOSIGNAL.
    signal(SIGPIPE, SIG_IGN)
    // The process ends right after the command: closing its clients need not wait for gRPC's
    // background threads, which end with the process.
    GRPCRuntime.keepInitializedUntilExit()
    let code = await self.run(
      Array(CommandLine.arguments.dropFirst()),
      context: .init(
        environment: Self.environment(),
        output: .standard
      ))
    // Everything the command wrote went out with unbuffered writes, or is flushed here; no
    // destructor or exit handler has work left, and gRPC's threads may still be running.
    fflush(nil)
    _exit(code)
  }

  /// The process environment, read straight from `environ` (Foundation's ProcessInfo takes
  /// longer than the rest of a short command's start-up).
  static func environment() -> [String: String] {
    var environment: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
      let text = String(cString: pointer)
      if let equals = text.firstIndex(of: "=") {
        let name = String(text[..<equals])
        // The first definition wins, as getenv has it.
        if environment[name] == nil {
          environment[name] = String(text[text.index(after: equals)...])
        }
      }
      entry += 1
    }
    return environment
  }

  /// Runs one invocation and returns its exit code.
  static func run(_ arguments: [String], context: CommandContext) async -> Int32 {
    let output = context.output
    // buildctl takes its connection flags before the command (`buildctl --addr X du`); accept
    // them there too and hand them to the command.
    var arguments = arguments
    var leading: [String] = []
    while let flag = arguments.first, flag.hasPrefix("-"),
      let spec = GlobalOptions.specs.first(where: {
        $0.names.contains(flag.split(separator: "=")[0].description)
      })
    {
      leading.append(arguments.removeFirst())
      if spec.kind != .flag, !flag.contains("="), !arguments.isEmpty {
        leading.append(arguments.removeFirst())
      }
    }
    if !leading.isEmpty, !arguments.isEmpty {
      arguments.insert(contentsOf: leading, at: 1)
    }
    guard let first = arguments.first else {
      output.writeError(self.help + "\n")
      return 64
    }
    switch first {
    case "--help", "-h", "help":
      output.print(self.help)
      return 0
    case "--version", "-v", "version":
      output.print("buildkit \(self.version)")
      return 0
    default:
      break
    }
    guard let command = self.commands.first(where: { $0.name == first }) else {
      output.printError("error: unknown command \"\(first)\"")
      output.writeError("\n" + self.help + "\n")
      return 64
    }
    do {
      let parsed = try ParsedArguments(
        Array(arguments.dropFirst()),
        specs: command.allOptions,
        command: command.name
      )
      if parsed.wantsHelp {
        output.print(command.help)
        return 0
      }
      return try await command.run(parsed, context: context)
    } catch let error as UsageError {
      output.printError("error: \(error.message)")
      output.writeError("\n" + command.help + "\n")
      return 64
    } catch let error as BuildKitError {
      output.printError("error: \(error.message)")
      return 1
    } catch {
      output.printError("error: \(error)")
      return 1
    }
  }

  static var help: String {
    var lines = [
      "Usage: buildkit COMMAND [OPTIONS]",
      "",
      "A native BuildKit client: builds images with buildkitd, without buildctl.",
      "",
      "Commands:",
    ]
    for command in self.commands {
      lines.append("  " + command.name.padding(to: 12) + command.abstract)
    }
    lines += [
      "",
      "Run buildkit COMMAND --help for a command's options.",
      "  -h, --help     show this help",
      "  -v, --version  show the version",
    ]
    return lines.joined(separator: "\n")
  }
}
