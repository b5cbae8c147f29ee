import Foundation
import OCI
import Testing

@Suite("ImageIndex")
struct ImageIndexTests {
  /// A config blob and a manifest pointing to it, with one layer.
  static func image(
    os: String = "linux", architecture: String, variant: String? = nil,
    manifestType: String = MediaType.ociManifest, extra: String = ""
  ) throws -> PlatformImage {
    var config = #"{"architecture":"\#(architecture)","os":"\#(os)""#
    if let variant { config += #","variant":"\#(variant)""# }
    config += #","rootfs":{"type":"layers","diff_ids":[]}\#(extra)}"#
    let configData = Data(config.utf8)
    let layer = Data("layer-\(architecture)".utf8)
    let configType =
      manifestType == MediaType.dockerManifest ? MediaType.dockerConfig : MediaType.ociConfig
    let manifest = ImageManifest(
      mediaType: manifestType,
      config: Descriptor(
        mediaType: configType, digest: try Digest.sha256(of: configData),
        size: Int64(configData.count)),
      layers: [
        Descriptor(
          mediaType: MediaType.ociLayerGzip, digest: try Digest.sha256(of: layer),
          size: Int64(layer.count))
      ])
    return PlatformImage(manifest: try manifest.encoded(), config: configData)
  }

  static func attestation(for image: PlatformImage) throws -> AttestationManifest {
    let statement = Data(#"{"_type":"https://in-toto.io/Statement/v0.1"}"#.utf8)
    let config = Data("{}".utf8)
    let manifest = ImageManifest(
      config: Descriptor(
        mediaType: MediaType.ociConfig, digest: try Digest.sha256(of: config), size: 2),
      layers: [
        Descriptor(
          mediaType: MediaType.inToto, digest: try Digest.sha256(of: statement),
          size: Int64(statement.count),
          annotations: ["in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"])
      ])
    return AttestationManifest(
      manifest: try manifest.encoded(), subject: try Digest.sha256(of: image.manifest))
  }

  @Test("descriptors and manifests encode with the exact OCI field names and sorted keys")
  func fieldNames() throws {
    let digest = try Digest.sha256(of: Data("x".utf8))
    let descriptor = Descriptor(
      mediaType: MediaType.ociManifest, digest: digest, size: 1,
      platform: Platform(
        os: "windows", architecture: "amd64", variant: "v2", osVersion: "10.0", osFeatures: ["f"]),
      annotations: ["org.opencontainers.image.ref.name": "a/b"])
    let text = String(decoding: try ImageIndex(manifests: [descriptor]).encoded(), as: UTF8.self)
    #expect(
      text
        == #"{"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"a/b"},"digest":"\#(digest)","mediaType":"application/vnd.oci.image.manifest.v1+json","platform":{"architecture":"amd64","os":"windows","os.features":["f"],"os.version":"10.0","variant":"v2"},"size":1}],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#
    )
    let manifest = ImageManifest(
      config: descriptor, layers: [], subject: Descriptor(mediaType: "m", digest: digest, size: 3))
    let manifestText = String(decoding: try manifest.encoded(), as: UTF8.self)
    #expect(manifestText.hasPrefix(#"{"config":{"#))
    #expect(manifestText.contains(#""layers":[]"#))
    #expect(
      manifestText.hasSuffix(
        #""schemaVersion":2,"subject":{"digest":"\#(digest)","mediaType":"m","size":3}}"#))
    #expect(!manifestText.contains("\\/"))
  }

  @Test("per-platform images become an OCI index with platforms read from their configs")
  func ociIndex() throws {
    let amd64 = try Self.image(architecture: "amd64")
    let arm = try Self.image(architecture: "arm", variant: "v7")
    let result = try ImageIndex.combining(
      [amd64, arm], annotations: ["org.opencontainers.image.created": "2024-01-01T00:00:00Z"])
    #expect(result.index.mediaType == MediaType.ociIndex)
    #expect(result.index.schemaVersion == 2)
    #expect(
      result.index.manifests.map(\.platform) == [
        Platform(os: "linux", architecture: "amd64"),
        Platform(os: "linux", architecture: "arm", variant: "v7"),
      ])
    #expect(result.index.manifests[0].digest == (try Digest.sha256(of: amd64.manifest)))
    #expect(result.index.manifests[1].size == Int64(arm.manifest.count))
    #expect(result.index.manifests.allSatisfy { $0.mediaType == MediaType.ociManifest })
    #expect(
      result.index.annotations == ["org.opencontainers.image.created": "2024-01-01T00:00:00Z"])
    #expect(result.descriptor.digest == (try Digest.sha256(of: result.data)))
    #expect(result.descriptor.size == Int64(result.data.count))
    #expect(result.descriptor.mediaType == MediaType.ociIndex)
    #expect(try ImageIndex.decode(result.data) == result.index)
  }

  @Test("the same images always give the same index bytes and digest")
  func deterministic() throws {
    let images = [
      try Self.image(architecture: "amd64"), try Self.image(architecture: "arm64", variant: "v8"),
    ]
    let annotations = ["b": "2", "a": "1", "url": "https://example.com/x/y"]
    let first = try ImageIndex.combining(images, annotations: annotations)
    let second = try ImageIndex.combining(images, annotations: annotations)
    #expect(first.data == second.data)
    #expect(first.descriptor.digest == second.descriptor.digest)
    let text = String(decoding: first.data, as: UTF8.self)
    #expect(text.contains(#""annotations":{"a":"1","b":"2","url":"https://example.com/x/y"}"#))
    #expect(!text.contains("\\/"))
  }

