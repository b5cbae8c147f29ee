/// A streaming tar writer that produces POSIX ustar with PAX extended headers.
///
/// Each entry is written as a header block, the content, and zero padding to a whole block. When a
/// value does not fit its ustar field, a PAX extended header (type `x`) with the exact value goes
/// right before the entry's own header:
///
/// - `path` for names longer than 100 bytes, `linkpath` for link targets longer than 100 bytes;
/// - `size` for sizes of 8 GiB and more, `uid`/`gid` for ids above 2,097,151;
/// - `mtime` when the time has a sub-second part or does not fit the octal field;
/// - any ``TarHeader/extendedRecords`` the caller supplies.
///
/// The ustar fields then hold a truncated name or zero, so that old readers still see a
/// well-formed header. ``finish()`` writes the two zero blocks that end the archive. Output goes
/// to a sink closure in chunks of up to 64 KiB (content chunks larger than that are passed
/// through as they are), so archives of any size stream with bounded memory.
public struct TarWriter {
  /// Receives the archive bytes in order.
  public typealias Sink = ([UInt8]) throws -> Void

  private let sink: Sink
  private var buffer: [UInt8] = []
  private var remainingContent: Int64 = 0
  private var pendingPadding = 0
  private var currentPath = ""
  private var finished = false
  private static let flushThreshold = 64 * 1024

  /// Creates a writer.
  /// - Parameter sink: Called with each chunk of archive bytes, in order.
  public init(sink: @escaping Sink) {
    self.sink = sink
  }

  /// Starts an entry; for regular files, ``writeContent(_:)`` must then supply exactly
  /// `header.size` bytes.
  /// - Parameter header: The entry's metadata.
  /// - Throws: ``ContextError`` when the previous entry's content is incomplete, when the archive
  ///   was finished, or when the sink fails.
  public mutating func writeHeader(_ header: TarHeader) throws {
    try self.closeEntry()
    guard !self.finished else {
      throw ContextError(
        code: .invalidPath,
        message: "cannot add \"\(header.path)\": the archive was already finished"
      )
    }

    let records = Self.extendedRecords(for: header)
    if !records.isEmpty {
      let data = records.flatMap { TarFormat.paxRecord(key: $0.key, value: $0.value) }
      let name =
        "PaxHeaders/" + String(String(decoding: Array(header.path.utf8.suffix(80)), as: UTF8.self))
      var pax = TarHeader(path: name, kind: .other(UInt8(ascii: "x")), size: Int64(data.count))
      pax.modificationTime = 0
      try self.append(Self.block(for: pax))
      try self.append(data)
      try self.append([UInt8](repeating: 0, count: TarFormat.padding(for: Int64(data.count))))
    }

    try self.append(Self.block(for: header))
    self.currentPath = header.path
    self.remainingContent = header.hasContent ? header.size : 0
    self.pendingPadding = TarFormat.padding(for: self.remainingContent)
  }

  /// Writes the next piece of the current entry's content.
  /// - Parameter bytes: Content bytes; the total over all calls must equal the header's size.
  /// - Throws: ``ContextError`` when more bytes arrive than the header announced, or when the sink
  ///   fails.
  public mutating func writeContent(_ bytes: [UInt8]) throws {
    guard Int64(bytes.count) <= self.remainingContent else {
      throw ContextError(
        code: .invalidPath,
        message:
          "content of \"\(self.currentPath)\" exceeds its header size; write size bytes exactly"
      )
    }
    self.remainingContent -= Int64(bytes.count)
    if bytes.count >= Self.flushThreshold {
      try self.flush()
      try self.sink(bytes)
    } else {
      try self.append(bytes)
    }
  }

  /// Writes a whole entry: the header, then `content`.
  /// - Parameters:
  ///   - header: The entry's metadata; its size is set from `content` for regular files.
  ///   - content: The entry's content (empty for non-files).
  /// - Throws: ``ContextError`` as ``writeHeader(_:)`` and ``writeContent(_:)`` do.
  public mutating func writeEntry(_ header: TarHeader, content: [UInt8] = []) throws {
    var header = header
    if header.hasContent { header.size = Int64(content.count) }
    try self.writeHeader(header)
    if !content.isEmpty { try self.writeContent(content) }
  }

  /// Ends the archive with two zero blocks and flushes everything to the sink.
  /// - Throws: ``ContextError`` when the last entry's content is incomplete, or when the sink
  ///   fails.
  public mutating func finish() throws {
    guard !self.finished else { return }
    try self.closeEntry()
    try self.append([UInt8](repeating: 0, count: 2 * TarFormat.blockSize))
    try self.flush()
    self.finished = true
  }

