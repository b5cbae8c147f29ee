// Combining per-platform images into one multi-platform index.
//
// Each image is given as the exact bytes of its manifest and of its config blob. The descriptor
// for an image carries the manifest's media type, digest and size, and the platform read from the
// config (`architecture`, `os`, `variant`, `os.version`, `os.features`).
//
// Attestation manifests follow BuildKit's layout: an image manifest whose layers are in-toto
// statements, listed in the index after all images with platform `unknown/unknown` and the
// annotations `vnd.docker.reference.type: attestation-manifest` and
// `vnd.docker.reference.digest: <digest of the image manifest it describes>`. Docker manifest
// lists cannot carry them (BuildKit switches to OCI media types when attestations are present),
// so asking for a manifest list with attestations is an error here.
//
// The index is encoded with sorted keys and unescaped slashes, so the same input always gives
// the same bytes and the same digest.

public import Foundation

/// One platform's image, as the bytes that were or will be pushed.
public struct PlatformImage: Sendable {
  /// The image manifest bytes.
  public var manifest: Data
  /// The image config blob bytes, from which the platform is read.
  public var config: Data
  /// Annotations for this image's descriptor in the index, or `nil`.
  public var annotations: [String: String]?

  /// Creates an entry.
  /// - Parameters:
  ///   - manifest: The image manifest bytes.
  ///   - config: The image config blob bytes.
  ///   - annotations: Annotations for the descriptor in the index.
  public init(manifest: Data, config: Data, annotations: [String: String]? = nil) {
    self.manifest = manifest
    self.config = config
    self.annotations = annotations
  }
}

/// An attestation manifest (BuildKit's provenance or SBOM) for one of the images.
public struct AttestationManifest: Sendable {
  /// The attestation manifest bytes.
  public var manifest: Data
  /// The digest of the image manifest the attestation describes.
  public var subject: Digest

  /// Creates an entry.
  /// - Parameters:
  ///   - manifest: The attestation manifest bytes.
  ///   - subject: The digest of the image manifest it describes.
  public init(manifest: Data, subject: Digest) {
    self.manifest = manifest
    self.subject = subject
  }
}

/// Which kind of index to write.
public enum IndexFormat: Sendable, Hashable {
  /// An OCI image index.
  case oci
  /// A Docker manifest list, whose entries must be Docker v2 schema 2 manifests.
  case dockerManifestList
}

/// An index together with its exact bytes and digest.
public struct EncodedIndex: Sendable {
  /// The index.
  public var index: ImageIndex
  /// The bytes to push.
  public var data: Data
  /// A descriptor for ``data``.
  public var descriptor: Descriptor
}

/// The annotation keys BuildKit uses to tie an attestation manifest to its image.
public enum AttestationAnnotation {
  /// The key whose value says what kind of reference this is.
  public static let referenceType = "vnd.docker.reference.type"
  /// The key whose value is the digest of the described image manifest.
  public static let referenceDigest = "vnd.docker.reference.digest"
  /// The ``referenceType`` value of an attestation manifest.
  public static let attestationManifest = "attestation-manifest"
}

