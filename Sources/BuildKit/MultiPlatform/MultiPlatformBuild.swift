// Multi-platform images built as one solve per platform, joined by an index written here.
//
// The flow, for platforms P1...Pn and tags T1...Tm (all in one or more repositories):
//
// 1. Every registry named by a tag is pinged with the client's credentials, and every daemon is
//    connected, so a wrong password, an unreachable registry or an unreachable daemon fails
//    before anything is built.
// 2. Each platform is solved on its own builder, all at once. The frontend gets the attribute
//    `platform=<Pi>`. With the daemon pushing (the default), the export is
//    `type=image,name=<repositories>,push=true,push-by-digest=true`: the daemon pushes the
//    image by digest only, so no tag moves while builds are still running. With the client
//    pushing, the export is `type=oci` streamed back through the session into a tarball; the
//    OCI layout inside is read with the tar reader and its blobs and manifest are pushed by
//    this client (blobs the repository already has are skipped).
// 3. Each platform's manifest (the `containerimage.digest` of the export, or the layout's
//    manifest) and config are read back, and the config's platform is checked against the
//    platform that was asked for. An export that is itself an index (the daemon adds
//    attestation manifests such as provenance that way) contributes its image manifest and its
//    attestation manifests.
// 4. The images are combined into an OCI index (or a Docker manifest list) with
//    `ImageIndex.combining`, and the index is pushed under every tag, after the optional
//    per-platform tags `<tag>-<arch>`.
//
// If any platform fails, the other builds still run to their end, and the error names the
// platform that failed first (and any other that failed); no tag has been written then.
//
// The daemons reach the registry with their own settings (`buildkitd.toml`), and this client
// with `RegistryClient`'s. For an HTTPS registry whose certificate comes from a private CA that
// matters: on Linux, Foundation's URLSession verifies against the system trust store only and
// has no per-session CA setting (swift-corelibs-foundation reads the CA-bundle variable
// `URLSessionCertificateAuthorityInfoFile` only when built for Android), so the CA must be in
// the system store (on Debian, added with `update-ca-certificates`) or the registry check at
// step 1 fails, naming the registry and the certificate problem.

public import Foundation
public import OCI

/// A multi-platform image build: what to build, for which platforms, and which tags the
/// resulting index gets.
public struct MultiPlatformBuild: Sendable {
  /// Who uploads each platform's image to the registry.
  public enum PushMode: Sendable, Hashable {
    /// The daemon pushes each image by digest (`type=image,push-by-digest=true`).
    case daemon
    /// The daemon streams each image back as an OCI layout tarball, and this client pushes
    /// it; for daemons that cannot reach the registry.
    case client
  }

  /// The build shared by all platforms: frontend, frontend attributes, local directories,
  /// secrets and caches. Its `exports` must be empty (each platform gets its own export), and
  /// its `platform` frontend attribute is replaced per platform.
  public var request: BuildRequest
  /// The platforms to build, in the order the index lists them.
  public var platforms: [Platform]
  /// The tags the index is pushed under, such as `registry.example/team/app:v1`.
  public var tags: [ImageReference]
  /// Whether each platform's image is also tagged `<tag>-<arch>` (see ``archTag(for:platform:)``).
  public var archTags: Bool
  /// An OCI image index (the default) or a Docker manifest list.
  public var indexFormat: IndexFormat
  /// Who uploads the per-platform images.
  public var pushMode: PushMode
  /// Extra attributes for every platform's exporter, such as `compression=zstd` or
  /// `annotation.<key>=<value>`.
  public var exportAttributes: [String: String]
  /// Annotations for the index itself.
  public var indexAnnotations: [String: String]

  /// Creates a build description.
  /// - Parameters:
  ///   - request: The build shared by all platforms; its exports must be empty.
  ///   - platforms: The platforms to build, in index order.
  ///   - tags: The tags the index is pushed under; a reference without tag gets `latest`.
  ///   - archTags: Whether to also push `<tag>-<arch>` per platform.
  ///   - indexFormat: An OCI index or a Docker manifest list.
  ///   - pushMode: Who uploads the per-platform images.
  ///   - exportAttributes: Extra exporter attributes for every platform.
  ///   - indexAnnotations: Annotations for the index.
  public init(
    request: BuildRequest,
    platforms: [Platform],
    tags: [ImageReference],
    archTags: Bool = false,
    indexFormat: IndexFormat = .oci,
    pushMode: PushMode = .daemon,
    exportAttributes: [String: String] = [:],
    indexAnnotations: [String: String] = [:]
  ) {
    self.request = request
    self.platforms = platforms
    self.tags = tags.map { $0.withDefaultTag() }
    self.archTags = archTags
    self.indexFormat = indexFormat
    self.pushMode = pushMode
    self.exportAttributes = exportAttributes
    self.indexAnnotations = indexAnnotations
  }

