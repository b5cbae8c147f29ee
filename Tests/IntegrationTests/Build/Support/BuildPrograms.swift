// The programs the build tests drive: our own `buildkit` executable (found by `CLI`), the
// reference client `buildctl`, and `skopeo`, which reads back what a build pushed to
// the registry without going through any code of this project.

import Foundation

/// Runs the `buildkit` executable of this package (through `CLI`) the way the build tests need.
enum BuildkitProgram {
  /// Runs `buildkit` with the arguments as given.
  ///
  /// - Parameters:
  ///   - arguments: The command and its options, such as `["build", "--help"]`.
  ///   - environment: Variables to add to the child's environment.
  ///   - timeout: How long the program may run.
  /// - Returns: Its status and output.
  /// - Throws: `CLIError` when there is no executable, `SubprocessError` when it cannot start or
  ///   outlives `timeout`.
  static func run(
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Duration = .seconds(240)
  ) async throws -> ProcessOutput {
    try await CLI.run(arguments, environment: environment, timeout: timeout)
  }

  /// Runs `buildkit build` against daemon a's unix socket with plain progress.
  ///
  /// - Parameters:
  ///   - bed: The test bed.
  ///   - arguments: The options after `build --addr ADDR --progress plain`.
  ///   - environment: Variables to add to the child's environment.
  ///   - timeout: How long the build may run.
  /// - Returns: Its status and output.
  /// - Throws: `SubprocessError` when it cannot start or outlives `timeout`.
  static func build(
    _ bed: TestBed,
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Duration = .seconds(240)
  ) async throws -> ProcessOutput {
    try await self.run(
      ["build", "--addr", bed.unixAddress, "--progress", "plain"] + arguments,
      environment: environment, timeout: timeout)
  }
}

extension TestBed {
  /// Runs `buildctl build` against daemon a's unix socket with plain progress.
  ///
  /// - Parameters:
  ///   - arguments: The options after `build --progress plain`.
  ///   - timeout: How long the build may run.
  /// - Returns: Its status and output.
  /// - Throws: `SubprocessError` when it cannot start or outlives `timeout`.
  func buildctlBuild(_ arguments: [String], timeout: Duration = .seconds(240)) async throws
    -> ProcessOutput
  {
    try await self.buildctl(.unix, ["build", "--progress", "plain"] + arguments, timeout: timeout)
  }
}

extension ProcessOutput {
  /// The status and standard error, for the message of a failed expectation.
  var buildReport: String {
    "status \(self.status)\(self.signaled ? " (signal)" : ""); stderr:\n\(self.standardError)"
  }
}

/// What `skopeo inspect` says about an image in a registry.
struct InspectedImage: Sendable {
  /// The manifest digest, `sha256:...`.
  let digest: String
  /// The labels of the image configuration.
  let labels: [String: String]
  /// The layer digests, in order.
  let layers: [String]
}

/// Reads images back from the plain test registry with `skopeo`.
enum RegistryReadback {
  /// Inspects an image.
  ///
  /// - Parameter reference: `HOST:PORT/REPO:TAG`.
  /// - Returns: Its digest, labels and layers.
  /// - Throws: `RegistryReadbackError` when skopeo fails or prints something other than the
  ///   expected JSON.
  static func inspect(_ reference: String) async throws -> InspectedImage {
    let output = try await Subprocess.run(
      "skopeo", ["inspect", "--tls-verify=false", "docker://\(reference)"], timeout: .seconds(60))
    guard output.succeeded else {
      throw RegistryReadbackError(message: "skopeo inspect \(reference): \(output.buildReport)")
    }
    guard
      let object = try? JSONSerialization.jsonObject(with: output.stdout) as? [String: Any],
      let digest = object["Digest"] as? String
    else {
      throw RegistryReadbackError(
        message: "skopeo inspect \(reference) printed: \(output.standardOutput)")
    }
    return InspectedImage(
      digest: digest,
      labels: object["Labels"] as? [String: String] ?? [:],
      layers: object["Layers"] as? [String] ?? [])
  }

  /// Whether an image exists in the registry.
  ///
  /// - Parameter reference: `HOST:PORT/REPO:TAG`.
  /// - Returns: True when skopeo can inspect it.
  static func exists(_ reference: String) async -> Bool {
    (try? await self.inspect(reference)) != nil
  }

  /// Copies an image into a `dir:` layout: one file per blob, named by its hex digest.
  ///
  /// - Parameters:
  ///   - reference: `HOST:PORT/REPO:TAG`.
  ///   - directory: An empty or missing folder.
  /// - Throws: `RegistryReadbackError` when the copy fails.
  static func copy(_ reference: String, toDirectory directory: String) async throws {
    let output = try await Subprocess.run(
      "skopeo",
      [
        "--insecure-policy", "copy", "--src-tls-verify=false", "docker://\(reference)",
        "dir:\(directory)",
      ],
      timeout: .seconds(120))
    guard output.succeeded else {
      throw RegistryReadbackError(message: "skopeo copy \(reference): \(output.buildReport)")
    }
  }
}

/// A failure of `skopeo`.
struct RegistryReadbackError: Error, CustomStringConvertible {
  /// The command and what it printed.
  let message: String

  /// The message.
  var description: String { self.message }
}
