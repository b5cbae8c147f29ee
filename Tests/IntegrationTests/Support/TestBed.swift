// The test bed is the set of real peers that `Scripts/testbed start` runs on 127.0.0.1: three
// buildkitd daemons (a plain one on a unix socket and a TCP port, one behind mutual TLS, one whose
// worker announces linux/arm64) and three docker-registry instances (plain HTTP, htpasswd, HTTPS
// from a test CA). The script describes them in `<state folder>/env`, a file of
// `export NAME='value'` lines; `Scripts/test` sources it before `swift test`.
//
// `TestBed.current` reads those `BUILDKIT_TEST_*` variables from the environment, or, when none
// is set, from the env file of the default state folder `.testbed` at the package root, so a plain
// `swift test` after `Scripts/testbed start` finds the bed too. Integration tests carry the
// `.requiresTestBed` trait: without a test bed they are skipped, unless
// `BUILDKIT_TEST_REQUIRE_PEERS=1` is set (as `Scripts/test` and CI do), in which case they fail.

import Foundation
import Testing

/// The loopback peers that `Scripts/testbed start` runs for the integration tests.
struct TestBed: Sendable {
  /// The three files a TLS client presents and trusts, as `buildctl --tlsdir` expects them.
  struct TLSFiles: Sendable, Equatable {
    /// The folder that holds `ca.pem`, `cert.pem` and `key.pem`.
    let directory: String

    /// The certificate of the authority the client trusts for the server (`ca.pem`).
    var caPath: String { self.directory + "/ca.pem" }
    /// The client certificate (`cert.pem`).
    var certificatePath: String { self.directory + "/cert.pem" }
    /// The client's private key, PEM (`key.pem`).
    var keyPath: String { self.directory + "/key.pem" }
  }

  /// One buildkitd of the test bed, with the files a test needs to stop and restart it.
  struct Daemon: Sendable, Equatable {
    /// The daemon's folder in the state folder (`a`, `b` or `c`).
    let directory: String

    /// The `buildkitd.toml` the daemon runs with.
    var configPath: String { self.directory + "/buildkitd.toml" }
    /// The file that holds the daemon's process id while it runs.
    var pidFile: String { self.directory + "/pid" }
    /// The daemon's log (stdout and stderr, appended across restarts).
    var logFile: String { self.directory + "/log" }

    /// Stops the daemon and waits until it has exited.
    ///
    /// - Throws: `TestBedError` when the stop script fails.
    func stop() async throws {
      try await self.runScript("stop")
    }

    /// Starts the daemon again with its configuration and waits until it answers.
    ///
    /// - Throws: `TestBedError` when the daemon does not come up (the message names its log).
    func start() async throws {
      try await self.runScript("start")
    }

    /// The id of the running daemon process, or nil when it is not running.
    func processID() -> Int32? {
      guard let text = try? String(contentsOfFile: self.pidFile, encoding: .utf8) else {
        return nil
      }
      return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func runScript(_ name: String) async throws {
      let script = self.directory + "/" + name
      let output = try await Subprocess.run(script, [], timeout: .seconds(90))
      guard output.status == 0 else {
        throw TestBedError(
          code: .scriptFailed,
          message: "\(script) exited with status \(output.status): \(output.standardError); "
            + "see \(self.logFile)"
        )
      }
    }
  }

  /// Which daemon of the test bed, and over which transport, a client should reach.
  enum Endpoint: Sendable, CaseIterable {
    /// Daemon a on its unix socket.
    case unix
    /// Daemon a on its plain TCP port.
    case tcp
    /// Daemon b, mutual TLS with the client certificate of `tls`.
    case tls
    /// Daemon c (worker platform linux/arm64) on its plain TCP port.
    case arm64
  }

