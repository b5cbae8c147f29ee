import BuildKit
import Foundation
import GRPC
import Testing

/// How `buildkit` fails: daemons that are not there, TLS that does not verify, and arguments that
/// make no sense; and how it finds the daemon through `BUILDKIT_HOST`.
///
/// A run that should fail fast gets a deadline of 10 seconds, far above what it needs; that bound
/// only keeps a hanging client from hanging the test run, it measures nothing.
@Suite("buildkit's failures and its daemon address", .requiresTestBed)
struct CommandErrorTests {
  /// The deadline for runs that should fail within their `--timeout`.
  static let bound: Duration = .seconds(10)

  /// The commands that connect to a daemon.
  static let daemonCommands = ["info", "workers", "du", "prune"]

  /// Addresses where no daemon answers.
  enum Nowhere: CaseIterable, Sendable, CustomTestStringConvertible {
    /// A unix socket path that does not exist.
    case missingSocket
    /// A TCP port on 127.0.0.1 that refuses connections.
    case refusingPort

    var testDescription: String {
      switch self {
      case .missingSocket: "a unix socket that does not exist"
      case .refusingPort: "a TCP port nobody listens on"
      }
    }

    /// Runs `body` with such an address, valid for the duration of the call.
    func withAddress<T>(_ body: (String) async throws -> T) async throws -> T {
      switch self {
      case .missingSocket:
        let folder = FileManager.default.temporaryDirectory
          .appendingPathComponent("buildkit-nowhere-\(UUID().uuidString)").path
        return try await body("unix://\(folder)/buildkitd.sock")
      case .refusingPort:
        let port = try RefusingPort()
        defer { withExtendedLifetime(port) {} }
        return try await body(port.address)
      }
    }
  }

  @Test(
    "a command fails with exit status 1 naming an address where no daemon answers",
    arguments: daemonCommands, Nowhere.allCases)
  func failsWithoutDaemon(command: String, nowhere: Nowhere) async throws {
    _ = try TestBed.require()
    try await nowhere.withAddress { address in
      let output = try await CLI.run(
        [command, "--addr", address, "--timeout", "2"], timeout: Self.bound)
      #expect(output.status == 1, "stdout: \(output.standardOutput)")
      #expect(output.standardError.hasPrefix("error: "), "stderr: \(output.standardError)")
      #expect(output.standardError.contains(address), "stderr: \(output.standardError)")
      #expect(output.standardOutput.isEmpty)
    }
  }

  @Test(
    "--wait --timeout 1 gives up on an address where no daemon answers", arguments: Nowhere.allCases
  )
  func waitsInVain(nowhere: Nowhere) async throws {
    _ = try TestBed.require()
    try await nowhere.withAddress { address in
      let output = try await CLI.run(
        ["info", "--addr", address, "--wait", "--timeout", "1"], timeout: Self.bound)
      #expect(output.status == 1, "stdout: \(output.standardOutput)")
      #expect(output.standardError.contains(address), "stderr: \(output.standardError)")
    }
  }

  @Test("a daemon certificate from another CA fails naming TLS and the address")
  func refusesTheWrongCA() async throws {
    let bed = try TestBed.require()
    let output = try await CLI.run(
      [
        "info", "--addr", bed.tlsAddress, "--tlscacert", bed.wrongCAPath, "--tlscert",
        bed.tls.certificatePath, "--tlskey", bed.tls.keyPath, "--tlsservername",
        bed.tlsServerName, "--timeout", "5",
      ],
      timeout: Self.bound)
    #expect(output.status == 1, "stdout: \(output.standardOutput)")
    let message = Self.errorLines(output.standardError)
    #expect(message.contains("TLS"), "stderr: \(output.standardError)")
    #expect(message.contains(bed.tlsAddress), "stderr: \(output.standardError)")
  }

  @Test("a client certificate from another CA fails naming the address")
  func presentsTheWrongCertificate() async throws {
    let bed = try TestBed.require()
    let output = try await CLI.run(
      [
        "info", "--addr", bed.tlsAddress, "--tlscacert", bed.tls.caPath, "--tlscert",
        bed.wrongTLS.certificatePath, "--tlskey", bed.wrongTLS.keyPath, "--tlsservername",
        bed.tlsServerName, "--timeout", "5",
      ],
      timeout: Self.bound)
    #expect(output.status == 1, "stdout: \(output.standardOutput)")
    #expect(output.standardError.contains(bed.tlsAddress), "stderr: \(output.standardError)")
  }

  @Test("plain gRPC to the TLS daemon fails naming the address")
  func speaksPlainToTLS() async throws {
    let bed = try TestBed.require()
    let output = try await CLI.run(
      ["info", "--addr", bed.tlsAddress, "--timeout", "2"], timeout: Self.bound)
    #expect(output.status == 1, "stdout: \(output.standardOutput)")
    #expect(output.standardError.contains(bed.tlsAddress), "stderr: \(output.standardError)")
  }

  @Test("a TLS file that does not exist fails naming the file")
  func namesTheMissingTLSFile() async throws {
    let bed = try TestBed.require()
    let missing = "/nonexistent-\(UUID().uuidString)/ca.pem"
    let output = try await CLI.run(
      ["info", "--addr", bed.tlsAddress, "--tlscacert", missing], timeout: Self.bound)
    #expect(output.status == 1, "stdout: \(output.standardOutput)")
    #expect(output.standardError.contains(missing), "stderr: \(output.standardError)")
  }

  @Test("a client certificate without its key fails naming --tlskey")
  func wantsTheKeyWithTheCertificate() async throws {
    let bed = try TestBed.require()
    let output = try await CLI.run(
      ["info", "--addr", bed.tlsAddress, "--tlscert", bed.tls.certificatePath],
      timeout: Self.bound)
    #expect(output.status != 0)
    #expect(output.standardError.contains("--tlskey"), "stderr: \(output.standardError)")
  }

