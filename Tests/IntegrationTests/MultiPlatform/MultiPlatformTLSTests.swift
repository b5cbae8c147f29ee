import BuildKit
import Foundation
import GRPC
import OCI
import Testing

extension DaemonBTests {
  /// Multi-platform builds where TLS is everywhere: the arm64 builder is daemon b, reached over
  /// mutual TLS with settings of its own while the amd64 builder is plain daemon a, and the
  /// images go to the HTTPS registry, whose CA this client trusts only because it is told to.
  @Suite("Multi-platform builds with TLS builders and an HTTPS registry")
  struct MultiPlatformTLSTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")
    static let arm64 = Platform(os: "linux", architecture: "arm64")

    @Test(
      "the library builds arm64 on a mutual-TLS builder and pushes to an HTTPS registry it trusts")
    func library() async throws {
      let bed = try TestBed.require()
      try await MultiPlatformFolder.with { folder in
        let context = try MultiPlatformFixtures.context(
          in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
        let repository = "\(bed.tlsRegistry)/\(MultiPlatformFixtures.repository("tls-lib"))"
        let tag = try ImageReference(parsing: "\(repository):v1")
        let tls = try TLSConfiguration(
          caFile: bed.tls.caPath, certificateFile: bed.tls.certificatePath,
          keyFile: bed.tls.keyPath)
        let builders = try BuilderSet(
          defaultAddress: bed.tcpAddress, platformAddresses: [Self.arm64: bed.tlsAddress],
          platformTLS: [Self.arm64: tls])
        defer { builders.close() }
        let registry = RegistryClient(
          configuration: RegistryClient.Configuration(
            credentials: StaticCredentials([:]), certificateAuthorityFile: bed.registryCAPath))

        let result = try await MultiPlatformBuilder(builders: builders, registry: registry).run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag]))

        #expect(result.platforms.map(\.builder) == [bed.tcpAddress, bed.tlsAddress])
        let raw = try await MultiPlatformSkopeo.raw(
          tag.description, certDirectory: bed.registryCertDirectory)
        #expect(raw == result.index.data)
        let index = try ImageIndex.decode(raw)
        #expect(index.manifests.map(\.platform) == [Self.amd64, Self.arm64])
        let config = try await MultiPlatformSkopeo.config(
          tag.description, architecture: "arm64", certDirectory: bed.registryCertDirectory)
        #expect(config["architecture"] as? String == "arm64")
        #expect(
          try await MultiPlatformSkopeo.tags(repository, certDirectory: bed.registryCertDirectory)
            == ["v1"])
      }
    }

    @Test(
      "build --builder with tls fields and --registry-cacert pushes to the HTTPS registry, which imagetools then reads"
    )
    func command() async throws {
      let bed = try TestBed.require()
      try await MultiPlatformFolder.with { folder in
        let context = try MultiPlatformFixtures.context(
          in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
        let repository = "\(bed.tlsRegistry)/\(MultiPlatformFixtures.repository("tls-cli"))"
        let metadata = folder.url.appendingPathComponent("metadata.json").path

        let build = try await CLI.run(
          [
            "build", "--addr", bed.tcpAddress, "--context", context,
            "--platform", "linux/amd64,linux/arm64",
            "--builder",
            "linux/arm64=\(bed.tlsAddress),tlsdir=\(bed.tls.directory),"
              + "tlsservername=\(bed.tlsServerName)",
            "--tag", "\(repository):v1", "--push", "--registry-cacert", bed.registryCAPath,
            "--progress", "plain", "--metadata-file", metadata,
          ], timeout: .seconds(300))

        #expect(build.status == 0, "stderr: \(build.standardError)")
        #expect(build.standardError.contains("[linux/arm64] "))
        let raw = try await MultiPlatformSkopeo.raw(
          "\(repository):v1", certDirectory: bed.registryCertDirectory)
        let recorded = try #require(
          try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metadata)))
            as? [String: Any])
        #expect(
          recorded["containerimage.digest"] as? String == (try Digest.sha256(of: raw)).description)

        let inspect = try await CLI.run(
          [
            "imagetools", "inspect", "--format", "json", "\(repository):v1",
            "--registry-cacert", bed.registryCAPath,
          ], timeout: .seconds(60))
        #expect(inspect.status == 0, "stderr: \(inspect.standardError)")
        let object = try #require(
          try JSONSerialization.jsonObject(with: inspect.stdout) as? [String: Any])
        #expect(object["platforms"] as? [String] == ["linux/amd64", "linux/arm64"])

        let untrusted = try await CLI.run(
          ["imagetools", "inspect", "\(repository):v1"], timeout: .seconds(60))
        #expect(untrusted.status == 1)
        #expect(untrusted.standardError.contains(bed.tlsRegistry))
        #expect(untrusted.standardError.contains("--registry-cacert"))
      }
    }

    @Test("build refuses a --builder whose TLS folder does not exist, before connecting")
    func missingTLSFolder() async throws {
      let bed = try TestBed.require()
      try await MultiPlatformFolder.with { folder in
        let context = try MultiPlatformFixtures.context(
          in: folder, architectures: ["amd64", "arm64"], salt: "unused")
        let missing = folder.url.appendingPathComponent("no-such-tls").path
        let output = try await CLI.run(
          [
            "build", "--addr", bed.tcpAddress, "--context", context,
            "--platform", "linux/amd64,linux/arm64",
            "--builder", "linux/arm64=\(bed.tlsAddress),tlsdir=\(missing)",
            "--tag", "\(bed.tlsRegistry)/unused:v1", "--push",
          ], timeout: .seconds(60))
        #expect(output.status == 64)
        #expect(output.standardError.contains(missing))
      }
    }
  }
}