  /// Daemon a's unix socket address, `unix://…` (`BUILDKIT_TEST_ADDR_UNIX`).
  let unixAddress: String
  /// Daemon a's TCP address, `tcp://127.0.0.1:PORT` (`BUILDKIT_TEST_ADDR_TCP`).
  let tcpAddress: String
  /// Daemon b's TCP address, which requires mutual TLS (`BUILDKIT_TEST_ADDR_TLS`).
  let tlsAddress: String
  /// The client files for daemon b (`BUILDKIT_TEST_TLS_DIR`).
  let tls: TLSFiles
  /// The name daemon b's certificate is valid for, besides 127.0.0.1 and localhost
  /// (`BUILDKIT_TEST_TLS_SERVERNAME`).
  let tlsServerName: String
  /// A CA certificate that did not sign daemon b's certificate (`BUILDKIT_TEST_TLS_WRONG_CA`).
  let wrongCAPath: String
  /// Daemon c's TCP address (`BUILDKIT_TEST_ADDR_ARM64`).
  let arm64Address: String
  /// The platform daemon c's worker announces first (`BUILDKIT_TEST_PLATFORM_ARM64`, else
  /// linux/arm64).
  let arm64Platform: String
  /// The plain HTTP registry, `127.0.0.1:5000` (`BUILDKIT_TEST_REGISTRY`).
  let registry: String
  /// The registry that wants basic authentication, `127.0.0.1:5001`
  /// (`BUILDKIT_TEST_REGISTRY_AUTH`).
  let authRegistry: String
  /// The user name the authenticated registry accepts (`BUILDKIT_TEST_REGISTRY_USER`).
  let registryUser: String
  /// That user's password (`BUILDKIT_TEST_REGISTRY_PASSWORD`).
  let registryPassword: String
  /// The HTTPS registry, `127.0.0.1:5002` (`BUILDKIT_TEST_REGISTRY_TLS`).
  let tlsRegistry: String
  /// The CA certificate that signed the HTTPS registry's certificate (`BUILDKIT_TEST_REGISTRY_CA`).
  let registryCAPath: String
  /// The reference client `buildctl` (`BUILDKIT_TEST_BUILDCTL`).
  let buildctlPath: String
  /// The `buildkitd` the daemons run (`BUILDKIT_TEST_BUILDKITD`).
  let buildkitdPath: String
  /// The test bed's state folder (`BUILDKIT_TEST_STATE_DIR`).
  let stateDirectory: String

  /// The variables that must all be set for a test bed to be usable.
  static let requiredVariables = [
    "BUILDKIT_TEST_ADDR_UNIX", "BUILDKIT_TEST_ADDR_TCP", "BUILDKIT_TEST_ADDR_TLS",
    "BUILDKIT_TEST_TLS_DIR", "BUILDKIT_TEST_TLS_SERVERNAME", "BUILDKIT_TEST_TLS_WRONG_CA",
    "BUILDKIT_TEST_ADDR_ARM64", "BUILDKIT_TEST_REGISTRY", "BUILDKIT_TEST_REGISTRY_AUTH",
    "BUILDKIT_TEST_REGISTRY_USER", "BUILDKIT_TEST_REGISTRY_PASSWORD", "BUILDKIT_TEST_REGISTRY_TLS",
    "BUILDKIT_TEST_REGISTRY_CA", "BUILDKIT_TEST_BUILDCTL", "BUILDKIT_TEST_BUILDKITD",
    "BUILDKIT_TEST_STATE_DIR",
  ]

  /// Reads a test bed from a set of `BUILDKIT_TEST_*` variables.
  ///
  /// - Parameter environment: Variable names and values, such as the process environment.
  /// - Throws: `TestBedError` with code `incomplete`, naming every missing variable, when some
  ///   but not all are set, and with code `absent` when none is.
  init(environment: [String: String]) throws(TestBedError) {
    let missing = Self.requiredVariables.filter { (environment[$0] ?? "").isEmpty }
    if missing.count == Self.requiredVariables.count {
      throw TestBedError(
        code: .absent,
        message: "the test bed's environment (BUILDKIT_TEST_ADDR_UNIX and the rest) is not set: "
          + "start the test bed with Scripts/testbed start, or run Scripts/test"
      )
    }
    guard missing.isEmpty else {
      throw TestBedError(
        code: .incomplete,
        message: "the test bed's environment lacks \(missing.joined(separator: ", ")): restart "
          + "the test bed with Scripts/testbed stop and Scripts/testbed start, then source its env"
      )
    }
    func value(_ name: String) -> String { environment[name] ?? "" }
    self.unixAddress = value("BUILDKIT_TEST_ADDR_UNIX")
    self.tcpAddress = value("BUILDKIT_TEST_ADDR_TCP")
    self.tlsAddress = value("BUILDKIT_TEST_ADDR_TLS")
    self.tls = TLSFiles(directory: value("BUILDKIT_TEST_TLS_DIR"))
    self.tlsServerName = value("BUILDKIT_TEST_TLS_SERVERNAME")
    self.wrongCAPath = value("BUILDKIT_TEST_TLS_WRONG_CA")
    self.arm64Address = value("BUILDKIT_TEST_ADDR_ARM64")
    self.arm64Platform =
      environment["BUILDKIT_TEST_PLATFORM_ARM64"].flatMap {
        $0.isEmpty ? nil : $0
      } ?? "linux/arm64"
    self.registry = value("BUILDKIT_TEST_REGISTRY")
    self.authRegistry = value("BUILDKIT_TEST_REGISTRY_AUTH")
    self.registryUser = value("BUILDKIT_TEST_REGISTRY_USER")
    self.registryPassword = value("BUILDKIT_TEST_REGISTRY_PASSWORD")
    self.tlsRegistry = value("BUILDKIT_TEST_REGISTRY_TLS")
    self.registryCAPath = value("BUILDKIT_TEST_REGISTRY_CA")
    self.buildctlPath = value("BUILDKIT_TEST_BUILDCTL")
    self.buildkitdPath = value("BUILDKIT_TEST_BUILDKITD")
    self.stateDirectory = value("BUILDKIT_TEST_STATE_DIR")
  }