  /// Invocations that are usage mistakes, each with a word its message must contain.
  static let usageMistakes: [(arguments: [String], mentions: String)] = [
    (["du", "--bogus"], "--bogus"),
    (["info", "--timeout", "abc"], "--timeout"),
    (["info", "--timeout", "0"], "--timeout"),
    (["info", "--timeout", "-1"], "--timeout"),
    (["workers", "--format", "yaml"], "--format"),
    (["du", "--addr"], "--addr"),
    (["frobnicate"], "frobnicate"),
  ]

  @Test("a usage mistake exits 64 with a message and no output", arguments: usageMistakes)
  func refusesUsageMistakes(arguments: [String], mentions: String) async throws {
    let bed = try TestBed.require()
    let output = try await CLI.run(
      arguments, environment: ["BUILDKIT_HOST": bed.unixAddress], timeout: Self.bound)
    #expect(output.status == 64, "stderr: \(output.standardError)")
    #expect(output.standardError.hasPrefix("error: "), "stderr: \(output.standardError)")
    #expect(output.standardError.contains(mentions), "stderr: \(output.standardError)")
    #expect(output.standardOutput.isEmpty, "stdout: \(output.standardOutput)")
  }

  @Test("an unknown option prints the command's usage")
  func printsUsageForAnUnknownOption() async throws {
    _ = try TestBed.require()
    let output = try await CLI.run(["du", "--bogus"], timeout: Self.bound)
    #expect(output.status == 64)
    #expect(output.standardError.contains("Usage: buildkit du"), "\(output.standardError)")
  }

  @Test("--version prints the version and exits 0")
  func printsTheVersion() async throws {
    _ = try TestBed.require()
    let output = try await CLI.run(["--version"], timeout: Self.bound)
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput.hasPrefix("buildkit "), "\(output.standardOutput)")
  }

  @Test(
    "--help of a command prints its options and exits 0",
    arguments: [
      ("du", "--filter"), ("prune", "--keep-duration"), ("prune", "--keep-storage"),
      ("workers", "--verbose"), ("info", "--tlsdir"),
    ])
  func printsCommandHelp(command: String, option: String) async throws {
    _ = try TestBed.require()
    let output = try await CLI.run([command, "--help"], timeout: Self.bound)
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput.hasPrefix("Usage: buildkit \(command)"))
    #expect(output.standardOutput.contains(option), "\(output.standardOutput)")
  }

  // MARK: BUILDKIT_HOST

  @Test("BUILDKIT_HOST names the daemon when --addr is absent")
  func readsBuildKitHost() async throws {
    let bed = try TestBed.require()
    let expected = try await InfoCommandTests.referenceVersionLine(bed, .tcp)
    let output = try await CLI.run(["info"], environment: ["BUILDKIT_HOST": bed.tcpAddress])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput == expected + "\n")
  }

  @Test("a failure through BUILDKIT_HOST names the address it came from")
  func namesTheBuildKitHostAddress() async throws {
    _ = try TestBed.require()
    let port = try RefusingPort()
    let output = try await CLI.run(
      ["workers", "--timeout", "2"], environment: ["BUILDKIT_HOST": port.address],
      timeout: Self.bound)
    #expect(output.status == 1)
    #expect(output.standardError.contains(port.address), "stderr: \(output.standardError)")
    withExtendedLifetime(port) {}
  }

  @Test("--addr wins over BUILDKIT_HOST")
  func prefersTheAddressOption() async throws {
    let bed = try TestBed.require()
    let port = try RefusingPort()
    let expected = try await InfoCommandTests.referenceVersionLine(bed, .unix)
    let output = try await CLI.run(
      ["info", "--addr", bed.unixAddress], environment: ["BUILDKIT_HOST": port.address])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput == expected + "\n")
    withExtendedLifetime(port) {}
  }

  // MARK: The library

  @Test(
    "BuildKitClient.connect fails with connectionFailed naming an address without daemon",
    arguments: Nowhere.allCases)
  func libraryFailsWithoutDaemon(nowhere: Nowhere) async throws {
    _ = try TestBed.require()
    try await nowhere.withAddress { address in
      let client = try BuildKitClient(address: address)
      defer { client.close() }
      let error = await #expect(throws: BuildKitError.self) {
        try await client.connect(timeout: .seconds(2))
      }
      #expect(error?.code == .connectionFailed)
      #expect(error?.message.contains(address) == true, "\(String(describing: error))")
    }
  }

  @Test("a BuildKitClient with the wrong CA fails with connectionFailed naming TLS")
  func libraryRefusesTheWrongCA() async throws {
    let bed = try TestBed.require()
    let tls = try TLSConfiguration(
      caFile: bed.wrongCAPath, certificateFile: bed.tls.certificatePath,
      keyFile: bed.tls.keyPath, serverName: bed.tlsServerName)
    // A TLS client connects when it is created, so the failure may come from either step.
    let error = await #expect(throws: BuildKitError.self) {
      let client = try BuildKitClient(address: bed.tlsAddress, tls: tls)
      defer { client.close() }
      try await client.connect(timeout: .seconds(5))
    }
    #expect(error?.code == .connectionFailed)
    #expect(error?.message.contains("TLS") == true, "\(String(describing: error))")
  }

  /// The lines of standard error that the command wrote itself (`error: …`), without what the
  /// gRPC runtime may log there.
  static func errorLines(_ text: String) -> String {
    text.split(separator: "\n").filter { $0.hasPrefix("error: ") }.joined(separator: "\n")
  }
}
