import Foundation
import OCI
import Testing

/// The registry client against a real `docker-registry` on 127.0.0.1, checked with `skopeo`.
@Suite("RegistryClient against docker-registry")
struct RegistryClientTests {
  static func client(
    for registry: RegistryServer, credentials: [String: Credentials] = [:], chunkSize: Int = 8 << 20
  ) -> RegistryClient {
    RegistryClient(
      configuration: RegistryClient.Configuration(
        credentials: StaticCredentials(credentials),
        insecureRegistries: [registry.host],
        retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10)),
        chunkSize: chunkSize))
  }

  /// Pushes a one-layer image for `architecture` and returns its manifest and config bytes.
  static func pushImage(
    _ client: RegistryClient, to repository: ImageReference, architecture: String,
    layerMode: BlobUploadMode = .monolithic
  ) async throws -> PlatformImage {
    let layer = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7 + architecture.count) })
    let config = Data(
      #"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(try Digest.sha256(of: layer))"]}}"#
        .utf8)
    let layerDescriptor = try await client.pushBlob(
      layer, to: repository, mediaType: MediaType.ociLayer, mode: layerMode)
    let configDescriptor = try await client.pushBlob(
      config, to: repository, mediaType: MediaType.ociConfig)
    let manifest = try ImageManifest(config: configDescriptor, layers: [layerDescriptor]).encoded()
    try await client.putManifest(
      manifest, mediaType: MediaType.ociManifest,
      to: try repository.with(tag: nil, digest: try Digest.sha256(of: manifest)))
    return PlatformImage(manifest: manifest, config: config)
  }

  static func skopeoRaw(_ reference: String, extra: [String] = []) throws -> ToolResult {
    try runTool(
      "/usr/bin/skopeo",
      ["inspect", "--tls-verify=false", "--raw"] + extra + ["docker://\(reference)"])
  }

  @Test(
    "blobs pushed whole and in chunks, manifests and an index read back with our client and skopeo")
  func pushAndReadBack() async throws {
    try await RegistryServer.with { registry in
      let client = Self.client(for: registry)
      try await client.ping(registry.host)
      let repository = try ImageReference(parsing: "\(registry.host)/demo/app")
      let amd64 = try await Self.pushImage(client, to: repository, architecture: "amd64")
      let arm64 = try await Self.pushImage(
        client, to: repository, architecture: "arm64", layerMode: .chunked(chunkSize: 65_536))
      let index = try ImageIndex.combining(
        [amd64, arm64], annotations: ["org.opencontainers.image.ref.name": "v1"])
      let tagged = try repository.with(tag: "v1")
      let pushed = try await client.putManifest(
        index.data, mediaType: MediaType.ociIndex, to: tagged)
      #expect(pushed.digest == index.descriptor.digest)

      let fetched = try await client.manifest(for: tagged)
      #expect(fetched.data == index.data)
      #expect(fetched.mediaType == MediaType.ociIndex)
      #expect(fetched.digest == index.descriptor.digest)
      let head = try #require(try await client.manifestDescriptor(for: tagged))
      #expect(head.digest == index.descriptor.digest)
      #expect(head.size == Int64(index.data.count))

      for (image, entry) in zip([amd64, arm64], index.index.manifests) {
        let manifest = try await client.manifest(
          for: try repository.with(tag: nil, digest: entry.digest))
        #expect(manifest.data == image.manifest)
        let decoded = try ImageManifest.decode(manifest.data)
        #expect(try await client.blob(decoded.config.digest, from: repository) == image.config)
        let layer = try await client.blob(decoded.layers[0].digest, from: repository)
        #expect(try Digest.sha256(of: layer) == decoded.layers[0].digest)
        #expect(try await client.blobSize(decoded.layers[0].digest, in: repository) == 300_000)
      }

      let raw = try Self.skopeoRaw("\(registry.host)/demo/app:v1")
      #expect(raw.status == 0, "\(raw.errorText)")
      #expect(raw.output == index.data)
      let armManifest = try Self.skopeoRaw(
        "\(registry.host)/demo/app@\(index.index.manifests[1].digest)")
      #expect(armManifest.output == arm64.manifest)
    }
  }

  @Test("Docker v2 schema 2 manifests and a Docker manifest list round-trip with their media types")
  func dockerMediaTypes() async throws {
    try await RegistryServer.with { registry in
      let client = Self.client(for: registry)
      let repository = try ImageReference(parsing: "\(registry.host)/docker/app")
      var images: [PlatformImage] = []
      for architecture in ["amd64", "arm64"] {
        let config = Data(#"{"architecture":"\#(architecture)","os":"linux"}"#.utf8)
        let layer = Data("docker layer \(architecture)".utf8)
        let configDescriptor = try await client.pushBlob(
          config, to: repository, mediaType: MediaType.dockerConfig)
        let layerDescriptor = try await client.pushBlob(
          layer, to: repository, mediaType: MediaType.dockerLayerGzip)
        let manifest = try ImageManifest(
          mediaType: MediaType.dockerManifest, config: configDescriptor, layers: [layerDescriptor]
        ).encoded()
        let pushed = try await client.putManifest(
          manifest, mediaType: MediaType.dockerManifest,
          to: try repository.with(tag: "only-\(architecture)"))
        let fetched = try await client.manifest(
          for: try repository.with(tag: "only-\(architecture)"))
        #expect(fetched.mediaType == MediaType.dockerManifest)
        #expect(fetched.digest == pushed.digest)
        images.append(PlatformImage(manifest: manifest, config: config))
      }
      let list = try ImageIndex.combining(images, format: .dockerManifestList)
      let tagged = try repository.with(tag: "multi")
      try await client.putManifest(list.data, mediaType: MediaType.dockerManifestList, to: tagged)
      let fetched = try await client.manifest(for: tagged)
      #expect(fetched.mediaType == MediaType.dockerManifestList)
      #expect(fetched.data == list.data)
      let head = try #require(try await client.manifestDescriptor(for: tagged))
      #expect(head.mediaType == MediaType.dockerManifestList)
      let raw = try Self.skopeoRaw("\(registry.host)/docker/app:multi")
      #expect(raw.output == list.data, "\(raw.errorText)")
      let inspect = try runTool(
        "/usr/bin/skopeo",
        [
          "inspect", "--tls-verify=false", "--override-arch", "arm64", "--format",
          "{{.Architecture}} {{.Os}} {{.Digest}}", "docker://\(registry.host)/docker/app:multi",
        ])
      #expect(
        inspect.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
          == "arm64 linux \(list.descriptor.digest)", "\(inspect.errorText)")
    }
  }

  @Test("a file is uploaded in chunks and downloaded into a file with its digest verified")
  func fileUploadAndDownload() async throws {
    try await RegistryServer.with { registry in
      let client = Self.client(for: registry, chunkSize: 100_000)
      let repository = try ImageReference(parsing: "\(registry.host)/files")
      let data = Data((0..<1_234_567).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 9)) })
      let source = registry.directory.file("source.bin")
      try data.write(to: source)
      let descriptor = try await client.pushBlob(contentsOf: source, to: repository)
      #expect(descriptor.digest == (try Digest.sha256(of: data)))
      #expect(descriptor.size == Int64(data.count))
      let target = registry.directory.file("target.bin")
      let size = try await client.downloadBlob(descriptor.digest, from: repository, to: target)
      #expect(size == Int64(data.count))
      #expect(try Data(contentsOf: target) == data)
    }
  }

  @Test("a blob is mounted from another repository, and a missing blob is declined")
  func crossRepositoryMount() async throws {
    try await RegistryServer.with { registry in
      let client = Self.client(for: registry)
      let base = try ImageReference(parsing: "\(registry.host)/team/base")
      let app = try ImageReference(parsing: "\(registry.host)/team/app")
      let blob = try await client.pushBlob(Data("shared layer".utf8), to: base)
      #expect(try await client.blobSize(blob.digest, in: app) == nil)
      #expect(try await client.mountBlob(blob.digest, from: "team/base", into: app))
      #expect(try await client.blobSize(blob.digest, in: app) == Int64(blob.size))
      #expect(try await client.blob(blob.digest, from: app) == Data("shared layer".utf8))
      let missing = try Digest.sha256(of: Data("never pushed".utf8))
      #expect(try await client.mountBlob(missing, from: "team/base", into: app) == false)
    }
  }

  @Test("missing manifests are reported as not found with the reference, HEAD answers nil")
  func missingManifest() async throws {
    try await RegistryServer.with { registry in
      let client = Self.client(for: registry)
      let reference = try ImageReference(parsing: "\(registry.host)/nothing/here:v9")
      #expect(try await client.manifestDescriptor(for: reference) == nil)
      let error = await #expect(throws: OCIError.self) {
        _ = try await client.manifest(for: reference)
      }
      #expect(error?.code == .notFound)
      #expect(error?.message.contains(registry.host) == true)
      #expect(error?.message.contains("nothing/here:v9") == true)
    }
  }

  @Test(
    "htpasswd credentials let pushes and pulls through; a wrong password fails naming the registry")
  func htpasswdAuthentication() async throws {
    let password = "correct-horse-battery"
    try await RegistryServer.with(.init(htpasswd: ("alice", password))) { registry in
      let repository = try ImageReference(parsing: "\(registry.host)/private/app")
      let good = Self.client(
        for: registry,
        credentials: [registry.host: Credentials(username: "alice", password: password)])
      try await good.ping(registry.host)
      let image = try await Self.pushImage(good, to: repository, architecture: "amd64")
      let digest = try Digest.sha256(of: image.manifest)
      let fetched = try await good.manifest(for: try repository.with(tag: nil, digest: digest))
      #expect(fetched.data == image.manifest)

      let wrongPassword = "wrong-staple-\(UUID().uuidString)"
      let bad = Self.client(
        for: registry,
        credentials: [registry.host: Credentials(username: "alice", password: wrongPassword)])
      let error = await #expect(throws: OCIError.self) {
        _ = try await bad.manifest(for: try repository.with(tag: nil, digest: digest))
      }
      #expect(error?.code == .unauthorized)
      #expect(error?.message.contains(registry.host) == true)
      #expect(error?.description.contains(wrongPassword) == false)
      #expect(error.map { String(reflecting: $0) }?.contains(wrongPassword) == false)

      let anonymous = Self.client(for: registry)
      let anonymousError = await #expect(throws: OCIError.self) {
        try await anonymous.ping(registry.host)
      }
      #expect(anonymousError?.code == .unauthorized)
      #expect(anonymousError?.message.contains("no credentials") == true)
    }
  }

  @Test("a TLS registry whose CA the system does not trust is refused, naming the host and why")
  func untrustedTLS() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let certificates = try TestCertificates.make(in: directory)
      try await RegistryServer.with(
        .init(tls: (certificates.serverCertificate, certificates.serverKey))
      ) { registry in
        let strict = RegistryClient(
          configuration: .init(credentials: StaticCredentials([:]), retry: .none))
        let error = await #expect(throws: OCIError.self) { try await strict.ping(registry.host) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains(registry.host) == true)
        #expect(error?.message.contains("certificate") == true)
        #expect(error?.message.contains("local issuer") == true, "\(error?.message ?? "")")
        // The registry itself is fine: skopeo reaches it when given the test CA.
        let certDirectory = directory.file("certs")
        try FileManager.default.createDirectory(
          at: certDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
          at: certificates.caCertificate, to: certDirectory.appendingPathComponent("ca.crt"))
        let skopeo = try runTool(
          "/usr/bin/skopeo",
          [
            "inspect", "--cert-dir", certDirectory.path, "--raw",
            "docker://\(registry.host)/none:x",
          ])
        #expect(skopeo.errorText.contains("manifest unknown"), "\(skopeo.errorText)")
      }
    }
  }

  @Test("a TLS registry signed by a configured CA file is trusted for pushes and pulls")
  func trustedByCAFile() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let certificates = try TestCertificates.make(in: directory)
      try await RegistryServer.with(
        .init(tls: (certificates.serverCertificate, certificates.serverKey))
      ) { registry in
        let client = RegistryClient(
          configuration: .init(
            credentials: StaticCredentials([:]),
            certificateAuthorityFile: certificates.caCertificate.path, retry: .none))
        try await client.ping(registry.host)
        let repository = try ImageReference(parsing: "\(registry.host)/tls/blob")
        let blob = Data("over TLS with a private CA".utf8)
        let descriptor = try await client.pushBlob(blob, to: repository)
        let file = directory.file("pulled")
        _ = try await client.downloadBlob(descriptor.digest, from: repository, to: file)
        #expect(try Data(contentsOf: file) == blob)
      }
    }
  }

  @Test("an insecure TLS registry is used over HTTPS without verifying its certificate")
  func insecureTLS() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let certificates = try TestCertificates.make(in: directory)
      try await RegistryServer.with(
        .init(tls: (certificates.serverCertificate, certificates.serverKey))
      ) { registry in
        let client = RegistryClient(
          configuration: .init(
            credentials: StaticCredentials([:]), insecureRegistries: [registry.host],
            retry: .none))
        // The registry speaks only TLS, so a plain HTTP fallback could not succeed here.
        try await client.ping(registry.host)
        let repository = try ImageReference(parsing: "\(registry.host)/insecure/blob")
        let descriptor = try await client.pushBlob(Data("unverified".utf8), to: repository)
        #expect(try await client.blobSize(descriptor.digest, in: repository) == 10)
      }
    }
  }
}
