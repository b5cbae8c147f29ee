// OCI content descriptors: the `{mediaType, digest, size, ...}` objects that point from an
// index to manifests and from a manifest to its config and layers.

/// A reference to a piece of content by media type, digest and size.
public struct Descriptor: Hashable, Sendable, Codable {
  /// The media type of the referenced content.
  public var mediaType: String
  /// The digest of the referenced content.
  public var digest: Digest
  /// The size of the referenced content in bytes.
  public var size: Int64
  /// Other places the content can be fetched from, or `nil`.
  public var urls: [String]?
  /// Arbitrary metadata, or `nil`.
  public var annotations: [String: String]?
  /// The platform of an image manifest, when the descriptor sits in an index.
  public var platform: Platform?
  /// The type of an artifact manifest, or `nil`.
  public var artifactType: String?

  /// Creates a descriptor.
  /// - Parameters:
  ///   - mediaType: The media type of the content.
  ///   - digest: The digest of the content.
  ///   - size: The size of the content in bytes.
  ///   - platform: The platform, for image manifests in an index.
  ///   - annotations: Arbitrary metadata.
  ///   - urls: Other places the content can be fetched from.
  ///   - artifactType: The type of an artifact manifest.
  public init(
    mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil,
    annotations: [String: String]? = nil, urls: [String]? = nil, artifactType: String? = nil
  ) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.platform = platform
    self.annotations = annotations
    self.urls = urls
    self.artifactType = artifactType
  }
}
