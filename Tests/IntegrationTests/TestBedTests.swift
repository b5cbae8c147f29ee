import Foundation
import Testing

/// Proves that the peers of the test bed are up and are what the other integration tests expect,
/// using only the reference tools (`buildctl`, `openssl`) and raw HTTP.
@Suite("The test bed", .requiresTestBed)
struct TestBedTests {
  /// The platforms column of `buildctl debug workers`, one list per worker.
  static func workerPlatforms(in table: String) -> [[String]] {
    table.split(separator: "\n").dropFirst().compactMap { line in
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard fields.count >= 2 else { return nil }
      return fields[1].split(separator: ",").map(String.init)
    }
  }

  @Test(
    "buildkitd a lists a worker with a Linux platform on its unix socket and its TCP port",
    arguments: [TestBed.Endpoint.unix, .tcp]
  )
  func plainDaemonListsWorkers(endpoint: TestBed.Endpoint) async throws {
    let bed = try TestBed.require()
    let output = try await bed.buildctl(endpoint, ["debug", "workers"], timeout: .seconds(60))
    #expect(output.status == 0, "buildctl: \(output.standardError)")
    let platforms = Self.workerPlatforms(in: output.standardOutput)
    #expect(platforms.count == 1, "workers: \(output.standardOutput)")
    #expect(platforms.first?.contains { $0.hasPrefix("linux/") } == true)
  }

  @Test("buildkitd b lists its worker to a client with the test CA's client certificate")
  func tlsDaemonAcceptsTheClientCertificate() async throws {
    let bed = try TestBed.require()
    let output = try await bed.buildctl(.tls, ["debug", "workers"], timeout: .seconds(60))
    #expect(output.status == 0, "buildctl: \(output.standardError)")
    let platforms = Self.workerPlatforms(in: output.standardOutput)
    #expect(platforms.first?.contains { $0.hasPrefix("linux/") } == true)
  }

  @Test("buildkitd b's certificate is valid for 127.0.0.1 without a server name override")
  func tlsDaemonCertificateNamesTheLoopbackAddress() async throws {
    let bed = try TestBed.require()
    let output = try await Subprocess.run(
      bed.buildctlPath,
      [
        "--addr", bed.tlsAddress, "--tlsdir", bed.tls.directory, "debug", "workers",
      ],
      timeout: .seconds(60)
    )
    #expect(output.status == 0, "buildctl: \(output.standardError)")
  }

  /// Client settings that buildkitd b must refuse.
  enum RefusedClient: CaseIterable, Sendable, CustomTestStringConvertible {
    case trustsTheWrongCA
    case presentsACertificateFromTheWrongCA
    case presentsNoCertificate
    case speaksPlainGRPC

    var testDescription: String {
      switch self {
      case .trustsTheWrongCA: "trusts the wrong CA"
      case .presentsACertificateFromTheWrongCA: "presents a certificate from the wrong CA"
      case .presentsNoCertificate: "presents no certificate"
      case .speaksPlainGRPC: "speaks plain gRPC"
      }
    }

    /// The `buildctl` TLS options of such a client.
    func arguments(_ bed: TestBed) -> [String] {
      switch self {
      case .trustsTheWrongCA:
        [
          "--tlscacert", bed.wrongCAPath, "--tlscert", bed.tls.certificatePath, "--tlskey",
          bed.tls.keyPath, "--tlsservername", bed.tlsServerName,
        ]
      case .presentsACertificateFromTheWrongCA:
        [
          "--tlscacert", bed.tls.caPath, "--tlscert", bed.wrongTLS.certificatePath, "--tlskey",
          bed.wrongTLS.keyPath, "--tlsservername", bed.tlsServerName,
        ]
      case .presentsNoCertificate:
        ["--tlscacert", bed.tls.caPath, "--tlsservername", bed.tlsServerName]
      case .speaksPlainGRPC:
        []
      }
    }
  }