  private mutating func closeEntry() throws {
    guard self.remainingContent == 0 else {
      throw ContextError(
        code: .invalidPath,
        message: "content of \"\(self.currentPath)\" is \(self.remainingContent) bytes short "
          + "of its header size; write the rest first"
      )
    }
    if self.pendingPadding > 0 {
      try self.append([UInt8](repeating: 0, count: self.pendingPadding))
      self.pendingPadding = 0
    }
  }

  private mutating func append(_ bytes: [UInt8]) throws {
    self.buffer.append(contentsOf: bytes)
    if self.buffer.count >= Self.flushThreshold { try self.flush() }
  }

  private mutating func flush() throws {
    guard !self.buffer.isEmpty else { return }
    let chunk = self.buffer
    self.buffer.removeAll(keepingCapacity: true)
    try self.sink(chunk)
  }
}

extension TarWriter {
  /// The PAX records needed to carry `header` exactly.
  static func extendedRecords(for header: TarHeader) -> [(key: String, value: String)] {
    var records: [(key: String, value: String)] = []
    if header.path.utf8.count > TarFormat.Field.name.count {
      records.append(("path", header.path))
    }
    if header.linkName.utf8.count > TarFormat.Field.linkName.count {
      records.append(("linkpath", header.linkName))
    }
    if header.size > TarFormat.octalLimit(width: TarFormat.Field.size.count) {
      records.append(("size", String(header.size)))
    }
    let idLimit = TarFormat.octalLimit(width: TarFormat.Field.uid.count)
    if header.uid < 0 || Int64(header.uid) > idLimit { records.append(("uid", String(header.uid))) }
    if header.gid < 0 || Int64(header.gid) > idLimit { records.append(("gid", String(header.gid))) }

    let seconds = Self.wholeSeconds(header.modificationTime)
    let fitsField =
      seconds >= 0 && seconds <= TarFormat.octalLimit(width: TarFormat.Field.modificationTime.count)
    if header.modificationTime % 1_000_000_000 != 0 || !fitsField {
      records.append(("mtime", TarFormat.paxTime(header.modificationTime)))
    }
    for key in header.extendedRecords.keys.sorted() {
      records.append((key, header.extendedRecords[key]!))
    }
    return records
  }

  /// Encodes the ustar header block for `header`; values that do not fit are written as zero
  /// (the PAX header carries them).
  static func block(for header: TarHeader) -> [UInt8] {
    var block = [UInt8](repeating: 0, count: TarFormat.blockSize)
    TarFormat.writeText(Array(header.path.utf8), into: &block, field: TarFormat.Field.name)
    TarFormat.writeOctal(Int64(header.mode & 0o7777), into: &block, field: TarFormat.Field.mode)
    Self.writeNumber(Int64(header.uid), into: &block, field: TarFormat.Field.uid)
    Self.writeNumber(Int64(header.gid), into: &block, field: TarFormat.Field.gid)
    Self.writeNumber(header.hasContent ? header.size : 0, into: &block, field: TarFormat.Field.size)
    Self.writeNumber(
      Self.wholeSeconds(header.modificationTime),
      into: &block,
      field: TarFormat.Field.modificationTime
    )
    block[TarFormat.Field.typeFlag] = header.kind.typeFlag
    TarFormat.writeText(Array(header.linkName.utf8), into: &block, field: TarFormat.Field.linkName)
    TarFormat.writeText(TarFormat.ustarMagic, into: &block, field: TarFormat.Field.magic)
    TarFormat.writeText(TarFormat.ustarVersion, into: &block, field: TarFormat.Field.version)
    TarFormat.writeText(Array(header.userName.utf8), into: &block, field: TarFormat.Field.userName)
    TarFormat.writeText(
      Array(header.groupName.utf8),
      into: &block,
      field: TarFormat.Field.groupName
    )
    Self.writeNumber(Int64(header.deviceMajor), into: &block, field: TarFormat.Field.deviceMajor)
    Self.writeNumber(Int64(header.deviceMinor), into: &block, field: TarFormat.Field.deviceMinor)

    // Checksum: six octal digits, NUL, space.
    let sum = TarFormat.checksum(block[...])
    let digits = Array(String(sum, radix: 8).utf8)
    let padded = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 6 - digits.count)) + digits
    block.replaceSubrange(148..<154, with: padded.suffix(6))
    block[154] = 0
    block[155] = 0x20
    return block
  }

  private static func writeNumber(_ value: Int64, into block: inout [UInt8], field: Range<Int>) {
    let fits = value >= 0 && value <= TarFormat.octalLimit(width: field.count)
    TarFormat.writeOctal(fits ? value : 0, into: &block, field: field)
  }

  private static func wholeSeconds(_ nanoseconds: Int64) -> Int64 {
    let seconds = nanoseconds / 1_000_000_000
    return nanoseconds % 1_000_000_000 < 0 ? seconds - 1 : seconds
  }
}

// Not Sendable: its sink closure is not sendable; use it from one task.
@available(*, unavailable)
extension TarWriter: Sendable {}
