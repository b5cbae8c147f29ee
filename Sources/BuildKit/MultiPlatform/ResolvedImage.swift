// One platform's image as the exact bytes that go into an index: its manifest, its config, and
// the attestation manifests that describe it.
//
// Images come from a registry (a tag or digest that names an image manifest or an index) or
// from an OCI image layout (`index.json` plus `blobs/<algorithm>/<hex>`). Either way the root
// is one of:
//
// - an image manifest: one image; its platform is read from its config;
// - an index: every entry whose annotations say `vnd.docker.reference.type:
//   attestation-manifest` is an attestation for the entry named by
//   `vnd.docker.reference.digest`; every other entry is an image. The annotations of an image's
//   entry are kept for the new index.
//
// An index nested inside an index is not followed, and an attestation whose image is not in the
// same index is left out, since an index may only point at what it lists.

public import Foundation
public import OCI

/// A piece of content held as its exact bytes, with its media type and digest.
public struct ContentBlob: Sendable, Hashable {
  /// The exact bytes.
  public var data: Data
  /// The media type, such as an image manifest type.
  public var mediaType: String
  /// The SHA-256 digest of ``data``.
  public var digest: Digest

  /// Creates a blob, computing its digest.
  /// - Parameters:
  ///   - data: The exact bytes.
  ///   - mediaType: The media type.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/io`` if hashing fails.
  public init(data: Data, mediaType: String) throws(BuildKitError) {
    self.data = data
    self.mediaType = mediaType
    do {
      self.digest = try Digest.sha256(of: data)
    } catch {
      throw BuildKitError(code: .io, message: "cannot hash \(data.count) bytes", cause: error)
    }
  }

  /// A descriptor for the blob.
  public var descriptor: Descriptor {
    Descriptor(mediaType: self.mediaType, digest: self.digest, size: Int64(self.data.count))
  }
}

/// One platform's image: manifest, config, platform, and its attestation manifests.
public struct ResolvedImage: Sendable, Hashable {
  /// The image manifest.
  public var manifest: ContentBlob
  /// The config blob's exact bytes.
  public var config: Data
  /// The platform the config names.
  public var platform: Platform
  /// The annotations of the image's entry in the index it came from, if any.
  public var annotations: [String: String]?
  /// Attestation manifests (provenance, SBOM) that describe this image.
  public var attestations: [ContentBlob]

  /// Creates an image from its bytes, reading the platform from the config.
  /// - Parameters:
  ///   - manifest: The image manifest.
  ///   - config: The config blob the manifest points to.
  ///   - annotations: Annotations for the image's entry in an index.
  ///   - attestations: Attestation manifests for the image.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` when the
  ///   manifest does not decode, the config is not the one it points to, or the config names
  ///   no platform.
  public init(
    manifest: ContentBlob, config: Data, annotations: [String: String]? = nil,
    attestations: [ContentBlob] = []
  ) throws(BuildKitError) {
    // The index writer reads the platform the same way; combining one image is the check.
    let single: EncodedIndex
    do {
      single = try ImageIndex.combining([PlatformImage(manifest: manifest.data, config: config)])
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message:
          "image \(manifest.digest) cannot go into an index: \(ImageTools.message(of: error))",
        cause: error)
    }
    self.manifest = manifest
    self.config = config
    self.platform = single.index.manifests[0].platform ?? .unknown
    self.annotations = annotations
    self.attestations = attestations
  }

  /// The decoded image manifest.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` when the bytes
  ///   are not an image manifest.
  public func decodedManifest() throws(BuildKitError) -> ImageManifest {
    try Self.decodeManifest(self.manifest)
  }

  /// The blobs a registry must hold before this image's manifests can be pushed: the config and
  /// layers of the image and of each attestation, each once.
  /// - Returns: The blob descriptors, image first.
  /// - Throws: ``BuildKitError`` when a manifest does not decode.
  public func requiredBlobs() throws(BuildKitError) -> [Descriptor] {
    var seen = Set<Digest>()
    var result: [Descriptor] = []
    for blob in [self.manifest] + self.attestations {
      let manifest = try Self.decodeManifest(blob)
      for descriptor in [manifest.config] + manifest.layers
      where seen.insert(descriptor.digest).inserted {
        result.append(descriptor)
      }
    }
    return result
  }

  /// The image as an entry for `ImageIndex.combining`.
  public var platformImage: PlatformImage {
    PlatformImage(manifest: self.manifest.data, config: self.config, annotations: self.annotations)
  }

  /// The attestations as entries for `ImageIndex.combining`.
  public var attestationManifests: [AttestationManifest] {
    self.attestations.map { AttestationManifest(manifest: $0.data, subject: self.manifest.digest) }
  }

  static func decodeManifest(_ blob: ContentBlob) throws(BuildKitError) -> ImageManifest {
    do {
      return try ImageManifest.decode(blob.data)
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message:
          "manifest \(blob.digest) is not an image manifest: \(ImageTools.message(of: error))",
        cause: error)
    }
  }

  /// Reads the images under a root manifest or index.
  /// - Parameters:
  ///   - root: The root's bytes.
  ///   - load: Reads a manifest or blob that the root points to.
  /// - Returns: The images, in the order the root lists them.
  /// - Throws: ``BuildKitError`` for content that does not decode or cannot be loaded.
  static func resolve(
    root: ContentBlob,
    load: (Descriptor) async throws(BuildKitError) -> Data
  ) async throws(BuildKitError) -> [ResolvedImage] {
    guard MediaType.isIndex(root.mediaType) else {
      let manifest = try Self.decodeManifest(root)
      let config = try await load(manifest.config)
      return [try ResolvedImage(manifest: root, config: config)]
    }
    let index: ImageIndex
    do {
      index = try ImageIndex.decode(root.data)
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message: "index \(root.digest) does not decode: \(ImageTools.message(of: error))",
        cause: error)
    }
    var images: [ResolvedImage] = []
    var attestations: [(subject: String, blob: ContentBlob)] = []
    for entry in index.manifests {
      let annotations = entry.annotations ?? [:]
      if annotations[AttestationAnnotation.referenceType]
        == AttestationAnnotation.attestationManifest
      {
        guard let subject = annotations[AttestationAnnotation.referenceDigest] else { continue }
        let blob = try ContentBlob(data: try await load(entry), mediaType: entry.mediaType)
        attestations.append((subject, blob))
        continue
      }
      guard !MediaType.isIndex(entry.mediaType) else {
        throw BuildKitError(
          code: .unsupported,
          message:
            "index \(root.digest) lists another index (\(entry.digest)); give the inner index "
            + "by digest instead")
      }
      let blob = try ContentBlob(data: try await load(entry), mediaType: entry.mediaType)
      let manifest = try Self.decodeManifest(blob)
      let config = try await load(manifest.config)
      images.append(
        try ResolvedImage(
          manifest: blob, config: config,
          annotations: (entry.annotations?.isEmpty ?? true) ? nil : entry.annotations))
    }
    for (subject, blob) in attestations {
      if let position = images.firstIndex(where: { $0.manifest.digest.description == subject }) {
        images[position].attestations.append(blob)
      }
    }
    return images
  }
}
