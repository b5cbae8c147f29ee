public import OCI

/// What a finished multi-platform build produced.
public struct MultiPlatformResult: Sendable {
  /// One platform's outcome.
  public struct PlatformOutcome: Sendable {
    /// The platform that was built.
    public var platform: Platform
    /// The address of the daemon that built it.
    public var builder: String
    /// The ref of the platform's solve, under which the daemon keeps its build history.
    public var ref: String
    /// The image manifest's descriptor (media type, digest, size).
    public var manifest: Descriptor
    /// The digest of the image config.
    public var configDigest: Digest
    /// The attestation manifests that came with the image.
    public var attestations: [Descriptor]
    /// The exporter response of the platform's solve.
    public var exporterResponse: [String: String]
    /// The per-platform tags pushed for this image (empty unless per-platform tags were asked
    /// for).
    public var tags: [ImageReference]

    /// Creates an outcome; each parameter sets the property of the same name.
    public init(
      platform: Platform, builder: String, ref: String, manifest: Descriptor, configDigest: Digest,
      attestations: [Descriptor] = [], exporterResponse: [String: String] = [:],
      tags: [ImageReference] = []
    ) {
      self.platform = platform
      self.builder = builder
      self.ref = ref
      self.manifest = manifest
      self.configDigest = configDigest
      self.attestations = attestations
      self.exporterResponse = exporterResponse
      self.tags = tags
    }
  }

  /// Every platform's outcome, in the order the index lists them.
  public var platforms: [PlatformOutcome]
  /// The index that was pushed, with its exact bytes.
  public var index: EncodedIndex
  /// The tags the index was pushed under.
  public var tags: [ImageReference]

  /// Creates a result; each parameter sets the property of the same name.
  public init(platforms: [PlatformOutcome], index: EncodedIndex, tags: [ImageReference]) {
    self.platforms = platforms
    self.index = index
    self.tags = tags
  }
}

/// Something that happened during a multi-platform build, for progress displays.
public enum MultiPlatformEvent: Sendable {
  /// A batch of progress from one platform's solve.
  case status(Platform, Control.StatusResponse)
  /// One platform's image is in the registry, by digest.
  case imagePushed(Platform, Descriptor)
  /// A manifest or the index was pushed under a tag.
  case tagPushed(ImageReference, Descriptor)
}

/// The cause of a multi-platform build's error when one platform failed: which platform, on
/// which daemon, and its own error (a ``BuildKitError`` whose cause is a ``SolveFailure`` when
/// the solve itself failed).
public struct PlatformBuildFailure: Error, Sendable, CustomStringConvertible {
  /// The platform that failed.
  public var platform: Platform
  /// The address of the daemon that built it.
  public var builder: String
  /// The platform's own error.
  public var error: BuildKitError

  /// Creates a failure; each parameter sets the property of the same name.
  public init(platform: Platform, builder: String, error: BuildKitError) {
    self.platform = platform
    self.builder = builder
    self.error = error
  }

  /// The platform, the daemon and the error.
  public var description: String {
    "\(self.platform) on \(self.builder): \(self.error)"
  }
}
