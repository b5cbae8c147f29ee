import BuildKit
import Foundation
import Testing

/// `buildkit workers` and `BuildKitClient.workers(filter:)` against the real daemons, held
/// against `buildctl debug workers`.
@Suite("buildkit workers", .requiresTestBed)
struct WorkersCommandTests {
  /// Every endpoint of the bed: both transports of daemon a, the TLS daemon and the arm64 one.
  static let endpoints: [TestBed.Endpoint] = [.unix, .tcp, .tls, .arm64]

  /// The workers `buildctl debug workers` lists, with buildctl's own arguments.
  static func referenceWorkers(
    _ bed: TestBed, _ endpoint: TestBed.Endpoint, verbose: Bool = false
  ) async throws -> String {
    let output = try await bed.buildctl(
      endpoint, ["debug", "workers"] + (verbose ? ["-v"] : []), timeout: .seconds(60))
    try #require(output.succeeded, "buildctl debug workers: \(output.standardError)")
    return output.standardOutput
  }

  @Test("lists the same worker IDs and platforms as buildctl debug workers", arguments: endpoints)
  func listsTheWorkers(endpoint: TestBed.Endpoint) async throws {
    let bed = try TestBed.require()
    let expected = Listing.workers(try await Self.referenceWorkers(bed, endpoint))
    try #require(!expected.isEmpty)
    let output = try await CLI.run(["workers"] + bed.buildctlArguments(for: endpoint))
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(output.standardOutput.hasPrefix("ID"), "no header: \(output.standardOutput)")
    #expect(Listing.workers(output.standardOutput) == expected)
  }

  @Test("lists linux/arm64 first for the arm64 daemon")
  func listsTheArm64Platform() async throws {
    let bed = try TestBed.require()
    let output = try await CLI.run(["workers"] + bed.buildctlArguments(for: .arm64))
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(Listing.workers(output.standardOutput).first?.platforms.first == bed.arm64Platform)
  }

  @Test("with -v prints buildctl's labels and GC policy lines, whitespace aside")
  func printsTheVerboseListing() async throws {
    let bed = try TestBed.require()
    let expected = Listing.normalizedLines(
      try await Self.referenceWorkers(bed, .unix, verbose: true))
    let output = try await CLI.run(["workers", "-v", "--addr", bed.unixAddress])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    let lines = Listing.normalizedLines(output.standardOutput)
    #expect(lines == expected)
    #expect(lines.contains("org.mobyproject.buildkit.worker.executor: oci"))
    #expect(lines.contains("GC Policy rule#0:"))
    #expect(lines.contains { $0.hasPrefix("Keep Bytes: ") })
  }

  @Test("with --format json gives buildctl's IDs and platforms, labels and GC policies")
  func printsJSON() async throws {
    let bed = try TestBed.require()
    let expected = Listing.workers(try await Self.referenceWorkers(bed, .unix))
    let output = try await CLI.run(["workers", "--format", "json", "--addr", bed.unixAddress])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    let workers = try #require(
      try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]])
    let listed = workers.map { worker in
      Listing.Worker(
        id: worker["id"] as? String ?? "", platforms: worker["platforms"] as? [String] ?? [])
    }
    #expect(listed == expected)
    let first = try #require(workers.first)
    let labels = first["labels"] as? [String: String] ?? [:]
    #expect(labels["org.mobyproject.buildkit.worker.executor"] == "oci", "labels: \(labels)")
    let policies = first["gcPolicy"] as? [[String: Any]] ?? []
    #expect(!policies.isEmpty, "worker: \(first)")
    #expect(policies.allSatisfy { $0["keepBytes"] is Int && $0["all"] is Bool })
  }

  @Test("with a filter that matches no worker lists none, as buildctl does")
  func filtersWorkers() async throws {
    let bed = try TestBed.require()
    let filter = "id==no-such-worker"
    let reference = try await bed.buildctl(
      .unix, ["debug", "workers", "--filter", filter], timeout: .seconds(60))
    try #require(reference.succeeded, "buildctl: \(reference.standardError)")
    #expect(Listing.workers(reference.standardOutput).isEmpty)
    let output = try await CLI.run(["workers", "--filter", filter, "--addr", bed.unixAddress])
    #expect(output.status == 0, "stderr: \(output.standardError)")
    #expect(Listing.workers(output.standardOutput).isEmpty, "\(output.standardOutput)")
  }

  @Test(
    "BuildKitClient.workers(filter:) returns the workers buildctl lists", arguments: endpoints)
  func libraryReturnsTheWorkers(endpoint: TestBed.Endpoint) async throws {
    let bed = try TestBed.require()
    let expected = Listing.workers(try await Self.referenceWorkers(bed, endpoint))
    let client = try LibraryClient.make(bed, endpoint)
    defer { client.close() }
    try await client.connect(timeout: .seconds(10))
    let workers = try await client.workers()
    let listed = workers.map { worker in
      Listing.Worker(
        id: worker.id,
        platforms: worker.platforms.map { platform in
          [platform.os, platform.architecture, platform.variant].filter { !$0.isEmpty }
            .joined(separator: "/")
        })
    }
    #expect(listed == expected)
  }
}
