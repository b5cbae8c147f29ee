// Registry work around multi-platform images: reading the images a reference names, making a
// repository hold an image (uploading local blobs, or mounting and copying them from another
// repository), combining images into an index and pushing manifests under tags.
//
// A repository must hold every blob a manifest points to before the manifest can be pushed, and
// an index may only point at manifests its repository holds, so content always goes up in the
// order blobs, then image and attestation manifests by digest, then the index under its tags.
// Blobs the repository already has (checked with HEAD) are skipped. From another repository of
// the same registry a blob is mounted when the registry agrees; otherwise it is downloaded to a
// temporary file and uploaded.

public import Foundation
public import OCI

/// Reads, copies, combines and pushes images through a registry client.
public struct ImageTools: Sendable {
  /// The registry client, with its credentials and insecure hosts.
  public let registry: RegistryClient
  /// How many blobs are transferred at once.
  public var blobConcurrency: Int

  /// Creates the tools.
  /// - Parameters:
  ///   - registry: The client that talks to registries.
  ///   - blobConcurrency: How many blobs to transfer at once; at least 1.
  public init(registry: RegistryClient, blobConcurrency: Int = 4) {
    self.registry = registry
    self.blobConcurrency = max(1, blobConcurrency)
  }

  /// How many blobs an upload or copy transferred, and how many the repository already had.
  public struct TransferCount: Sendable, Hashable {
    /// Blobs uploaded or mounted.
    public var transferred: Int
    /// Blobs the repository already held.
    public var skipped: Int

    /// Creates a count.
    /// - Parameters:
    ///   - transferred: Blobs uploaded or mounted.
    ///   - skipped: Blobs already present.
    public init(transferred: Int = 0, skipped: Int = 0) {
      self.transferred = transferred
      self.skipped = skipped
    }
  }

  // MARK: - Reading

  /// Reads the manifest or index a reference names, exactly as the registry serves it.
  /// - Parameter reference: A tag or digest reference.
  /// - Returns: The bytes, media type and digest.
  /// - Throws: ``BuildKitError`` naming the reference; code ``BuildKitError/Code/notFound`` when
  ///   the registry has no such manifest.
  public func fetch(_ reference: ImageReference) async throws(BuildKitError) -> FetchedManifest {
    do {
      return try await self.registry.manifest(for: reference)
    } catch {
      throw Self.registryError(error, "reading \(reference)")
    }
  }

  /// Reads the images a reference names: one for an image manifest, one per platform for an
  /// index, each with its config and attestations.
  /// - Parameters:
  ///   - reference: A tag or digest reference.
  ///   - expectedBlob: A blob the images are expected to need, such as the config digest a
  ///     daemon reported with the image; it is read at the same time as the manifest instead
  ///     of after it, and used only if the manifest does point to it.
  /// - Returns: The images, in the order the index lists them.
  /// - Throws: ``BuildKitError`` naming the reference or the content that failed.
  public func resolve(_ reference: ImageReference, expectedBlob: Digest? = nil)
    async throws(BuildKitError) -> [ResolvedImage]
  {
    let registry = self.registry
    async let early = Self.readAhead(expectedBlob, of: reference, from: registry)
    let root = try await self.fetch(reference)
    let prefetched = await early
    return try await ResolvedImage.resolve(
      root: try ContentBlob(data: root.data, mediaType: root.mediaType)
    ) { descriptor throws(BuildKitError) in
      if let prefetched, prefetched.digest == descriptor.digest { return prefetched.data }
      do {
        let pinned = try reference.with(tag: nil, digest: descriptor.digest)
        guard MediaType.manifestTypes.contains(descriptor.mediaType) else {
          return try await registry.blob(descriptor.digest, from: pinned)
        }
        return try await registry.manifest(for: pinned).data
      } catch {
        throw Self.registryError(error, "reading \(descriptor.digest) of \(reference)")
      }
    }
  }

