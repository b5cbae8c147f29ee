import BuildKit
import Foundation
import OCI

/// `buildkit imagetools inspect`: what a reference names, per platform.
enum ImageToolsInspect {
  /// The two platforms a multi-platform image of this project's users must cover.
  static let expectedPlatforms = ["linux/amd64", "linux/arm64"]

  /// One row of the report: an image or an attestation.
  struct Entry {
    var descriptor: Descriptor
    /// The platform, or nil for an attestation.
    var platform: Platform?
    /// The config and layers together, for images.
    var imageSize: Int64?
    /// The image an attestation describes.
    var attestationFor: String?
  }

  static func run(
    _ reference: ImageReference, raw: Bool, json: Bool, tools: ImageTools, output: OutputStreams
  ) async throws -> Int32 {
    let root = try await tools.fetch(reference)
    if raw {
      output.writeOut(String(decoding: root.data, as: UTF8.self))
      return 0
    }
    let entries = try await Self.entries(of: root, reference: reference, tools: tools)
    let platforms = entries.compactMap { $0.platform?.description }
    let covers = Self.expectedPlatforms.allSatisfy { platforms.contains($0) }
    if json {
      output.print(JSONOutput.render(Self.json(reference, root, entries, covers: covers)))
    } else {
      output.print(Self.text(reference, root, entries, covers: covers))
    }
    return 0
  }

  static func entries(of root: FetchedManifest, reference: ImageReference, tools: ImageTools)
    async throws -> [Entry]
  {
    guard MediaType.isIndex(root.mediaType) else {
      let images = try await tools.resolve(reference.with(tag: nil, digest: root.digest))
      let manifest = try images[0].decodedManifest()
      return [
        Entry(
          descriptor: root.descriptor, platform: images[0].platform,
          imageSize: Self.size(of: manifest))
      ]
    }
    let index = try ImageIndex.decode(root.data)
    var entries: [Entry] = []
    for descriptor in index.manifests {
      let annotations = descriptor.annotations ?? [:]
      if annotations[AttestationAnnotation.referenceType]
        == AttestationAnnotation.attestationManifest
      {
        entries.append(
          Entry(
            descriptor: descriptor,
            attestationFor: annotations[AttestationAnnotation.referenceDigest]))
        continue
      }
      var size: Int64?
      if !MediaType.isIndex(descriptor.mediaType) {
        let child = try await tools.fetch(reference.with(tag: nil, digest: descriptor.digest))
        size = Self.size(of: try ImageManifest.decode(child.data))
      }
      entries.append(Entry(descriptor: descriptor, platform: descriptor.platform, imageSize: size))
    }
    return entries
  }

  static func size(of manifest: ImageManifest) -> Int64 {
    manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size }
  }

  static func text(
    _ reference: ImageReference, _ root: FetchedManifest, _ entries: [Entry], covers: Bool
  ) -> String {
    var lines = [
      "Name:       \(reference)",
      "MediaType:  \(root.mediaType)",
      "Digest:     \(root.digest)",
      "Size:       \(ByteSize.format(Int64(root.data.count)))",
      "Platforms:  " + entries.compactMap { $0.platform?.description }.joined(separator: ", "),
      "Covers \(Self.expectedPlatforms.joined(separator: " and ")): \(covers ? "yes" : "no")",
      "",
    ]
    var table = Table()
    table.append(["PLATFORM", "DIGEST", "MANIFEST", "IMAGE SIZE"])
    for entry in entries {
      let platform =
        entry.attestationFor.map { "attestation for \($0.prefix(19))" }
        ?? entry.platform?.description ?? "-"
      table.append([
        platform, entry.descriptor.digest.description, ByteSize.format(entry.descriptor.size),
        entry.imageSize.map(ByteSize.format) ?? "-",
      ])
    }
    lines.append(table.rendered)
    return lines.joined(separator: "\n")
  }

  static func json(
    _ reference: ImageReference, _ root: FetchedManifest, _ entries: [Entry], covers: Bool
  ) -> [String: Any] {
    let manifests: [[String: Any]] = entries.map { entry in
      var object: [String: Any] = [
        "digest": entry.descriptor.digest.description,
        "mediaType": entry.descriptor.mediaType,
        "size": entry.descriptor.size,
      ]
      if let platform = entry.platform { object["platform"] = platform.description }
      if let size = entry.imageSize { object["imageSize"] = size }
      if let subject = entry.attestationFor { object["attestationFor"] = subject }
      if let annotations = entry.descriptor.annotations { object["annotations"] = annotations }
      return object
    }
    return [
      "name": reference.description,
      "mediaType": root.mediaType,
      "digest": root.digest.description,
      "size": root.data.count,
      "manifests": manifests,
      "platforms": entries.compactMap { $0.platform?.description },
      "coversLinuxAmd64AndArm64": covers,
    ]
  }
}
