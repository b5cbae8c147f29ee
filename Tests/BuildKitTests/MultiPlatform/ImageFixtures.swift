// Small images made of real bytes for the multi-platform tests: a config naming a platform, one
// layer, an image manifest pointing at both, attestation manifests, and OCI layout tarballs that
// hold them the way the `oci` exporter writes them.

import BuildContext
import BuildKit
import Foundation
import OCI

/// One image: its blobs and its manifest, all as exact bytes.
struct FixtureImage {
  var config: ContentBlob
  var layer: ContentBlob
  var manifest: ContentBlob

  /// An image for `platform` whose single layer holds `content`.
  init(platform: Platform, content: String = "hello", mediaType: String = MediaType.ociManifest)
    throws
  {
    var configObject: [String: Any] = [
      "architecture": platform.architecture, "os": platform.os,
      "rootfs": ["type": "layers", "diff_ids": []],
    ]
    if let variant = platform.variant { configObject["variant"] = variant }
    let configData = try JSONSerialization.data(withJSONObject: configObject, options: .sortedKeys)
    let docker = mediaType == MediaType.dockerManifest
    self.config = try ContentBlob(
      data: configData, mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig)
    self.layer = try ContentBlob(
      data: Data("\(platform) \(content)".utf8),
      mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip)
    let manifest = ImageManifest(
      mediaType: mediaType, config: self.config.descriptor, layers: [self.layer.descriptor])
    self.manifest = try ContentBlob(data: try manifest.encoded(), mediaType: mediaType)
  }

  /// An attestation manifest for this image, with one in-toto layer.
  func attestation() throws -> (manifest: ContentBlob, blobs: [ContentBlob]) {
    let config = try ContentBlob(data: Data("{}".utf8), mediaType: MediaType.ociConfig)
    let statement = try ContentBlob(
      data: Data("{\"subject\":\"\(self.manifest.digest)\"}".utf8), mediaType: MediaType.inToto)
    let manifest = ImageManifest(config: config.descriptor, layers: [statement.descriptor])
    return (
      try ContentBlob(data: try manifest.encoded(), mediaType: MediaType.ociManifest),
      [config, statement]
    )
  }

  /// The blobs the manifest points to.
  var blobs: [ContentBlob] { [self.config, self.layer] }
}

/// Builds OCI layout tarballs in memory.
enum FixtureLayout {
  /// A tarball with `oci-layout`, `index.json` listing `roots`, and every blob.
  static func tarball(roots: [Descriptor], blobs: [ContentBlob], prefix: String = "")
    throws -> [UInt8]
  {
    var bytes: [UInt8] = []
    var writer = TarWriter { bytes += $0 }
    let index = ImageIndex(manifests: roots)
    try writer.writeEntry(
      TarHeader(path: prefix + "oci-layout"),
      content: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
    try writer.writeEntry(TarHeader(path: prefix + "blobs/", kind: .directory, mode: 0o755))
    try writer.writeEntry(TarHeader(path: prefix + "blobs/sha256/", kind: .directory, mode: 0o755))
    for blob in blobs {
      try writer.writeEntry(
        TarHeader(path: prefix + "blobs/sha256/\(blob.digest.encoded)", mode: 0o444),
        content: Array(blob.data))
    }
    try writer.writeEntry(
      TarHeader(path: prefix + "index.json"), content: Array(try index.encoded()))
    try writer.finish()
    return bytes
  }

  /// The export of one image, as BuildKit writes it without attestations.
  static func single(_ image: FixtureImage) throws -> [UInt8] {
    var root = image.manifest.descriptor
    root.platform = try ResolvedImage(manifest: image.manifest, config: image.config.data).platform
    return try Self.tarball(roots: [root], blobs: image.blobs + [image.manifest])
  }
}

/// A folder under the system's temporary directory that is removed afterwards.
struct ScratchFolder {
  let url: URL

  init() throws {
    self.url = FileManager.default.temporaryDirectory
      .appendingPathComponent("multiplatform-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
  }

  /// Runs `body` with a fresh folder and removes it afterwards.
  static func with<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = try ScratchFolder()
    defer { try? FileManager.default.removeItem(at: folder.url) }
    return try await body(folder.url)
  }
}
