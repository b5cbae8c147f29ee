import BuildKit
import Foundation
import OCI

/// `buildkit imagetools`: reads and writes multi-platform images in registries, without a
/// daemon.
///
/// - `inspect REF` shows what a tag or digest names: for an index, each platform's digest and
///   sizes, and whether both linux/amd64 and linux/arm64 are there; `--raw` prints the exact
///   manifest bytes, `--format json` a JSON document.
/// - `create --tag REF SOURCE...` combines images and indexes into a new index and pushes it
///   under every `--tag`; content from other repositories is mounted or copied first.
///   `--append` keeps what the first tag already holds (a new source replaces the entry of its
///   platform), `--dry-run` prints the index instead of pushing anything.
///
/// Registry credentials come from `$DOCKER_CONFIG/config.json`.
enum ImageToolsCommand: Command {
  static let name = "imagetools"
  static let abstract = "Inspect images in a registry or combine them into a multi-platform index."
  static let synopsis =
    "inspect REF [--raw] [--format json] | create --tag REF [--append] [--dry-run] SOURCE..."
  static let usesDaemon = false
  static let options: [OptionSpec] =
    [
      OptionSpec(["--raw"], .flag, help: "inspect: print the exact manifest bytes"),
      JSONOutput.formatOption,
      OptionSpec(
        ["--tag", "-t"], .values, valueName: "REF", help: "create: tag for the new index"),
      OptionSpec(["--append"], .flag, help: "create: keep the entries the first --tag already has"),
      OptionSpec(["--dry-run"], .flag, help: "create: print the index instead of pushing it"),
      OptionSpec(
        ["--index-type"], .value, valueName: "TYPE",
        help: "create: oci (default) or docker manifest list"),
    ] + RegistryOptions.specs

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    guard let subcommand = arguments.positionals.first else {
      throw UsageError("imagetools needs a subcommand: inspect or create", command: self.name)
    }
    let rest = Array(arguments.positionals.dropFirst())
    let registry = try RegistryOptions(arguments, command: self.name)
    let tools = ImageTools(registry: registry.client(environment: context.environment))
    switch subcommand {
    case "inspect":
      for option in ["tag", "append", "dry-run", "index-type"] where Self.given(option, arguments) {
        throw UsageError("--\(option) belongs to imagetools create", command: self.name)
      }
      guard rest.count == 1 else {
        throw UsageError("imagetools inspect takes exactly one image reference", command: self.name)
      }
      let json = try JSONOutput.wantsJSON(arguments, command: self.name)
      let reference = try Self.reference(rest[0])
      return try await ImageToolsInspect.run(
        reference, raw: arguments.flag("raw"), json: json, tools: tools, output: context.output)
    case "create":
      for option in ["raw", "format"] where Self.given(option, arguments) {
        throw UsageError("--\(option) belongs to imagetools inspect", command: self.name)
      }
      let tags = try arguments.all("tag").map { try Self.reference($0).withDefaultTag() }
      guard !tags.isEmpty else {
        throw UsageError("imagetools create needs --tag REF for the new index", command: self.name)
      }
      for tag in tags where tag.tag == nil {
        throw UsageError("--tag \(tag) names a digest; give a tag", command: self.name)
      }
      let sources = try rest.map { try Self.reference($0) }
      guard !sources.isEmpty || arguments.flag("append") else {
        throw UsageError("imagetools create needs at least one SOURCE image", command: self.name)
      }
      var format: IndexFormat?
      switch arguments.value("index-type") {
      case nil: format = nil
      case "oci": format = .oci
      case "docker": format = .dockerManifestList
      case let other?:
        throw UsageError("--index-type takes oci or docker, not \"\(other)\"", command: self.name)
      }
      let create = ImageToolsCreate(
        tags: tags, sources: sources, append: arguments.flag("append"),
        dryRun: arguments.flag("dry-run"), format: format)
      return try await create.run(tools: tools, output: context.output)
    default:
      throw UsageError(
        "unknown imagetools subcommand \"\(subcommand)\"; use inspect or create",
        command: self.name)
    }
  }

  private static func given(_ option: String, _ arguments: ParsedArguments) -> Bool {
    arguments.flag(option) || !arguments.all(option).isEmpty
  }

  static func reference(_ text: String) throws -> ImageReference {
    do {
      return try ImageReference(parsing: text)
    } catch {
      throw UsageError((error as? OCIError)?.message ?? "\(error)", command: self.name)
    }
  }
}
