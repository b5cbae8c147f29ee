/// Safe extraction of a tar stream into a destination directory.
///
/// Exports from the daemon (`tar` exporter, OCI and Docker tarballs) arrive as one tar stream in
/// chunks; the extractor writes them below a destination directory and never anywhere else:
///
/// - Entry paths are cleaned (`./a//b/` is `a/b`); an absolute path or a `..` component is refused,
///   naming the entry. The archive's root entry (`./`) is ignored.
/// - Every directory on the way to an entry is opened relative to the destination with
///   `O_NOFOLLOW`. A symlink on the way (one that was there before, or one this archive created) is
///   followed only if its target stays inside the destination when resolved against the link's
///   own directory; absolute targets and targets that climb out are refused.
/// - The entry itself replaces whatever non-directory was at its name, so a file entry never
///   writes through an existing symlink. Missing parent directories are created.
/// - Directories, regular files (content, permission bits including setuid, setgid and sticky),
///   symlinks, hardlinks (the target is resolved inside the destination the same way), FIFOs and
///   device nodes are created; device nodes the process may not create are skipped. Modification
///   times are applied to files and links at once and to directories at ``finish()``, after
///   their contents are complete. Owners are not changed.
import Glibc

/// Writes a tar stream into a destination directory without ever writing outside it.
public final class TarExtractor {
  /// The destination directory.
  public let destination: String

  let rootDescriptor: Int32
  var reader = TarReader()
  var openFile: (descriptor: Int32, header: TarHeader)?
  var directoryAttributes: [(components: [[UInt8]], header: TarHeader)] = []
  var finished = false

  /// Opens (and creates, if missing) the destination directory.
  /// - Parameter destination: The directory to extract into; its parent must exist.
  /// - Throws: ``ContextError`` when the destination cannot be created or opened.
  public init(destination: String) throws {
    self.destination = destination
    if case .failure(let error) = System.status(atPath: destination, followingLinks: true),
      error.errno == ENOENT
    {
      guard mkdir(destination, 0o755) == 0 || errno == EEXIST else {
        throw ContextError(
          code: .io,
          message: "cannot create destination \"\(destination)\"; check that its parent exists",
          cause: SystemCallError(function: "mkdir", errno: errno)
        )
      }
    }
    switch System.openDirectory(atPath: destination) {
    case .success(let descriptor): self.rootDescriptor = descriptor
    case .failure(let error):
      throw ContextError(
        code: .invalidPath,
        message: "destination \"\(destination)\" cannot be opened as a directory; pass a directory",
        cause: error
      )
    }
  }

  deinit {
    if let openFile = self.openFile { Glibc.close(openFile.descriptor) }
    Glibc.close(self.rootDescriptor)
  }

  /// Extracts the next chunk of the archive.
  /// - Parameter chunk: The next bytes of the tar stream, cut anywhere.
  /// - Throws: ``ContextError`` naming the entry that is unsafe
  ///   (``ContextError/Code/unsafePath``), malformed, or cannot be written.
  public func consume(_ chunk: [UInt8]) throws {
    try self.reader.consume(chunk) { event in
      switch event {
      case .header(let header): try self.begin(header)
      case .content(let bytes): try self.write(bytes)
      case .entryEnd: try self.endEntry()
      case .archiveEnd: break
      }
    }
  }

  /// Checks that the archive ended cleanly and applies directory modes and times.
  /// - Throws: ``ContextError`` when the stream was truncated or a directory cannot be updated.
  public func finish() throws {
    guard !self.finished else { return }
    try self.reader.finish()
    self.finished = true
    for (components, header) in self.directoryAttributes.reversed() {
      try self.applyDirectoryAttributes(components: components, header: header)
    }
    self.directoryAttributes.removeAll()
  }

  /// Extracts a whole archive held in memory.
  /// - Parameters:
  ///   - archive: The complete tar bytes.
  ///   - destination: The directory to extract into.
  /// - Throws: ``ContextError`` as ``consume(_:)`` and ``finish()`` do.
  public static func extract(_ archive: [UInt8], into destination: String) throws {
    let extractor = try TarExtractor(destination: destination)
    try extractor.consume(archive)
    try extractor.finish()
  }

  private func write(_ bytes: ArraySlice<UInt8>) throws {
    guard let (descriptor, header) = self.openFile else { return }
    try bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          throw Self.failure(header.path, "write", errno)
        }
        offset += written
      }
    }
  }

  private func endEntry() throws {
    guard let (descriptor, header) = self.openFile else { return }
    self.openFile = nil
    defer { Glibc.close(descriptor) }
    guard fchmod(descriptor, mode_t(header.mode & 0o7777)) == 0 else {
      throw Self.failure(header.path, "fchmod", errno)
    }
    var times = Self.times(header.modificationTime)
    guard futimens(descriptor, &times) == 0 else {
      throw Self.failure(header.path, "futimens", errno)
    }
  }
}

// Not Sendable: it owns open descriptors and the state of a half-read archive; use it from one task.
@available(*, unavailable)
extension TarExtractor: Sendable {}
