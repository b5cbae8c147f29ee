import BuildContext
import BuildKit
import Foundation
import OCI
import Testing

@Suite("An OCI layout tarball")
struct OCILayoutTests {
  static let arm64 = Platform(os: "linux", architecture: "arm64")

  func extract(_ bytes: [UInt8], in folder: URL) throws -> OCILayout {
    let tarball = folder.appendingPathComponent("export.tar")
    try Data(bytes).write(to: tarball)
    let blobs = folder.appendingPathComponent("blobs", isDirectory: true)
    try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
    return try OCILayout.extract(tarball: tarball, into: blobs)
  }

  @Test("yields the one image of a single-platform export, with its blobs as files")
  func singleImage() async throws {
    let image = try FixtureImage(platform: Self.arm64)
    try await ScratchFolder.with { folder in
      let layout = try self.extract(try FixtureLayout.single(image), in: folder)
      #expect(layout.index.manifests.map(\.digest) == [image.manifest.digest])
      #expect(
        Set(layout.blobs.keys) == Set([image.config, image.layer, image.manifest].map(\.digest)))
      let layerFile = try #require(layout.blobs[image.layer.digest])
      #expect(try Data(contentsOf: layerFile) == image.layer.data)

      let images = try await layout.images()
      #expect(images.count == 1)
      #expect(images.first?.platform == Self.arm64)
      #expect(images.first?.manifest == image.manifest)
      #expect(images.first?.config == image.config.data)
      #expect(images.first?.attestations == [])
    }
  }

  @Test("reads entries written under ./ as well")
  func dotSlashPaths() async throws {
    let image = try FixtureImage(platform: Self.arm64)
    try await ScratchFolder.with { folder in
      let bytes = try FixtureLayout.tarball(
        roots: [image.manifest.descriptor], blobs: image.blobs + [image.manifest], prefix: "./")
      let images = try await self.extract(bytes, in: folder).images()
      #expect(images.map(\.manifest.digest) == [image.manifest.digest])
    }
  }

  @Test("attaches the attestation manifests of an export that is an index")
  func attestations() async throws {
    let image = try FixtureImage(platform: Self.arm64)
    let (attestation, attestationBlobs) = try image.attestation()
    var imageEntry = image.manifest.descriptor
    imageEntry.platform = Self.arm64
    var attestationEntry = attestation.descriptor
    attestationEntry.platform = .unknown
    attestationEntry.annotations = [
      AttestationAnnotation.referenceType: AttestationAnnotation.attestationManifest,
      AttestationAnnotation.referenceDigest: image.manifest.digest.description,
    ]
    let inner = try ContentBlob(
      data: try ImageIndex(manifests: [imageEntry, attestationEntry]).encoded(),
      mediaType: MediaType.ociIndex)
    let bytes = try FixtureLayout.tarball(
      roots: [inner.descriptor],
      blobs: image.blobs + [image.manifest, attestation, inner] + attestationBlobs)

    try await ScratchFolder.with { folder in
      let images = try await self.extract(bytes, in: folder).images()
      #expect(images.count == 1)
      #expect(images.first?.attestations == [attestation])
      let required = try #require(try images.first?.requiredBlobs())
      #expect(
        required.map(\.digest)
          == [image.config.digest, image.layer.digest] + attestationBlobs.map(\.digest))
    }
  }

  @Test("fails naming the blob when the layout lacks one the manifest points to")
  func missingBlob() async throws {
    let image = try FixtureImage(platform: Self.arm64)
    try await ScratchFolder.with { folder in
      let bytes = try FixtureLayout.tarball(
        roots: [image.manifest.descriptor], blobs: [image.layer, image.manifest])
      let layout = try self.extract(bytes, in: folder)
      let error = await #expect(throws: BuildKitError.self) { try await layout.images() }
      #expect(error?.code == .notFound)
      #expect(error?.message.contains(image.config.digest.description) == true)
    }
  }

  @Test("fails when a blob's bytes do not match its name")
  func corruptBlob() async throws {
    let image = try FixtureImage(platform: Self.arm64)
    var corrupt = image.config
    corrupt.data = Data(#"{"architecture":"arm64","os":"windows"}"#.utf8)
    try await ScratchFolder.with { folder in
      let bytes = try FixtureLayout.tarball(
        roots: [image.manifest.descriptor], blobs: [corrupt, image.layer, image.manifest])
      let layout = try self.extract(bytes, in: folder)
      let error = await #expect(throws: BuildKitError.self) { try await layout.images() }
      #expect(error?.code == .io)
    }
  }

  @Test("refuses a tarball without index.json")
  func notALayout() async throws {
    try await ScratchFolder.with { folder in
      var bytes: [UInt8] = []
      var writer = BuildContext.TarWriter { bytes += $0 }
      try writer.writeEntry(BuildContext.TarHeader(path: "hello.txt"), content: Array("hi".utf8))
      try writer.finish()
      let error = #expect(throws: BuildKitError.self) { try self.extract(bytes, in: folder) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains("index.json") == true)
    }
  }

  @Test("refuses bytes that are not a tarball")
  func notATarball() async throws {
    try await ScratchFolder.with { folder in
      let bytes = Array(repeating: UInt8(ascii: "x"), count: 1024)
      let error = #expect(throws: BuildKitError.self) { try self.extract(bytes, in: folder) }
      #expect(error?.code == .invalidArgument)
    }
  }
}
