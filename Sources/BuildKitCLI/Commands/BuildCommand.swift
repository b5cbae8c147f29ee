import BuildKit
import Foundation

/// `buildkit build`: runs a build the way `buildctl build` does, with the same flags.
enum BuildCommand: Command {
  static let name = "build"
  static let abstract = "Build with a frontend (a Dockerfile by default) and export the result."
  static let options = BuildInvocation.options

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    let invocation = try BuildInvocation(arguments, environment: context.environment, command: self.name)
    let global = try GlobalOptions(arguments, environment: context.environment, command: self.name)
    let client = try await global.connectedClient()
    defer { client.close() }

    let output = context.output
    let result: BuildResult
    do {
      result = try await client.build(invocation.request) { update in
        if invocation.progress == "rawjson" {
          output.writeError("\(update.vertexes.count) vertexes\n")
        }
      }
    } catch {
      throw error
    }
    if let path = invocation.metadataFile {
      try MetadataFile.write(result.exporterResponse, to: path)
    }
    return 0
  }
}

/// The `--metadata-file` JSON: the exporter response, with values that hold base64-encoded JSON
/// (such as `containerimage.descriptor`) decoded into objects, as buildctl writes it.
enum MetadataFile {
  static func write(_ response: [String: String], to path: String) throws {
    var object: [String: Any] = [:]
    for (key, value) in response {
      if let data = Data(base64Encoded: value),
        let decoded = try? JSONSerialization.jsonObject(with: data),
        decoded is [String: Any] || decoded is [Any]
      {
        object[key] = decoded
      } else {
        object[key] = value
      }
    }
    let data = try JSONSerialization.data(
      withJSONObject: object,
      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    )
    do {
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw BuildKitError(code: .io, message: "cannot write the metadata file \(path)", cause: error)
    }
  }
}
