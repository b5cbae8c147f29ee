// What the multi-platform integration tests share: build contexts that need no emulation
// (`FROM scratch` and `COPY` only), fresh repository names, a Docker configuration whose
// credential helper is a script speaking the real `docker-credential-NAME get` protocol, the
// verifier `skopeo`, and the `buildkit` executable built next to the test bundle.

import BuildKit
import Foundation
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A counter several tasks and threads can bump.
final class MultiPlatformCounter: Sendable {
  private let value = Mutex(0)

  /// Adds one and returns the new count.
  func next() -> Int {
    self.value.withLock {
      $0 += 1
      return $0
    }
  }
}

/// A folder for one test, removed afterwards.
struct MultiPlatformFolder {
  let url: URL
  var path: String { self.url.path }

  static func with<T>(_ body: (MultiPlatformFolder) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("multiplatform-it-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(MultiPlatformFolder(url: url))
  }

  /// Writes a file under the folder, creating its parent folders.
  @discardableResult
  func write(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
    let file = self.url.appendingPathComponent(relativePath)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: file)
    if executable {
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
    }
    return file.path
  }
}

enum MultiPlatformFixtures {
  /// A context whose image differs per architecture: `/arch.txt` comes from `<arch>.txt`.
  /// - Parameters:
  ///   - folder: The test folder; the context goes into `context/`.
  ///   - architectures: The architectures that get their file; a missing one fails its build.
  ///   - salt: Text put into every image, so that each test pushes content of its own.
  /// - Returns: The context directory.
  static func context(in folder: MultiPlatformFolder, architectures: [String], salt: String) throws
    -> String
  {
    try folder.write(
      "context/Dockerfile",
      "FROM scratch\nARG TARGETARCH\nCOPY salt.txt /\nCOPY ${TARGETARCH}.txt /arch.txt\n")
    try folder.write("context/salt.txt", salt + "\n")
    for architecture in architectures {
      try folder.write("context/\(architecture).txt", "built for \(architecture)\n")
    }
    return folder.url.appendingPathComponent("context").path
  }

  /// The shared request for a context made by ``context(in:architectures:salt:)``.
  static func request(context: String, attributes: [String: String] = [:]) -> BuildRequest {
    BuildRequest(
      frontendAttributes: attributes,
      localDirectories: ["context": context, "dockerfile": context])
  }

  /// A repository name no other test run uses.
  static func repository(_ name: String) -> String {
    "multiplatform/\(name)-\(UUID().uuidString.prefix(8).lowercased())"
  }

  /// A Docker configuration directory whose `credHelpers` sends `registry` to a helper script
  /// that answers `user`/`password` for it and "credentials not found" for any other server.
  /// - Returns: The configuration directory and the folder to put first on `PATH`.
  static func credentialHelper(
    in folder: MultiPlatformFolder, registry: String, user: String, password: String
  ) throws -> (configDirectory: String, bin: String) {
    let script = """
      #!/bin/sh
      # docker-credential-multitest: the credential helper protocol, for the test registry only.
      case "$1" in
        get)
          read -r server
          if [ "$server" = "\(registry)" ]; then
            printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$server" '\(user)' '\(password)'
          else
            echo "credentials not found in native keychain"
            exit 1
          fi
          ;;
        list) echo '{}' ;;
        store|erase) cat >/dev/null ;;
        *) echo "unknown action $1" >&2; exit 1 ;;
      esac
      """
    try folder.write("bin/docker-credential-multitest", script, executable: true)
    try folder.write("docker/config.json", #"{"credHelpers": {"\#(registry)": "multitest"}}"#)
    return (
      folder.url.appendingPathComponent("docker").path,
      folder.url.appendingPathComponent("bin").path
    )
  }

  /// The environment for a credential helper folder: `PATH` with `bin` first.
  static func helperEnvironment(bin: String, configDirectory: String) -> [String: String] {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return ["PATH": "\(bin):\(path)", "DOCKER_CONFIG": configDirectory]
  }

  /// A registry client for the test bed's plain registries, with quick retries.
  static func registryClient(
    insecure: Set<String>, credentials: any CredentialProviding = StaticCredentials([:])
  ) -> RegistryClient {
    RegistryClient(
      configuration: RegistryClient.Configuration(
        credentials: credentials, insecureRegistries: insecure,
        retry: RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(50), maxDelay: .seconds(1))))
  }

  /// A loopback TCP port that nothing listens on: bound, then released.
  static func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else {
      throw MultiPlatformFixtureError("socket: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw MultiPlatformFixtureError("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// The `buildkit` executable: `BUILDKIT_TEST_CLI`, else the one built beside the test bundle.
  static var cliPath: String {
    if let path = ProcessInfo.processInfo.environment["BUILDKIT_TEST_CLI"], !path.isEmpty {
      return path
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("buildkit").path
  }
}

/// The verifier: `skopeo` against the test bed's registries. Without a certificate folder it
/// does not verify TLS; with one (`--cert-dir`) it trusts only the CA found there.
enum MultiPlatformSkopeo {
  /// The exact manifest or index bytes under a reference.
  static func raw(_ reference: String, credentials: String? = nil, certDirectory: String? = nil)
    async throws -> Data
  {
    try await Self.run(
      ["inspect", "--raw"], reference, credentials: credentials, certDirectory: certDirectory
    ).stdout
  }

  /// The image config `skopeo` picks for an architecture, decoded.
  static func config(
    _ reference: String, architecture: String, credentials: String? = nil,
    certDirectory: String? = nil
  ) async throws -> [String: Any] {
    let output = try await Self.run(
      ["inspect", "--config"], reference,
      global: ["--override-os", "linux", "--override-arch", architecture],
      credentials: credentials, certDirectory: certDirectory)
    return try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any] ?? [:]
  }

  /// The tags of a repository.
  static func tags(_ repository: String, credentials: String? = nil, certDirectory: String? = nil)
    async throws -> [String]
  {
    let output = try await Self.run(
      ["list-tags"], repository, credentials: credentials, certDirectory: certDirectory)
    let object = try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any]
    return (object?["Tags"] as? [String] ?? []).sorted()
  }

  /// Whether `skopeo inspect` finds a reference.
  static func exists(_ reference: String, credentials: String? = nil) async throws -> Bool {
    (try? await Self.run(["inspect", "--raw"], reference, credentials: credentials)) != nil
  }

  private static func run(
    _ command: [String], _ reference: String, global: [String] = [], credentials: String?,
    certDirectory: String? = nil
  ) async throws -> ProcessOutput {
    var arguments = global + command
    if let certDirectory {
      arguments += ["--cert-dir", certDirectory]
    } else {
      arguments.append("--tls-verify=false")
    }
    if let credentials { arguments += ["--creds", credentials] }
    arguments.append("docker://\(reference)")
    let output = try await Subprocess.run("skopeo", arguments, timeout: .seconds(60))
    guard output.succeeded else {
      throw MultiPlatformFixtureError(
        "skopeo \(arguments.joined(separator: " ")): \(output.standardError)")
    }
    return output
  }
}
