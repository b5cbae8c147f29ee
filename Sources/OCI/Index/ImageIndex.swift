// OCI image indexes (`application/vnd.oci.image.index.v1+json`) and Docker manifest lists
// (`application/vnd.docker.distribution.manifest.list.v2+json`): `schemaVersion` 2, `mediaType`
// and `manifests`, a list of descriptors with platforms, plus optional `annotations`, `subject`
// and `artifactType`.

public import Foundation

/// A multi-platform image: a list of manifests, each for one platform.
public struct ImageIndex: Hashable, Sendable, Codable {
  /// Always 2.
  public var schemaVersion: Int
  /// The index's own media type, or `nil` when the JSON leaves it out.
  public var mediaType: String?
  /// The type of an artifact index, or `nil`.
  public var artifactType: String?
  /// The manifests, in order.
  public var manifests: [Descriptor]
  /// The manifest this index refers to, or `nil`.
  public var subject: Descriptor?
  /// Arbitrary metadata, or `nil`.
  public var annotations: [String: String]?

  /// Creates an index.
  /// - Parameters:
  ///   - mediaType: The index's media type; OCI by default.
  ///   - manifests: The manifests, in order.
  ///   - annotations: Arbitrary metadata.
  ///   - subject: The manifest this index refers to.
  ///   - artifactType: The type of an artifact index.
  public init(
    mediaType: String? = MediaType.ociIndex, manifests: [Descriptor],
    annotations: [String: String]? = nil, subject: Descriptor? = nil,
    artifactType: String? = nil
  ) {
    self.schemaVersion = 2
    self.mediaType = mediaType
    self.manifests = manifests
    self.annotations = annotations
    self.subject = subject
    self.artifactType = artifactType
  }

  /// Decodes an index from JSON.
  /// - Parameter data: The index bytes.
  /// - Returns: The index.
  /// - Throws: ``OCIError/Code-swift.struct/invalidManifest`` if the bytes are not an index.
  public static func decode(_ data: Data) throws -> ImageIndex {
    do {
      return try JSONDecoder().decode(ImageIndex.self, from: data)
    } catch {
      throw OCIError(
        code: .invalidManifest,
        message: "\(data.count) bytes do not decode as an image index (schemaVersion, manifests)",
        cause: error)
    }
  }

  /// Encodes the index as deterministic JSON (sorted keys, unescaped slashes).
  /// - Returns: The index bytes, whose digest is stable.
  /// - Throws: An encoding error, which does not happen for valid values.
  public func encoded() throws -> Data {
    try CanonicalJSON.encode(self)
  }
}

/// Deterministic JSON for content that is addressed by its digest.
enum CanonicalJSON {
  static func encode(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
  }
}