  /// Reads a blob ahead of need; nil when there is none or reading it failed, in which case
  /// it is read again, and its failure reported, when it is needed.
  private static func readAhead(
    _ digest: Digest?, of reference: ImageReference, from registry: RegistryClient
  ) async -> (digest: Digest, data: Data)? {
    guard let digest, let pinned = try? reference.with(tag: nil, digest: digest),
      let data = try? await registry.blob(digest, from: pinned)
    else { return nil }
    return (digest, data)
  }

  // MARK: - Uploading and copying

  /// Makes a repository hold an image whose blobs are local files, then pushes its attestation
  /// manifests and its manifest by digest.
  /// - Parameters:
  ///   - image: The image.
  ///   - blobs: The file of every blob, by digest.
  ///   - target: The repository; its tag and digest are ignored.
  /// - Returns: How many blobs were uploaded and how many were already there.
  /// - Throws: ``BuildKitError`` naming the blob or manifest that failed.
  @discardableResult
  public func upload(_ image: ResolvedImage, blobs: [Digest: URL], to target: ImageReference)
    async throws(BuildKitError) -> TransferCount
  {
    let count = try await self.ensureBlobs(
      try image.requiredBlobs(), in: target, origin: .files(blobs))
    try await self.pushManifests(of: image, to: target)
    return count
  }

  /// Makes a repository hold an image that another repository holds: blobs are skipped,
  /// mounted or copied, then the manifests are pushed by digest.
  /// - Parameters:
  ///   - image: The image, as resolved from `source`.
  ///   - source: The repository that holds the image.
  ///   - target: The repository to copy it into.
  /// - Returns: How many blobs were transferred and how many were already there.
  /// - Throws: ``BuildKitError`` naming the blob or manifest that failed.
  @discardableResult
  public func copy(_ image: ResolvedImage, from source: ImageReference, to target: ImageReference)
    async throws(BuildKitError) -> TransferCount
  {
    if source.name == target.name {
      return TransferCount()
    }
    let count = try await self.ensureBlobs(
      try image.requiredBlobs(), in: target, origin: .repository(source))
    try await self.pushManifests(of: image, to: target)
    return count
  }

  private enum BlobOrigin: Sendable {
    case files([Digest: URL])
    case repository(ImageReference)
  }

  private func ensureBlobs(
    _ descriptors: [Descriptor], in target: ImageReference, origin: BlobOrigin
  ) async throws(BuildKitError) -> TransferCount {
    let limit = self.blobConcurrency
    do {
      return try await withThrowingTaskGroup(of: Bool.self) { group in
        var count = TransferCount()
        var running = 0
        for descriptor in descriptors {
          if running >= limit, let transferred = try await group.next() {
            running -= 1
            if transferred { count.transferred += 1 } else { count.skipped += 1 }
          }
          group.addTask {
            try await self.ensureBlob(descriptor, in: target, origin: origin)
          }
          running += 1
        }
        for try await transferred in group {
          if transferred { count.transferred += 1 } else { count.skipped += 1 }
        }
        return count
      }
    } catch let error as BuildKitError {
      throw error
    } catch {
      throw Self.registryError(error, "pushing blobs to \(target.name)")
    }
  }

  /// Returns whether the blob had to be transferred.
  private func ensureBlob(_ descriptor: Descriptor, in target: ImageReference, origin: BlobOrigin)
    async throws(BuildKitError) -> Bool
  {
    let digest = descriptor.digest
    do {
      if try await self.registry.blobSize(digest, in: target) != nil {
        return false
      }
      switch origin {
      case .files(let files):
        guard let file = files[digest] else {
          throw BuildKitError(
            code: .notFound,
            message:
              "blob \(digest) that the image needs is not in the exported layout; the export "
              + "is incomplete")
        }
        let pushed = try await self.registry.pushBlob(
          contentsOf: file, to: target, mediaType: descriptor.mediaType)
        guard pushed.digest == digest else {
          throw BuildKitError(
            code: .io,
            message: "blob file \(file.path) hashes to \(pushed.digest), not \(digest)")
        }
      case .repository(let source):
        if source.registry == target.registry,
          try await self.registry.mountBlob(digest, from: source.repository, into: target)
        {
          return true
        }
        let file = FileManager.default.temporaryDirectory
          .appendingPathComponent("buildkit-blob-\(Identifiers.random())")
        defer { try? FileManager.default.removeItem(at: file) }
        try await self.registry.downloadBlob(digest, from: source, to: file)
        try await self.registry.pushBlob(
          contentsOf: file, to: target, mediaType: descriptor.mediaType)
      }
      return true
    } catch let error as BuildKitError {
      throw error
    } catch {
      throw Self.registryError(error, "pushing blob \(digest) to \(target.name)")
    }
  }

