import BuildKit

/// `buildkit prune`: deletes build cache, like `buildctl prune`.
enum PruneCommand: Command {
  static let name = "prune"
  static let abstract = "Delete build cache from the daemon."
  static let options = [
    OptionSpec(["--all"], .flag, help: "also delete internal and frontend records"),
    OptionSpec(
      ["--keep-duration"],
      .value,
      valueName: "DURATION",
      help: "keep records used within this time, e.g. 24h"
    ),
    OptionSpec(["--keep-storage"], .value, valueName: "MB", help: "keep this much cache, in MB"),
    OptionSpec(["--filter", "-f"], .values, valueName: "FILTER", help: "containerd-style filter"),
    OptionSpec(["--verbose", "-v"], .flag, help: "show every field of every deleted record"),
    JSONOutput.formatOption,
  ]

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    let json = try JSONOutput.wantsJSON(arguments, command: self.name)
    var options = BuildKitClient.PruneOptions(
      all: arguments.flag("all"), filters: arguments.all("filter"))
    if let text = arguments.value("keep-duration") {
      guard let duration = GoDuration.parse(text) else {
        throw UsageError(
          "--keep-duration takes a duration such as 24h or 90m, not \"\(text)\"", command: self.name
        )
      }
      options.keepDuration = duration
    }
    if let text = arguments.value("keep-storage") {
      guard let megabytes = Double(text), megabytes >= 0 else {
        throw UsageError(
          "--keep-storage takes a number of megabytes, not \"\(text)\"", command: self.name)
      }
      options.keepBytes = Int64(megabytes * 1e6)
    }
    let global = try GlobalOptions(arguments, environment: context.environment, command: self.name)
    let client = try await global.connectedClient()
    defer { client.close() }

    let verbose = arguments.flag("verbose") && !json
    let output = context.output
    let records = try await client.prune(options) { record in
      if verbose { output.print(UsageRecordOutput.verbose(record) + "\n") }
    }
    if json {
      output.print(JSONOutput.render(records.map(UsageRecordOutput.json)))
    } else {
      if !verbose, !records.isEmpty {
        output.print(UsageRecordOutput.table(records))
      }
      let total = records.reduce(Int64(0)) { $0 + $1.size }
      output.print("Total:\t\(ByteSize.format(total))")
    }
    return 0
  }
}
