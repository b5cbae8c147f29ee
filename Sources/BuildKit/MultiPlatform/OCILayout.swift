// OCI image layouts, as the `oci` exporter streams them in a tarball.
//
// The tarball holds `oci-layout` (`{"imageLayoutVersion": "1.0.0"}`), `index.json` (an image
// index whose entries are the exported roots) and every blob under `blobs/<algorithm>/<hex>`:
// manifests, indexes, configs and layers alike. BuildKit's export of one platform has a single
// root, an image manifest, or an index when it added attestation manifests.
//
// The tarball is read once with the streaming tar reader: the two small JSON files are kept in
// memory, and each `sha256` blob is written to a file of its own, named by its hex digest, in the
// extraction folder. Entries outside `blobs/` and the two JSON files are ignored. Blob contents
// are checked against their names when they are read (manifests and configs) or uploaded
// (layers).

import BuildContext
public import Foundation
public import OCI

/// An OCI image layout extracted from a tarball: its index and the file of every blob.
public struct OCILayout: Sendable {
  /// The layout's `index.json`.
  public var index: ImageIndex
  /// The file of every `sha256` blob, by digest.
  public var blobs: [Digest: URL]

  /// The largest `index.json` or `oci-layout` read into memory.
  static let maximumMetadataSize = 16 << 20

  /// Extracts a layout tarball.
  /// - Parameters:
  ///   - tarball: The tarball, as written by the `oci` exporter.
  ///   - directory: An existing folder that receives the blob files.
  /// - Returns: The layout.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/io`` when a file cannot be read
  ///   or written, or ``BuildKitError/Code/invalidArgument`` when the tarball is not an OCI
  ///   layout.
  public static func extract(tarball: URL, into directory: URL) throws(BuildKitError) -> OCILayout {
    let input: FileHandle
    do {
      input = try FileHandle(forReadingFrom: tarball)
    } catch {
      throw BuildKitError(
        code: .io, message: "cannot open the export \(tarball.path)", cause: error)
    }
    defer { try? input.close() }

    var extractor = Extractor(directory: directory)
    var reader = TarReader()
    do {
      while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
        try reader.consume(Array(chunk)) { event in try extractor.handle(event) }
      }
      try reader.finish()
    } catch let error as BuildKitError {
      extractor.close()
      throw error
    } catch {
      extractor.close()
      throw BuildKitError(
        code: .invalidArgument,
        message:
          "the export \(tarball.path) is not a readable tarball: \(ImageTools.message(of: error))",
        cause: error)
    }
    guard let indexData = extractor.indexJSON else {
      throw BuildKitError(
        code: .invalidArgument,
        message: "the export \(tarball.path) has no index.json; it is not an OCI image layout")
    }
    let index: ImageIndex
    do {
      index = try ImageIndex.decode(indexData)
    } catch {
      throw BuildKitError(
        code: .invalidArgument,
        message: "index.json of \(tarball.path) does not decode: \(ImageTools.message(of: error))",
        cause: error)
    }
    return OCILayout(index: index, blobs: extractor.blobs)
  }

  /// Reads the bytes of a blob and checks them against its digest.
  /// - Parameter descriptor: The blob's descriptor.
  /// - Returns: The blob's bytes.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/notFound`` when the layout lacks
  ///   the blob, or ``BuildKitError/Code/io`` when it cannot be read or does not match.
  public func data(of descriptor: Descriptor) throws(BuildKitError) -> Data {
    guard let file = self.blobs[descriptor.digest] else {
      throw BuildKitError(
        code: .notFound,
        message: "the OCI layout has no blob \(descriptor.digest) (\(descriptor.mediaType))")
    }
    let data: Data
    do {
      data = try Data(contentsOf: file)
      try descriptor.digest.verify(data)
    } catch {
      throw BuildKitError(
        code: .io,
        message: "blob \(descriptor.digest) of the OCI layout: \(ImageTools.message(of: error))",
        cause: error)
    }
    return data
  }

  /// The images under every root of the layout's index.
  /// - Returns: The images, in the order the roots list them.
  /// - Throws: ``BuildKitError`` when a manifest or config is missing or does not decode.
  public func images() async throws(BuildKitError) -> [ResolvedImage] {
    var images: [ResolvedImage] = []
    for root in self.index.manifests {
      let blob = try ContentBlob(data: try self.data(of: root), mediaType: root.mediaType)
      images += try await ResolvedImage.resolve(root: blob) { descriptor throws(BuildKitError) in
        try self.data(of: descriptor)
      }
    }
    return images
  }

  /// Collects the metadata files and writes the blob files while the tar reader runs.
  private struct Extractor {
    let directory: URL
    var indexJSON: Data?
    var blobs: [Digest: URL] = [:]
    private var current: Target?
    private var metadata = Data()

    private enum Target {
      case metadata(name: String)
      case blob(Digest, URL, FileHandle)
      case skipped
    }

    init(directory: URL) {
      self.directory = directory
    }

    mutating func handle(_ event: TarReader.Event) throws {
      switch event {
      case .header(let header):
        self.current = try self.open(header)
      case .content(let bytes):
        switch self.current {
        case .metadata(let name):
          guard self.metadata.count + bytes.count <= OCILayout.maximumMetadataSize else {
            throw BuildKitError(
              code: .invalidArgument, message: "\(name) of the OCI layout is larger than 16 MiB")
          }
          self.metadata.append(contentsOf: bytes)
        case .blob(let digest, _, let handle):
          do {
            try handle.write(contentsOf: Data(bytes))
          } catch {
            throw BuildKitError(
              code: .io, message: "cannot write blob \(digest) into \(self.directory.path)",
              cause: error)
          }
        case .skipped, nil:
          break
        }
      case .entryEnd:
        self.finishEntry()
      case .archiveEnd:
        break
      }
    }

    private mutating func open(_ header: TarHeader) throws -> Target {
      var path = header.path
      while path.hasPrefix("./") { path.removeFirst(2) }
      if path == "index.json" || path == "oci-layout" {
        self.metadata = Data()
        return .metadata(name: path)
      }
      let parts = path.split(separator: "/")
      guard header.kind == .regularFile, parts.count == 3, parts[0] == "blobs",
        parts[1] == "sha256", let digest = try? Digest(parsing: "sha256:\(parts[2])")
      else {
        return .skipped
      }
      let file = self.directory.appendingPathComponent(digest.encoded)
      guard FileManager.default.createFile(atPath: file.path, contents: nil),
        let handle = try? FileHandle(forWritingTo: file)
      else {
        throw BuildKitError(
          code: .io,
          message:
            "cannot create \(file.path) for blob \(digest); check that the folder is writable")
      }
      return .blob(digest, file, handle)
    }

    private mutating func finishEntry() {
      switch self.current {
      case .metadata(let name):
        if name == "index.json" { self.indexJSON = self.metadata }
        self.metadata = Data()
      case .blob(let digest, let file, let handle):
        try? handle.close()
        self.blobs[digest] = file
      case .skipped, nil:
        break
      }
      self.current = nil
    }

    mutating func close() {
      if case .blob(_, _, let handle) = self.current {
        try? handle.close()
      }
      self.current = nil
    }
  }
}
