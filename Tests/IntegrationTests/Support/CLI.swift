// Runs the `buildkit` command-line tool the way a user does: as its own process, with arguments,
// environment variables and an exit status. SwiftPM puts the executable products of a package in
// the same folder as the test bundle (`.build/<configuration>/`), so the tests find the binary
// there, next to the program that runs them; `BUILDKIT_TEST_CLI` names another binary instead.
// `swift build` before `swift test` makes sure the binary is there and current.

import Foundation

/// Finds and runs the `buildkit` executable built beside the tests.
enum CLI {
  /// The `buildkit` executable: `BUILDKIT_TEST_CLI` when set, else `buildkit` in the folder of the
  /// test bundle.
  ///
  /// - Returns: The executable's absolute path.
  /// - Throws: `CLIError` naming the places searched when there is no executable.
  static func executablePath() throws(CLIError) -> String {
    let fileManager = FileManager.default
    if let override = ProcessInfo.processInfo.environment["BUILDKIT_TEST_CLI"], !override.isEmpty {
      guard fileManager.isExecutableFile(atPath: override) else {
        throw CLIError(
          code: .notFound,
          message: "BUILDKIT_TEST_CLI is \(override), which is not an executable file")
      }
      return override
    }
    let candidates = self.productFolders().map { $0 + "/buildkit" }
    if let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0) }) {
      return found
    }
    throw CLIError(
      code: .notFound,
      message: "found no buildkit executable at \(candidates.joined(separator: " or ")); build it "
        + "with swift build (same --scratch-path as swift test), or set BUILDKIT_TEST_CLI")
  }

  /// Runs `buildkit` with arguments and returns what it did.
  ///
  /// - Parameters:
  ///   - arguments: The command and its options, such as `["du", "--addr", address]`.
  ///   - environment: Variables to add to the child's environment, such as `BUILDKIT_HOST`.
  ///   - timeout: How long the program may run before it is stopped and the run fails.
  /// - Returns: The exit status and output; a non-zero status is not an error here.
  /// - Throws: `CLIError` when there is no executable, `SubprocessError` when it cannot start or
  ///   outlives `timeout`.
  static func run(
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Duration = .seconds(120)
  ) async throws -> ProcessOutput {
    let path = try self.executablePath()
    return try await Subprocess.run(path, arguments, environment: environment, timeout: timeout)
  }

  /// The folders the build products can be in: that of the running test program (on Linux the
  /// test bundle is the program itself) and that of the `.xctest` bundle (on macOS the bundle sits
  /// in the products folder and a tool from the toolchain runs it).
  private static func productFolders() -> [String] {
    var folders: [String] = []
    if let executable = Bundle.main.executableURL {
      folders.append(executable.resolvingSymlinksInPath().deletingLastPathComponent().path)
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      folders.append((bundle.bundlePath as NSString).deletingLastPathComponent)
    }
    var unique: [String] = []
    for folder in folders where !unique.contains(folder) {
      unique.append(folder)
    }
    return unique
  }
}

/// A failure to find the `buildkit` executable.
struct CLIError: Error, CustomStringConvertible {
  /// What kind of failure this is.
  struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String {
      case notFound
    }
    private let kind: Kind

    /// There is no executable where `BUILDKIT_TEST_CLI` or the build products folder says.
    static let notFound = Code(kind: .notFound)

    /// The code's name.
    var description: String { self.kind.rawValue }
  }

  /// What kind of failure this is.
  let code: Code
  /// Where the executable was looked for and how to build it.
  let message: String
  /// The underlying error, if any.
  let cause: (any Error)?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: Where the executable was looked for and how to build it.
  ///   - cause: The underlying error, if any.
  init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// The message.
  var description: String { self.message }
}
