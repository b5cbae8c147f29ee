import BuildKit
import Foundation
import OCI

/// `buildkit imagetools create`: combines images and indexes into one index under new tags.
///
/// Every source is read (an index contributes all its platforms and their attestations), the
/// index is written with `ImageIndex.combining`, and then, for every tag, each image is made
/// available in the tag's repository (skipped when it is already there, else mounted or copied)
/// before the index is pushed. With `--append` the first tag's current images come first, and a
/// source replaces the current image of its platform. Two sources with the same platform are an
/// error.
struct ImageToolsCreate {
  var tags: [ImageReference]
  var sources: [ImageReference]
  var append: Bool
  var dryRun: Bool
  /// The index type; nil picks the type of the index appended to, else OCI.
  var format: IndexFormat?

  /// An image and the repository it is read from.
  struct Source {
    var image: ResolvedImage
    var repository: ImageReference
  }

  func run(tools: ImageTools, output: OutputStreams) async throws -> Int32 {
    var existing: [Source] = []
    var format = self.format
    if self.append {
      let current = try await self.current(tools: tools)
      existing = current.images
      format = format ?? current.format
    }
    var added: [Source] = []
    for reference in self.sources {
      for image in try await tools.resolve(reference) {
        added.append(Source(image: image, repository: reference))
      }
    }
    let replaced = Set(added.map { $0.image.platform.normalized() })
    let all = existing.filter { !replaced.contains($0.image.platform.normalized()) } + added
    guard !all.isEmpty else {
      throw BuildKitError(
        code: .invalidArgument, message: "there are no images to put into \(self.tags[0])")
    }
    let index = try ImageTools.combine(all.map(\.image), format: format ?? .oci)

    if self.dryRun {
      output.print(String(decoding: index.data, as: UTF8.self))
      return 0
    }
    let blob = try ContentBlob(data: index.data, mediaType: index.descriptor.mediaType)
    for tag in self.tags {
      for source in all {
        try await tools.copy(source.image, from: source.repository, to: tag)
      }
      try await tools.push(blob, to: tag, tag: tag.tag)
      output.printError("pushed \(tag) (\(index.descriptor.digest))")
    }
    output.print(index.descriptor.digest.description)
    return 0
  }

  /// What the first tag holds now: nothing when it does not exist yet.
  private func current(tools: ImageTools) async throws -> (images: [Source], format: IndexFormat?) {
    let target = self.tags[0]
    let root: FetchedManifest
    do {
      root = try await tools.fetch(target)
    } catch {
      // A tag that does not exist yet is created, with nothing to keep.
      guard error.code == .notFound else { throw error }
      return ([], nil)
    }
    let format: IndexFormat? =
      root.mediaType == MediaType.dockerManifestList
      ? .dockerManifestList : MediaType.isIndex(root.mediaType) ? .oci : nil
    let pinned = try target.with(tag: nil, digest: root.digest)
    let images = try await tools.resolve(pinned).map { Source(image: $0, repository: pinned) }
    return (images, format)
  }
}