extension ImageIndex {
  /// Combines per-platform images, and attestations for them, into one index.
  /// - Parameters:
  ///   - images: The images, one per platform, in the order they appear in the index.
  ///   - attestations: Attestation manifests, each for one of `images`.
  ///   - format: An OCI index (the default) or a Docker manifest list.
  ///   - annotations: Annotations for the index itself, or `nil`.
  /// - Returns: The index, its bytes and its descriptor.
  /// - Throws: ``OCIError/Code-swift.struct/invalidManifest`` if a manifest or config does not
  ///   decode or names no platform, ``OCIError/Code-swift.struct/digestMismatch`` if a config is
  ///   not the one its manifest points to, and ``OCIError/Code-swift.struct/invalidArgument`` for
  ///   an empty or inconsistent input.
  public static func combining(
    _ images: [PlatformImage], attestations: [AttestationManifest] = [],
    format: IndexFormat = .oci, annotations: [String: String]? = nil
  ) throws -> EncodedIndex {
    guard !images.isEmpty else {
      throw OCIError(
        code: .invalidArgument, message: "an image index needs at least one platform image")
    }
    if format == .dockerManifestList, !attestations.isEmpty {
      throw OCIError(
        code: .invalidArgument,
        message:
          "\(attestations.count) attestation manifest(s) cannot go into a Docker manifest list; "
          + "write an OCI index instead")
    }
    var descriptors: [Descriptor] = []
    var seenPlatforms: [Platform: Digest] = [:]
    for image in images {
      let descriptor = try ImageIndex.describe(image, format: format)
      let platform = descriptor.platform!
      if let other = seenPlatforms[platform] {
        throw OCIError(
          code: .invalidArgument,
          message:
            "images \(other) and \(descriptor.digest) both have platform \(platform); "
            + "an index holds one image per platform")
      }
      seenPlatforms[platform] = descriptor.digest
      descriptors.append(descriptor)
    }
    let imageOrder = Dictionary(
      uniqueKeysWithValues: descriptors.enumerated().map { ($0.element.digest, $0.offset) })
    var attestationDescriptors: [(order: Int, descriptor: Descriptor)] = []
    for attestation in attestations {
      guard let order = imageOrder[attestation.subject] else {
        throw OCIError(
          code: .invalidArgument,
          message:
            "an attestation manifest describes \(attestation.subject), which is not one of the "
            + "images of this index")
      }
      let manifest = try ImageManifest.decode(attestation.manifest)
      let descriptor = Descriptor(
        mediaType: manifest.mediaType ?? MediaType.ociManifest,
        digest: try Digest.sha256(of: attestation.manifest),
        size: Int64(attestation.manifest.count),
        platform: .unknown,
        annotations: [
          AttestationAnnotation.referenceDigest: attestation.subject.description,
          AttestationAnnotation.referenceType: AttestationAnnotation.attestationManifest,
        ])
      attestationDescriptors.append((order, descriptor))
    }
    // A stable sort keeps several attestations of one image in the order they were given.
    let ordered = attestationDescriptors.enumerated()
      .sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }
      .map(\.element.descriptor)
    let index = ImageIndex(
      mediaType: format == .oci ? MediaType.ociIndex : MediaType.dockerManifestList,
      manifests: descriptors + ordered,
      annotations: (annotations?.isEmpty ?? true) ? nil : annotations)
    let data = try index.encoded()
    let descriptor = Descriptor(
      mediaType: index.mediaType!, digest: try Digest.sha256(of: data), size: Int64(data.count))
    return EncodedIndex(index: index, data: data, descriptor: descriptor)
  }

  private struct ConfigPlatform: Decodable {
    var architecture: String?
    var os: String?
    var variant: String?
    var osVersion: String?
    var osFeatures: [String]?

    enum CodingKeys: String, CodingKey {
      case architecture
      case os
      case variant
      case osVersion = "os.version"
      case osFeatures = "os.features"
    }
  }

  private static func describe(_ image: PlatformImage, format: IndexFormat) throws -> Descriptor {
    let manifest = try ImageManifest.decode(image.manifest)
    let digest = try Digest.sha256(of: image.manifest)
    let mediaType = manifest.mediaType ?? MediaType.ociManifest
    guard !MediaType.isIndex(mediaType) else {
      throw OCIError(
        code: .invalidManifest,
        message: "manifest \(digest) is itself an index (\(mediaType)); give image manifests")
    }
    if format == .dockerManifestList, mediaType != MediaType.dockerManifest {
      throw OCIError(
        code: .invalidArgument,
        message:
          "manifest \(digest) has media type \(mediaType); a Docker manifest list holds only "
          + "\(MediaType.dockerManifest) manifests, so write an OCI index instead")
    }
    let configDigest = try Digest.sha256(of: image.config)
    guard configDigest == manifest.config.digest else {
      throw OCIError(
        code: .digestMismatch,
        message:
          "manifest \(digest) points to config \(manifest.config.digest) but the config given "
          + "for it hashes to \(configDigest); pass the config blob of that manifest")
    }
    let config: ConfigPlatform
    do {
      config = try JSONDecoder().decode(ConfigPlatform.self, from: image.config)
    } catch {
      throw OCIError(
        code: .invalidManifest,
        message: "image config \(configDigest) of manifest \(digest) is not a JSON object",
        cause: error)
    }
    guard let os = config.os, !os.isEmpty, let architecture = config.architecture,
      !architecture.isEmpty
    else {
      throw OCIError(
        code: .invalidManifest,
        message:
          "image config \(configDigest) of manifest \(digest) has no \"os\" and "
          + "\"architecture\"; every image in an index needs a platform")
    }
    let platform = Platform(
      os: os, architecture: architecture,
      variant: (config.variant?.isEmpty ?? true) ? nil : config.variant,
      osVersion: (config.osVersion?.isEmpty ?? true) ? nil : config.osVersion,
      osFeatures: (config.osFeatures?.isEmpty ?? true) ? nil : config.osFeatures)
    return Descriptor(
      mediaType: mediaType, digest: digest, size: Int64(image.manifest.count),
      platform: platform,
      annotations: (image.annotations?.isEmpty ?? true) ? nil : image.annotations)
  }
}
