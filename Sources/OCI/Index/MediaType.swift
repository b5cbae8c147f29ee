/// Media types of the OCI image specification and of Docker's image manifest v2 schema 2.
public enum MediaType {
  /// An OCI image manifest.
  public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
  /// An OCI image index.
  public static let ociIndex = "application/vnd.oci.image.index.v1+json"
  /// An OCI image config.
  public static let ociConfig = "application/vnd.oci.image.config.v1+json"
  /// An OCI gzip-compressed layer tarball.
  public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
  /// An OCI uncompressed layer tarball.
  public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
  /// A Docker image manifest, version 2 schema 2.
  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  /// A Docker manifest list, the Docker form of a multi-platform index.
  public static let dockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json"
  /// A Docker image config.
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
  /// A Docker gzip-compressed layer tarball.
  public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
  /// An in-toto attestation statement, the layers of BuildKit's attestation manifests.
  public static let inToto = "application/vnd.in-toto+json"

  /// The manifest media types a registry client accepts, most preferred first.
  public static let manifestTypes = [ociIndex, dockerManifestList, ociManifest, dockerManifest]

  /// Tells whether a media type is one of the two index types (OCI index, Docker manifest list).
  /// - Parameter mediaType: The media type.
  /// - Returns: `true` for an index or manifest list.
  public static func isIndex(_ mediaType: String) -> Bool {
    mediaType == ociIndex || mediaType == dockerManifestList
  }
}
