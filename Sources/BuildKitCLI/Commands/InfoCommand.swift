import BuildKit

/// `buildkit info`: the daemon's BuildKit version, like `buildctl debug info`.
enum InfoCommand: Command {
  static let name = "info"
  static let abstract = "Show the BuildKit version of the daemon."
  static let options = [JSONOutput.formatOption]

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    let json = try JSONOutput.wantsJSON(arguments, command: self.name)
    let global = try GlobalOptions(arguments, environment: context.environment, command: self.name)
    let client = try await global.connectedClient()
    defer { client.close() }
    let version = try await client.info()
    if json {
      context.output.print(
        JSONOutput.render([
          "buildkitVersion": [
            "package": version.package, "version": version.version, "revision": version.revision,
          ]
        ])
      )
    } else {
      context.output.print("BuildKit: \(version.package) \(version.version) \(version.revision)")
    }
    return 0
  }
}