  /// The repositories the tags live in, each once, in the order the tags name them; images are
  /// pushed by digest into every one of them.
  public var repositories: [ImageReference] {
    var seen = Set<String>()
    var result: [ImageReference] = []
    for tag in self.tags where seen.insert(tag.name).inserted {
      // The parts were validated when the tag was made, and a reference without tag is valid.
      result.append(try! tag.with(tag: nil))
    }
    return result
  }

  /// The per-platform tag for one platform: `<tag>-<arch>`, with the variant appended to the
  /// architecture when there is one (`v1-arm64`, `v1-armv7`).
  /// - Parameters:
  ///   - tag: A tag of the index.
  ///   - platform: The platform.
  /// - Returns: The reference in the same repository with the suffixed tag.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` when the
  ///   suffixed tag is not a valid tag (longer than 128 characters).
  public static func archTag(for tag: ImageReference, platform: Platform) throws(BuildKitError)
    -> ImageReference
  {
    let base = tag.tag ?? ImageReference.defaultTag
    let suffix = platform.architecture + (platform.variant ?? "")
    do {
      return try tag.with(tag: "\(base)-\(suffix)")
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message:
          "the per-platform tag \(base)-\(suffix) for \(platform) is not a valid tag; use a "
          + "shorter tag or leave out per-platform tags",
        cause: error)
    }
  }

  /// Checks the description before anything connects.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` naming the
  ///   problem: no platform, a platform given twice, no tag, a tag that is a digest, exports in
  ///   the shared request, or two platforms whose per-platform tags would collide.
  public func validate() throws(BuildKitError) {
    guard !self.platforms.isEmpty else {
      throw BuildKitError(
        code: .invalidArgument,
        message: "a multi-platform build needs at least one platform, e.g. linux/amd64")
    }
    var seen = Set<Platform>()
    for platform in self.platforms where !seen.insert(platform.normalized()).inserted {
      throw BuildKitError(
        code: .invalidArgument,
        message: "platform \(platform) is given twice; list each platform once")
    }
    guard !self.tags.isEmpty else {
      throw BuildKitError(
        code: .invalidArgument,
        message: "a multi-platform build pushes its index under at least one tag; give one")
    }
    for tag in self.tags where tag.tag == nil {
      throw BuildKitError(
        code: .invalidArgument,
        message: "\(tag) names a digest, not a tag; the index is pushed under tags like repo:v1")
    }
    guard self.request.exports.isEmpty else {
      let types = self.request.exports.map(\.type).joined(separator: ", ")
      throw BuildKitError(
        code: .invalidArgument,
        message:
          "a multi-platform build makes its own per-platform exports, so the request's "
          + "exports (\(types)) cannot be kept; push with tags instead")
    }
    if self.archTags {
      var suffixes: [String: Platform] = [:]
      for platform in self.platforms {
        let suffix = platform.architecture + (platform.variant ?? "")
        if let other = suffixes[suffix] {
          throw BuildKitError(
            code: .invalidArgument,
            message:
              "platforms \(other) and \(platform) would both get the per-platform tag suffix "
              + "-\(suffix); leave out per-platform tags for this platform list")
        }
        suffixes[suffix] = platform
      }
      for tag in self.tags {
        for platform in self.platforms {
          _ = try Self.archTag(for: tag, platform: platform)
        }
      }
    }
  }

  /// The solve request for one platform: the shared request with the `platform` frontend
  /// attribute, a fresh ref, and this platform's export.
  /// - Parameters:
  ///   - platform: The platform to build.
  ///   - insecureRegistries: Registry hosts reached over plain HTTP or unverified TLS; their
  ///     pushes get `registry.insecure=true`.
  ///   - tarball: Where the OCI layout tarball goes, for ``PushMode/client``; ignored for
  ///     ``PushMode/daemon``.
  /// - Returns: The request to pass to ``BuildKitClient/build(_:credentials:onStatus:)``.
  public func request(
    for platform: Platform, insecureRegistries: Set<String> = [], tarball: URL? = nil
  ) -> BuildRequest {
    var request = self.request
    request.ref = Identifiers.random()
    request.frontendAttributes["platform"] = platform.description
    var attributes = self.exportAttributes
    attributes["oci-mediatypes"] = self.indexFormat == .oci ? "true" : "false"
    switch self.pushMode {
    case .daemon:
      let repositories = self.repositories
      attributes["name"] = repositories.map(\.name).joined(separator: ",")
      attributes["push"] = "true"
      attributes["push-by-digest"] = "true"
      if repositories.contains(where: { insecureRegistries.contains($0.registry) }) {
        attributes["registry.insecure"] = "true"
      }
      request.exports = [BuildRequest.Export(type: "image", attributes: attributes)]
    case .client:
      attributes["tar"] = "true"
      let path = tarball?.path ?? "\(platform.architecture).tar"
      request.exports = [
        BuildRequest.Export(type: "oci", attributes: attributes, destination: .file(path))
      ]
    }
    return request
  }
}
