// OCI image manifests (`application/vnd.oci.image.manifest.v1+json`) and Docker v2 schema 2
// manifests, which share the same JSON shape: `schemaVersion` 2, `mediaType`, a `config`
// descriptor, `layers`, and optionally `subject`, `artifactType` and `annotations`.

public import Foundation

/// An image manifest: one image for one platform.
public struct ImageManifest: Hashable, Sendable, Codable {
  /// Always 2.
  public var schemaVersion: Int
  /// The manifest's own media type (OCI or Docker), or `nil` when the JSON leaves it out.
  public var mediaType: String?
  /// The type of an artifact manifest, or `nil`.
  public var artifactType: String?
  /// The image config blob.
  public var config: Descriptor
  /// The layer blobs, base layer first.
  public var layers: [Descriptor]
  /// The manifest this one refers to (referrers API), or `nil`.
  public var subject: Descriptor?
  /// Arbitrary metadata, or `nil`.
  public var annotations: [String: String]?

  /// Creates a manifest.
  /// - Parameters:
  ///   - mediaType: The manifest's media type; OCI by default.
  ///   - config: The image config blob.
  ///   - layers: The layer blobs, base layer first.
  ///   - subject: The manifest this one refers to.
  ///   - annotations: Arbitrary metadata.
  ///   - artifactType: The type of an artifact manifest.
  public init(
    mediaType: String? = MediaType.ociManifest, config: Descriptor, layers: [Descriptor],
    subject: Descriptor? = nil, annotations: [String: String]? = nil,
    artifactType: String? = nil
  ) {
    self.schemaVersion = 2
    self.mediaType = mediaType
    self.config = config
    self.layers = layers
    self.subject = subject
    self.annotations = annotations
    self.artifactType = artifactType
  }

  /// Decodes a manifest from JSON.
  /// - Parameter data: The manifest bytes.
  /// - Returns: The manifest.
  /// - Throws: ``OCIError/Code-swift.struct/invalidManifest`` if the bytes are not an image
  ///   manifest.
  public static func decode(_ data: Data) throws -> ImageManifest {
    do {
      return try JSONDecoder().decode(ImageManifest.self, from: data)
    } catch {
      throw OCIError(
        code: .invalidManifest,
        message:
          "\(data.count) bytes do not decode as an image manifest (schemaVersion, config, layers)",
        cause: error)
    }
  }

  /// Encodes the manifest as deterministic JSON (sorted keys, unescaped slashes).
  /// - Returns: The manifest bytes, whose digest is stable.
  /// - Throws: An encoding error, which does not happen for valid values.
  public func encoded() throws -> Data {
    try CanonicalJSON.encode(self)
  }
}
