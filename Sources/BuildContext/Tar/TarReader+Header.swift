/// Decoding of header blocks and of the extended headers that modify the next entry.
///
/// Extended data is applied in the order the formats define: the ustar fields first, then GNU
/// long names (`L`, `K`), then global PAX records (`g`), then the entry's own PAX records (`x`),
/// so the most specific source wins. Extended headers apply to the next real entry only (global
/// records to every later one).
extension TarReader {
  /// Extended headers larger than this are refused rather than buffered.
  static let extendedHeaderLimit: Int64 = 16 * 1024 * 1024

  mutating func finishBlock(_ handler: (Event) throws -> Void) throws {
    let block = self.block
    self.block.removeAll(keepingCapacity: true)

    if block.allSatisfy({ $0 == 0 }) {
      if case .zeroBlock = self.state {
        self.state = .end
        try handler(.archiveEnd)
      } else {
        self.state = .zeroBlock
      }
      return
    }
    if case .zeroBlock = self.state {
      throw self.malformed("a lone zero block is followed by more data")
    }

    guard let stored = TarFormat.readNumber(block[...], field: TarFormat.Field.checksum),
      stored == TarFormat.checksum(block[...]) || stored == TarFormat.signedChecksum(block[...])
    else { throw self.malformed("a header checksum does not match") }
    guard let size = TarFormat.readNumber(block[...], field: TarFormat.Field.size), size >= 0 else {
      throw self.malformed("a header has an unreadable size field")
    }

    let typeFlag = block[TarFormat.Field.typeFlag]
    switch typeFlag {
    case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
      guard size <= Self.extendedHeaderLimit else {
        throw self.malformed("an extended header of \(size) bytes is too large")
      }
      self.currentSize = size
      self.extendedData.removeAll(keepingCapacity: true)
      self.state = .extended(kind: typeFlag, remaining: size)
      if size == 0 { try self.finishExtended(kind: typeFlag) }
    case UInt8(ascii: "S"):
      throw self.unsupportedSparse()
    default:
      let header = try self.makeHeader(block, typeFlag: typeFlag)
      try handler(.header(header))
      let contentSize = header.hasContent ? header.size : 0
      self.currentSize = contentSize
      if contentSize > 0 {
        self.state = .content(remaining: contentSize)
      } else {
        try handler(.entryEnd)
        self.state = .header
      }
    }
  }

  mutating func finishExtended(kind: UInt8) throws {
    let data = self.extendedData
    self.extendedData.removeAll(keepingCapacity: true)

    switch kind {
    case UInt8(ascii: "x"), UInt8(ascii: "g"):
      guard let records = TarFormat.paxRecords(data) else {
        throw self.malformed("a PAX extended header is not a list of records")
      }
      for record in records {
        if record.key.hasPrefix("GNU.sparse.") { throw self.unsupportedSparse() }
        if kind == UInt8(ascii: "x") {
          self.pendingRecords[record.key] = record.value
        } else {
          self.globalRecords[record.key] = record.value
        }
      }
    case UInt8(ascii: "L"):
      self.longName = Array(data.prefix { $0 != 0 })
    default:
      self.longLinkName = Array(data.prefix { $0 != 0 })
    }
    self.state = .padding(remaining: TarFormat.padding(for: self.currentSize))
    self.skipEmptyPadding()
  }

  private mutating func makeHeader(_ block: [UInt8], typeFlag: UInt8) throws -> TarHeader {
    let bytes = block[...]
    let magic = Array(block[TarFormat.Field.magic])
    let isUSTAR = magic == TarFormat.ustarMagic
    let hasOwnerNames = isUSTAR || magic == TarFormat.gnuMagic

    var name = TarFormat.readText(bytes, field: TarFormat.Field.name)
    let prefix = TarFormat.readText(bytes, field: TarFormat.Field.prefix)
    if isUSTAR, !prefix.isEmpty {
      name = prefix + [UInt8(ascii: "/")] + name
    }
    if let longName = self.longName { name = longName }
    var linkName = TarFormat.readText(bytes, field: TarFormat.Field.linkName)
    if let longLinkName = self.longLinkName { linkName = longLinkName }
    self.currentPath = String(decoding: name, as: UTF8.self)

    var header = TarHeader(path: self.currentPath, kind: TarHeader.Kind(typeFlag: typeFlag))
    header.linkName = String(decoding: linkName, as: UTF8.self)
    header.mode = UInt32(truncatingIfNeeded: try self.number(bytes, TarFormat.Field.mode) & 0o7777)
    header.uid = Int(try self.number(bytes, TarFormat.Field.uid))
    header.gid = Int(try self.number(bytes, TarFormat.Field.gid))
    header.size = try self.number(bytes, TarFormat.Field.size)
    header.modificationTime =
      try self.number(bytes, TarFormat.Field.modificationTime).multipliedReportingOverflow(
        by: 1_000_000_000
      ).partialValue
    if hasOwnerNames {
      header.userName = String(
        decoding: TarFormat.readText(bytes, field: TarFormat.Field.userName),
        as: UTF8.self
      )
      header.groupName = String(
        decoding: TarFormat.readText(bytes, field: TarFormat.Field.groupName),
        as: UTF8.self
      )
      if header.kind == .characterDevice || header.kind == .blockDevice {
        header.deviceMajor = Int(try self.number(bytes, TarFormat.Field.deviceMajor))
        header.deviceMinor = Int(try self.number(bytes, TarFormat.Field.deviceMinor))
      }
    }

    var records = self.globalRecords
    records.merge(self.pendingRecords) { _, entry in entry }
    try self.apply(records, to: &header)
    if header.kind == .regularFile, header.path.hasSuffix("/") {
      header.kind = .directory
    }

    self.longName = nil
    self.longLinkName = nil
    self.pendingRecords.removeAll()
    self.currentPath = header.path
    return header
  }

  private func apply(_ records: [String: String], to header: inout TarHeader) throws {
    for (key, value) in records {
      switch key {
      case "path": header.path = value
      case "linkpath": header.linkName = value
      case "uname": header.userName = value
      case "gname": header.groupName = value
      case "size", "uid", "gid":
        guard let number = Int64(value), number >= 0 else {
          throw self.malformed("the PAX record \(key)=\(value) is not a number")
        }
        if key == "size" { header.size = number }
        if key == "uid" { header.uid = Int(number) }
        if key == "gid" { header.gid = Int(number) }
      case "mtime":
        guard let time = TarFormat.parsePAXTime(value) else {
          throw self.malformed("the PAX record mtime=\(value) is not a time")
        }
        header.modificationTime = time
      default:
        header.extendedRecords[key] = value
      }
    }
  }

  private func number(_ block: ArraySlice<UInt8>, _ field: Range<Int>) throws -> Int64 {
    guard let value = TarFormat.readNumber(block, field: field) else {
      throw self.malformed("a numeric header field is not octal")
    }
    return value
  }

  func malformed(_ reason: String) -> ContextError {
    let place = self.currentPath.isEmpty ? "at the start" : "after entry \"\(self.currentPath)\""
    return ContextError(
      code: .malformedArchive,
      message:
        "tar archive is malformed \(place): \(reason); check that the stream is a tar archive"
    )
  }

  private func unsupportedSparse() -> ContextError {
    ContextError(
      code: .unsupported,
      message: "tar entry after \"\(self.currentPath)\" is a sparse file, which is not supported"
    )
  }
}