  private func pushManifests(of image: ResolvedImage, to target: ImageReference)
    async throws(BuildKitError)
  {
    for blob in image.attestations + [image.manifest] {
      try await self.push(blob, to: target, tag: nil)
    }
  }

  // MARK: - Indexes and tags

  /// Combines images into an index, with each image's attestations after all images.
  /// - Parameters:
  ///   - images: The images, one per platform, in index order.
  ///   - format: An OCI index or a Docker manifest list.
  ///   - annotations: Annotations for the index itself.
  /// - Returns: The index with its exact bytes and descriptor.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` when two
  ///   images share a platform, or a Docker manifest list would hold OCI manifests or
  ///   attestations.
  public static func combine(
    _ images: [ResolvedImage], format: IndexFormat = .oci, annotations: [String: String] = [:]
  ) throws(BuildKitError) -> EncodedIndex {
    do {
      return try ImageIndex.combining(
        images.map(\.platformImage), attestations: images.flatMap(\.attestationManifests),
        format: format, annotations: annotations.isEmpty ? nil : annotations)
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message: "cannot combine the images into an index: \(ImageTools.message(of: error))",
        cause: error)
    }
  }

  /// Pushes a manifest or index under a tag, or by its digest.
  /// - Parameters:
  ///   - blob: The manifest or index bytes and media type.
  ///   - repository: The repository.
  ///   - tag: The tag, or nil to push by digest only.
  /// - Returns: The pushed reference.
  /// - Throws: ``BuildKitError`` naming the reference.
  @discardableResult
  public func push(_ blob: ContentBlob, to repository: ImageReference, tag: String?)
    async throws(BuildKitError) -> ImageReference
  {
    let reference: ImageReference
    do {
      reference = try repository.with(tag: tag, digest: tag == nil ? blob.digest : nil)
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message: "cannot tag \(repository.name): \(ImageTools.message(of: error))",
        cause: error)
    }
    do {
      try await self.registry.putManifest(blob.data, mediaType: blob.mediaType, to: reference)
    } catch {
      throw Self.registryError(error, "pushing \(blob.digest) as \(reference)")
    }
    return reference
  }

  /// The message of an OCI or BuildKit error, or the description of any other error.
  static func message(of error: any Error) -> String {
    if let error = error as? OCIError { return error.message }
    if let error = error as? BuildKitError { return error.message }
    return "\(error)"
  }

  /// Turns a registry failure into a ``BuildKitError`` whose message says what was being done;
  /// the `OCIError` stays available as the cause.
  static func registryError(_ error: any Error, _ action: String) -> BuildKitError {
    if let error = error as? BuildKitError {
      return error
    }
    if error is CancellationError {
      return BuildKitError(code: .cancelled, message: "\(action) was cancelled", cause: error)
    }
    guard let oci = error as? OCIError else {
      return BuildKitError(code: .rpcFailed, message: "\(action) failed: \(error)", cause: error)
    }
    let code: BuildKitError.Code
    switch oci.code {
    case .notFound: code = .notFound
    case .connectionFailed: code = .connectionFailed
    case .io: code = .io
    case .invalidArgument, .invalidReference, .invalidPlatform, .invalidManifest,
      .invalidConfiguration:
      code = .invalidArgument
    default: code = .rpcFailed
    }
    var message = "\(action) failed: \(oci.message)"
    if let cause = oci.cause {
      // Transport failures say what went wrong (a refused connection, a certificate problem)
      // only in their cause.
      message += " (\((cause as NSError).localizedDescription))"
    }
    return BuildKitError(code: code, message: message, cause: oci)
  }
}
