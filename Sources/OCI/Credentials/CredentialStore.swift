// Registry credentials from the Docker client configuration, `config.json`.
//
// The file lives in `$DOCKER_CONFIG`, or in `~/.docker` when that variable is unset. The parts
// that matter here:
//
//     { "auths":       { "<server>": { "auth": "<base64 user:password>",
//                                      "username": "...", "password": "...",
//                                      "identitytoken": "..." } },
//       "credHelpers": { "<server>": "<helper>" },
//       "credsStore":  "<helper>" }
//
// Docker Hub is stored under the server `https://index.docker.io/v1/`; the registry API host
// `registry-1.docker.io` and the names `docker.io` and `index.docker.io` are mapped to it. Other
// registries are stored under their host (with port), and `auths` keys written as URLs
// (`https://host/v1/`) match by their host part.
//
// Lookup order, as in the Docker CLI: a `credHelpers` entry for the server wins, then the
// `credsStore` helper, then the `auths` entry. A helper is the program `docker-credential-<name>`
// on `PATH`, run as `docker-credential-<name> get` with the server on standard input; it answers
// `{"ServerURL": ..., "Username": ..., "Secret": ...}` on standard output, or exits non-zero with
// the message "credentials not found in native keychain", which means anonymous access. A user
// name of `<token>` marks the secret as an identity token. A server that nothing names is
// accessed anonymously.

public import Foundation
import Synchronization

/// Looks up registry credentials in a Docker client configuration directory.
///
/// The configuration file is read on every lookup, so logins made while a program runs are seen.
/// Credential helpers run synchronously as child processes.
public struct CredentialStore: CredentialProviding {
  /// The directory that holds `config.json`.
  public let configDirectory: URL
  private let environment: [String: String]

  /// The key under which Docker stores Docker Hub credentials.
  public static let dockerHubServer = "https://index.docker.io/v1/"

  /// Creates a store.
  /// - Parameters:
  ///   - configDirectory: The directory that holds `config.json`; by default `$DOCKER_CONFIG`
  ///     from `environment`, else `.docker` in the home directory.
  ///   - environment: The environment for finding the directory and for running credential
  ///     helpers; its `PATH` is searched for `docker-credential-*` programs.
  public init(
    configDirectory: URL? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.environment = environment
    if let configDirectory {
      self.configDirectory = configDirectory
    } else if let fromEnvironment = environment["DOCKER_CONFIG"], !fromEnvironment.isEmpty {
      self.configDirectory = URL(fileURLWithPath: fromEnvironment, isDirectory: true)
    } else {
      let home =
        environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
        ?? FileManager.default.homeDirectoryForCurrentUser
      self.configDirectory = home.appendingPathComponent(".docker", isDirectory: true)
    }
  }

  /// The configuration file this store reads.
  public var configFile: URL {
    self.configDirectory.appendingPathComponent("config.json", isDirectory: false)
  }

  /// Maps a registry host to the server key Docker uses for it in `config.json`.
  /// - Parameter host: A registry host as contacted, with port if any.
  /// - Returns: `https://index.docker.io/v1/` for Docker Hub's names, else `host` itself.
  public static func serverKey(forHost host: String) -> String {
    switch host.lowercased() {
    case "registry-1.docker.io", "docker.io", "index.docker.io", "registry.hub.docker.com":
      return CredentialStore.dockerHubServer
    default:
      return host
    }
  }

  /// Looks up the credentials for a registry host.
  /// - Parameter host: The registry host as contacted, with port if any
  ///   (`registry-1.docker.io`, `localhost:5000`).
  /// - Returns: The credentials, or `nil` for anonymous access (no configuration file, no entry,
  ///   or a helper that has none).
  /// - Throws: ``OCIError/Code-swift.struct/invalidConfiguration`` if `config.json` does not
  ///   decode, or ``OCIError/Code-swift.struct/credentialHelperFailed`` if a configured helper
  ///   cannot be run or answers badly.
  public func credentials(forHost host: String) throws -> Credentials? {
    guard let config = try self.loadConfig() else {
      return nil
    }
    let server = CredentialStore.serverKey(forHost: host)
    if let helper = CredentialStore.entry(in: config.credHelpers ?? [:], for: server) {
      return try self.runHelper(named: helper, server: server)
    }
    if let store = config.credsStore, !store.isEmpty {
      return try self.runHelper(named: store, server: server)
    }
    guard let entry = CredentialStore.entry(in: config.auths ?? [:], for: server) else {
      return nil
    }
    return try self.credentials(from: entry, server: server)
  }

  private struct ConfigFile: Decodable {
    var auths: [String: AuthEntry]?
    var credHelpers: [String: String]?
    var credsStore: String?
  }

  private struct AuthEntry: Decodable {
    var auth: String?
    var username: String?
    var password: String?
    var identitytoken: String?
  }

