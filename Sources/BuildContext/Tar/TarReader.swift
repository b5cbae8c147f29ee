/// A push-style tar reader for archives that arrive in chunks.
///
/// Feed bytes with ``consume(_:_:)`` as they arrive (the daemon's FileSend exports come in chunks
/// of up to 3 MiB, cut anywhere); the reader calls back with an event for every entry header, every
/// piece of content, the end of each entry, and the end of the archive. It keeps at most one
/// header block or one extended header in memory; content is handed out as slices of the caller's
/// chunk.
///
/// Understood formats: POSIX ustar (with the `prefix/name` split), PAX extended headers (`x`, and
/// global `g` headers, whose records apply to every later entry) with the `path`, `linkpath`,
/// `size`, `mtime`, `uid`, `gid`, `uname` and `gname` records, GNU long names and long link names
/// (`L`, `K`), GNU base-256 numbers, and old V7 headers. Checksums are verified (unsigned, or the
/// signed variant some old writers used). GNU and PAX sparse files are refused as unsupported.
/// A file name that ends in `/` on a regular-file header is a directory, as in V7 archives.
public struct TarReader: Sendable {
  /// One step of an archive.
  public enum Event: Sendable {
    /// An entry begins; its content (if any) follows as ``content(_:)`` events.
    case header(TarHeader)
    /// The next piece of the current entry's content; a slice of the chunk being consumed.
    case content(ArraySlice<UInt8>)
    /// The current entry's content is complete.
    case entryEnd
    /// The end-of-archive marker was read; later bytes are ignored.
    case archiveEnd
  }

  enum State: Sendable {
    case header
    case content(remaining: Int64)
    case extended(kind: UInt8, remaining: Int64)
    case padding(remaining: Int)
    case zeroBlock
    case end
  }

  var state = State.header
  var block: [UInt8] = []
  var extendedData: [UInt8] = []
  var pendingRecords: [String: String] = [:]
  var globalRecords: [String: String] = [:]
  var longName: [UInt8]?
  var longLinkName: [UInt8]?
  var currentPath = ""

  /// Creates a reader positioned at the start of an archive.
  public init() {}

  /// Whether the end-of-archive marker has been read.
  public var isAtEnd: Bool {
    if case .end = self.state { return true }
    return false
  }

  /// Parses the next chunk of archive bytes.
  /// - Parameters:
  ///   - chunk: The next bytes of the archive, of any length.
  ///   - handler: Called for every event the chunk completes, in order.
  /// - Throws: ``ContextError`` with ``ContextError/Code/malformedArchive`` naming the entry when
  ///   the bytes are not a valid archive, ``ContextError/Code/unsupported`` for sparse files, or
  ///   whatever `handler` throws.
  public mutating func consume(_ chunk: [UInt8], _ handler: (Event) throws -> Void) throws {
    try self.consume(chunk[...], handler)
  }

  /// Parses the next chunk of archive bytes, given as a slice of a larger buffer; otherwise
  /// like the form that takes an array.
  public mutating func consume(
    _ chunk: ArraySlice<UInt8>, _ handler: (Event) throws -> Void
  ) throws {
    var cursor = chunk.startIndex
    while cursor < chunk.endIndex {
      switch self.state {
      case .end:
        return
      case .header, .zeroBlock:
        let take = min(TarFormat.blockSize - self.block.count, chunk.endIndex - cursor)
        self.block.append(contentsOf: chunk[cursor..<(cursor + take)])
        cursor += take
        if self.block.count == TarFormat.blockSize {
          try self.finishBlock(handler)
        }
      case .content(let remaining):
        let take = Int(min(remaining, Int64(chunk.endIndex - cursor)))
        try handler(.content(chunk[cursor..<(cursor + take)]))
        cursor += take
        if remaining == Int64(take) {
          try handler(.entryEnd)
          self.state = .padding(remaining: TarFormat.padding(for: self.currentSize))
          self.skipEmptyPadding()
        } else {
          self.state = .content(remaining: remaining - Int64(take))
        }
      case .extended(let kind, let remaining):
        let take = Int(min(remaining, Int64(chunk.endIndex - cursor)))
        self.extendedData.append(contentsOf: chunk[cursor..<(cursor + take)])
        cursor += take
        if remaining == Int64(take) {
          try self.finishExtended(kind: kind)
        } else {
          self.state = .extended(kind: kind, remaining: remaining - Int64(take))
        }
      case .padding(let remaining):
        let take = min(remaining, chunk.endIndex - cursor)
        cursor += take
        self.state = remaining == take ? .header : .padding(remaining: remaining - take)
      }
    }
  }

  /// Checks that the input ended at an entry boundary.
  /// - Throws: ``ContextError`` with ``ContextError/Code/malformedArchive`` when the archive was
  ///   cut inside a header or an entry's content.
  public func finish() throws {
    switch self.state {
    case .end, .zeroBlock:
      return
    case .header
    where self.block.isEmpty && self.longName == nil && self.longLinkName == nil
      && self.pendingRecords.isEmpty:
      return
    default:
      throw ContextError(
        code: .malformedArchive,
        message: "archive ends inside entry \"\(self.currentPath)\"; the tar stream is truncated"
      )
    }
  }

  /// Reads a whole archive held in memory.
  /// - Parameter archive: The complete archive bytes.
  /// - Returns: Every entry's header and content, in order.
  /// - Throws: ``ContextError`` as ``consume(_:_:)`` and ``finish()`` do.
  public static func entries(of archive: [UInt8]) throws -> [(header: TarHeader, content: [UInt8])]
  {
    var reader = TarReader()
    var entries: [(header: TarHeader, content: [UInt8])] = []
    try reader.consume(archive) { event in
      switch event {
      case .header(let header): entries.append((header, []))
      case .content(let bytes): entries[entries.count - 1].content.append(contentsOf: bytes)
      case .entryEnd, .archiveEnd: break
      }
    }
    try reader.finish()
    return entries
  }

  var currentSize: Int64 = 0

  mutating func skipEmptyPadding() {
    if case .padding(0) = self.state { self.state = .header }
  }
}
