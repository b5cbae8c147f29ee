import BuildKit
import Foundation
import OCI
import Synchronization
import Testing

@Suite("Multi-platform builds on the test bed's daemons", .requiresTestBed, .serialized)
struct MultiPlatformBuilderTests {
  static let amd64 = Platform(os: "linux", architecture: "amd64")
  static let arm64 = Platform(os: "linux", architecture: "arm64")

  /// Daemon a builds linux/amd64, daemon c (or `arm64Address`) builds linux/arm64.
  func builders(_ bed: TestBed, arm64Address: String? = nil) throws -> BuilderSet {
    try BuilderSet(
      defaultAddress: bed.tcpAddress,
      platformAddresses: [Self.arm64: arm64Address ?? bed.arm64Address])
  }

  /// Progress batches per platform, as the build reported them.
  final class EventLog: Sendable {
    private let events = Mutex<[String]>([])

    func record(_ event: MultiPlatformEvent) {
      let line: String
      switch event {
      case .status(let platform, _): line = "status \(platform)"
      case .imagePushed(let platform, let descriptor):
        line = "image \(platform) \(descriptor.digest)"
      case .tagPushed(let reference, let descriptor): line = "tag \(reference) \(descriptor.digest)"
      }
      self.events.withLock { $0.append(line) }
    }

    var lines: [String] { self.events.withLock { $0 } }
  }