  private func loadConfig() throws -> ConfigFile? {
    let file = self.configFile
    guard FileManager.default.fileExists(atPath: file.path) else {
      return nil
    }
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw OCIError(
        code: .invalidConfiguration,
        message: "cannot read Docker configuration \(file.path); check its permissions",
        cause: error)
    }
    guard !data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) else {
      return nil
    }
    do {
      return try JSONDecoder().decode(ConfigFile.self, from: data)
    } catch {
      // The decoding error may quote values from the file, so it is not kept as the cause.
      throw OCIError(
        code: .invalidConfiguration,
        message:
          "Docker configuration \(file.path) is not valid JSON of the expected shape "
          + "(auths, credHelpers, credsStore); fix or remove the file")
    }
  }

  /// Finds the entry for `server`: by exact key first, then by comparing host parts, so that
  /// `https://host/v1/`, `http://host` and `host` all match the host `host`.
  private static func entry<Value>(in table: [String: Value], for server: String) -> Value? {
    if let exact = table[server] {
      return exact
    }
    let wanted = CredentialStore.hostPart(of: server)
    for key in table.keys.sorted() where CredentialStore.hostPart(of: key) == wanted {
      return table[key]
    }
    if server == CredentialStore.dockerHubServer {
      for key in table.keys.sorted() {
        let host = CredentialStore.hostPart(of: key)
        if CredentialStore.serverKey(forHost: host) == CredentialStore.dockerHubServer {
          return table[key]
        }
      }
    }
    return nil
  }

  static func hostPart(of server: String) -> String {
    var rest = Substring(server)
    if let scheme = rest.range(of: "://") {
      rest = rest[scheme.upperBound...]
    }
    if let slash = rest.firstIndex(of: "/") {
      rest = rest[..<slash]
    }
    return rest.lowercased()
  }

  private func credentials(from entry: AuthEntry, server: String) throws -> Credentials? {
    var username = entry.username ?? ""
    var password = entry.password ?? ""
    if let auth = entry.auth, !auth.isEmpty {
      guard let decoded = Data(base64Encoded: auth, options: .ignoreUnknownCharacters),
        let text = String(data: decoded, encoding: .utf8),
        let colon = text.firstIndex(of: ":")
      else {
        throw OCIError(
          code: .invalidConfiguration,
          message:
            "the \"auth\" field for \(server) in \(self.configFile.path) is not base64 of "
            + "user:password; run docker login \(server) again")
      }
      username = String(text[..<colon])
      password = String(text[text.index(after: colon)...])
    }
    let token = entry.identitytoken.flatMap { $0.isEmpty ? nil : $0 }
    guard !username.isEmpty || !password.isEmpty || token != nil else {
      return nil
    }
    return Credentials(username: username, password: password, identityToken: token)
  }

  private func runHelper(named name: String, server: String) throws -> Credentials? {
    let program = "docker-credential-\(name)"
    guard let executable = self.findExecutable(program) else {
      throw OCIError(
        code: .credentialHelperFailed,
        message:
          "credential helper \(program) for \(server), configured in \(self.configFile.path), "
          + "is not on PATH; install it or remove it from the configuration")
    }
    let result: ProcessResult
    do {
      result = try runProcess(
        executable: executable, arguments: ["get"], input: Data(server.utf8),
        environment: self.environment)
    } catch {
      throw OCIError(
        code: .credentialHelperFailed,
        message: "cannot run credential helper \(executable.path) for \(server)", cause: error)
    }
    guard result.status == 0 else {
      let output = String(decoding: result.standardOutput, as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      if output.lowercased().contains("credentials not found") {
        return nil
      }
      let errorText = String(decoding: result.standardError, as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let detail = String((output.isEmpty ? errorText : output).prefix(200))
      throw OCIError(
        code: .credentialHelperFailed,
        message:
          "credential helper \(program) failed for \(server) with exit status \(result.status): "
          + "\(detail); check the helper's own login state")
    }
    struct Reply: Decodable {
      var username: String?
      var secret: String?

      enum CodingKeys: String, CodingKey {
        case username = "Username"
        case secret = "Secret"
      }
    }
    guard let reply = try? JSONDecoder().decode(Reply.self, from: result.standardOutput) else {
      // The reply may hold a secret, so none of it goes into the message.
      throw OCIError(
        code: .credentialHelperFailed,
        message:
          "credential helper \(program) answered for \(server) with something other than "
          + "{\"Username\": ..., \"Secret\": ...}; check that it speaks the credential helper "
          + "protocol")
    }
    let username = reply.username ?? ""
    let secret = reply.secret ?? ""
    guard !secret.isEmpty else {
      return nil
    }
    if username == "<token>" {
      return Credentials(username: "", password: "", identityToken: secret)
    }
    return Credentials(username: username, password: secret)
  }

  private func findExecutable(_ program: String) -> URL? {
    let path = self.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = URL(fileURLWithPath: String(directory), isDirectory: true)
        .appendingPathComponent(program, isDirectory: false)
      if FileManager.default.isExecutableFile(atPath: candidate.path) {
        return candidate
      }
    }
    return nil
  }
}

/// What a finished child process left behind.
struct ProcessResult {
  var status: Int32
  var standardOutput: Data
  var standardError: Data
}

/// Runs a program to completion, feeding it `input` and collecting both output streams.
///
/// The input is written into the pipe before the child starts (it must fit the pipe buffer, which
/// holds at least 4 KiB), so a child that exits without reading cannot raise SIGPIPE here.
func runProcess(
  executable: URL, arguments: [String], input: Data, environment: [String: String]
) throws -> ProcessResult {
  precondition(input.count <= 4096, "process input must fit into a pipe buffer")
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  process.environment = environment
  let standardInput = Pipe()
  let standardOutput = Pipe()
  let standardError = Pipe()
  process.standardInput = standardInput
  process.standardOutput = standardOutput
  process.standardError = standardError
  try standardInput.fileHandleForWriting.write(contentsOf: input)
  try standardInput.fileHandleForWriting.close()
  try process.run()
  let errorOutput = OutputCollector()
  let group = DispatchGroup()
  let errorHandle = standardError.fileHandleForReading
  DispatchQueue.global().async(group: group) {
    errorOutput.store(errorHandle.readDataToEndOfFile())
  }
  let output = standardOutput.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return ProcessResult(
    status: process.terminationStatus, standardOutput: output,
    standardError: errorOutput.value)
}

/// Holds bytes read on another thread.
private final class OutputCollector: Sendable {
  private let storage = Mutex(Data())

  func store(_ data: Data) {
    self.storage.withLock { $0 = data }
  }

  var value: Data {
    self.storage.withLock { $0 }
  }
}