  @Test("buildkitd b refuses a client that", arguments: RefusedClient.allCases)
  func tlsDaemonRefusesClient(_ client: RefusedClient) async throws {
    let bed = try TestBed.require()
    let output = try await Subprocess.run(
      bed.buildctlPath,
      ["--addr", bed.tlsAddress] + client.arguments(bed) + ["debug", "workers"],
      timeout: .seconds(60)
    )
    #expect(output.status != 0, "buildctl unexpectedly listed: \(output.standardOutput)")
    #expect(Self.workerPlatforms(in: output.standardOutput).isEmpty)
  }

  @Test("buildkitd c's worker announces linux/arm64 as its first platform")
  func arm64DaemonAnnouncesArm64() async throws {
    let bed = try TestBed.require()
    let output = try await bed.buildctl(.arm64, ["debug", "workers"], timeout: .seconds(60))
    #expect(output.status == 0, "buildctl: \(output.standardError)")
    let platforms = Self.workerPlatforms(in: output.standardOutput)
    #expect(platforms.first?.first == bed.arm64Platform, "workers: \(output.standardOutput)")
  }

  @Test("the plain registry answers GET /v2/ with 200")
  func plainRegistryAnswers() throws {
    let bed = try TestBed.require()
    #expect(try LoopbackHTTP.status(of: "/v2/", at: bed.registry) == 200)
  }

  @Test("the authenticated registry answers GET /v2/ with 401 without credentials")
  func authRegistryWantsCredentials() throws {
    let bed = try TestBed.require()
    #expect(try LoopbackHTTP.status(of: "/v2/", at: bed.authRegistry) == 401)
  }

  @Test("the authenticated registry answers GET /v2/ with 200 for the test user")
  func authRegistryAcceptsTheTestUser() throws {
    let bed = try TestBed.require()
    let authorization = LoopbackHTTP.basicAuthorization(
      user: bed.registryUser, password: bed.registryPassword)
    let status = try LoopbackHTTP.status(
      of: "/v2/", at: bed.authRegistry, headers: ["Authorization": authorization])
    #expect(status == 200)
  }

  @Test("the authenticated registry answers GET /v2/ with 401 for a wrong password")
  func authRegistryRefusesAWrongPassword() throws {
    let bed = try TestBed.require()
    let authorization = LoopbackHTTP.basicAuthorization(
      user: bed.registryUser, password: bed.registryPassword + "-wrong")
    let status = try LoopbackHTTP.status(
      of: "/v2/", at: bed.authRegistry, headers: ["Authorization": authorization])
    #expect(status == 401)
  }

  @Test("the HTTPS registry answers GET /v2/ with 200 over TLS verified against its CA")
  func tlsRegistryAnswersOverVerifiedTLS() async throws {
    let bed = try TestBed.require()
    let output = try await Self.httpsGet(bed.tlsRegistry, caFile: bed.registryCAPath)
    #expect(output.status == 0, "openssl: \(output.standardError)")
    #expect(Self.statusCode(of: output.standardOutput) == 200, "answer: \(output.standardOutput)")
  }

  @Test("the HTTPS registry's certificate does not verify against the wrong CA")
  func tlsRegistryFailsVerificationWithTheWrongCA() async throws {
    let bed = try TestBed.require()
    let output = try await Self.httpsGet(bed.tlsRegistry, caFile: bed.wrongCAPath)
    #expect(output.status != 0)
    #expect(Self.statusCode(of: output.standardOutput) == nil)
  }

  /// The status code in the first line of an HTTP answer, if it has one.
  static func statusCode(of answer: String) -> Int? {
    let fields = answer.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
    guard fields.count >= 2, fields[0].hasPrefix("HTTP/") else { return nil }
    return Int(fields[1])
  }

  /// `GET /v2/` over TLS with `openssl s_client`, failing on any verification error.
  static func httpsGet(_ hostPort: String, caFile: String) async throws -> ProcessOutput {
    try await Subprocess.run(
      "openssl",
      [
        "s_client", "-connect", hostPort, "-CAfile", caFile, "-verify_return_error",
        "-verify_ip", "127.0.0.1", "-quiet",
      ],
      input: Data("GET /v2/ HTTP/1.0\r\nHost: \(hostPort)\r\nConnection: close\r\n\r\n".utf8),
      timeout: .seconds(30)
    )
  }
}