  /// Daemon a: the plain daemon behind `unixAddress` and `tcpAddress`.
  var daemonA: Daemon { Daemon(directory: self.stateDirectory + "/a") }
  /// Daemon b: the mutual-TLS daemon behind `tlsAddress`.
  var daemonB: Daemon { Daemon(directory: self.stateDirectory + "/b") }
  /// Daemon c: the linux/arm64 daemon behind `arm64Address`.
  var daemonC: Daemon { Daemon(directory: self.stateDirectory + "/c") }

  /// A CA with a client certificate of its own, neither related to daemon b's CA: `ca.pem` is
  /// `wrongCAPath`.
  var wrongTLS: TLSFiles {
    TLSFiles(directory: (self.wrongCAPath as NSString).deletingLastPathComponent)
  }

  /// The folder for `skopeo --cert-dir` that trusts the HTTPS registry.
  var registryCertDirectory: String {
    (self.registryCAPath as NSString).deletingLastPathComponent + "/certs.d"
  }

  /// The global `buildctl` options that reach an endpoint: `--addr` and, for the TLS daemon, the
  /// client certificate files and the server name.
  ///
  /// - Parameter endpoint: The daemon and transport.
  /// - Returns: Arguments to put before the `buildctl` command.
  func buildctlArguments(for endpoint: Endpoint) -> [String] {
    switch endpoint {
    case .unix: ["--addr", self.unixAddress]
    case .tcp: ["--addr", self.tcpAddress]
    case .arm64: ["--addr", self.arm64Address]
    case .tls:
      [
        "--addr", self.tlsAddress, "--tlscacert", self.tls.caPath, "--tlscert",
        self.tls.certificatePath, "--tlskey", self.tls.keyPath, "--tlsservername",
        self.tlsServerName,
      ]
    }
  }

  /// Runs the reference client `buildctl` against an endpoint of the test bed.
  ///
  /// - Parameters:
  ///   - endpoint: The daemon and transport.
  ///   - arguments: The `buildctl` command and its options, such as `["debug", "workers"]`.
  ///   - environment: Variables to add to the child's environment (for example `DOCKER_CONFIG`).
  ///   - timeout: How long `buildctl` may run before it is stopped.
  /// - Returns: The exit status and output; a non-zero status is not an error here.
  /// - Throws: `SubprocessError` when `buildctl` cannot start or outlives `timeout`.
  func buildctl(
    _ endpoint: Endpoint,
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Duration = .seconds(300)
  ) async throws -> ProcessOutput {
    try await Subprocess.run(
      self.buildctlPath,
      self.buildctlArguments(for: endpoint) + arguments,
      environment: environment,
      timeout: timeout
    )
  }
}

// MARK: - Finding the test bed

extension TestBed {
  /// Whether a missing test bed is a failure rather than a reason to skip
  /// (`BUILDKIT_TEST_REQUIRE_PEERS=1`).
  static var peersRequired: Bool {
    ProcessInfo.processInfo.environment["BUILDKIT_TEST_REQUIRE_PEERS"] == "1"
  }

  /// The test bed of this test run, or the reason there is none.
  static let lookup: Result<TestBed, TestBedError> = Self.find(
    environment: ProcessInfo.processInfo.environment,
    defaultEnvFile: Self.defaultEnvFile
  )

  /// The running test bed, or nil when its environment is absent or incomplete.
  static var current: TestBed? { try? Self.lookup.get() }

  /// The running test bed, for the body of a test that carries `.requiresTestBed`.
  ///
  /// - Returns: The test bed.
  /// - Throws: `TestBedError` saying how to start the test bed when there is none.
  static func require() throws(TestBedError) -> TestBed {
    try Self.lookup.get()
  }

  /// The env file `Scripts/testbed start` writes into its default state folder, `.testbed` at the
  /// package root (found from this source file's location).
  static var defaultEnvFile: String {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // the file, Support, IntegrationTests, Tests
    return url.appendingPathComponent(".testbed/env").path
  }

