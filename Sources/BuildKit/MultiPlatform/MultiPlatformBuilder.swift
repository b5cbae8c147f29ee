public import Foundation
public import OCI

/// Runs multi-platform builds: one solve per platform on its builder, all at once, then one
/// index pushed under every tag (see ``MultiPlatformBuild`` for the whole flow).
public struct MultiPlatformBuilder: Sendable {
  /// The daemons, and which platform builds where.
  public let builders: BuilderSet
  /// The registry work: reading images back, uploading, combining and tagging.
  public let tools: ImageTools
  /// Where exported layouts are unpacked when the client pushes.
  public var temporaryDirectory: URL
  /// How long to try to reach each daemon before the builds start.
  public var connectTimeout: Duration

  /// Creates a builder.
  /// - Parameters:
  ///   - builders: The daemons.
  ///   - registry: The registry client; its credentials are also served to the daemons, and
  ///     its insecure hosts get `registry.insecure=true` on the daemons' pushes.
  ///   - temporaryDirectory: Where exported layouts are unpacked for client pushes.
  ///   - connectTimeout: How long to try to reach each daemon before the builds start.
  public init(
    builders: BuilderSet, registry: RegistryClient,
    temporaryDirectory: URL = FileManager.default.temporaryDirectory,
    connectTimeout: Duration = .seconds(5)
  ) {
    self.builders = builders
    self.tools = ImageTools(registry: registry)
    self.temporaryDirectory = temporaryDirectory
    self.connectTimeout = connectTimeout
  }

  /// Builds every platform, pushes the images, then the index under every tag.
  ///
  /// If a platform fails, the other builds still run to their end, and then no tag is written.
  /// - Parameters:
  ///   - build: What to build and where it goes.
  ///   - onEvent: Called with progress from every platform and with each push; may be called
  ///     from several tasks at once.
  /// - Returns: Every platform's digest and the index.
  /// - Throws: ``BuildKitError``. When one platform failed, its message starts with the
  ///   platform and its cause is a ``PlatformBuildFailure`` holding the platform's own error.
  ///   Registry failures keep the `OCIError` as their cause.
  public func run(
    _ build: MultiPlatformBuild,
    onEvent: @escaping @Sendable (MultiPlatformEvent) -> Void = { _ in }
  ) async throws(BuildKitError) -> MultiPlatformResult {
    try build.validate()
    // The registries and the daemons are checked at once, before any session is opened; a
    // registry problem is reported first, as it names what the user most likely got wrong.
    async let registriesChecked = Self.outcome { () async throws(BuildKitError) in
      try await self.checkRegistries(of: build)
    }
    let buildersConnected = await Self.outcome { () async throws(BuildKitError) in
      try await self.builders.connect(for: build.platforms, timeout: self.connectTimeout)
    }
    try await registriesChecked.get()
    try buildersConnected.get()

    var workspace: URL?
    if build.pushMode == .client {
      let folder = self.temporaryDirectory.appendingPathComponent(
        "buildkit-multiplatform-\(Identifiers.random())", isDirectory: true)
      do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      } catch {
        throw BuildKitError(
          code: .io, message: "cannot create \(folder.path) for the exported images",
          cause: error)
      }
      workspace = folder
    }
    defer {
      if let workspace { try? FileManager.default.removeItem(at: workspace) }
    }

    let built = try await self.buildAll(build, workspace: workspace, onEvent: onEvent)
    let index = try ImageTools.combine(
      built.map(\.image), format: build.indexFormat, annotations: build.indexAnnotations)

