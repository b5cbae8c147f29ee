import BuildKit
import Foundation
import GRPC
import Testing

/// `buildkit info` and `BuildKitClient.info()` against the real daemons, held against
/// `buildctl debug info`.
@Suite("buildkit info", .requiresTestBed)
struct InfoCommandTests {
  /// The endpoints of the two plain-and-TLS daemons, one per transport.
  static let endpoints: [TestBed.Endpoint] = [.unix, .tcp, .tls]

  /// The `BuildKit: …` line of `buildctl debug info`.
  static func referenceVersionLine(_ bed: TestBed, _ endpoint: TestBed.Endpoint) async throws
    -> String
  {
    let output = try await bed.buildctl(endpoint, ["debug", "info"], timeout: .seconds(60))
    try #require(output.succeeded, "buildctl debug info: \(output.standardError)")
    let line = output.standardOutput.split(separator: "\n").first { $0.hasPrefix("BuildKit:") }
    return try #require(line.map(String.init), "buildctl printed: \(output.standardOutput)")
  }

  @Test("prints the same version line as buildctl debug info", arguments: endpoints)
  func printsTheVersionLine(endpoint: TestBed.Endpoint) async throws {
    let bed = try TestBed.require()
    let expected = try await Self.referenceVersionLine(bed, endpoint)
    let output = try await CLI.run(["info"] + bed.buildctlArguments(for: endpoint))
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput == expected + "\n")
  }

  @Test("reaches the TLS daemon with the three files of --tlsdir")
  func readsTheTLSFolder() async throws {
    let bed = try TestBed.require()
    let expected = try await Self.referenceVersionLine(bed, .tls)
    let output = try await CLI.run([
      "info", "--addr", bed.tlsAddress, "--tlsdir", bed.tls.directory, "--tlsservername",
      bed.tlsServerName,
    ])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput == expected + "\n")
  }

  @Test("with --format json prints the package, version and revision of buildctl's line")
  func printsJSON() async throws {
    let bed = try TestBed.require()
    let expected = try await Self.referenceVersionLine(bed, .unix)
    let output = try await CLI.run(["info", "--format", "json", "--addr", bed.unixAddress])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any])
    let version = try #require(object["buildkitVersion"] as? [String: String], "\(object)")
    let line = [version["package"], version["version"], version["revision"]]
      .map { $0 ?? "?" }.joined(separator: " ")
    #expect("BuildKit: " + line == expected)
  }

  @Test(
    "BuildKitClient.info() returns the version buildctl debug info prints", arguments: endpoints)
  func libraryReturnsTheVersion(endpoint: TestBed.Endpoint) async throws {
    let bed = try TestBed.require()
    let expected = try await Self.referenceVersionLine(bed, endpoint)
    let client = try LibraryClient.make(bed, endpoint)
    defer { client.close() }
    try await client.connect(timeout: .seconds(10))
    let version = try await client.info()
    #expect("BuildKit: \(version.package) \(version.version) \(version.revision)" == expected)
  }
}

/// Library clients for the endpoints of the test bed.
enum LibraryClient {
  /// A client of an endpoint, with the TLS files of the bed for the TLS daemon.
  ///
  /// - Parameters:
  ///   - bed: The test bed.
  ///   - endpoint: The daemon and transport.
  /// - Returns: An unconnected client; close it after use.
  /// - Throws: When the address or the TLS files are not usable.
  static func make(_ bed: TestBed, _ endpoint: TestBed.Endpoint) throws -> BuildKitClient {
    switch endpoint {
    case .unix: try BuildKitClient(address: bed.unixAddress)
    case .tcp: try BuildKitClient(address: bed.tcpAddress)
    case .arm64: try BuildKitClient(address: bed.arm64Address)
    case .tls:
      try BuildKitClient(
        address: bed.tlsAddress,
        tls: TLSConfiguration(
          caFile: bed.tls.caPath, certificateFile: bed.tls.certificatePath,
          keyFile: bed.tls.keyPath, serverName: bed.tlsServerName))
    }
  }
}