  /// Finds a test bed: in `environment` when any `BUILDKIT_TEST_*` variable of the bed is set
  /// there, else in the env file named by `BUILDKIT_TEST_ENV_FILE`, else in `defaultEnvFile`.
  ///
  /// - Parameters:
  ///   - environment: The process environment.
  ///   - defaultEnvFile: The env file to read when the environment names none.
  /// - Returns: The test bed, or the error that says what is missing.
  static func find(
    environment: [String: String],
    defaultEnvFile: String
  ) -> Result<TestBed, TestBedError> {
    let direct = Result { () throws(TestBedError) in try TestBed(environment: environment) }
    guard case .failure(let error) = direct, error.code == .absent else {
      return direct
    }
    let envFile = environment["BUILDKIT_TEST_ENV_FILE"] ?? defaultEnvFile
    guard let text = try? String(contentsOfFile: envFile, encoding: .utf8) else {
      return direct
    }
    let variables: [String: String]
    do {
      variables = try Self.parseEnvFile(text)
    } catch {
      return .failure(
        TestBedError(
          code: .incomplete,
          message: "cannot read \(envFile): \(error); restart the test bed with Scripts/testbed",
          cause: error
        )
      )
    }
    return Result { () throws(TestBedError) in try TestBed(environment: variables) }
  }

  /// Reads the `export NAME='value'` lines that `Scripts/testbed` writes. Values are single-quoted
  /// shell words, where a quote inside a value appears as `'\''`; comments and blank lines are
  /// skipped.
  ///
  /// - Parameter text: The file's contents.
  /// - Returns: The variables by name.
  /// - Throws: `TestBedError` with code `malformedEnvFile` naming the first line it cannot read.
  static func parseEnvFile(_ text: String) throws(TestBedError) -> [String: String] {
    var variables: [String: String] = [:]
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      var line = Substring(rawLine)
      while line.first == " " || line.first == "\t" { line = line.dropFirst() }
      if line.isEmpty || line.hasPrefix("#") { continue }
      if line.hasPrefix("export ") { line = line.dropFirst("export ".count) }
      guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
        throw TestBedError(
          code: .malformedEnvFile, message: "line \(index + 1) is not NAME=value: \(rawLine)")
      }
      let name = String(line[..<equals])
      var value = ""
      var rest = line[line.index(after: equals)...]
      while let character = rest.first {
        rest = rest.dropFirst()
        switch character {
        case "'":
          guard let close = rest.firstIndex(of: "'") else {
            throw TestBedError(
              code: .malformedEnvFile,
              message: "line \(index + 1) has an unclosed quote: \(rawLine)"
            )
          }
          value += rest[..<close]
          rest = rest[rest.index(after: close)...]
        case "\\":
          guard let escaped = rest.first else {
            throw TestBedError(
              code: .malformedEnvFile, message: "line \(index + 1) ends in a backslash: \(rawLine)")
          }
          value.append(escaped)
          rest = rest.dropFirst()
        case " ", "\t":
          rest = ""
        default:
          value.append(character)
        }
      }
      variables[name] = value
    }
    return variables
  }

  /// Whether a test that needs the test bed should run: true when the bed is there, false (skip)
  /// when it is absent and not required.
  ///
  /// - Returns: Whether to run.
  /// - Throws: `TestBedError` when the bed is absent but `BUILDKIT_TEST_REQUIRE_PEERS=1`, or when
  ///   its environment is incomplete; the test then fails with that message.
  static func shouldRun() throws(TestBedError) -> Bool {
    switch Self.lookup {
    case .success:
      return true
    case .failure(let error) where error.code == .absent && !Self.peersRequired:
      return false
    case .failure(let error):
      if error.code == .absent {
        throw TestBedError(
          code: .absent,
          message: "BUILDKIT_TEST_REQUIRE_PEERS=1 but \(error.message)"
        )
      }
      throw error
    }
  }
}

extension Trait where Self == ConditionTrait {
  /// Runs a test or suite only with the test bed: skips it when the bed's environment is absent,
  /// and fails it instead when `BUILDKIT_TEST_REQUIRE_PEERS=1`.
  static var requiresTestBed: Self {
    .enabled(
      "needs the test bed: start it with Scripts/testbed start, or run everything with Scripts/test"
    ) {
      try TestBed.shouldRun()
    }
  }
}

// MARK: - Errors

/// A failure to find, read or drive the test bed.
struct TestBedError: Error, CustomStringConvertible {
  /// What kind of failure this is.
  struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String {
      case absent, incomplete, malformedEnvFile, scriptFailed
    }
    private let kind: Kind

    /// No variable of the test bed is set and no env file was found.
    static let absent = Code(kind: .absent)
    /// Some variables are set and others are missing.
    static let incomplete = Code(kind: .incomplete)
    /// The env file has a line that is not `export NAME='value'`.
    static let malformedEnvFile = Code(kind: .malformedEnvFile)
    /// A daemon's start or stop script failed.
    static let scriptFailed = Code(kind: .scriptFailed)

    /// The code's name.
    var description: String { self.kind.rawValue }
  }

  /// What kind of failure this is.
  let code: Code
  /// What failed and what to do about it.
  let message: String
  /// The underlying error, if any.
  let cause: (any Error)?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: What failed and what to do about it.
  ///   - cause: The underlying error, if any.
  init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// The message.
  var description: String { self.message }
}