    var outcomes = built.map(\.outcome)
    if build.archTags {
      for tag in build.tags {
        for (position, entry) in built.enumerated() {
          let archTag = try MultiPlatformBuild.archTag(for: tag, platform: entry.outcome.platform)
          try await self.tools.push(entry.image.manifest, to: archTag, tag: archTag.tag)
          outcomes[position].tags.append(archTag)
          onEvent(.tagPushed(archTag, entry.image.manifest.descriptor))
        }
      }
    }
    let indexBlob = try ContentBlob(data: index.data, mediaType: index.descriptor.mediaType)
    for tag in build.tags {
      try await self.tools.push(indexBlob, to: tag, tag: tag.tag)
      onEvent(.tagPushed(tag, index.descriptor))
    }
    return MultiPlatformResult(platforms: outcomes, index: index, tags: build.tags)
  }

  /// What an operation returned or threw, so that two can run at once and both be awaited.
  private static func outcome(
    _ operation: () async throws(BuildKitError) -> Void
  ) async -> Result<Void, BuildKitError> {
    do throws(BuildKitError) {
      try await operation()
      return .success(())
    } catch {
      return .failure(error)
    }
  }

  /// Pings every registry the tags name, so that a wrong password or an unreachable registry
  /// fails before anything is built.
  private func checkRegistries(of build: MultiPlatformBuild) async throws(BuildKitError) {
    var hosts: [String] = []
    for repository in build.repositories where !hosts.contains(repository.registry) {
      hosts.append(repository.registry)
    }
    for host in hosts {
      do {
        try await self.tools.registry.ping(host)
      } catch {
        throw ImageTools.registryError(error, "checking registry \(host) before the build")
      }
    }
  }

  /// One platform's image and what is reported about it.
  private struct Built: Sendable {
    var image: ResolvedImage
    var outcome: MultiPlatformResult.PlatformOutcome
  }

  private func buildAll(
    _ build: MultiPlatformBuild, workspace: URL?,
    onEvent: @escaping @Sendable (MultiPlatformEvent) -> Void
  ) async throws(BuildKitError) -> [Built] {
    // Every build runs to its end even when another one fails: all failures are reported
    // together, and no daemon is left with a session torn down in the middle of an export.
    let outcomes = await withTaskGroup(of: (Int, Result<Built, BuildKitError>).self) { group in
      for (position, platform) in build.platforms.enumerated() {
        group.addTask {
          do throws(BuildKitError) {
            let built = try await self.buildOne(
              build, platform: platform, position: position, workspace: workspace,
              onEvent: onEvent)
            return (position, .success(built))
          } catch {
            return (position, .failure(error))
          }
        }
      }
      var outcomes: [(position: Int, result: Result<Built, BuildKitError>)] = []
      for await outcome in group {
        outcomes.append(outcome)
      }
      return outcomes
    }

    // Failures in the order they happened: the first one is reported, the others named.
    let failures = outcomes.compactMap { outcome -> (Platform, BuildKitError)? in
      guard case .failure(let error) = outcome.result else { return nil }
      return (build.platforms[outcome.position], error)
    }
    if let (platform, error) = failures.first {
      let builder = self.builders.address(for: platform)
      var message = "\(platform) (builder \(builder)): \(error.message)"
      let others = failures.dropFirst().map { $0.0.description }
      if !others.isEmpty {
        message += " (\(others.joined(separator: ", ")) failed too)"
      }
      throw BuildKitError(
        code: error.code, message: message,
        cause: PlatformBuildFailure(platform: platform, builder: builder, error: error))
    }
    return outcomes.sorted { $0.position < $1.position }.compactMap { try? $0.result.get() }
  }

  private func buildOne(
    _ build: MultiPlatformBuild, platform: Platform, position: Int, workspace: URL?,
    onEvent: @escaping @Sendable (MultiPlatformEvent) -> Void
  ) async throws(BuildKitError) -> Built {
    let client = self.builders.client(for: platform)
    let credentials = self.tools.registry.configuration.credentials
    let insecure = self.tools.registry.configuration.insecureRegistries
    let repositories = build.repositories

    let image: ResolvedImage
    let response: [String: String]
    let ref: String
    switch build.pushMode {
    case .daemon:
      let request = build.request(for: platform, insecureRegistries: insecure)
      ref = request.ref
      response = try await client.build(request, credentials: credentials) {
        onEvent(.status(platform, $0))
      }.exporterResponse
      guard let text = response["containerimage.digest"], let digest = try? Digest(parsing: text)
      else {
        throw BuildKitError(
          code: .malformedMessage,
          message:
            "the daemon reported no image digest (containerimage.digest) for the pushed image")
      }
      let pinned: ImageReference
      do {
        pinned = try repositories[0].with(tag: nil, digest: digest)
      } catch {
        throw BuildKitError(
          code: .invalidArgument, message: ImageTools.message(of: error), cause: error)
      }
      let config = response["containerimage.config.digest"].flatMap { try? Digest(parsing: $0) }
      image = try Self.single(
        try await self.tools.resolve(pinned, expectedBlob: config), platform: platform)
    case .client:
      // The caller creates the workspace for client pushes.
      let folder = workspace!.appendingPathComponent("\(position)", isDirectory: true)
      let tarball = workspace!.appendingPathComponent("\(position).tar")
      do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      } catch {
        throw BuildKitError(code: .io, message: "cannot create \(folder.path)", cause: error)
      }
      let request = build.request(for: platform, insecureRegistries: insecure, tarball: tarball)
      ref = request.ref
      response = try await client.build(request, credentials: credentials) {
        onEvent(.status(platform, $0))
      }.exporterResponse
      let layout = try OCILayout.extract(tarball: tarball, into: folder)
      try? FileManager.default.removeItem(at: tarball)
      image = try Self.single(try await layout.images(), platform: platform)
      try await self.tools.upload(image, blobs: layout.blobs, to: repositories[0])
      for repository in repositories.dropFirst() {
        try await self.tools.copy(image, from: repositories[0], to: repository)
      }
    }
    var descriptor = image.manifest.descriptor
    descriptor.platform = image.platform
    onEvent(.imagePushed(platform, descriptor))
    let outcome = MultiPlatformResult.PlatformOutcome(
      platform: platform,
      builder: self.builders.address(for: platform),
      ref: ref,
      manifest: descriptor,
      configDigest: try image.decodedManifest().config.digest,
      attestations: image.attestations.map(\.descriptor),
      exporterResponse: response)
    return Built(image: image, outcome: outcome)
  }

  /// The one image of a platform's export, checked against the platform that was asked for.
  static func single(_ images: [ResolvedImage], platform: Platform) throws(BuildKitError)
    -> ResolvedImage
  {
    guard images.count == 1, let image = images.first else {
      throw BuildKitError(
        code: .invalidArgument,
        message: "the export holds \(images.count) images instead of one for \(platform)")
    }
    let wanted = platform.normalized()
    let got = image.platform.normalized()
    guard wanted.os == got.os, wanted.architecture == got.architecture,
      wanted.variant == got.variant
    else {
      throw BuildKitError(
        code: .invalidArgument,
        message:
          "the builder produced an image for \(got) when \(wanted) was asked for; check that "
          + "the frontend honours the platform attribute")
    }
    return image
  }
}