  @Test("Docker v2 schema 2 images can be combined into a Docker manifest list")
  func dockerManifestList() throws {
    let images = [
      try Self.image(architecture: "amd64", manifestType: MediaType.dockerManifest),
      try Self.image(architecture: "s390x", manifestType: MediaType.dockerManifest),
    ]
    let result = try ImageIndex.combining(images, format: .dockerManifestList)
    #expect(result.index.mediaType == MediaType.dockerManifestList)
    #expect(result.descriptor.mediaType == MediaType.dockerManifestList)
    #expect(result.index.manifests.allSatisfy { $0.mediaType == MediaType.dockerManifest })
    #expect(
      String(decoding: result.data, as: UTF8.self).contains(
        #""mediaType":"application/vnd.docker.distribution.manifest.list.v2+json""#))
  }

  @Test("a Docker manifest list refuses OCI manifests and attestations")
  func dockerManifestListRefusals() throws {
    let oci = try Self.image(architecture: "amd64")
    let error = #expect(throws: OCIError.self) {
      _ = try ImageIndex.combining([oci], format: .dockerManifestList)
    }
    #expect(error?.code == .invalidArgument)
    let docker = try Self.image(architecture: "amd64", manifestType: MediaType.dockerManifest)
    let attestationError = #expect(throws: OCIError.self) {
      _ = try ImageIndex.combining(
        [docker], attestations: [try Self.attestation(for: docker)], format: .dockerManifestList)
    }
    #expect(attestationError?.code == .invalidArgument)
  }

  @Test("attestation manifests follow the images as unknown/unknown with reference annotations")
  func attestations() throws {
    let amd64 = try Self.image(architecture: "amd64")
    let arm64 = try Self.image(architecture: "arm64")
    let forArm = try Self.attestation(for: arm64)
    let forAmd = try Self.attestation(for: amd64)
    let result = try ImageIndex.combining([amd64, arm64], attestations: [forArm, forAmd])
    let manifests = result.index.manifests
    #expect(manifests.count == 4)
    #expect(manifests[2].digest == (try Digest.sha256(of: forAmd.manifest)))
    #expect(manifests[3].digest == (try Digest.sha256(of: forArm.manifest)))
    for (attestation, image) in [(manifests[2], manifests[0]), (manifests[3], manifests[1])] {
      #expect(attestation.platform == Platform(os: "unknown", architecture: "unknown"))
      #expect(attestation.mediaType == MediaType.ociManifest)
      #expect(
        attestation.annotations == [
          "vnd.docker.reference.type": "attestation-manifest",
          "vnd.docker.reference.digest": image.digest.description,
        ])
    }
  }

  @Test("an attestation for an image that is not in the index is refused")
  func orphanAttestation() throws {
    let amd64 = try Self.image(architecture: "amd64")
    let other = try Self.image(architecture: "ppc64le")
    let error = #expect(throws: OCIError.self) {
      _ = try ImageIndex.combining([amd64], attestations: [try Self.attestation(for: other)])
    }
    #expect(error?.code == .invalidArgument)
  }

  @Test("a config that is not the manifest's config is refused, naming both digests")
  func configMismatch() throws {
    let amd64 = try Self.image(architecture: "amd64")
    let arm64 = try Self.image(architecture: "arm64")
    let mixed = PlatformImage(manifest: amd64.manifest, config: arm64.config)
    let error = #expect(throws: OCIError.self) { _ = try ImageIndex.combining([mixed]) }
    #expect(error?.code == .digestMismatch)
    #expect(error?.message.contains((try Digest.sha256(of: arm64.config)).description) == true)
  }

  @Test("images without a platform, twice the same platform, or no images at all are refused")
  func refusals() throws {
    let noPlatform = try Self.image(os: "", architecture: "")
    #expect(throws: OCIError.self) { _ = try ImageIndex.combining([noPlatform]) }
    let one = try Self.image(architecture: "amd64")
    let same = try Self.image(architecture: "amd64", extra: #","author":"other""#)
    let duplicate = #expect(throws: OCIError.self) { _ = try ImageIndex.combining([one, same]) }
    #expect(duplicate?.message.contains("linux/amd64") == true)
    #expect(throws: OCIError.self) { _ = try ImageIndex.combining([]) }
  }

  @Test("os.version, os.features and descriptor annotations are carried into the index")
  func windowsFields() throws {
    let image = try Self.image(
      os: "windows", architecture: "amd64",
      extra: #","os.version":"10.0.20348.1","os.features":["win32k"]"#)
    var annotated = image
    annotated.annotations = ["org.opencontainers.image.title": "win"]
    let result = try ImageIndex.combining([annotated])
    let platform = try #require(result.index.manifests.first?.platform)
    #expect(platform.osVersion == "10.0.20348.1")
    #expect(platform.osFeatures == ["win32k"])
    #expect(result.index.manifests.first?.annotations == ["org.opencontainers.image.title": "win"])
  }
}
