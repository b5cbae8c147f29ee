import BuildKit
import Foundation
import OCI
import Testing

@Suite("Combining resolved images")
struct ImageToolsTests {
  static let amd64 = Platform(os: "linux", architecture: "amd64")
  static let arm64 = Platform(os: "linux", architecture: "arm64")

  func resolved(_ image: FixtureImage, attestations: [ContentBlob] = []) throws -> ResolvedImage {
    try ResolvedImage(
      manifest: image.manifest, config: image.config.data, attestations: attestations)
  }

  @Test("reads the platform of an image from its config")
  func platformFromConfig() throws {
    let image = try FixtureImage(
      platform: Platform(os: "linux", architecture: "arm", variant: "v7"))
    #expect(try self.resolved(image).platform.description == "linux/arm/v7")
  }

  @Test("refuses a config that is not the one the manifest points to")
  func wrongConfig() throws {
    let image = try FixtureImage(platform: Self.amd64)
    let other = try FixtureImage(platform: Self.arm64)
    let error = #expect(throws: BuildKitError.self) {
      try ResolvedImage(manifest: image.manifest, config: other.config.data)
    }
    #expect(error?.code == .invalidArgument)
  }

  @Test("lists the images in the given order and their attestations after them")
  func indexOrder() throws {
    let amd = try FixtureImage(platform: Self.amd64)
    let arm = try FixtureImage(platform: Self.arm64)
    let armAttestation = try arm.attestation().manifest
    let index = try ImageTools.combine([
      try self.resolved(arm, attestations: [armAttestation]), try self.resolved(amd),
    ])
    #expect(index.index.mediaType == MediaType.ociIndex)
    #expect(
      index.index.manifests.map(\.digest)
        == [arm.manifest.digest, amd.manifest.digest, armAttestation.digest])
    #expect(index.index.manifests.map(\.platform) == [Self.arm64, Self.amd64, .unknown])
    #expect(
      index.index.manifests[2].annotations?[AttestationAnnotation.referenceDigest]
        == arm.manifest.digest.description)
    #expect(index.descriptor.digest == (try Digest.sha256(of: index.data)))
  }

  @Test("writes a Docker manifest list of Docker manifests")
  func dockerList() throws {
    let amd = try FixtureImage(platform: Self.amd64, mediaType: MediaType.dockerManifest)
    let arm = try FixtureImage(platform: Self.arm64, mediaType: MediaType.dockerManifest)
    let index = try ImageTools.combine(
      [try self.resolved(amd), try self.resolved(arm)], format: .dockerManifestList)
    #expect(index.descriptor.mediaType == MediaType.dockerManifestList)
  }

  @Test("gives the same bytes for the same images, whatever the annotations' order")
  func deterministic() throws {
    let amd = try self.resolved(try FixtureImage(platform: Self.amd64))
    let first = try ImageTools.combine([amd], annotations: ["a": "1", "b": "2"])
    let second = try ImageTools.combine([amd], annotations: ["b": "2", "a": "1"])
    #expect(first.data == second.data)
  }

  /// Image lists that cannot become an index.
  enum Refused: CaseIterable, CustomTestStringConvertible, Sendable {
    case samePlatformTwice, ociManifestInDockerList, attestationInDockerList, nothing

    var testDescription: String {
      switch self {
      case .samePlatformTwice: "two images of one platform"
      case .ociManifestInDockerList: "an OCI manifest in a Docker manifest list"
      case .attestationInDockerList: "an attestation in a Docker manifest list"
      case .nothing: "no image at all"
      }
    }
  }

  @Test("refuses to combine", arguments: Refused.allCases)
  func refuses(_ refused: Refused) throws {
    let docker = try FixtureImage(platform: Self.amd64, mediaType: MediaType.dockerManifest)
    let images: [ResolvedImage]
    var format = IndexFormat.oci
    switch refused {
    case .samePlatformTwice:
      images = [
        try self.resolved(try FixtureImage(platform: Self.amd64, content: "one")),
        try self.resolved(try FixtureImage(platform: Self.amd64, content: "two")),
      ]
    case .ociManifestInDockerList:
      images = [try self.resolved(try FixtureImage(platform: Self.amd64))]
      format = .dockerManifestList
    case .attestationInDockerList:
      images = [try self.resolved(docker, attestations: [try docker.attestation().manifest])]
      format = .dockerManifestList
    case .nothing:
      images = []
    }
    let error = #expect(throws: BuildKitError.self) {
      try ImageTools.combine(images, format: format)
    }
    #expect(error?.code == .invalidArgument)
  }
}