  @Test(
    "builds each platform on its own daemon and pushes one index under the tag, and nothing else")
  func twoDaemons() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("daemon"))"
      let tag = try ImageReference(parsing: "\(repository):v1")
      let builders = try self.builders(bed)
      defer { builders.close() }
      let log = EventLog()
      let builder = MultiPlatformBuilder(
        builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [bed.registry])
      )

      let result = try await builder.run(
        MultiPlatformBuild(
          request: MultiPlatformFixtures.request(context: context),
          platforms: [Self.amd64, Self.arm64], tags: [tag])
      ) { log.record($0) }

      let raw = try await MultiPlatformSkopeo.raw(tag.description)
      #expect(try Digest.sha256(of: raw) == result.index.descriptor.digest)
      #expect(raw == result.index.data)
      let index = try ImageIndex.decode(raw)
      #expect(index.mediaType == MediaType.ociIndex)
      #expect(index.manifests.map(\.platform) == [Self.amd64, Self.arm64])
      #expect(index.manifests.map(\.digest) == result.platforms.map(\.manifest.digest))
      #expect(Set(index.manifests.map(\.digest)).count == 2)
      for architecture in ["amd64", "arm64"] {
        let config = try await MultiPlatformSkopeo.config(
          tag.description, architecture: architecture)
        #expect(config["architecture"] as? String == architecture)
      }
      #expect(try await MultiPlatformSkopeo.tags(repository) == ["v1"])

      // Each daemon keeps the history of the solve it ran, and only that one.
      let refs = result.platforms.map(\.ref)
      let historyA = try await bed.buildctl(.tcp, ["debug", "histories"]).standardOutput
      let historyC = try await bed.buildctl(.arm64, ["debug", "histories"]).standardOutput
      #expect(historyA.contains(refs[0]) && !historyA.contains(refs[1]))
      #expect(historyC.contains(refs[1]) && !historyC.contains(refs[0]))
      #expect(result.platforms.map(\.builder) == [bed.tcpAddress, bed.arm64Address])

      let lines = log.lines
      #expect(lines.contains("status linux/amd64") && lines.contains("status linux/arm64"))
      #expect(lines.last == "tag \(tag) \(result.index.descriptor.digest)")
    }
  }

  @Test(
    "pushes from the client as a Docker manifest list with per-platform tags, and skips blobs the registry has"
  )
  func clientPush() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      try await FaultInjectingRegistryProxy.with(upstream: bed.registry) { proxy in
        let repository = "\(proxy.host)/\(MultiPlatformFixtures.repository("client"))"
        let tag = try ImageReference(parsing: "\(repository):v2")
        let builders = try self.builders(bed)
        defer { builders.close() }
        let builder = MultiPlatformBuilder(
          builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [proxy.host])
        )
        let build = MultiPlatformBuild(
          request: MultiPlatformFixtures.request(context: context),
          platforms: [Self.amd64, Self.arm64], tags: [tag], archTags: true,
          indexFormat: .dockerManifestList, pushMode: .client)

        let result = try await builder.run(build)

        // The daemons never talked to the registry: every request came from this client.
        let exchanges = proxy.exchanges
        #expect(exchanges.contains { $0.method == "PATCH" || $0.method == "PUT" })
        #expect(
          exchanges.allSatisfy { $0.userAgent == "swift-buildkit" },
          "user agents: \(Set(exchanges.map(\.userAgent)))")

        let index = try ImageIndex.decode(try await MultiPlatformSkopeo.raw(tag.description))
        #expect(index.mediaType == MediaType.dockerManifestList)
        #expect(
          index.manifests.map(\.mediaType) == [MediaType.dockerManifest, MediaType.dockerManifest])
        #expect(index.manifests.map(\.digest) == result.platforms.map(\.manifest.digest))
        #expect(try await MultiPlatformSkopeo.tags(repository) == ["v2", "v2-amd64", "v2-arm64"])
        let armOnly = try await MultiPlatformSkopeo.raw("\(repository):v2-arm64")
        #expect(try Digest.sha256(of: armOnly) == result.platforms[1].manifest.digest)

        // Building the same again uploads no blob: each one is found with HEAD first.
        let before = proxy.exchanges.count
        let again = try await builder.run(build)
        let second = proxy.exchanges.dropFirst(before)
        #expect(again.index.descriptor.digest == result.index.descriptor.digest)
        #expect(second.contains { $0.method == "HEAD" && $0.path.contains("/blobs/") })
        #expect(!second.contains { $0.method == "POST" && $0.path.hasSuffix("/blobs/uploads/") })
      }
    }
  }

  @Test("carries the attestation manifests the daemons add into the index")
  func attestations() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("attest"))"
      let tag = try ImageReference(parsing: "\(repository):v1")
      let builders = try self.builders(bed)
      defer { builders.close() }
      let builder = MultiPlatformBuilder(
        builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [bed.registry])
      )

      let result = try await builder.run(
        MultiPlatformBuild(
          request: MultiPlatformFixtures.request(
            context: context, attributes: ["attest:provenance": "mode=min"]),
          platforms: [Self.amd64, Self.arm64], tags: [tag]))

      let index = try ImageIndex.decode(try await MultiPlatformSkopeo.raw(tag.description))
      #expect(index.manifests.count == 4)
      let attestations = index.manifests.dropFirst(2)
      #expect(attestations.allSatisfy { $0.platform == .unknown })
      #expect(
        attestations.map { $0.annotations?[AttestationAnnotation.referenceDigest] }
          == result.platforms.map { $0.manifest.digest.description })
      #expect(result.platforms.allSatisfy { $0.attestations.count == 1 })
      for attestation in attestations {
        #expect(try await MultiPlatformSkopeo.exists("\(repository)@\(attestation.digest)"))
      }
    }
  }

  @Test("fails naming the platform whose build fails, and leaves the tag where it was")
  func failingPlatform() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("failing"))"
      let tag = try ImageReference(parsing: "\(repository):v1")
      let builders = try self.builders(bed)
      defer { builders.close() }
      let builder = MultiPlatformBuilder(
        builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [bed.registry])
      )
      let good = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let first = try await builder.run(
        MultiPlatformBuild(
          request: MultiPlatformFixtures.request(context: good),
          platforms: [Self.amd64, Self.arm64], tags: [tag]))

      // Only amd64.txt exists now, so `COPY ${TARGETARCH}.txt` fails for arm64 alone.
      try FileManager.default.removeItem(atPath: good + "/arm64.txt")
      try folder.write("context/salt.txt", UUID().uuidString)
      let error = await #expect(throws: BuildKitError.self) {
        try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: good),
            platforms: [Self.amd64, Self.arm64], tags: [tag], archTags: true))
      }
      #expect(error?.code == .solveFailed)
      #expect(error?.message.hasPrefix("linux/arm64") == true)
      let failure = try #require(error?.cause as? PlatformBuildFailure)
      #expect(failure.platform == Self.arm64)
      #expect(failure.builder == bed.arm64Address)
      #expect((failure.error.cause as? SolveFailure)?.message.contains("arm64.txt") == true)

      let current = try await MultiPlatformSkopeo.raw(tag.description)
      #expect(try Digest.sha256(of: current) == first.index.descriptor.digest)
      #expect(try await MultiPlatformSkopeo.tags(repository) == ["v1"])
    }
  }

  @Test("fails naming the platform whose builder cannot be reached, before pushing anything")
  func unreachableBuilder() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("unreachable"))"
      let tag = try ImageReference(parsing: "\(repository):v1")
      let builders = try self.builders(
        bed, arm64Address: "tcp://127.0.0.1:\(try MultiPlatformFixtures.closedPort())")
      defer { builders.close() }
      let builder = MultiPlatformBuilder(
        builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [bed.registry])
      )

      let error = await #expect(throws: BuildKitError.self) {
        try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag]))
      }
      #expect(error?.message.hasPrefix("linux/arm64") == true)
      #expect((error?.cause as? PlatformBuildFailure)?.platform == Self.arm64)
      #expect(try await MultiPlatformSkopeo.exists(tag.description) == false)
    }
  }

  @Test("pushes the index even when the registry answers its first two tries with 500")
  func retriesTheIndexPush() async throws {
    let bed = try TestBed.require()
    let failures = MultiPlatformCounter()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let name = MultiPlatformFixtures.repository("retry")
      let tagPath = "/v2/\(name)/manifests/v1"
      try await FaultInjectingRegistryProxy.with(
        upstream: bed.registry,
        fault: { method, path in
          guard method == "PUT", path == tagPath else { return nil }
          return failures.next() <= 2 ? 500 : nil
        }
      ) { proxy in
        let tag = try ImageReference(parsing: "\(proxy.host)/\(name):v1")
        let builders = try self.builders(bed)
        defer { builders.close() }
        let builder = MultiPlatformBuilder(
          builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [proxy.host])
        )

        let result = try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag]))

        let puts = proxy.exchanges.filter { $0.method == "PUT" && $0.path == tagPath }
        #expect(puts.map(\.injectedStatus) == [500, 500, nil])
        let raw = try await MultiPlatformSkopeo.raw("\(bed.registry)/\(name):v1")
        #expect(try Digest.sha256(of: raw) == result.index.descriptor.digest)
      }
    }
  }

  @Test("reads each pushed image's config once, alongside its manifest, and ignores a wrong hint")
  func readsConfigsAhead() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let name = MultiPlatformFixtures.repository("ahead")
      try await FaultInjectingRegistryProxy.with(upstream: bed.registry) { proxy in
        let tag = try ImageReference(parsing: "\(proxy.host)/\(name):v1")
        let builders = try self.builders(bed)
        defer { builders.close() }
        let registry = MultiPlatformFixtures.registryClient(insecure: [proxy.host])
        let builder = MultiPlatformBuilder(builders: builders, registry: registry)

        let result = try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag]))

        // The daemons report each config's digest; this client reads each config exactly once.
        let ours = proxy.exchanges.filter { $0.userAgent.hasPrefix("swift-buildkit") }
        for platform in result.platforms {
          let path = "/v2/\(name)/blobs/\(platform.configDigest)"
          #expect(ours.filter { $0.method == "GET" && $0.path == path }.count == 1)
        }

        // A hint that names another blob changes nothing.
        let tools = ImageTools(registry: registry)
        let pinned = try tag.with(tag: nil, digest: result.platforms[0].manifest.digest)
        let wrong = try Digest.sha256(of: Data("not a config".utf8))
        let hinted = try await tools.resolve(pinned, expectedBlob: wrong)
        #expect(hinted == (try await tools.resolve(pinned)))
        #expect(hinted.map(\.platform) == [Self.amd64])
      }
    }
  }

  @Test("serves credentials from a credential helper to the daemons and to its own pushes")
  func credentialHelper() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let helper = try MultiPlatformFixtures.credentialHelper(
        in: folder, registry: bed.authRegistry, user: bed.registryUser,
        password: bed.registryPassword)
      let store = CredentialStore(
        configDirectory: URL(fileURLWithPath: helper.configDirectory),
        environment: MultiPlatformFixtures.helperEnvironment(
          bin: helper.bin, configDirectory: helper.configDirectory))
      let repository = "\(bed.authRegistry)/\(MultiPlatformFixtures.repository("auth"))"
      let tag = try ImageReference(parsing: "\(repository):v1")
      let builders = try self.builders(bed)
      defer { builders.close() }
      let builder = MultiPlatformBuilder(
        builders: builders,
        registry: MultiPlatformFixtures.registryClient(
          insecure: [bed.authRegistry], credentials: store))

      for mode in [MultiPlatformBuild.PushMode.daemon, .client] {
        let result = try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag], pushMode: mode))
        let raw = try await MultiPlatformSkopeo.raw(
          tag.description, credentials: "\(bed.registryUser):\(bed.registryPassword)")
        #expect(try Digest.sha256(of: raw) == result.index.descriptor.digest)
      }
    }
  }

  @Test("stops before building when the registry refuses the password, naming the registry")
  func wrongPassword() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let helper = try MultiPlatformFixtures.credentialHelper(
        in: folder, registry: bed.authRegistry, user: bed.registryUser, password: "not-the-password"
      )
      let store = CredentialStore(
        configDirectory: URL(fileURLWithPath: helper.configDirectory),
        environment: MultiPlatformFixtures.helperEnvironment(
          bin: helper.bin, configDirectory: helper.configDirectory))
      let tag = try ImageReference(
        parsing: "\(bed.authRegistry)/\(MultiPlatformFixtures.repository("denied")):v1")
      let builders = try self.builders(bed)
      defer { builders.close() }
      let log = EventLog()
      let builder = MultiPlatformBuilder(
        builders: builders,
        registry: MultiPlatformFixtures.registryClient(
          insecure: [bed.authRegistry], credentials: store))

      let error = await #expect(throws: BuildKitError.self) {
        try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag])
        ) { log.record($0) }
      }
      #expect(error?.message.contains(bed.authRegistry) == true)
      #expect((error?.cause as? OCIError)?.code == .unauthorized)
      #expect(log.lines.isEmpty)
    }
  }

  @Test("stops before building when this client cannot verify the HTTPS registry, naming it")
  func untrustedTLSRegistry() async throws {
    // The daemons trust the test CA, but this registry client is not given it, so the registry
    // check must fail clearly and before any build starts.
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let tag = try ImageReference(
        parsing: "\(bed.tlsRegistry)/\(MultiPlatformFixtures.repository("tls")):v1")
      let builders = try self.builders(bed)
      defer { builders.close() }
      let log = EventLog()
      let builder = MultiPlatformBuilder(
        builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: []))

      let error = await #expect(throws: BuildKitError.self) {
        try await builder.run(
          MultiPlatformBuild(
            request: MultiPlatformFixtures.request(context: context),
            platforms: [Self.amd64, Self.arm64], tags: [tag])
        ) { log.record($0) }
      }
      #expect(error?.code == .connectionFailed)
      #expect(error?.message.contains(bed.tlsRegistry) == true)
      #expect(error?.message.lowercased().contains("certificate") == true)
      #expect(log.lines.isEmpty)
    }
  }
}
